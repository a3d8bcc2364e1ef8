"""The baseline for `POST /leads`: a bare Flask + SQLAlchemy endpoint that inserts
one row per request, with none of the platform (no validation, auth, outbox,
dedupe, grading, assignment, tracing). gunicorn: bench.baseline_app:create_app()."""
from __future__ import annotations

import os
import uuid

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, MetaData, String, Table, create_engine, insert


def create_app():
    engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
    metadata = MetaData()
    rows = Table("baseline_leads", metadata, Column("id", String(36), primary_key=True), Column("body", JSON))
    metadata.create_all(engine)
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/leads")
    def capture():
        row_id = str(uuid.uuid4())
        with engine.begin() as connection:
            connection.execute(insert(rows).values(id=row_id, body=request.get_json()))
        return jsonify(id=row_id), 201

    return app
