"""A 50,000-row import: staged from a stream it reads bit by bit (never the whole file in
memory), with its progress — rows done of the total, failures so far — at the status
endpoint and on the command line."""
import io
import tracemalloc

from leads.commands import import_cli, importing

SUP = {"role": "supervisor", "user": "sup-1", "team": "team-1", "region": "east"}
ROWS = 50_000
BAD_EVERY = 1000  # one row in a thousand has a bad phone number: 50 failures at staging
NEEDS = "a quote for fifty seats of the CRM and on-site training for the sales team " * 3


class GeneratedCsv(io.RawIOBase):
    """A CSV file made as it is read: no copy of it exists anywhere. Counts the bytes handed out."""

    def __init__(self, rows: int):
        self._lines = self._generate(rows)
        self._pending = b""
        self.served = 0
        self.size = sum(len(line) for line in self._generate(rows))

    @staticmethod
    def _generate(rows: int):
        yield b"company,contact,phone,email,industry,region,source,needs\n"
        for n in range(rows):
            phone = "12345" if n % BAD_EVERY == 7 else f"139{n:08d}"
            yield (f"进度测试公司{n},王伟,{phone},p{n}@example.com,manufacturing,east,trade_show,"
                   f"{NEEDS}\n").encode()

    def readable(self):
        return True

    def readinto(self, buffer):
        while len(self._pending) < len(buffer):
            line = next(self._lines, None)
            if line is None:
                break
            self._pending += line
        given, self._pending = self._pending[:len(buffer)], self._pending[len(buffer):]
        buffer[:len(given)] = given
        self.served += len(given)
        return len(given)


def test_a_50000_row_file_is_staged_incrementally_in_bounded_memory_and_its_progress_is_reported(
        leads, monkeypatch):
    leads.rep("rep-1", capacity=100_000, product_lines=["crm"])
    stream = GeneratedCsv(ROWS)
    served_at_flush = []
    flush = importing._flush_chunk

    def watched_flush(uow, job, chunk):
        if chunk:
            served_at_flush.append(stream.served)
        flush(uow, job, chunk)

    monkeypatch.setattr(importing, "_flush_chunk", watched_flush)
    unit = leads.runtime.uow()
    tracemalloc.start()
    try:
        job = importing.stage_import(unit, stream, filename="trade-show.csv", by="sup-1", team="team-1",
                                     record_duplicates=False)
        unit.commit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    job_id = job.id
    # Read as it was staged: each chunk of rows went to the database while most of the file was unread.
    assert len(served_at_flush) == ROWS // importing.STAGE_CHUNK
    assert served_at_flush[0] < stream.size / 20 and served_at_flush[len(served_at_flush) // 2] < stream.size * 0.6
    assert stream.served == stream.size
    assert peak < stream.size / 4, (peak, stream.size)  # far less than the file (about 16 MB)

    failed_at_staging = ROWS // BAD_EVERY
    status = leads.get(f"/leads/imports/{job_id}", **SUP).json
    assert (status["total_rows"], status["done"], status["failed"], status["imported"], status["pending"]) == (
        ROWS, failed_at_staging, failed_at_staging, 0, ROWS - failed_at_staging)
    assert status["errors_total"] == failed_at_staging and status["errors"][0]["line"] == 2 + 7

    progress = importing.run_to_end(unit, job_id, 300)
    first, second = next(progress), next(progress)
    unit.close()
    assert (first.total, first.imported, first.failed, first.done, first.finished) == (
        ROWS, 300, failed_at_staging, 300 + failed_at_staging, False)
    assert (second.imported, second.done) == (600, 600 + failed_at_staging)
    status = leads.get(f"/leads/imports/{job_id}", **SUP).json
    assert (status["status"], status["done"], status["failed"], status["imported"], status["pending"]) == (
        "running", 600 + failed_at_staging, failed_at_staging, 600, ROWS - 600 - failed_at_staging)
    assert len(leads.events("leads.lead.captured")) == 600


def test_the_command_line_import_prints_its_progress_after_each_batch(leads, monkeypatch, tmp_path):
    leads.rep("rep-1", capacity=1000)
    path = tmp_path / "leads.csv"
    rows = "".join(f"公司{n},{'12345' if n == 3 else f'1390000{n:04d}'},import\n" for n in range(25))
    path.write_text("company,phone,source\n" + rows + "公司0,13900000000,import\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", leads.runtime.settings.database_url)
    monkeypatch.setenv("BUS_URL", "memory://")
    out = io.StringIO()
    assert import_cli.main([str(path), "--batch", "10", "--user", "sup-1"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].endswith("26 rows staged, 1 refused by their fields" + lines[0][lines[0].rindex(" ("):])
    done = [line.split(":")[0] for line in lines[1:]]
    assert done == ["11/26 rows done (42.3 %)", "21/26 rows done (80.8 %)", "26/26 rows done (100.0 %)"]
    assert lines[-1].split(": ", 1)[1].startswith("24 imported, 2 failed") and lines[-1].endswith("finished")
    assert leads.count("leads") == 24
