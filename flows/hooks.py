"""Run notifications: a flow state hook that reports the refresh summary.

Always logs the summary; when ``ITB_NOTIFY_WEBHOOK`` is set, also POSTs it as JSON (Slack/Teams
style incoming webhooks accept ``{"text": ...}``). A failing webhook is logged, never raised:
a notification must not turn a good run into a failed one.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

from itb_evidence.runs import RefreshSummary
from itb_evidence.settings import notify_webhook

log = logging.getLogger("itb_evidence.notify")


def summary_text(flow_name: str, run_name: str, state_name: str, result: Any) -> str:
    head = f"itb-evidence: {flow_name} run {run_name} {state_name}"
    if isinstance(result, RefreshSummary):
        return "\n".join([head, *result.lines()])
    if isinstance(result, BaseException):
        return f"{head}: {type(result).__name__}: {result}"
    return head


def notify(text: str, *, webhook: str | None = None) -> bool:
    log.info("%s", text)
    url = webhook if webhook is not None else notify_webhook()
    if not url:
        return False
    try:
        response = requests.post(url, json={"text": text}, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.error("notification webhook failed: %s", exc)
        return False
    return True


def notify_run_state(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_completion``/``on_failure`` hook."""
    try:
        result = state.result(raise_on_failure=False)
    except Exception as exc:  # the result may not be retrievable; the state still is
        result = exc
    notify(summary_text(flow.name, flow_run.name, state.name, result))
