import copy
from dataclasses import dataclass, field

import pytest

from leads.domain.errors import RuleViolation
from leads.domain.merge import FieldChange, merge, unmerge


def primary_dict():
    return {
        "id": "L1",
        "name": "Alice Wang",
        "phone": "+8613800138000",
        "email": "",
        "company": "腾飞科技",
        "budget": None,
        "product_lines": ["crm", "erp"],
        "tags": {"expo-2024"},
        "employees": 0,
        "notes": {"source": "form"},
    }


def duplicate_dict():
    return {
        "id": "L2",
        "name": "A. Wang",
        "phone": "+8613900139000",
        "email": "alice@tengfei.cn",
        "company": None,
        "budget": "200000",
        "product_lines": ["hr", "crm"],
        "tags": {"vip", "expo-2024"},
        "employees": 250,
        "notes": {"source": "import"},
        "wechat": "alice_w",
    }


def test_primary_keeps_its_values_and_fills_gaps():
    result = merge(primary_dict(), duplicate_dict())
    assert result.merged == {
        "id": "L1",
        "name": "Alice Wang",
        "phone": "+8613800138000",
        "email": "alice@tengfei.cn",
        "company": "腾飞科技",
        "budget": "200000",
        "product_lines": ["crm", "erp", "hr"],
        "tags": {"expo-2024", "vip"},
        "employees": 0,  # zero is a value, not a gap
        "notes": {"source": "form"},
        "wechat": "alice_w",
    }


def test_changes_list_what_the_merge_did():
    result = merge(primary_dict(), duplicate_dict())
    assert result.changes == (
        FieldChange("email", "", "alice@tengfei.cn"),
        FieldChange("budget", None, "200000"),
        FieldChange("product_lines", ["crm", "erp"], ["crm", "erp", "hr"]),
        FieldChange("tags", {"expo-2024"}, {"expo-2024", "vip"}),
        FieldChange("wechat", None, "alice_w"),
    )


def test_merge_unmerge_round_trips_exactly():
    primary, duplicate = primary_dict(), duplicate_dict()
    result = merge(primary, duplicate)
    assert unmerge(result.undo) == (primary_dict(), duplicate_dict())
    restored_primary, _ = unmerge(result.undo)
    assert "wechat" not in restored_primary


def test_inputs_are_not_mutated():
    primary, duplicate = primary_dict(), duplicate_dict()
    merge(primary, duplicate)
    assert (primary, duplicate) == (primary_dict(), duplicate_dict())


def test_editing_the_merged_record_cannot_corrupt_the_undo():
    result = merge(primary_dict(), duplicate_dict())
    result.merged["product_lines"].append("payroll")
    result.merged["notes"]["source"] = "edited"
    assert unmerge(result.undo)[0] == primary_dict()


def test_each_unmerge_returns_fresh_copies():
    result = merge(primary_dict(), duplicate_dict())
    first, _ = unmerge(result.undo)
    first["tags"].add("junk")
    assert unmerge(result.undo)[0] == primary_dict()


def test_unmerge_refuses_when_merged_record_changed_since():
    result = merge(primary_dict(), duplicate_dict())
    assert unmerge(result.undo, current_primary=copy.deepcopy(result.merged)) == (primary_dict(), duplicate_dict())
    edited = {**result.merged, "name": "Alice W."}
    with pytest.raises(RuleViolation):
        unmerge(result.undo, current_primary=edited)


def test_tuple_union_keeps_type_and_order():
    result = merge({"id": 1, "product_lines": ("b", "a")}, {"id": 2, "product_lines": ("c", "a", "d")})
    assert result.merged["product_lines"] == ("b", "a", "c", "d")


def test_nothing_to_add_means_no_changes():
    result = merge({"id": 1, "name": "X", "tags": ["a"]}, {"id": 2, "name": "", "tags": ["a"]})
    assert result.changes == ()
    assert result.merged == {"id": 1, "name": "X", "tags": ["a"]}


def test_custom_union_and_identity_fields():
    result = merge(
        {"lead_id": "L1", "regions": ["east"], "labels": None},
        {"lead_id": "L2", "regions": ["west"], "labels": ["x"]},
        union_fields=("regions",),
        identity_fields=("lead_id",),
    )
    assert result.merged == {"lead_id": "L1", "regions": ["east", "west"], "labels": ["x"]}


def test_identity_is_never_filled():
    result = merge({"name": "X"}, {"id": "L2", "name": "Y"})
    assert result.merged == {"name": "X"}


@dataclass(frozen=True)
class LeadRecord:
    id: str
    name: str
    email: str | None = None
    product_lines: frozenset = frozenset()
    tags: list = field(default_factory=list)


def test_dataclass_records():
    primary = LeadRecord("L1", "Alice", product_lines=frozenset({"crm"}), tags=["a"])
    duplicate = LeadRecord("L2", "Al", email="a@x.com", product_lines=frozenset({"erp"}), tags=["b", "a"])
    result = merge(primary, duplicate)
    assert result.merged == LeadRecord("L1", "Alice", "a@x.com", frozenset({"crm", "erp"}), ["a", "b"])
    assert unmerge(result.undo) == (primary, duplicate)


@pytest.mark.parametrize(
    "primary, duplicate",
    [
        ({"id": "L1"}, LeadRecord("L2", "x")),
        (LeadRecord("L1", "x"), {"id": "L2"}),
        ("L1", "L2"),
    ],
)
def test_records_must_be_of_one_kind(primary, duplicate):
    with pytest.raises(RuleViolation):
        merge(primary, duplicate)


def test_record_cannot_be_merged_into_itself():
    record = primary_dict()
    with pytest.raises(RuleViolation):
        merge(record, record)
    with pytest.raises(RuleViolation):
        merge(primary_dict(), primary_dict())


def test_union_of_non_collections_is_refused():
    with pytest.raises(RuleViolation):
        merge({"id": 1, "tags": "a"}, {"id": 2, "tags": "b"})
