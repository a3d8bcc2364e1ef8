"""Merging a duplicate lead into a primary one, reversibly.

The primary keeps every value it has; empty fields are filled from the
duplicate; list-like fields (product lines, tags) become the union of both.
The undo record holds exact copies of both records as they were, so the
merge event can carry it and an unmerge restores both to the letter.

Records are plain dicts or dataclass instances (both of the same kind).
"""

import copy
import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import RuleViolation

DEFAULT_UNION_FIELDS = ("product_lines", "tags")
DEFAULT_IDENTITY_FIELDS = ("id",)

Record = Any  # a dict, or a dataclass instance


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class MergeUndo:
    primary_before: Record
    duplicate_before: Record
    merged: Record
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class MergeResult:
    merged: Record
    undo: MergeUndo

    @property
    def changes(self) -> tuple[FieldChange, ...]:
        return self.undo.changes


def merge(
    primary: Record,
    duplicate: Record,
    *,
    union_fields: Collection[str] = DEFAULT_UNION_FIELDS,
    identity_fields: Collection[str] = DEFAULT_IDENTITY_FIELDS,
) -> MergeResult:
    """The primary enriched by the duplicate, plus what is needed to undo it.

    ``identity_fields`` are never copied over (the merged record stays the
    primary), and equal identities mean both sides are one record.
    """
    _require_same_kind(primary, duplicate)
    _require_two_records(primary, duplicate, identity_fields)
    primary_before, duplicate_before = copy.deepcopy(primary), copy.deepcopy(duplicate)
    changes = []
    for name in _field_names(primary, duplicate):
        if name in identity_fields:
            continue
        mine, theirs = _get(primary, name), _get(duplicate, name)
        if name in union_fields:
            value = _union(mine, theirs)
        else:
            value = theirs if _is_empty(mine) and not _is_empty(theirs) else mine
        if value is not mine and not (_has(primary, name) and value == mine):
            changes.append(FieldChange(name, copy.deepcopy(mine), copy.deepcopy(value)))
    # Built from its own copy so that editing the result can never reach into the undo record.
    merged = _with(copy.deepcopy(primary), {change.field: copy.deepcopy(change.after) for change in changes})
    undo = MergeUndo(
        primary_before=primary_before,
        duplicate_before=duplicate_before,
        merged=copy.deepcopy(merged),
        changes=tuple(changes),
    )
    return MergeResult(merged=merged, undo=undo)


_UNCHECKED = object()


def unmerge(undo: MergeUndo, current_primary: Record = _UNCHECKED) -> tuple[Record, Record]:
    """Both records exactly as they were before the merge.

    Pass ``current_primary`` to refuse an undo that would silently discard
    edits made to the merged record since the merge.
    """
    if current_primary is not _UNCHECKED and current_primary != undo.merged:
        raise RuleViolation(
            "the merged record has changed since the merge; undoing it would lose those edits"
        )
    return copy.deepcopy(undo.primary_before), copy.deepcopy(undo.duplicate_before)


# --- record access ---------------------------------------------------------


def _require_same_kind(primary: Record, duplicate: Record) -> None:
    if isinstance(primary, Mapping) and isinstance(duplicate, Mapping):
        return
    if dataclasses.is_dataclass(primary) and not isinstance(primary, type) and type(primary) is type(duplicate):
        return
    raise RuleViolation(
        f"cannot merge a {type(duplicate).__name__} into a {type(primary).__name__}"
    )


def _require_two_records(primary: Record, duplicate: Record, identity_fields: Collection[str]) -> None:
    if primary is duplicate:
        raise RuleViolation("a record cannot be merged into itself")
    for name in identity_fields:
        mine, theirs = _get(primary, name), _get(duplicate, name)
        if not _is_empty(mine) and mine == theirs:
            raise RuleViolation(f"both records have {name} {mine!r}: a record cannot be merged into itself")


def _field_names(primary: Record, duplicate: Record) -> list[str]:
    if isinstance(primary, Mapping):
        return list(dict.fromkeys([*primary.keys(), *duplicate.keys()]))
    return [f.name for f in dataclasses.fields(primary)]


def _has(record: Record, name: str) -> bool:
    if isinstance(record, Mapping):
        return name in record
    return hasattr(record, name)


def _get(record: Record, name: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _with(record: Record, updates: dict[str, Any]) -> Record:
    if not updates:
        return record
    if isinstance(record, Mapping):
        return {**record, **updates}
    return dataclasses.replace(record, **updates)


def _is_empty(value: Any) -> bool:
    # 0 and False are answers, not gaps, so they are kept.
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return not value
    return False


def _union(mine: Any, theirs: Any) -> Any:
    if _is_empty(theirs):
        return mine
    if _is_empty(mine):
        return theirs
    if isinstance(mine, (set, frozenset)):
        return type(mine)(mine | set(theirs))
    if isinstance(mine, (list, tuple)):
        # Order kept: the primary's items first, then what only the duplicate has.
        return type(mine)(dict.fromkeys([*mine, *theirs]))
    raise RuleViolation(f"cannot take the union of a {type(mine).__name__}")
