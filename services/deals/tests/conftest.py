"""Fixtures for the Deals service's API, handler and integration tests."""
from __future__ import annotations

import pytest

from salesloop.testing import importable_test_folder

from deals.app import create_app
from deals.bootstrap import spec

importable_test_folder(__file__)

from deals_client import DealsClient  # noqa: E402 - importable only once the folder is on the path


@pytest.fixture
def harness(service_harness):
    return service_harness(spec(), create_app)


@pytest.fixture
def api(harness):
    return DealsClient(harness)


@pytest.fixture
def make_api(service_harness):
    """A Deals API with other settings (DEALS_* rules through Settings.extra, another company currency…)."""

    def build(**overrides):
        return DealsClient(service_harness(spec(), create_app, **overrides))

    return build
