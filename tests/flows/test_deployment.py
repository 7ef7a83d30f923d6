"""The scheduled refresh: prefect.yaml, the in-code deployment and the CLI agree; hooks report."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flows.deployment import (
    DEFAULT_CRON,
    DEFAULT_TIMEZONE,
    DEPLOYMENT_NAME,
    ENTRYPOINT,
    build_deployment,
    next_runs,
)
from flows.hooks import notify, summary_text
from itb_evidence.cli import app
from itb_evidence.runs import RefreshSummary

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_declares_the_documented_schedule() -> None:
    doc = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = doc["deployments"]
    assert deployment["name"] == DEPLOYMENT_NAME
    assert deployment["entrypoint"] == ENTRYPOINT
    assert deployment["schedules"] == [
        {"cron": DEFAULT_CRON, "timezone": DEFAULT_TIMEZONE, "active": True}
    ]
    module, func = ENTRYPOINT.split(":")
    assert f"def {func}(" in (ROOT / module).read_text(encoding="utf-8")


def test_deployment_builds_offline_with_weekly_cron() -> None:
    deployment = build_deployment(parameters={"db": "x.duckdb"})
    assert deployment.name == DEPLOYMENT_NAME
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == (DEFAULT_CRON, "UTC")
    assert deployment.parameters == {"db": "x.duckdb"}


def test_next_runs_are_mondays_at_six_utc() -> None:
    runs = next_runs(n=3, start=datetime(2026, 11, 27, 12, tzinfo=UTC))
    assert [r.isoformat() for r in runs] == [
        "2026-11-30T06:00:00+00:00",
        "2026-12-07T06:00:00+00:00",
        "2026-12-14T06:00:00+00:00",
    ]


def test_schedule_command_prints_what_and_when() -> None:
    result = CliRunner().invoke(app, ["schedule", "--count", "2", "--db", "s.duckdb"])
    assert result.exit_code == 0, result.output
    assert f"itb-evidence-refresh/{DEPLOYMENT_NAME}" in result.output
    assert "parameter db: s.duckdb" in result.output
    assert result.output.count("next run: ") == 2


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, str]] = []  # noqa: RUF012 - shared with the test on purpose

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(500 if b"fail-me" in body else 200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_notification_posts_summary_and_survives_a_failing_webhook(webhook: str) -> None:
    summary = RefreshSummary(
        run_id=3,
        mode="live",
        query="q",
        window="w",
        records_read=5,
        studies_kept=2,
        rows_written=9,
        db_path="x.duckdb",
    )
    text = summary_text("itb-evidence-refresh", "brave-otter", "Completed", summary)
    assert text.splitlines()[0] == "itb-evidence: itb-evidence-refresh run brave-otter Completed"
    assert "studies kept: 2; rows written: 9" in text
    assert notify(text, webhook=webhook) is True
    assert _Hook.received[-1]["text"] == text
    assert notify("fail-me", webhook=webhook) is False
    assert notify("no hook configured", webhook="") is False
