"""/leads/import: bulk capture from a CSV file, with a per-row report of the bad rows."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from salesloop.web.blueprint import Blueprint
from sqlalchemy import func, select

from salesloop.web.app import uow
from salesloop.web.auth import PII_ROLES, current_principal, require_roles
from salesloop.web.errors import PROBLEM, Problem
from salesloop.web.openapi import ProblemSchema

from leads.commands import importing
from leads.config import leads_config
from leads.models import LeadImport, LeadImportRow
from leads.api.common import not_found
from leads.schemas import ImportArgs, ImportOut, ImportPageArgs

IMPORTERS = ("rep", "supervisor", "manager", "director", "admin", "ops")
UPLOAD_DOC = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}},
    "text/csv": {"schema": {"type": "string"}}}}}
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")


def import_view(job: LeadImport, page: int = 1, page_size: int = 500) -> dict:
    session = uow().session
    rejected = (select(LeadImportRow.line, LeadImportRow.errors)
                .where(LeadImportRow.import_id == job.id, LeadImportRow.status == "rejected"))
    total = session.execute(select(func.count()).select_from(rejected.subquery())).scalar()
    errors = session.execute(rejected.order_by(LeadImportRow.line).limit(page_size)
                             .offset((page - 1) * page_size)).all()
    return {"id": job.id, "status": job.status, "filename": job.filename, "total_rows": job.total_rows,
            "imported": job.imported, "rejected": job.rejected,
            "pending": job.total_rows - job.imported - job.rejected, "done": job.imported + job.rejected,
            "failed": job.rejected, "created_at": job.created_at,
            "finished_at": job.finished_at, "errors": [{"line": line, "errors": errs} for line, errs in errors],
            "errors_page": page, "errors_total": total}


def refuse_oversized_upload(limit: int) -> None:
    """413 from the Content-Length, before a byte of the file is read; a chunked upload
    without one is cut off at the same limit while it streams (``max_content_length``)."""
    if request.content_length is not None and request.content_length > limit:
        raise Problem(413, "Content Too Large",
                      f"An import may be up to {limit} bytes (LEADS_IMPORT_MAX_BYTES); this one declares "
                      f"{request.content_length}. Split the file.", kind="content-too-large", limit=limit)
    request.max_content_length = limit


def uploaded_file():
    """The CSV as a byte stream: a multipart ``file`` part (spooled to disk) or a text/csv body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Problem(422, "Unprocessable Entity", "The request has invalid fields.", kind="validation-error",
                          errors={"file": ["Attach the CSV file as the multipart part named file."]})
        return upload.stream, upload.filename
    if request.mimetype in CSV_TYPES:
        return request.stream, request.headers.get("X-Filename")
    raise Problem(415, "Unsupported Media Type", "Send the CSV as multipart/form-data (part file) or text/csv.",
                  kind="unsupported-media-type")


def blueprint() -> Blueprint:
    blp = Blueprint("lead_imports", __name__, url_prefix="/leads", description="Bulk import of leads from CSV")

    @blp.route("/import")
    class Import(MethodView):
        @require_roles(*IMPORTERS)
        @blp.doc(**UPLOAD_DOC)
        @blp.arguments(ImportArgs, location="query")
        @blp.response(201, ImportOut, description="A small file, imported: the report of every bad row.")
        @blp.alt_response(202, schema=ImportOut, description="A large file, staged: the worker imports it; "
                                                             "follow GET /leads/imports/{id}.")
        @blp.alt_response(413, schema=ProblemSchema, content_type=PROBLEM,
                          description="Larger than LEADS_IMPORT_MAX_BYTES (64 MiB by default).")
        def post(self, args):
            """Import a CSV (UTF-8, BOM or not; English or Chinese column names). Bad rows are reported by line."""
            config, unit, principal = leads_config(uow().settings), uow(), current_principal()
            refuse_oversized_upload(config.import_max_bytes)
            binary, filename = uploaded_file()
            job = importing.stage_import(unit, binary, filename=filename, by=principal.user, team=principal.team,
                                         record_duplicates=args["record_duplicates"])
            unit.commit()
            if job.total_rows - job.rejected > config.import_sync_rows:
                return import_view(job), 202, {"Location": f"/leads/imports/{job.id}"}
            job = importing.process_all(unit, job, config.import_batch_rows)
            return import_view(job), 201

    @blp.route("/imports/<import_id>")
    class ImportItem(MethodView):
        @blp.arguments(ImportPageArgs, location="query")
        @blp.response(200, ImportOut)
        def get(self, args, import_id):
            """Progress of an import and its bad rows (line and reasons), a page at a time."""
            job = uow().session.get(LeadImport, import_id)
            principal = current_principal()
            if job is None or not (job.created_by == principal.user or principal.roles & PII_ROLES):
                raise not_found("import")
            return import_view(job, args["page"], args["page_size"])

    return blp
