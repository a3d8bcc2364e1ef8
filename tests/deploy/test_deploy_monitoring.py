"""Alert rules and the Grafana dashboard, checked offline: valid PromQL, every
metric exported by the code, and the rules Prometheus is told to load."""
from __future__ import annotations

import json
import re
from pathlib import Path

import promql_parser
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
DURATION = re.compile(r"^\d+[smhd]$")
METRIC = re.compile(r"\bsalesloop_[a-z_]+\b")
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")
REQUIRED_ALERTS = {"SalesloopOutboxStalled", "SalesloopDeadLetters", "SalesloopNoConsumer", "SalesloopSlaBreaches"}


def rules() -> list[dict]:
    document = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def exported_metrics() -> set[str]:
    source = "\n".join(p.read_text() for p in (ROOT / "shared" / "salesloop").rglob("*.py"))
    return set(re.findall(r'"(salesloop_[a-z_]+)"', source))


def base_name(metric: str) -> str:
    for suffix in SUFFIXES:
        if metric.endswith(suffix):
            return metric[: -len(suffix)]
    return metric


def test_the_required_alerts_exist():
    assert REQUIRED_ALERTS <= {rule["alert"] for rule in rules()}


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule["alert"])
def test_each_alert_is_complete_and_valid_promql(rule):
    promql_parser.parse(rule["expr"])
    assert DURATION.match(rule["for"])
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]


@pytest.mark.parametrize("expr", [r["expr"] for r in rules()] + dashboard_expressions())
def test_every_metric_named_is_exported_by_the_code(expr):
    promql_parser.parse(expr)
    exported = exported_metrics()
    for metric in METRIC.findall(expr):
        assert base_name(metric) in exported, f"{metric} is not exported by shared/salesloop"


def test_a_broken_expression_is_caught():
    with pytest.raises(Exception):
        promql_parser.parse("max by (service (salesloop_queue_depth")


def test_prometheus_loads_the_rules_in_compose():
    config = yaml.safe_load((ROOT / "deploy" / "compose" / "prometheus.yml").read_text())
    assert "/etc/prometheus/alerts.yaml" in config["rule_files"]
    compose = yaml.safe_load((ROOT / "deploy" / "compose" / "docker-compose.observability.yml").read_text())
    assert "../monitoring/alerts.yaml:/etc/prometheus/alerts.yaml:ro" in compose["services"]["prometheus"]["volumes"]


def test_the_dashboard_has_unique_panels_on_a_grid():
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and dashboard["uid"]
    for panel in dashboard["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]) and panel["gridPos"]["w"] <= 24
