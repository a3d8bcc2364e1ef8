import pytest

from leads.domain.duplicates import (
    DedupeKeys,
    DuplicateMatch,
    KeyedRecord,
    KeyKind,
    dedupe_keys,
    find_duplicates,
)
from leads.domain.errors import InvalidField


def test_keys_are_normalized():
    keys = dedupe_keys(
        phones=["+86 138-0013-8000"], emails=["Alice@Example.com"], company="深圳市腾飞科技有限公司"
    )
    assert keys == DedupeKeys(
        phones=frozenset({"+8613800138000"}),
        emails=frozenset({"alice@example.com"}),
        company="深圳市腾飞科技",
    )


def test_blank_values_are_skipped():
    keys = dedupe_keys(phones=[None, "", "13800138000"], emails=["  "], company="  ")
    assert keys == DedupeKeys(phones=frozenset({"+8613800138000"}))


def test_invalid_value_is_rejected_with_its_field():
    with pytest.raises(InvalidField) as caught:
        dedupe_keys(emails=["not-an-email"])
    assert caught.value.field == "email"


def test_two_spellings_of_one_phone_give_one_key():
    keys = dedupe_keys(phones=["13800138000", "(0086)138 0013 8000"])
    assert keys.phones == frozenset({"+8613800138000"})


def test_entries_are_sorted_index_rows():
    keys = dedupe_keys(phones=["13900139000", "13800138000"], emails=["b@x.com"], company="Acme Ltd")
    assert keys.entries() == (
        (KeyKind.COMPANY, "acme"),
        (KeyKind.EMAIL, "b@x.com"),
        (KeyKind.PHONE, "+8613800138000"),
        (KeyKind.PHONE, "+8613900139000"),
    )


def test_duplicate_caught_by_differently_formatted_phone():
    existing = [
        KeyedRecord("L1", dedupe_keys(phones=["+86 138-0013-8000"], emails=["alice@a.com"])),
        KeyedRecord("L2", dedupe_keys(phones=["13900139000"])),
    ]
    candidate = dedupe_keys(phones=["(0086)138 0013 8000"], emails=["someone@else.com"])
    assert find_duplicates(candidate, existing) == [
        DuplicateMatch("L1", ((KeyKind.PHONE, "+8613800138000"),)),
    ]


def test_duplicate_caught_by_email_case():
    existing = [KeyedRecord("L1", dedupe_keys(emails=["Alice@Example.com"]))]
    matches = find_duplicates(dedupe_keys(emails=["ALICE@example.COM"]), existing)
    assert [(m.record_id, m.matched_on) for m in matches] == [
        ("L1", ((KeyKind.EMAIL, "alice@example.com"),))
    ]


def test_duplicate_caught_by_company_legal_form():
    existing = [KeyedRecord("C9", dedupe_keys(company="深圳市腾飞科技 有限公司"))]
    matches = find_duplicates(dedupe_keys(company="深圳市腾飞科技有限公司"), existing)
    assert matches == [DuplicateMatch("C9", ((KeyKind.COMPANY, "深圳市腾飞科技"),))]
    assert matches[0].is_contact_match is False


def test_every_matching_key_is_reported():
    keys = dedupe_keys(phones=["13800138000"], emails=["a@b.com"], company="Acme Inc")
    existing = [KeyedRecord("L1", dedupe_keys(phones=["+8613800138000"], emails=["A@B.com"], company="ACME"))]
    (match,) = find_duplicates(keys, existing)
    assert match.matched_on == (
        (KeyKind.COMPANY, "acme"),
        (KeyKind.EMAIL, "a@b.com"),
        (KeyKind.PHONE, "+8613800138000"),
    )
    assert match.matched_kinds == frozenset(KeyKind)
    assert match.is_contact_match is True


def test_contact_matches_come_before_company_only_matches_in_given_order():
    candidate = dedupe_keys(phones=["13800138000"], company="Acme")
    existing = [
        KeyedRecord("company-old", dedupe_keys(company="Acme Ltd")),
        KeyedRecord("phone-old", dedupe_keys(phones=["13800138000"])),
        KeyedRecord("nothing", dedupe_keys(company="Apex")),
        KeyedRecord("company-new", dedupe_keys(company="ACME Co.")),
        KeyedRecord("phone-new", dedupe_keys(phones=["+86 138 0013 8000"])),
    ]
    assert [m.record_id for m in find_duplicates(candidate, existing)] == [
        "phone-old", "phone-new", "company-old", "company-new",
    ]


def test_no_match_and_empty_candidate():
    existing = [KeyedRecord("L1", dedupe_keys(phones=["13800138000"]))]
    assert find_duplicates(dedupe_keys(phones=["13900139000"]), existing) == []
    assert find_duplicates(DedupeKeys(), existing) == []
