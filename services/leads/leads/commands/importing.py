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

from marshmallow import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError

from leads.commands.assignment import RepRoster
from leads.commands.capture import capture_lead, keys_of
from leads.commands.common import new_id, utcnow
from leads.domain.errors import DomainError, DuplicateFound, InvalidField
from leads.models import LeadImport, LeadImportRow
from leads.domain.duplicates import DedupeKeys
from leads.domain.normalization import normalize_company_name
from leads.repository import BatchDuplicates, load_rules
from leads.schemas import LeadIn

log = logging.getLogger(__name__)
STAGE_CHUNK = 1000
_ROW_SCHEMA = LeadIn()
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
        data = lead_data(fields, values, currency, record_duplicates)
        schema.load(data)
    except ValidationError as exc:
        return {**row, "status": "rejected", "data": None, "errors": column_errors(exc.messages)}
    return {**row, "status": "pending", "data": data, "errors": None}


def _flush_chunk(uow, job: LeadImport, chunk: list[dict]) -> None:
    if chunk:
        uow.session.execute(insert(LeadImportRow), chunk)
        job.rejected += sum(1 for row in chunk if row["status"] == "rejected")
        chunk.clear()


# -- capturing -------------------------------------------------------------------------------------
def run_batch(uow, import_id: str, limit: int, now: datetime | None = None) -> int:
    """Capture up to ``limit`` staged rows; the caller commits.

    Rows are checked before anything is written, so a bad row normally costs
    nothing. Should the database still refuse one, the batch is rolled back to
    its savepoint and run again row by row, each in its own savepoint, so one
    row can never stall the whole import.
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
    rows = list(uow.session.execute(
        select(LeadImportRow).where(LeadImportRow.import_id == job.id, LeadImportRow.status == "pending")
        .order_by(LeadImportRow.line).limit(limit)).scalars())
    job.status = "running"
    if rows:
        rules, roster, schema = load_rules(uow.session), RepRoster.load(uow.session), LeadIn()
        tally = {"imported": 0, "rejected": 0}  # added to the job once: not an UPDATE per row
        # Row by row in careful mode: a savepoint rolled back would leave the batch index
        # knowing leads that were never written.
        duplicates = None if careful else BatchDuplicates.load(uow.session, [_keys_of_row(row) for row in rows])
        for row in rows:
            # The lambda runs before the loop moves on (here, or inside the savepoint), so binding ``row`` late is safe.
            capture = lambda: _capture_row(  # noqa: E731
                uow, tally, row, schema, rules, roster, job.created_by, now, duplicates)  # noqa: B023
            _in_savepoint(uow, tally, row, capture) if careful else capture()
        job.imported, job.rejected = job.imported + tally["imported"], job.rejected + tally["rejected"]
    if len(rows) < limit:  # every pending row was in this batch
        job.status, job.finished_at = "done", now
    return len(rows)


def _in_savepoint(uow, tally, row, capture) -> None:
    try:
        with uow.session.begin_nested():
            capture()
    except DBAPIError as exc:
        _reject(tally, row, {"row": [f"the database refused the row: {type(exc.orig).__name__}"]})


def _keys_of_row(row: LeadImportRow) -> DedupeKeys:
    """The row's duplicate keys as its capture will compute them (contact normalized by the schema)."""
    try:
        data = _ROW_SCHEMA.load(row.data)
    except ValidationError:
        return DedupeKeys(frozenset(), frozenset(), None)
    row.loaded = data  # type: ignore[attr-defined]  # loaded once, captured below
    company_key = normalize_company_name(data["company"]) if data.get("company") else None
    return keys_of(data.get("contact") or {}, company_key)


def _capture_row(uow, tally, row, schema, rules, roster, by, now, duplicates=None) -> None:
    try:
        data = getattr(row, "loaded", None) or schema.load(row.data)
        lead = capture_lead(uow, data, captured_by=by, rules=rules, roster=roster, now=now, duplicates=duplicates)
        row.status, row.lead_id, row.data = "imported", lead.id, None
        tally["imported"] += 1
    except DuplicateFound as exc:
        kind, record_id, keys = exc.matches[0]
        _reject(tally, row, {"duplicate": [f"same {', '.join(keys)} as {kind} {record_id}"]})
    except InvalidField as exc:
        _reject(tally, row, {exc.field: [exc.reason]})
    except (DomainError, ValidationError) as exc:
        _reject(tally, row, {"row": [str(exc)]})


def _reject(tally, row, errors: dict) -> None:
    row.status, row.errors = "rejected", errors
    tally["rejected"] += 1


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
