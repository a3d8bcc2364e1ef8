"""Small guards for the rule that every datetime in the domain is timezone-aware."""

from datetime import datetime

from .errors import InvalidField


def require_aware(value: datetime, field: str) -> datetime:
    """Return ``value`` unchanged, or fail if it is not an aware datetime.

    A naive datetime is ambiguous (server local time? UTC?) and would silently
    shift deadlines by hours, so it is refused rather than guessed.
    """
    if not isinstance(value, datetime):
        raise InvalidField(field, "must be a datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InvalidField(field, "must be timezone-aware")
    return value


def optional_aware(value: datetime | None, field: str) -> datetime | None:
    return None if value is None else require_aware(value, field)
