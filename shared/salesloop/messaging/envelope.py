"""CloudEvents 1.0 envelope (structured JSON mode)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SPEC_VERSION = "1.0"
REQUIRED = ("id", "source", "type", "specversion")
# What the inbox columns hold: a longer id could never be recorded as processed.
MAX_LENGTHS = {"id": 200, "type": 120}


class InvalidEnvelope(ValueError):
    """The message is not a CloudEvent we can read."""


def schema_uri(event_type: str, version: int) -> str:
    return f"urn:salesloop:event:{event_type}:v{version}"


@dataclass(frozen=True)
class Envelope:
    type: str
    source: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    subject: str | None = None
    dataversion: int = 1
    specversion: str = SPEC_VERSION
    datacontenttype: str = "application/json"

    @property
    def dataschema(self) -> str:
        return schema_uri(self.type, self.dataversion)

    def to_dict(self) -> dict[str, Any]:
        body = {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "datacontenttype": self.datacontenttype,
            "dataschema": self.dataschema,
            "dataversion": self.dataversion,
            "data": self.data,
        }
        if self.subject is not None:
            body["subject"] = self.subject
        return body

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromisoformat(self.time.replace("Z", "+00:00"))


def _version_of(body: dict[str, Any]) -> int:
    version = body.get("dataversion")
    if version is None and isinstance(body.get("dataschema"), str):
        tail = body["dataschema"].rsplit(":v", 1)
        version = tail[1] if len(tail) == 2 else 1
    try:
        return int(version or 1)
    except (TypeError, ValueError) as exc:
        raise InvalidEnvelope(f"dataversion must be an integer, got {version!r}") from exc


def parse_envelope(raw: bytes | str | dict[str, Any]) -> Envelope:
    """Read an untrusted message body into an Envelope, or say what is wrong."""
    if isinstance(raw, (bytes, str)):
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEnvelope(f"body is not JSON: {exc}") from exc
    else:
        body = raw
    if not isinstance(body, dict):
        raise InvalidEnvelope("body must be a JSON object")
    missing = [name for name in REQUIRED if not body.get(name)]
    if missing:
        raise InvalidEnvelope(f"missing CloudEvents attribute(s): {', '.join(missing)}")
    for name, limit in MAX_LENGTHS.items():
        if len(str(body[name])) > limit:
            raise InvalidEnvelope(f"{name} is longer than {limit} characters")
    if body["specversion"] != SPEC_VERSION:
        raise InvalidEnvelope(f"unsupported specversion {body['specversion']!r}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise InvalidEnvelope("data must be a JSON object")
    time = body.get("time") or datetime.now(timezone.utc).isoformat()
    try:
        datetime.fromisoformat(str(time).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidEnvelope(f"time is not RFC 3339: {time!r}") from exc
    return Envelope(
        type=str(body["type"]),
        source=str(body["source"]),
        data=data,
        id=str(body["id"]),
        time=str(time),
        subject=body.get("subject"),
        dataversion=_version_of(body),
        datacontenttype=body.get("datacontenttype", "application/json"),
    )
