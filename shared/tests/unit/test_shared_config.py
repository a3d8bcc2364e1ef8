import pytest

from salesloop.config import DEV_JWT_SECRET, ConfigError, load_settings


def test_production_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.setenv("SALESLOOP_ENV", "production")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("JWT_JWKS_URL", raising=False)
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        load_settings("leads")


def test_production_refuses_the_development_secret_and_short_secrets(monkeypatch):
    monkeypatch.setenv("SALESLOOP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", DEV_JWT_SECRET)
    with pytest.raises(ConfigError, match="development"):
        load_settings("leads")
    monkeypatch.setenv("JWT_SECRET", "short")
    with pytest.raises(ConfigError, match="32 characters"):
        load_settings("leads")


def test_production_accepts_a_jwks_url(monkeypatch):
    monkeypatch.setenv("SALESLOOP_ENV", "production")
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.setenv("JWT_JWKS_URL", "https://id.example.com/.well-known/jwks.json")
    with pytest.raises(ConfigError, match="JWT_AUDIENCE"):
        load_settings("leads")
    monkeypatch.setenv("JWT_AUDIENCE", "salesloop")
    assert load_settings("leads").jwt_jwks_url.endswith("jwks.json")


def test_development_has_a_working_default_and_embedded_urls(monkeypatch, tmp_path):
    for name in ("SALESLOOP_ENV", "JWT_SECRET", "DATABASE_URL", "LEADS_DATABASE_URL", "BUS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SALESLOOP_DATA_DIR", str(tmp_path))
    settings = load_settings("leads")
    assert settings.signing_key == DEV_JWT_SECRET
    assert settings.database_url == f"sqlite:///{tmp_path}/db/leads.sqlite3"
    assert settings.bus_url == f"filesystem://{tmp_path}/bus"


def test_a_service_specific_database_url_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/shared")
    monkeypatch.setenv("SERVICE_DESK_DATABASE_URL", "postgresql+psycopg://db/desk")
    assert load_settings("service-desk").database_url.endswith("/desk")
    assert load_settings("kpi").database_url.endswith("/shared")


def test_bad_numbers_are_named(monkeypatch):
    monkeypatch.setenv("CONSUMER_PREFETCH", "ten")
    with pytest.raises(ConfigError, match="CONSUMER_PREFETCH"):
        load_settings("kpi")


def test_masking_keeps_only_the_ends_whatever_the_formatting():
    from salesloop.web.auth import mask_email, mask_phone

    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone("+86 574 8765 4321") == "574****4321"
    assert mask_phone("+1 (415) 555-0100") == "141****0100"
    assert mask_phone("6234567") == "***4567"  # short numbers show only their end
    assert mask_email("alice@example.com") == "a***@example.com"


def test_reader_schemas_ignore_unknown_fields_at_every_level():
    from marshmallow import fields

    from salesloop.messaging.catalog import ReaderSchema

    class Item(ReaderSchema):
        sku = fields.String(required=True)

    class Order(ReaderSchema):
        items = fields.List(fields.Nested(Item))

    assert Order().load({"items": [{"sku": "A", "colour": "red"}], "added_later": 1}) == {"items": [{"sku": "A"}]}
