"""Duplicate detection: the same normalized phone, e-mail or company name means the same party.

The keys are what the persistence layer indexes (one row per kind and value),
so looking a candidate up is an index probe; ``find_duplicates`` is the rule
that decides, given whatever records the lookup returned.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from .normalization import normalize_company_name, normalize_email, normalize_phone


class KeyKind(str, Enum):
    PHONE = "phone"
    EMAIL = "email"
    COMPANY = "company"


@dataclass(frozen=True)
class DedupeKeys:
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    company: str | None = None

    def entries(self) -> tuple[tuple[KeyKind, str], ...]:
        """(kind, value) pairs, sorted, ready to be stored as index rows."""
        pairs = [(KeyKind.PHONE, phone) for phone in self.phones]
        pairs += [(KeyKind.EMAIL, email) for email in self.emails]
        if self.company:
            pairs.append((KeyKind.COMPANY, self.company))
        return tuple(sorted(pairs, key=lambda pair: (pair[0].value, pair[1])))


def dedupe_keys(
    phones: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    company: str | None = None,
    default_region: str = "CN",
) -> DedupeKeys:
    """Normalized keys of one lead or customer; blank values are skipped, bad ones rejected."""
    return DedupeKeys(
        phones=frozenset(normalize_phone(p, default_region) for p in phones if _given(p)),
        emails=frozenset(normalize_email(e) for e in emails if _given(e)),
        company=normalize_company_name(company) if _given(company) else None,
    )


@dataclass(frozen=True)
class KeyedRecord:
    record_id: str
    keys: DedupeKeys


@dataclass(frozen=True)
class DuplicateMatch:
    record_id: str
    matched_on: tuple[tuple[KeyKind, str], ...]

    @property
    def matched_kinds(self) -> frozenset[KeyKind]:
        return frozenset(kind for kind, _ in self.matched_on)

    @property
    def is_contact_match(self) -> bool:
        """A shared phone or e-mail is the same person; a shared company alone may be a colleague."""
        return bool(self.matched_kinds & {KeyKind.PHONE, KeyKind.EMAIL})


def find_duplicates(candidate: DedupeKeys, existing: Iterable[KeyedRecord]) -> list[DuplicateMatch]:
    """Every existing record sharing a key with the candidate, contact matches first.

    Within each strength the order of ``existing`` is kept, so the caller's
    ordering (e.g. oldest record first, the natural merge primary) survives.
    """
    wanted = set(candidate.entries())
    matches = []
    for record in existing:
        shared = tuple(entry for entry in record.keys.entries() if entry in wanted)
        if shared:
            matches.append(DuplicateMatch(record.record_id, shared))
    return sorted(matches, key=lambda match: not match.is_contact_match)


def _given(value: str | None) -> bool:
    return value is not None and bool(str(value).strip())
