"""Builds the platform's AsyncAPI 2.6 document from the services' event catalogs.

    python tests/contract/asyncapi.py --write     # regenerate docs/asyncapi.yaml and docs/events.html
    python tests/contract/asyncapi.py --check     # exit 1 if the file is stale
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

sys.path.insert(0, str(Path(__file__).parent))
from asyncapi_html import render_html  # noqa: E402
from catalogs import load_all, producers  # noqa: E402

DOCUMENT = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"
HTML_PAGE = DOCUMENT.with_name("events.html")
EXCHANGE = "salesloop.events"


def _message_name(event_type: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in event_type.replace("_", ".").split("."))


def _converter():
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)
    APISpec("salesloop", "1", "3.0.3", plugins=[plugin])
    return plugin.converter


def _envelope(event_type: str, version: int, data_schema: dict) -> dict:
    return {
        "type": "object",
        "description": "CloudEvents 1.0, structured JSON mode",
        "required": ["specversion", "id", "source", "type", "time", "data"],
        "properties": {
            "specversion": {"type": "string", "enum": ["1.0"]},
            "id": {"type": "string", "description": "Unique per event; consumers de-duplicate on it"},
            "source": {"type": "string", "format": "uri-reference"},
            "type": {"type": "string", "enum": [event_type]},
            "time": {"type": "string", "format": "date-time"},
            "subject": {"type": "string"},
            "datacontenttype": {"type": "string", "enum": ["application/json"]},
            "dataschema": {"type": "string", "enum": [f"urn:salesloop:event:{event_type}:v{version}"]},
            "dataversion": {"type": "integer", "enum": [version]},
            "data": data_schema,
        },
    }


HEADERS = {
    "type": "object",
    "properties": {
        "traceparent": {"type": "string", "description": "W3C Trace Context; continues the producer's trace",
                        "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"},
        "tracestate": {"type": "string", "description": "W3C Trace Context vendor state"},
    },
}


SERVER_DESCRIPTION = (
    "The deployment's RabbitMQ. Names depend on two settings of the stack, which a publisher must use too: "
    "the virtual host (the vhost in the URL; `/` unless the deployment chose another) and the namespace "
    "(`BUS_NAMESPACE`, empty by default), a prefix put before the exchange and queue names. With "
    "`BUS_NAMESPACE=acme.` the exchange is `acme.salesloop.events` and the orders queue `acme.orders`; "
    "publishing to `salesloop.events` on such a stack fails with `404 NOT_FOUND - no exchange`. "
    "Publish persistent messages (delivery mode 2) with publisher confirms and `mandatory=True`, "
    "routing key = the event type.")


def build_document() -> dict:
    services = load_all()
    converter = _converter()
    consumers: dict[str, list[str]] = {}
    for service in services:
        for event_type in service.subscriptions.bindings:
            consumers.setdefault(event_type, []).append(service.name)
    channels, messages = {}, {}
    for event_type, (owner, definition) in sorted(producers(services).items()):
        name = _message_name(event_type)
        data_schema = converter.schema2jsonschema(definition.schema)
        listeners = sorted(set(consumers.get(event_type, []) + consumers.get("#", [])))
        message = {
            "name": event_type,
            "title": event_type,
            "summary": definition.summary,
            "contentType": "application/cloudevents+json",
            "schemaFormat": "application/vnd.oai.openapi;version=3.0.0",
            "headers": copy.deepcopy(HEADERS),
            "correlationId": {"description": "The CloudEvents id, also the AMQP message_id",
                              "location": "$message.payload#/id"},
            "payload": _envelope(event_type, definition.version, data_schema),
            "bindings": {"amqp": {"deliveryMode": 2, "messageType": event_type, "bindingVersion": "0.2.0"}},
        }
        if definition.example:
            message["examples"] = [{"name": "example", "payload": {
                "specversion": "1.0", "id": "7f0c1c9e-2a55-4a8e-9b1e-3f1d2c4b5a69",
                "source": owner if owner.startswith("/") else f"/salesloop/{owner}", "type": event_type,
                "time": "2026-11-25T08:30:00+00:00", "datacontenttype": "application/json",
                "dataschema": f"urn:salesloop:event:{event_type}:v{definition.version}",
                "dataversion": definition.version, "data": definition.example}}]
        messages[name] = message
        operation = {"operationId": f"{'receive' if owner.startswith('/') else 'publish'}{name}",
                     "summary": definition.summary, "message": {"$ref": f"#/components/messages/{name}"}}
        channel = {
            "description": f"Published by {owner}. Consumed by: {', '.join(listeners) or 'nobody yet'}.",
            "bindings": {"amqp": {"is": "routingKey", "bindingVersion": "0.2.0",
                                  "exchange": {"name": EXCHANGE, "type": "topic", "durable": True,
                                               "autoDelete": False, "vhost": "/"}}},
        }
        # AsyncAPI 2: "subscribe" = the platform sends it; "publish" = the platform receives it.
        channel["publish" if owner.startswith("/") and not owner.startswith("/salesloop") else "subscribe"] = operation
        channels[event_type] = channel
    return {
        "asyncapi": "2.6.0",
        "id": "urn:salesloop:events",
        "info": {
            "title": "Salesloop events",
            "version": "1.0.0",
            "description": (
                "Every event of the Salesloop platform. One durable topic exchange, `salesloop.events`; the "
                "routing key is the event type. Bodies are CloudEvents 1.0 in structured JSON mode "
                "(content type application/cloudevents+json); W3C traceparent/tracestate travel in the AMQP "
                "headers, the CloudEvents id doubles as the AMQP message_id. Within a version changes are "
                "additive: consumers ignore unknown fields."),
        },
        "servers": {"rabbitmq": {
            "url": "{host}:{port}/{vhost}", "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": SERVER_DESCRIPTION,
            "variables": {
                "host": {"default": "rabbitmq", "description": "the broker's host name"},
                "port": {"default": "5672", "description": "5671 with TLS (amqps)"},
                "vhost": {"default": "%2F", "description": "the deployment's virtual host, URL-encoded "
                                                           "(%2F is the default vhost '/')"},
            },
        }},
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages},
    }


def render() -> str:
    header = "# Generated by `make asyncapi` from the services' event catalogs. Do not edit by hand.\n"
    return header + yaml.safe_dump(build_document(), sort_keys=False, allow_unicode=True, width=110)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = render()
    page = render_html(build_document())
    if args.write:
        DOCUMENT.parent.mkdir(exist_ok=True)
        DOCUMENT.write_text(text, encoding="utf-8")
        HTML_PAGE.write_text(page, encoding="utf-8")
        print(f"wrote {DOCUMENT} and {HTML_PAGE}")
        return 0
    if args.check:
        stale = [path for path, content in ((DOCUMENT, text), (HTML_PAGE, page))
                 if not path.exists() or path.read_text(encoding="utf-8") != content]
        return 1 if stale else 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
