"""The scheduled refresh: a Prefect deployment of ``refresh_flow`` on a weekly cron.

``prefect.yaml`` declares the same deployment for ``prefect deploy``; this module builds it in
code (``flow.to_deployment``, which works offline) for ``itb-evidence schedule`` and ``serve``.
The schedule constants are the single source the README, ``prefect.yaml`` test and CLI share.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import datetime
from pathlib import Path
from typing import Any

DEPLOYMENT_NAME = "weekly-refresh"
DEFAULT_CRON = "0 6 * * 1"  # Mondays 06:00
DEFAULT_TIMEZONE = "UTC"
ENTRYPOINT = "flows/refresh.py:refresh_flow"


def default_parameters(*, db: Path, out_dir: Path, query: str | None = None) -> dict[str, Any]:
    from itb_evidence.settings import DEFAULT_QUERY

    return {"query": query or DEFAULT_QUERY, "db": str(db), "out_dir": str(out_dir)}


def next_runs(
    cron: str = DEFAULT_CRON,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    n: int = 5,
    start: datetime | None = None,
) -> list[datetime]:
    """The next ``n`` run times of a cron schedule, computed by Prefect's own scheduler code."""
    from prefect.server.schemas.schedules import CronSchedule

    schedule = CronSchedule(cron=cron, timezone=timezone)
    dates: Any = schedule.get_dates(n=n, start=start) if start else schedule.get_dates(n=n)
    if inspect.isawaitable(dates):  # sync_compatible: a coroutine when called with some args
        dates = asyncio.run(_gather(dates))
    return [datetime.fromisoformat(d.isoformat()) for d in dates]


async def _gather(awaitable: Any) -> Any:
    return await awaitable


def build_deployment(
    *,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    parameters: dict[str, Any] | None = None,
) -> Any:
    """A ``RunnerDeployment`` of the refresh flow (no server needed to build it)."""
    from prefect.client.schemas.schedules import CronSchedule

    from flows.refresh import refresh_flow

    return refresh_flow.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[CronSchedule(cron=cron, timezone=timezone)],
        parameters=parameters or {},
        description="Weekly incremental PubMed refresh of the ITB-in-HSP evidence table.",
        tags=["itb-evidence", "pubmed"],
    )
