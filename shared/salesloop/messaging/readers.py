"""Building blocks of tolerant readers: a consumer's schema of the fields it uses from
another service's event. Unknown fields are ignored, so a producer adding one breaks
no consumer; each service keeps its own reader schemas (its copy of the contract)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields


class Tolerant(Schema):
    class Meta:
        # The processor reads the envelope with EXCLUDE; nested readers need it too.
        unknown = EXCLUDE


class Moment(fields.Field[datetime]):
    """An RFC 3339 time, or a plain date (read as its UTC midnight); always aware."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise ValidationError("Not a valid date or time.")
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), time.min, tzinfo=timezone.utc)
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("Not a valid date or time.") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
