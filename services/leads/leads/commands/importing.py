"""Bulk import of leads from CSV.

The upload is read as a stream, row by row (UTF-8, with or without BOM), and
each row is checked against the same schema as ``POST /leads``. Rows are
staged in ``lead_import_rows`` a thousand at a time, so the file is never held
in memory: a bad row is kept with its line number and reasons, a good one
waits to be captured. Capturing (duplicate check, grading, assignment, events)
then runs in batches that each commit: in the request for a small file, in the
worker for a large one, so no request runs long enough to time out and a
crash resumes from the last committed batch.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from datetime import date
from decimal import Decimal
from functools import cache

from marshmallow import ValidationError
from sqlalchemy import bindparam, insert, null, select, text, update
from sqlalchemy.exc import DBAPIError

from leads.commands.assignment import RepRoster
from leads.commands.capture import begin_capture, capture_lead, finish_capture, keys_of
from leads.commands.chunk_writes import ChunkWrites
from leads.commands.common import StagedWrites, jsonable, new_id, utcnow
from leads.domain.errors import DomainError, DuplicateFound, InvalidField
from leads.models import Lead, LeadImport, LeadImportRow
from leads.domain.duplicates import DedupeKeys
from leads.domain.normalization import normalize_company_name
from leads.repository import BatchDuplicates, load_rules
from leads.schemas import LeadIn

log = logging.getLogger(__name__)
STAGE_CHUNK = 1000
_ROW_SCHEMA = LeadIn()
# A staged row keeps the lead as the schema loaded it, under this key, so that it is checked once.
CHECKED = "checked"
MAX_ROWS = 200_000

# Column names a sales team's spreadsheet may use, English or Chinese, for each field.
COLUMNS = {
    "company": ("company", "company_name", "公司", "公司名称", "企业名称", "单位名称"),
    "person_name": ("person_name", "name", "customer_name", "姓名", "客户姓名"),
    "industry": ("industry", "行业"),
    "region": ("region", "地区", "区域"),
    "company_size": ("company_size", "size", "employees", "规模", "员工人数"),
    "contact_name": ("contact_name", "contact", "联系人"),
    "contact_title": ("contact_title", "title", "职位", "职务"),
    "phone": ("phone", "mobile", "telephone", "电话", "手机", "手机号", "联系电话"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮件", "电子邮箱"),
    "needs": ("needs", "需求", "需求描述"),
    "product_lines": ("product_lines", "products", "产品线", "意向产品"),
    "budget": ("budget", "预算"),
    "currency": ("currency", "币种"),
    "expected_purchase_by": ("expected_purchase_by", "purchase_by", "预计采购日期"),
    "source": ("source", "来源", "渠道"),
    "campaign_code": ("campaign_code", "campaign", "活动代码"),
    "referrer": ("referrer", "推荐人"),
    "received_at": ("received_at", "接收时间"),
}
ALIASES = {alias.casefold(): field for field, aliases in COLUMNS.items() for alias in aliases}
# Where a schema error on a nested field is reported: under its CSV column.
ERROR_COLUMNS = {("contact", "name"): "contact_name", ("contact", "title"): "contact_title",
                 ("contact", "phone"): "phone", ("contact", "email"): "email", ("budget", "amount"): "budget",
                 ("budget", "currency"): "currency", ("source_detail", "campaign_code"): "campaign_code",
                 ("source_detail", "referrer"): "referrer"}
LIST_SEPARATORS = re.compile(r"[;,|、，；/]")


# -- reading the file --------------------------------------------------------------------------
def open_text(binary) -> io.TextIOWrapper:
    """A text view of an uploaded byte stream; "utf-8-sig" drops a BOM when there is one."""
    if not isinstance(binary, io.BufferedIOBase) and not hasattr(binary, "readinto"):
        binary = io.BufferedReader(binary)
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def read_header(reader) -> list[str | None]:
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidField("file", "is empty: the first line must name the columns") from None
    fields = [ALIASES.get(name.strip().casefold()) for name in header]
    unknown = [name for name, field in zip(header, fields, strict=False) if field is None and name.strip()]
    if unknown:
        known = ", ".join(COLUMNS)
        raise InvalidField("file", f"unknown column(s) {', '.join(unknown)}; known columns: {known}")
    if not ({"phone", "email"} & set(fields)) or not ({"company", "person_name"} & set(fields)):
        raise InvalidField("file", "needs a company or name column and a phone or e-mail column")
    return fields


def rows_of(text) -> tuple[list, Iterator[tuple[int, list[str]]]]:
    reader = csv.reader(text)
    fields = read_header(reader)

    def rows():
        last_line = reader.line_num
        for values in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            yield first_line, values

    return fields, rows()


def lead_data(fields: list, values: list[str], company_currency: str, record_duplicates: bool) -> dict:
    """One CSV row as the JSON body ``POST /leads`` would take."""
    if len(values) > len(fields):
        raise ValidationError({"file": [f"the row has {len(values)} columns, the header {len(fields)}"]})
    cells = {field: value.strip() for field, value in zip(fields, values, strict=False) if field and value.strip()}
    contact = {key: cells[column] for key, column in (("name", "contact_name"), ("title", "contact_title"),
                                                       ("phone", "phone"), ("email", "email")) if column in cells}
    data = {key: cells[key] for key in ("company", "person_name", "industry", "region", "company_size", "needs",
                                        "expected_purchase_by", "received_at") if key in cells}
    data.update(contact=contact, source=cells.get("source", "import"), record_duplicate=record_duplicates)
    if "product_lines" in cells:
        data["product_lines"] = [item.strip() for item in LIST_SEPARATORS.split(cells["product_lines"])
                                 if item.strip()]
    if "budget" in cells:
        data["budget"] = {"amount": cells["budget"].replace(",", ""),
                          "currency": cells.get("currency", company_currency)}
    detail = {key: cells[key] for key in ("campaign_code", "referrer") if key in cells}
    if detail:
        data["source_detail"] = detail
    return data


def column_errors(messages: dict) -> dict:
    """Schema messages keyed by the CSV column a person can find in their file."""
    flat = {}
    for field, value in messages.items():
        if isinstance(value, dict):
            for inner, inner_messages in value.items():
                flat[ERROR_COLUMNS.get((field, inner), f"{field}.{inner}")] = inner_messages
        else:
            flat[field] = value
    return flat


# -- staging -------------------------------------------------------------------------------------
def stage_import(uow, binary, *, filename: str | None, by: str | None, team: str | None,
                 record_duplicates: bool, now: datetime | None = None) -> LeadImport:
    """Check every row and stage it; nothing is captured yet."""
    now = now or utcnow()
    job = LeadImport(id=new_id(), status="pending", filename=(filename or "")[:200] or None, created_by=by,
                     owner_team=team, record_duplicates=record_duplicates, total_rows=0, imported=0, rejected=0,
                     created_at=now)
    uow.add(job)
    uow.flush()
    currency = uow.settings.company_currency
    chunk: list[dict] = []
    line, schema = 1, LeadIn()
    try:
        fields, rows = rows_of(open_text(binary))
        for line, values in rows:
            chunk.append(_staged(schema, job.id, line, fields, values, currency, record_duplicates))
            job.total_rows += 1
            if job.total_rows > MAX_ROWS:
                raise InvalidField("file", f"has more than {MAX_ROWS} rows; split it")
            if len(chunk) >= STAGE_CHUNK:
                _flush_chunk(uow, job, chunk)
    except UnicodeDecodeError:
        raise InvalidField("file", f"is not UTF-8 text (after line {line}); save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise InvalidField("file", f"line {line + 1}: {exc}") from None
    _flush_chunk(uow, job, chunk)
    return job


def _staged(schema, import_id: str, line: int, fields, values, currency: str, record_duplicates: bool) -> dict:
    row = {"import_id": import_id, "line": line, "lead_id": None}
    try:
        checked = schema.load(lead_data(fields, values, currency, record_duplicates))
    except ValidationError as exc:
        return {**row, "status": "rejected", "data": None, "errors": column_errors(exc.messages)}
    return {**row, "status": "pending", "data": {CHECKED: jsonable(checked)}, "errors": None}


def staged_lead(data: dict) -> dict:
    """A staged row as the schema loaded it. The checked form (normalized contact, decimal
    budget) is read back as it was stored; a row staged before it was kept is checked now."""
    if CHECKED not in data:
        return _ROW_SCHEMA.load(data)
    lead = dict(data[CHECKED])
    if lead.get("budget"):
        lead["budget"] = {**lead["budget"], "amount": Decimal(lead["budget"]["amount"])}
    if lead.get("expected_purchase_by"):
        lead["expected_purchase_by"] = date.fromisoformat(lead["expected_purchase_by"])
    if lead.get("received_at"):
        lead["received_at"] = datetime.fromisoformat(lead["received_at"])
    return lead


def _flush_chunk(uow, job: LeadImport, chunk: list[dict]) -> None:
    if chunk:
        uow.session.execute(insert(LeadImportRow), chunk)
        job.rejected += sum(1 for row in chunk if row["status"] == "rejected")
        chunk.clear()


# -- capturing -------------------------------------------------------------------------------------
def run_batch(uow, import_id: str, limit: int, now: datetime | None = None) -> int:
    """Capture up to ``limit`` staged rows as one chunk; the caller commits.

    Rows are checked before anything is written, so a bad row normally costs
    nothing. Should the database still refuse the chunk's statements, the chunk
    is rolled back to its savepoint and run again row by row, each in its own
    savepoint, so one row can never stall the whole import.
    """
    now = now or utcnow()
    try:
        with uow.session.begin_nested():
            return process_batch(uow, uow.session.get(LeadImport, import_id), limit, now)
    except DBAPIError:
        log.warning("an import batch failed; retrying it row by row", exc_info=True,
                    extra={"import_id": import_id})
    return process_batch(uow, uow.session.get(LeadImport, import_id), limit, now, careful=True)


def process_batch(uow, job: LeadImport, limit: int, now: datetime, careful: bool = False) -> int:
    rows = pending_rows(uow.session, job.id, limit)
    job.status = "running"
    if rows:
        capture = _capture_row_by_row if careful else _capture_chunk
        outcomes = capture(uow, rows, job.created_by, now)
        _record_outcomes(uow.session, outcomes)
        imported = sum(1 for outcome in outcomes if outcome.lead_id)
        _analyze_as_the_import_grows(uow.session, job.imported, job.imported + imported, limit)
        job.imported, job.rejected = job.imported + imported, job.rejected + len(outcomes) - imported
    if len(rows) < limit:  # every pending row was in this batch
        job.status, job.finished_at = "done", now
    return len(rows)


def pending_rows(session, import_id: str, limit: int) -> list:
    """The next staged rows, in line order.

    Rows are captured in line order, so every row before the last one imported is done. The
    scan starts there: a row's index entry as pending stays behind (dead) when the row is
    captured, and a scan from the first line would wade through all of them on every batch.
    """
    done_up_to = session.execute(
        select(LeadImportRow.line).where(LeadImportRow.import_id == import_id, LeadImportRow.status == "imported")
        .order_by(LeadImportRow.line.desc()).limit(1)).scalar()  # the index's last entry, whatever the statistics say
    return session.execute(
        select(LeadImportRow.id, LeadImportRow.line, LeadImportRow.data)
        .where(LeadImportRow.import_id == import_id, LeadImportRow.status == "pending",
               LeadImportRow.line > (done_up_to or 0))
        .order_by(LeadImportRow.line).limit(limit)).all()


def _analyze_as_the_import_grows(session, imported_before: int, imported_after: int, batch: int) -> None:
    """Fresh statistics for PostgreSQL's planner once the import's leads pass a batch times a power of two.

    A chunk's duplicate lookup is planned from the leads table's statistics. An import can make
    that table many times larger before autovacuum looks at it (or ever, where it is off), and a
    planner that still believes it nearly empty reads every open lead for each chunk instead of
    probing the key indexes: the import would slow down as it goes. A handful of ANALYZEs per
    import (each samples a bounded number of rows) keeps the lookup an index probe.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    threshold = batch
    while threshold <= imported_after:
        if threshold > imported_before:
            session.execute(text(f"ANALYZE {Lead.__tablename__}, {LeadImportRow.__tablename__}"))
            return
        threshold *= 2


@dataclass(frozen=True)
class Outcome:
    """What became of a staged row: its lead, or the reasons it was refused."""

    row_id: int
    lead_id: str | None = None
    errors: dict | None = None


@dataclass
class _Begun:
    row_id: int
    lead: object
    staged: StagedWrites


def _capture_chunk(uow, rows, by: str | None, now: datetime) -> list[Outcome]:
    """The chunk's rows captured together: the rules and the duplicate candidates asked once,
    every lead graded before the reps are locked, then assigned under one lock of the roster,
    written in a few statements, and its events published once the rows are in."""
    rules, writes = load_rules(uow.session), ChunkWrites(uow)
    outcomes: list[Outcome] = []
    checked = _checked_rows(rows, outcomes)
    duplicates = BatchDuplicates.load(uow.session, [_keys_of(data) for _, data in checked])
    begun: list[_Begun] = []
    for row_id, data in checked:
        staged = StagedWrites(writes)
        result, refusal = _attempt(begin_capture, staged, data, captured_by=by, rules=rules, now=now,
                                   duplicates=duplicates)
        if refusal:
            outcomes.append(Outcome(row_id, errors=refusal))
        else:
            begun.append(_Begun(row_id, result[0], staged))
    roster = RepRoster.load(uow.session)  # the reps locked from here to the commit
    for entry in begun:
        _, refusal = _attempt(finish_capture, entry.staged, entry.lead, rules, now, roster)
        if refusal:
            duplicates.forget_lead(entry.lead.id)
            outcomes.append(Outcome(entry.row_id, errors=refusal))
            continue
        entry.staged.write()
        outcomes.append(Outcome(entry.row_id, lead_id=entry.lead.id))
    writes.write()
    return outcomes


def _capture_row_by_row(uow, rows, by: str | None, now: datetime) -> list[Outcome]:
    """Each row in its own savepoint, its duplicates asked on their own: a savepoint rolled
    back would leave a chunk's duplicate index knowing leads that were never written."""
    rules, roster = load_rules(uow.session), RepRoster.load(uow.session)
    outcomes: list[Outcome] = []
    for row_id, data in _checked_rows(rows, outcomes):
        writes = ChunkWrites(uow)
        try:
            with uow.session.begin_nested():
                lead, refusal = _attempt(capture_lead, writes, data, captured_by=by, rules=rules, roster=roster,
                                         now=now)
                writes.insert_rows()
        except DBAPIError as exc:
            refusal = {"row": [f"the database refused the row: {type(exc.orig).__name__}"]}
        if refusal:
            outcomes.append(Outcome(row_id, errors=refusal))
            continue
        writes.publish_events()
        outcomes.append(Outcome(row_id, lead_id=lead.id))
    return outcomes


def _checked_rows(rows, outcomes: list[Outcome]) -> list[tuple[int, dict]]:
    """(row id, lead data) of the rows that read; the others refused into ``outcomes``."""
    checked = []
    for row in rows:
        try:
            checked.append((row.id, staged_lead(row.data)))
        except ValidationError as exc:
            outcomes.append(Outcome(row.id, errors={"row": [str(exc)]}))
    return checked


def _keys_of(data: dict) -> DedupeKeys:
    """The row's duplicate keys as its capture will compute them."""
    company_key = normalize_company_name(data["company"]) if data.get("company") else None
    return keys_of(data.get("contact") or {}, company_key)


def _attempt(step, *args, **kwargs) -> tuple:
    """Run one row's step: its result, or the reasons the row was refused (by field)."""
    try:
        return step(*args, **kwargs), None
    except DuplicateFound as exc:
        kind, record_id, keys = exc.matches[0]
        return None, {"duplicate": [f"same {', '.join(keys)} as {kind} {record_id}"]}
    except InvalidField as exc:
        return None, {exc.field: [exc.reason]}
    except (DomainError, ValidationError) as exc:
        return None, {"row": [str(exc)]}


def _record_outcomes(session, outcomes: list[Outcome]) -> None:
    """Each row marked imported (its data dropped: the lead has it) or rejected with its reasons."""
    imported = [{"row_id": o.row_id, "lead_id": o.lead_id} for o in outcomes if o.lead_id]
    rejected = [{"row_id": o.row_id, "errors": o.errors} for o in outcomes if not o.lead_id]
    if imported:
        session.execute(_mark_imported(), imported)
    if rejected:
        session.execute(_mark_rejected(), rejected)


@cache
def _mark_imported():
    rows = LeadImportRow.__table__
    return (update(rows).where(rows.c.id == bindparam("row_id"))
            .values(status="imported", lead_id=bindparam("lead_id"), data=null()))


@cache
def _mark_rejected():
    rows = LeadImportRow.__table__
    return update(rows).where(rows.c.id == bindparam("row_id")).values(status="rejected", errors=bindparam("errors"))


@dataclass(frozen=True)
class Progress:
    """Where an import stands: rows done (imported or failed) of the total, and the failures so far."""

    import_id: str
    total: int
    imported: int
    failed: int
    finished: bool

    @classmethod
    def of(cls, job: LeadImport) -> Progress:
        return cls(job.id, job.total_rows, job.imported, job.rejected, job.status == "done")

    @property
    def done(self) -> int:
        return self.imported + self.failed

    def line(self, seconds: float) -> str:
        share = 100.0 * self.done / self.total if self.total else 100.0
        rate = f", {self.done / seconds:.0f} rows/s" if seconds > 0 else ""
        return (f"{self.done}/{self.total} rows done ({share:.1f} %): {self.imported} imported, "
                f"{self.failed} failed{rate}{' — finished' if self.finished else ''}")


def run_to_end(uow, import_id: str, batch: int) -> Iterator[Progress]:
    """Capture the import batch after batch, each committed; the progress after each one."""
    while True:
        run_batch(uow, import_id, batch)
        uow.commit()
        uow.session.expunge_all()  # the identity map would otherwise keep every lead of the file
        uow.published.clear()  # and the unit every event of it: the outbox has them
        progress = Progress.of(uow.session.get(LeadImport, import_id))
        yield progress
        if progress.finished:
            return


def process_all(uow, job: LeadImport, batch: int) -> LeadImport:
    """Run a small import to the end in the request, committing after each batch."""
    job_id = job.id
    while job.status != "done":
        run_batch(uow, job_id, batch)
        uow.commit()
        uow.session.expunge_all()  # the identity map would otherwise keep every lead of the file
        job = uow.session.get(LeadImport, job_id)
    return job


def process_next_import(uow, now: datetime, batch: int) -> int:
    """The worker's sweep: one batch of the oldest unfinished import."""
    job_id = uow.session.execute(
        select(LeadImport.id).where(LeadImport.status.in_(("pending", "running")))
        .order_by(LeadImport.created_at).limit(1).with_for_update(skip_locked=True)).scalar_one_or_none()
    return 0 if job_id is None else run_batch(uow, job_id, batch, now)
