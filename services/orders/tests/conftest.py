import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # orders_client


@pytest.fixture
def orders(service_harness):
    """The Orders service on a SQLite file and an in-memory bus."""
    from orders.app import create_app
    from orders.bootstrap import spec

    return service_harness(spec(), create_app)
