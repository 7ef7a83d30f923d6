"""The review report in a real browser: headless Chromium runs its script, offline.

Skipped (with the reason) where Debian's ``chromium`` is not installed; ``.ci/run`` installs it.
The screenshot goes to pytest's tmp dir, never into the repository; set ``ITB_SCREENSHOT_DIR`` to
keep a copy (e.g. as a CI artifact).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from itb_evidence.report.render import write_report
from tests.support.report_fixtures import (
    PLAIN_PMID,
    RETRACTED_PMID,
    TRICKY,
    TRICKY_PMID,
    build_store,
    nodes,
    parse_html,
)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WINDOW = (1280, 2000)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) "
            "to run the browser test of the HTML report"
        )
    work = tmp_path_factory.mktemp("browser")
    with build_store(work / "e.duckdb") as store:
        return write_report(
            store,
            work / "report.html",
            changes=["new study PMID 400"],
            generated_at=datetime(2024, 1, 2, tzinfo=UTC),
        )


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    """A fresh browser profile (and HOME) per test, so nothing leaks between runs."""
    return tmp_path / "profile"


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless, sandbox-less (containers), and cut off from the network by construction."""
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        f"--user-data-dir={profile}",
        *args,
    ]
    env = {**os.environ, "HOME": str(profile)}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)


def test_dom_after_scripts_has_highlights_and_a_table_sorted_by_the_script(
    report_html: Path, profile: Path
) -> None:
    url = report_html.as_uri() + "#sort=evidence-table:year:desc"
    done = _chromium(profile, "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    doc = parse_html(done.stdout)
    (table,) = nodes(doc, '//table[@id="evidence-table"]')
    assert table.get("data-sort-ready") == "true"  # set by the inline script, not the server
    assert table.get("data-sorted-by") == "year:descending"
    order = [tr.get("data-pmid") for tr in nodes(table, "./tbody/tr")]
    assert order == [RETRACTED_PMID, PLAIN_PMID, TRICKY_PMID]  # the server wrote 2018 first
    (year_th,) = nodes(table, './thead/tr/th[@data-key="year"]')
    assert year_th.get("aria-sort") == "descending"
    (excluded,) = nodes(doc, '//table[@id="excluded-table"]')
    assert excluded.get("data-sort-ready") == "true"
    (tricky,) = nodes(doc, f'//div[@class="abstract"][@data-pmid="{TRICKY_PMID}"]')
    assert tricky.text_content() == TRICKY
    marks = nodes(tricky, ".//mark[@data-mention]")
    assert len({m.get("data-mention") for m in marks}) == 8
    assert {m.get("data-kind") for m in marks} == {
        "outcome_measure",
        "dose",
        "p_value",
        "result",
        "sample_size",
    }
    # 8 + 7 + 7 mentions; the crossing sample-size span is drawn in 2 parts
    assert len(nodes(doc, '//div[@class="abstract"]//mark[@data-mention]')) == 8 + 1 + 7 + 7


def test_screenshot_is_a_real_png(report_html: Path, profile: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _chromium(
        profile,
        f"--screenshot={shot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--hide-scrollbars",
        report_html.as_uri(),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == WINDOW
    assert len(data) > 50_000  # a blank page of this size is ~12 KB (measured)
    keep = os.environ.get("ITB_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
