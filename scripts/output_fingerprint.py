"""Write every user-visible output of the pipeline into one folder, so two commits can be compared
with `diff -r` (used to prove a refactoring is behaviour-preserving).

usage: python scripts/output_fingerprint.py OUT_DIR

It runs, through the installed CLI only (so module moves do not matter): `extract` over every gold
file of the repository (and of ../shared when present), then `demo` into a temporary store, and
writes the extract JSONL, the demo's CSV exports, the XLSX cells, every store table (sorted) and the
HTML report with run timestamps blanked (the only part that changes between two runs).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import openpyxl

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("itb-evidence"))
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+\d{2}:\d{2})?")


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    golds = [
        p for p in sorted((ROOT / "tests" / "gold").rglob("*.jsonl")) if "passes" not in p.parts
    ]
    golds += sorted((ROOT.parent / "shared" / "gold").glob("*.jsonl"))
    for gold in golds:
        name = gold.relative_to(gold.parents[1]).as_posix().replace("/", "__")
        subprocess.run([CLI, "extract", str(gold), "-o", str(out / f"extract__{name}")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        db, exports = Path(tmp) / "demo.duckdb", Path(tmp) / "out"
        subprocess.run(
            [CLI, "demo", "--db", str(db), "--out-dir", str(exports)],
            check=True,
            capture_output=True,
        )
        for csv in sorted(exports.glob("*.csv")):
            shutil.copy(csv, out / f"demo__{csv.name}")
        report = (exports / "report.html").read_text(encoding="utf-8")
        (out / "demo__report.html").write_text(TIMESTAMP.sub("<ts>", report), encoding="utf-8")
        book = openpyxl.load_workbook(exports / "evidence.xlsx")
        with (out / "demo__evidence.xlsx.txt").open("w", encoding="utf-8") as fh:
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    fh.write(TIMESTAMP.sub("<ts>", repr((sheet.title, row))) + "\n")
        con = duckdb.connect(str(db), read_only=True)
        tables = [
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        ]
        for table in sorted(tables):
            frame = con.execute(f'select * from "{table}"').df()
            frame = frame.reindex(sorted(frame.columns), axis=1)
            text = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False)
            (out / f"store__{table}.csv").write_text(TIMESTAMP.sub("<ts>", text), encoding="utf-8")
        con.close()
    print(f"wrote {len(list(out.iterdir()))} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
