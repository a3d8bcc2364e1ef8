"""The console's settings, from the environment (read once, at app start).

CONSOLE_SECRET_KEY   signs the session cookie; required in production
<SERVICE>_URL        where each service's API answers (make run sets them all)
CONSOLE_TRACE_URL    the trace viewer, with {trace_id} where the id goes
                     (Jaeger: http://127.0.0.1:16686/trace/{trace_id})
CONSOLE_TIMEOUT      seconds to wait for a service's answer (default 10)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from salesloop.config import ConfigError

# Outside production every worker (and every restart) must sign cookies alike,
# or a session would end whenever another worker answers.
DEV_SECRET_KEY = "salesloop-console-development-secret"
SERVICES = {"leads": 8001, "deals": 8002, "orders": 8003, "service-desk": 8004, "kpi": 8005}


def env_prefix(service: str) -> str:
    return service.upper().replace("-", "_")


@dataclass(frozen=True)
class ConsoleConfig:
    secret_key: str
    production: bool
    service_urls: dict[str, str] = field(default_factory=dict)
    trace_url: str | None = None
    timeout: float = 10.0


def load_config(environ: dict[str, str] | None = None) -> ConsoleConfig:
    env = os.environ if environ is None else environ
    production = env.get("SALESLOOP_ENV", "development") == "production"
    secret = env.get("CONSOLE_SECRET_KEY") or ""
    if production and len(secret) < 32:
        raise ConfigError("CONSOLE_SECRET_KEY (32 characters or more) is required in production")
    urls = {service: env.get(f"{env_prefix(service)}_URL", f"http://127.0.0.1:{port}").rstrip("/")
            for service, port in SERVICES.items()}
    return ConsoleConfig(secret_key=secret or DEV_SECRET_KEY, production=production, service_urls=urls,
                         trace_url=env.get("CONSOLE_TRACE_URL") or None,
                         timeout=float(env.get("CONSOLE_TIMEOUT") or 10))
