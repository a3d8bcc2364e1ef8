"""The event contract: producers' schemas meet consumers' expectations, every
event the design names exists, and docs/asyncapi.yaml is valid and current."""
import json
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from marshmallow import EXCLUDE

sys.path.insert(0, str(Path(__file__).parent))
from asyncapi import DOCUMENT, HTML_PAGE, build_document, render, render_html  # noqa: E402
from catalogs import load_all, producers  # noqa: E402

DESIGNED_EVENTS = {
    "leads.lead.captured", "leads.lead.graded", "leads.lead.assigned", "leads.lead.followup_overdue",
    "leads.lead.converted", "leads.lead.disqualified", "leads.customer.upserted",
    "deals.deal.opened", "deals.deal.stage_changed", "deals.deal.won", "deals.deal.lost",
    "deals.proposal.sent", "deals.contract.signed",
    "orders.order.created", "orders.order.confirmed", "orders.order.changed", "orders.order.shipped",
    "orders.order.delivered", "orders.order.accepted", "orders.order.disputed", "orders.order.settled",
    "orders.order.cancelled",
    "service.ticket.opened", "service.ticket.responded", "service.ticket.sla_breached", "service.ticket.resolved",
    "service.ticket.closed", "service.survey.sent", "service.survey.answered", "service.interaction.logged",
    "service.qa.violation", "service.care.task_due",
    "kpi.customer.classified", "kpi.report.ready",
    "storefront.order.placed",
}


@pytest.fixture(scope="module")
def services():
    return load_all()


@pytest.fixture(scope="module")
def produced(services):
    return producers(services)


def test_every_event_the_design_names_is_published_by_someone(produced):
    assert DESIGNED_EVENTS - set(produced) == set()


def test_every_consumed_event_has_a_producer(services, produced):
    for service in services:
        for event_type in service.subscriptions.items:
            assert event_type in produced, f"{service.name} consumes {event_type}, which nobody publishes"


def test_every_published_event_has_an_example_that_its_own_schema_accepts(produced):
    for event_type, (_, definition) in produced.items():
        assert definition.example, f"{event_type} has no example payload"
        errors = definition.schema().validate(definition.example)
        assert errors == {}, f"{event_type} example fails its own schema: {errors}"


def test_each_consumer_can_read_what_its_producer_sends(services, produced):
    for service in services:
        for event_type, subscription in service.subscriptions.items.items():
            _, definition = produced[event_type]
            wire = json.loads(json.dumps(definition.schema().dump(definition.schema().load(definition.example))))
            errors = subscription.schema(unknown=EXCLUDE).validate(wire)
            assert errors == {}, f"{service.name} cannot read {event_type}: {errors}"


def _field_kind(field):
    return type(field).__mro__[0]


def test_every_field_a_consumer_requires_is_required_by_the_producer(services, produced):
    for service in services:
        for event_type, subscription in service.subscriptions.items.items():
            producer_fields = produced[event_type][1].schema().fields
            for name, field in subscription.schema().fields.items():
                if not field.required:
                    continue
                assert name in producer_fields, f"{service.name} needs {event_type}.{name}; the producer has none"
                assert producer_fields[name].required, (
                    f"{service.name} requires {event_type}.{name} but the producer may omit it")


def test_a_consumer_ignores_fields_it_does_not_know(services, produced):
    for service in services:
        for event_type, subscription in service.subscriptions.items.items():
            example = dict(produced[event_type][1].example)
            example["a_field_added_later"] = {"anything": [1, 2]}
            assert "a_field_added_later" not in subscription.read(example)


def test_the_asyncapi_document_is_valid_asyncapi_2_6():
    schema = json.loads((Path(__file__).parent / "asyncapi-2.6.0.schema.json").read_text())
    document = build_document()
    errors = sorted(Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_the_committed_asyncapi_document_matches_the_code():
    assert DOCUMENT.exists(), "docs/asyncapi.yaml is missing: run `make asyncapi`"
    assert DOCUMENT.read_text(encoding="utf-8") == render(), "docs/asyncapi.yaml is stale: run `make asyncapi`"


def test_the_storefront_contract_is_fully_documented():
    document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    channel = document["channels"]["storefront.order.placed"]
    assert channel["bindings"]["amqp"]["exchange"]["name"] == "salesloop.events"
    assert "publish" in channel  # the platform receives it
    message = document["components"]["messages"]["StorefrontOrderPlaced"]
    assert "traceparent" in message["headers"]["properties"]
    data = message["payload"]["properties"]["data"]
    assert {"storefront_order_id", "customer", "items", "currency"} <= set(data["properties"])
    assert message["examples"][0]["payload"]["data"]["storefront_order_id"]


def test_the_rendered_catalog_page_matches_the_code_and_names_every_event():
    document = build_document()
    assert HTML_PAGE.exists(), "docs/events.html is missing: run `make asyncapi`"
    page = HTML_PAGE.read_text(encoding="utf-8")
    assert page == render_html(document), "docs/events.html is stale: run `make asyncapi`"
    for event_type in document["channels"]:
        assert f'id="{event_type}"' in page
    assert "<script" not in page and "http://" not in page.replace("amqp://", "")


def test_the_server_entry_says_how_vhost_and_namespace_name_things():
    server = build_document()["servers"]["rabbitmq"]
    assert set(server["variables"]) == {"host", "port", "vhost"}
    assert "BUS_NAMESPACE" in server["description"] and "acme.salesloop.events" in server["description"]
