"""Every operation of every service's OpenAPI document, fuzzed with schemathesis on PostgreSQL.

For each operation: valid requests as an admin and as a rep, and invalid ones as an
admin. A finding is a server error (5xx), a response that breaks its own document,
or an invalid request the service accepted. The run is bounded (``SALESLOOP_FUZZ_EXAMPLES``
examples per operation and kind, 12 by default) and prints its counts per service.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error, response_schema_conformance

sys.path.insert(0, str(Path(__file__).parent))
from apps import SERVICES, harness_for  # noqa: E402
from catalogs import load_all, producers  # noqa: E402

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("SALESLOOP_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]
RUNS = (("admin", GenerationMode.POSITIVE), ("rep", GenerationMode.POSITIVE), ("admin", GenerationMode.NEGATIVE))
# The rep token is user u-1 of team-1 in east (the harness's defaults): a rep of that name
# owns what is captured, so the rep's runs read records too, not only empty lists.
REST_SEEDS = {"leads": [
    ("/reps", {"id": "u-1", "name": "U One", "team": "team-1", "region": "east", "capacity": 10}),
    ("/leads", {"company": "深圳市腾飞科技有限公司", "industry": "manufacturing", "region": "east", "source": "web_form",
                "contact": {"name": "王伟", "phone": "+86 138-0013-8000", "email": "wang.wei@tengfei.cn"},
                "budget": {"amount": "50000", "currency": "CNY"}, "product_lines": []}),
    ("/customers", {"name": "腾飞", "region": "east", "contacts": [{"name": "李娜", "phone": "13900139000"}]}),
]}


@dataclass
class FuzzReport:
    operations: int = 0
    examples: int = 0
    statuses: Counter = field(default_factory=Counter)
    findings: Counter = field(default_factory=Counter)
    samples: dict = field(default_factory=dict)

    def found(self, where: str, failure: BaseException) -> None:
        headline = next((line.strip() for line in str(failure).splitlines() if line.strip().startswith("- ")),
                        type(failure).__name__)
        key = f"{where}: {headline}"
        self.findings[key] += 1
        self.samples.setdefault(key, str(failure)[:1500])

    def describe(self) -> str:
        return "\n\n".join(f"{key} (×{count})\n{self.samples[key]}" for key, count in self.findings.items())


def fuzz(operation, headers: dict, mode: GenerationMode, report: FuzzReport) -> None:
    where = f"{operation.label} [{mode.value}]"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def one(case):
        report.examples += 1
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            report.statuses[response.status_code] += 1
        except (AssertionError, Exception, BaseExceptionGroup) as failure:  # schemathesis raises groups
            report.found(where, failure)

    try:
        one()
    except Unsatisfiable:  # no invalid request exists for it (only a free-form path id, say)
        assert mode is GenerationMode.NEGATIVE, where


@pytest.fixture(scope="module")
def event_examples() -> dict:
    return {event_type: definition.example for event_type, (_, definition) in producers(load_all()).items()
            if definition.example}


def seed(harness, service: str, examples: dict) -> int:
    """Records to read back, so that responses are checked with data in them: the catalog's
    example of every event the service consumes, and a few records made over its API."""
    made, subscriptions = 0, harness.runtime.subscriptions
    for event_type in sorted(examples if subscriptions.fallback else subscriptions.items):
        if event_type in examples:
            harness.deliver(event_type, examples[event_type])
            made += 1
    for path, body in REST_SEEDS.get(service, []):
        response = harness.post(path, json=body)
        assert response.status_code == 201, (path, response.json)
        made += 1
    return made


@pytest.mark.parametrize("service", SERVICES)
def test_fuzzing_finds_no_server_error_schema_violation_or_accepted_invalid_request(service, postgres_url,
                                                                                    event_examples):
    harness = harness_for(SERVICES[service], postgres_url)
    try:
        seeded = seed(harness, service, event_examples)
        schema = schemathesis.openapi.from_wsgi("/openapi.json", harness.app)
        # The token is ours to send: an invalid request is invalid in what it asks, not by a
        # token left out that the call then adds back.
        schema.config.generation.update(with_security_parameters=False)
        report = FuzzReport()
        for result in schema.get_all_operations():
            operation = result.ok()
            report.operations += 1
            for role, mode in RUNS:
                fuzz(operation, harness.headers(role), mode, report)
    finally:
        harness.close()
    print(f"\n[fuzz] {service}: {seeded} records seeded, {report.operations} operations, {report.examples} examples, "
          f"{sum(report.findings.values())} findings; answers by status {dict(sorted(report.statuses.items()))}")
    assert report.examples >= report.operations * 2  # the valid runs at least (some have no invalid input)
    assert not report.findings, report.describe()
