import pytest

from leads.domain.errors import InvalidField
from leads.domain.normalization import (
    mask_email,
    mask_phone,
    normalize_company_name,
    normalize_email,
    normalize_phone,
)


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138-0013-8000",
        "13800138000",
        "(0086)138 0013 8000",
        "0086 13800138000",
        "+86 (138) 0013 8000",
        "\uff0b\uff18\uff16\uff11\uff13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",  # full-width
        "+86 138 0013 8000 ext. 12",
    ],
)
def test_phone_formats_normalize_to_one_e164_number(raw):
    assert normalize_phone(raw) == "+8613800138000"


def test_phone_landline_with_trunk_prefix():
    assert normalize_phone("010-12345678") == "+861012345678"


def test_phone_foreign_number_keeps_its_country():
    assert normalize_phone("+1 415 555 2671") == "+14155552671"


def test_phone_default_region_is_configurable():
    assert normalize_phone("(415) 555-2671", default_region="US") == "+14155552671"


@pytest.mark.parametrize("raw", ["12345", "138 0013 800", "call me maybe", "+86 999 9999 9999"])
def test_invalid_phone_names_the_field(raw):
    with pytest.raises(InvalidField) as caught:
        normalize_phone(raw)
    assert caught.value.field == "phone"
    assert caught.value.reason in ("is not a phone number", "is not a valid phone number")
    assert raw not in caught.value.message  # personal data stays out of logs


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_missing_phone_is_required(raw):
    with pytest.raises(InvalidField) as caught:
        normalize_phone(raw)
    assert caught.value.field == "phone"
    assert caught.value.reason == "is required"


def test_email_is_lower_cased_in_local_part_and_domain():
    assert normalize_email("  Alice.Smith@Example.COM ") == "alice.smith@example.com"


def test_email_keeps_unicode_domain_lower_cased():
    assert normalize_email("Bob@例子.广告") == "bob@例子.广告"


@pytest.mark.parametrize("raw", ["alice", "alice@", "@example.com", "x@y", "a b@example.com", "a@@example.com"])
def test_invalid_email_names_the_field(raw):
    with pytest.raises(InvalidField) as caught:
        normalize_email(raw)
    assert caught.value.field == "email"


def test_missing_email_is_required():
    with pytest.raises(InvalidField) as caught:
        normalize_email(None)
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    "left, right",
    [
        ("深圳市腾飞科技有限公司", "深圳市腾飞科技 有限公司"),
        ("深圳市腾飞科技有限公司", "深圳市腾飞科技"),
        ("深圳市腾飞科技股份有限公司", "深圳市腾飞科技"),
        ("深圳市腾飞科技有限责任公司", "深圳市腾飞科技"),
        ("深圳市腾飞科技有限責任公司", "深圳市腾飞科技"),
        ("腾飞集团有限公司", "腾飞"),
        ("腾飞集團", "腾飞"),
        ("Acme Co., Ltd.", "ACME"),
        ("ACME Inc.", "acme"),
        ("Acme, LLC", "Acme"),
        ("Acme Corp", "Acme"),
        ("Acme Corporation", "acme"),
        ("Acme GmbH", "ACME"),
        ("Acme S.A.", "Acme"),
        ("Acme Pte. Ltd.", "Acme"),
        ("Ａｃｍｅ　Ｃｏ．，Ｌｔｄ．", "acme"),  # full-width letters and punctuation
        ("Acme-Tech Ltd", "acme tech"),
        ("Straße AG", "STRASSE"),
    ],
)
def test_company_names_that_are_one_company_share_a_key(left, right):
    assert normalize_company_name(left) == normalize_company_name(right)


def test_company_key_values():
    assert normalize_company_name("深圳市腾飞科技有限公司") == "深圳市腾飞科技"
    assert normalize_company_name("Acme Co., Ltd.") == "acme"
    assert normalize_company_name("Acme-Tech Ltd") == "acmetech"


@pytest.mark.parametrize(
    "left, right",
    [
        ("Costco", "Cost"),  # "co" is cut only as a whole word
        ("Acme", "Apex"),
        ("深圳市腾飞科技", "广州市腾飞科技"),
    ],
)
def test_different_companies_keep_different_keys(left, right):
    assert normalize_company_name(left) != normalize_company_name(right)


def test_company_that_is_only_a_legal_form_is_kept():
    assert normalize_company_name("公司") == "公司"
    assert normalize_company_name("The Company") == "the"
    assert normalize_company_name("Company") == "company"


@pytest.mark.parametrize("raw", [None, "", "  ", "., -"])
def test_company_without_letters_is_invalid(raw):
    with pytest.raises(InvalidField) as caught:
        normalize_company_name(raw)
    assert caught.value.field == "company"


def test_mask_phone_keeps_first_three_and_last_four_of_the_national_number():
    assert mask_phone("+8613800138000") == "138****8000"


def test_mask_phone_accepts_any_format():
    assert mask_phone("(0086)138 0013 8000") == "138****8000"


def test_mask_phone_foreign_and_landline():
    assert mask_phone("+14155552671") == "415***2671"
    assert mask_phone("+861012345678") == "101***5678"


def test_mask_phone_eight_digit_number_hides_one_digit():
    assert mask_phone("+6561234567") == "612*4567"  # Singapore


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("+3544101234", "*****34"),  # Iceland, 7 digits
        ("+298201234", "****34"),  # Faroe Islands, 6 digits
        ("+6837012", "**12"),  # Niue, 4 digits
    ],
)
def test_mask_phone_short_number_shows_only_two_digits(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_email():
    assert mask_email("alice@example.com") == "a***@example.com"
    assert mask_email("Bob.Jones@Example.org") == "b***@example.org"
    assert mask_email("x@example.com") == "x***@example.com"


def test_mask_email_rejects_invalid():
    with pytest.raises(InvalidField):
        mask_email("nope")
