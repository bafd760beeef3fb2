"""`make bench`: the booking budgets of docs/performance.md, measured, with PASS/FAIL.

Each database runs in its own process (settings are read once per process):
  - SQLite (a fresh file): listing a day's free start times; proposing a 3-session course;
    the reception calendar's week view (10 clinicians, 2 devices, 400 visits).
  - PostgreSQL (a fresh `clinic_bench` database, or BENCH_POSTGRES_URL): 50 simultaneous
    attempts at one slot, non-conflicting bookings per second with 8 concurrent clients, and a
    mixed stress of bookings, moves and cancels in 16 threads.
Exit status 1 if any budget is missed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = Path(os.environ.get("BENCH_SQLITE_FILE", "/tmp/clinic-bench.sqlite3"))
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/clinic_bench"
)


def run_backend(name: str, database_url: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.scenarios", name],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        return [{"name": f"{name} benchmarks did not run", "result": "FAIL", "numbers": ""}]
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def main() -> int:
    SQLITE_FILE.unlink(missing_ok=True)
    rows = run_backend("sqlite", f"sqlite:///{SQLITE_FILE}") + run_backend("postgres", POSTGRES_URL)
    width = max(len(row["name"]) for row in rows)
    measured = max(46, *(len(row["numbers"]) for row in rows))
    print(f"{'Benchmark'.ljust(width)}  {'Measured'.ljust(measured)}  {'Budget'.ljust(30)}  Result")
    for row in rows:
        print(
            f"{row['name'].ljust(width)}  {row['numbers'].ljust(measured)}  "
            f"{row.get('budget', '').ljust(30)}  {row['result']}"
        )
    failed = [row for row in rows if row["result"] == "FAIL"]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} within budget.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
