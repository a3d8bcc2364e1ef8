"""CSV import of leads on PostgreSQL: `salesloop-leads import FILE` (streamed staging, then
capture with duplicate check, grading, assignment, history and outbox events in committed
batches) against a bare executemany of the same rows into one table, in the same run.

Figures: rows/s of each, the ratio, and the import process's peak RSS (its own, read
from the kernel when it exits). ``--quick`` imports 10,000 rows instead of 50,000.
"""
from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import database, report

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 50_000))
QUICK_ROWS = 10_000
HEADER = ["公司", "联系人", "手机", "邮箱", "行业", "地区", "需求", "意向产品", "预算", "来源"]
BIN = Path(sys.executable).parent


def write_file(path: Path, rows: int) -> None:
    """``rows`` distinct leads; one in a hundred has a bad phone number (a failure to report)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            phone = f"139{n:08d}" if n % 100 != 7 else "12345"
            writer.writerow([f"导入测试公司{n}", "王伟", phone, f"i{n}@example.com", "manufacturing", "east",
                             "需要报价 quote", "crm", "200000", "trade_show"])


def _reps(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        for r in range(5):
            connection.execute(text(
                "insert into reps (id, name, team, region, active, capacity, product_lines, regions, industries, "
                "created_at, updated_at) values (:id, :id, 'team-1', 'east', true, 100000, '[\"crm\"]', '[\"east\"]', '[]', "
                "now(), now())"), {"id": f"rep-{r}"})
    engine.dispose()


def candidate(path: Path, rows: int) -> dict:
    with database("bench_import") as url:
        env = {**os.environ, "DATABASE_URL": url, "BUS_URL": "memory://", "OTEL_SDK_DISABLED": "true"}
        subprocess.run([str(BIN / "salesloop-leads"), "migrate"], env=env, check=True, capture_output=True)
        _reps(url)
        started = time.perf_counter()
        child = subprocess.Popen([str(BIN / "salesloop-leads"), "import", str(path), "--quiet", "--user", "bench"],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        output, errors = child.stdout.read(), child.stderr.read()
        if status != 0:
            raise RuntimeError(f"the import failed: {errors[-2000:]}")
    return {"rows": rows, "seconds": elapsed, "per_second": rows / elapsed, "peak_rss_mb": usage.ru_maxrss / 1024,
            "last_line": output.strip().splitlines()[-1]}


def baseline(path: Path, rows: int) -> dict:
    """The same rows parsed by the csv module and inserted 1,000 at a time (psycopg executemany);
    a COPY of the file is timed too, for reference."""
    from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, create_engine, insert

    with database("bench_import_base") as url:
        engine = create_engine(url)
        metadata = MetaData()
        table = Table("bare_leads", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                      *[Column(f"c{i}", String(200)) for i in range(len(HEADER))], Column("extra", JSON))
        metadata.create_all(engine)
        started = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle, engine.begin() as connection:
            reader = csv.reader(handle)
            next(reader)
            chunk = []
            for values in reader:
                chunk.append({f"c{i}": value for i, value in enumerate(values)})
                if len(chunk) == 1000:
                    connection.execute(insert(table), chunk)
                    chunk = []
            if chunk:
                connection.execute(insert(table), chunk)
        executemany = time.perf_counter() - started
        started = time.perf_counter()
        with engine.begin() as connection, path.open("rb") as handle:
            raw = connection.connection.dbapi_connection
            columns = ", ".join(f"c{i}" for i in range(len(HEADER)))
            with raw.cursor().copy(f"COPY bare_leads ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while block := handle.read(1 << 16):
                    copy.write(block)
        copied = time.perf_counter() - started
        engine.dispose()
    return {"rows": rows, "seconds": executemany, "per_second": rows / executemany, "copy_per_second": rows / copied,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run(quick: bool = False) -> dict:
    rows = QUICK_ROWS if quick else ROWS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        write_file(path, rows)
        size_mb = path.stat().st_size / 1e6
        base = baseline(path, rows)
        cand = candidate(path, rows)
    cand["file_mb"] = size_mb
    cand["load_average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    record = report("leads_import", f"`salesloop-leads import` of {rows:,} CSV rows ({size_mb:.1f} MB) on PostgreSQL, "
                    "against a bare executemany of the same rows", cand, base, "per_second", "rows/s")
    print(f"   peak RSS of the import process: {cand['peak_rss_mb']:.0f} MB (goal ≤ 150 MB)")
    return record


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    run(quick="--quick" in sys.argv)
