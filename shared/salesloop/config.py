"""Settings read from the environment, once, by the composition root."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any, overload


class ConfigError(RuntimeError):
    """The environment does not describe a runnable service."""


DEV_JWT_SECRET = "salesloop-development-secret-change-me"


def _default_data_dir() -> Path:
    return Path(os.environ.get("SALESLOOP_DATA_DIR", "var")).resolve()


@dataclass(frozen=True)
class Settings:
    service: str
    environment: str = "development"
    database_url: str = ""
    bus_url: str = ""
    bus_namespace: str = ""
    jwt_secret: str | None = None
    jwt_jwks_url: str | None = None
    jwt_algorithm: str = "HS256"
    jwt_audience: str | None = None
    company_currency: str = "CNY"
    company_timezone: str = "Asia/Shanghai"
    max_content_length: int = 5 * 1024 * 1024
    prefetch: int = 100
    batch_size: int = 50
    batch_wait_seconds: float = 0.001
    max_message_bytes: int = 1024 * 1024
    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    delivery_limit: int = 20
    confirm_timeout: float = 5.0
    relay_batch_size: int = 200
    relay_poll_seconds: float = 0.2
    relay_listen_seconds: float = 2.0
    public_rate_limit: str = "30/minute"
    rate_limit_storage: str = "memory://"
    trusted_proxy_hops: int = 0
    data_dir: Path = field(default_factory=_default_data_dir)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def exchange(self) -> str:
        return f"{self.bus_namespace}salesloop.events"

    @property
    def queue(self) -> str:
        return f"{self.bus_namespace}{self.service}"

    @property
    def signing_key(self) -> str:
        if self.jwt_secret:
            return self.jwt_secret
        if self.production:
            raise ConfigError("JWT_SECRET is required in production")
        return DEV_JWT_SECRET

    @property
    def expected_audience(self) -> str:
        """The ``aud`` a token must name to be accepted here: the configured audience,
        else the service's own name — a token minted for one service opens no other."""
        return self.jwt_audience or self.service

    def with_overrides(self, **changes: Any) -> Settings:
        values = {**self.__dict__, **changes}
        return Settings(**values)


# Development tokens name every service of the product unless told otherwise.
PRODUCT_AUDIENCES = ("leads", "deals", "orders", "service-desk", "kpi")


def _service_env(service: str, name: str) -> str | None:
    """LEADS_DATABASE_URL wins over DATABASE_URL so one shell can run all five."""
    prefix = service.upper().replace("-", "_")
    return os.environ.get(f"{prefix}_{name}") or os.environ.get(name)


@overload
def _number(env: str, default: float) -> float: ...
@overload
def _number(env: str, default: int, kind: type[int]) -> int: ...
def _number(env: str, default: float, kind: Callable[[str], float] = float) -> float:
    raw = os.environ.get(env)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError as exc:
        raise ConfigError(f"{env} must be a number, got {raw!r}") from exc


def load_settings(service: str, **overrides: Any) -> Settings:
    data_dir = _default_data_dir()
    settings = Settings(
        service=service,
        environment=os.environ.get("SALESLOOP_ENV", "development"),
        database_url=_service_env(service, "DATABASE_URL")
        or f"sqlite:///{data_dir / 'db' / (service + '.sqlite3')}",
        bus_url=os.environ.get("BUS_URL") or f"filesystem://{data_dir / 'bus'}",
        bus_namespace=os.environ.get("BUS_NAMESPACE", ""),
        jwt_secret=os.environ.get("JWT_SECRET") or None,
        jwt_jwks_url=os.environ.get("JWT_JWKS_URL") or None,
        jwt_algorithm=os.environ.get("JWT_ALGORITHM", "HS256"),
        jwt_audience=_service_env(service, "JWT_AUDIENCE") or None,
        company_currency=os.environ.get("COMPANY_CURRENCY", "CNY"),
        company_timezone=os.environ.get("COMPANY_TIMEZONE", "Asia/Shanghai"),
        max_content_length=_number("MAX_CONTENT_LENGTH", 5 * 1024 * 1024, int),
        prefetch=_number("CONSUMER_PREFETCH", 100, int),
        batch_size=max(1, _number("CONSUMER_BATCH_SIZE", 50, int)),
        batch_wait_seconds=_number("CONSUMER_BATCH_WAIT_SECONDS", 0.001),
        max_message_bytes=_number("CONSUMER_MAX_MESSAGE_BYTES", 1024 * 1024, int),
        max_attempts=_number("CONSUMER_MAX_ATTEMPTS", 5, int),
        retry_base_seconds=_number("CONSUMER_RETRY_BASE_SECONDS", 1.0),
        delivery_limit=_number("QUEUE_DELIVERY_LIMIT", 20, int),
        confirm_timeout=_number("PUBLISH_CONFIRM_TIMEOUT", 5.0),
        relay_batch_size=_number("RELAY_BATCH_SIZE", 200, int),
        relay_poll_seconds=_number("RELAY_POLL_SECONDS", 0.2),
        relay_listen_seconds=_number("RELAY_LISTEN_SECONDS", 2.0),
        public_rate_limit=os.environ.get("PUBLIC_RATE_LIMIT", "30/minute"),
        rate_limit_storage=os.environ.get("RATE_LIMIT_STORAGE_URI", "memory://"),
        trusted_proxy_hops=_number("TRUSTED_PROXY_HOPS", 0, int),
        data_dir=data_dir,
    )
    settings = settings.with_overrides(**overrides) if overrides else settings
    check(settings)
    return settings


def check(settings: Settings) -> None:
    """Refuse to run a production service with development defaults."""
    if not settings.production:
        return
    if not (settings.jwt_secret or settings.jwt_jwks_url):
        raise ConfigError("production mode needs JWT_SECRET (HS256) or JWT_JWKS_URL (RS256)")
    if settings.jwt_jwks_url and not settings.jwt_audience:
        raise ConfigError("production mode with JWT_JWKS_URL needs JWT_AUDIENCE, or any token of the identity provider would do")
    if settings.jwt_secret == DEV_JWT_SECRET:
        raise ConfigError("production mode refuses the development JWT secret")
    if settings.jwt_algorithm == "HS256" and settings.jwt_secret and len(settings.jwt_secret) < 32:
        raise ConfigError("JWT_SECRET must be at least 32 characters in production")
