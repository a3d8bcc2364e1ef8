import pytest

from demo_service import alpha_spec, app_factory, beta_spec
from salesloop.testing.broker import cleanup_bus, declare_queues


@pytest.fixture
def pair(service_harness, postgres_url, rabbitmq_url, bus_namespace):
    """alpha and beta on the real PostgreSQL and RabbitMQ, beta's queue declared."""
    from salesloop.testing.servers import throwaway_database

    with throwaway_database(postgres_url.rsplit("/", 1)[0] + "/test") as beta_url:
        common = {"bus_url": rabbitmq_url, "namespace": bus_namespace, "retry_base_seconds": 0.05,
                  "max_attempts": 3}
        alpha = service_harness(alpha_spec(), app_factory, database_url=postgres_url, **common)
        beta = service_harness(beta_spec(), app_factory, database_url=beta_url, **common)
        declare_queues(beta.runtime)
        yield alpha, beta
        cleanup_bus(beta.runtime)
        alpha.close()
        beta.close()


@pytest.fixture
def pair_with_delivery_limit(service_harness, postgres_url, rabbitmq_url, bus_namespace):
    """beta alone, whose queue lets the broker dead-letter a message after one redelivery."""
    beta = service_harness(beta_spec(), app_factory, database_url=postgres_url, bus_url=rabbitmq_url,
                           namespace=bus_namespace, delivery_limit=1)
    declare_queues(beta.runtime)
    yield beta
    cleanup_bus(beta.runtime)
    beta.close()
