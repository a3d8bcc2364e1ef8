"""Fixtures of the Leads service tests: the service under the shared harness, and a small API client."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from leads.app import create_app  # noqa: E402
from leads.bootstrap import spec  # noqa: E402
from leads_client import LeadsClient  # noqa: E402 - importable only once the folder is on the path


@pytest.fixture
def leads(service_harness):
    return LeadsClient(service_harness(spec(), create_app))


@pytest.fixture
def make_leads(service_harness):
    """A harness with settings overrides (e.g. extra={...} for LeadsConfig, public_rate_limit)."""
    return lambda **overrides: LeadsClient(service_harness(spec(), create_app, **overrides))


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
