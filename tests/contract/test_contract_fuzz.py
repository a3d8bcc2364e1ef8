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

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("SALESLOOP_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]
RUNS = (("admin", GenerationMode.POSITIVE), ("rep", GenerationMode.POSITIVE), ("admin", GenerationMode.NEGATIVE))


@dataclass
class FuzzReport:
    operations: int = 0
    examples: int = 0
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
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (AssertionError, Exception, BaseExceptionGroup) as failure:  # schemathesis raises groups
            report.found(where, failure)

    try:
        one()
    except Unsatisfiable:  # no invalid request exists for it (only a free-form path id, say)
        assert mode is GenerationMode.NEGATIVE, where


@pytest.mark.parametrize("service", SERVICES)
def test_fuzzing_finds_no_server_error_schema_violation_or_accepted_invalid_request(service, postgres_url):
    harness = harness_for(SERVICES[service], postgres_url)
    try:
        schema = schemathesis.openapi.from_wsgi("/openapi.json", harness.app)
        report = FuzzReport()
        for result in schema.get_all_operations():
            operation = result.ok()
            report.operations += 1
            for role, mode in RUNS:
                fuzz(operation, harness.headers(role), mode, report)
    finally:
        harness.close()
    print(f"\n[fuzz] {service}: {report.operations} operations, {report.examples} examples, "
          f"{sum(report.findings.values())} findings")
    assert report.examples > report.operations * len(RUNS)
    assert not report.findings, report.describe()
