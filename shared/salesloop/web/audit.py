"""Audit lines a view queues for its request; the app writes them after the response."""
from __future__ import annotations

from typing import Any

from flask import g


def audit_read(resource: str, detail: dict[str, Any] | None = None) -> None:
    """Record that personal data was shown to the caller (written after the response)."""
    g.setdefault("audit_lines", []).append(("READ_PII", resource, None, detail))


def write_audit(action: str, resource: str, *, status: int | None = None,
                detail: dict[str, Any] | None = None) -> None:
    """Queue an audit line for this request."""
    g.setdefault("audit_lines", []).append((action, resource, status, detail))
