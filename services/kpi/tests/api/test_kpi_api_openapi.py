"""The KPI API's OpenAPI document, pinned: every operation with its statuses and
the shape of its success answer, so a change to the contract is a deliberate one."""
from __future__ import annotations

import pytest

from salesloop.testing.identities import ANONYMOUS

OPERATIONS = [
    ("POST", "/admin/classify", ("200", "401", "403", "422", "default"), "ClassifyOut"),
    # Every service's dead letters (salesloop.web.dead_letters).
    ("GET", "/admin/dead-letters", ("200", "401", "403", "422", "default"), "DeadLetterPage"),
    ("POST", "/admin/dead-letters/purge", ("200", "401", "403", "422", "default"), "ActionOut"),
    ("POST", "/admin/dead-letters/replay", ("200", "401", "403", "422", "default"), "ActionOut"),
    ("GET", "/admin/projection", ("200", "401", "403", "default"), "ProjectionOut"),
    ("POST", "/admin/rebuild", ("200", "401", "403", "422", "default"), "RebuildOut"),
    ("GET", "/awards", ("200", "401", "403", "422", "default"), "AwardsOut"),
    ("GET", "/commission-plans", ("200", "401", "403", "422", "default"), "PlanPage"),
    ("POST", "/commission-plans", ("201", "401", "403", "422", "default"), "PlanOut"),
    ("GET", "/commission-plans/{plan_id}", ("200", "401", "403", "404", "default"), "PlanOut"),
    ("POST", "/commission-plans/{plan_id}/assignments", ("201", "401", "403", "404", "422", "default"), "AssignmentOut"),
    ("GET", "/commissions", ("200", "401", "403", "422", "default"), "StatementItemPage"),
    ("GET", "/commissions/{rep_id}/{period}", ("200", "401", "403", "404", "default"), "StatementOut"),
    ("GET", "/customer-classes", ("200", "401", "403", "422", "default"), "CustomerClassPage"),
    ("GET", "/customer-classes/{customer_id}", ("200", "401", "403", "404", "default"), "CustomerClassOut"),
    ("GET", "/facts", ("200", "401", "403", "422", "default"), "FactPage"),
    ("GET", "/facts/{event_id}", ("200", "401", "403", "404", "default"), "FactOut"),
    ("GET", "/kpis", ("200", "401", "403", "422", "default"), "SummaryOut"),
    ("GET", "/kpis/breakdown", ("200", "401", "403", "422", "default"), "BreakdownItemPage"),
    ("GET", "/kpis/catalog", ("200", "401", "403", "default"), "[MetricInfoOut]"),
    ("GET", "/kpis/trend", ("200", "401", "403", "422", "default"), "[TrendPointOut]"),
    ("GET", "/kpis/trend/chart", ("200", "401", "403", "422", "default"), None),
    ("GET", "/reports", ("200", "401", "403", "422", "default"), "ReportListPage"),
    ("GET", "/reports/{period}", ("200", "401", "403", "404", "422", "default"), None),
    ("GET", "/scorecards", ("200", "401", "403", "422", "default"), "ScorecardPage"),
    ("GET", "/scorecards/{kind}/{subject}/{period}", ("200", "401", "403", "404", "default"), "ScoredOut"),
    ("PUT", "/scorecards/{kind}/{subject}/{period}", ("200", "401", "403", "404", "422", "default"), "ScorecardOut"),
    ("POST", "/scorecards/{kind}/{subject}/{period}/evaluations", ("201", "401", "403", "404", "422", "default"), "EvaluationOut"),
]


def shape(schema: dict | None) -> str | None:
    """"Name" for a schema reference, "[Name]" for a bare list of them."""
    if schema is None:
        return None
    if schema.get("type") == "array":
        return f"[{shape(schema['items'])}]"
    return schema["$ref"].rsplit("/", 1)[-1]


def success_shape(operation: dict) -> str | None:
    [status] = [code for code in operation["responses"] if code.startswith("2")]
    content = operation["responses"][status].get("content", {})
    return shape(content.get("application/json", {}).get("schema"))


@pytest.fixture(scope="module")
def document(loaded_once) -> dict:
    return loaded_once.ok(loaded_once.get("/openapi.json", who=ANONYMOUS))


def test_the_openapi_document_lists_exactly_the_pinned_operations(document):
    found = [(method.upper(), path, tuple(sorted(operation["responses"])), success_shape(operation))
             for path, item in sorted(document["paths"].items())
             for method, operation in sorted(item.items()) if method in ("get", "post", "put", "patch", "delete")]
    assert found == OPERATIONS
