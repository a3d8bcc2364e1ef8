"""The domain layer stays plain Python: no web, database or messaging framework."""
import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "deals" / "domain"
FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "marshmallow", "kombu", "amqp", "salesloop"}


def imported_roots(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def domain_modules():
    return sorted(DOMAIN.glob("*.py"))


def test_there_are_domain_modules_to_check():
    names = {path.stem for path in domain_modules()}
    assert {"stages", "probability", "quotes", "contracts", "negotiation", "forecast", "errors"} <= names


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: p.name)
def test_no_framework_import(path):
    assert set(imported_roots(path)) & FORBIDDEN == set()


def test_error_hierarchy():
    from deals.domain import errors

    assert issubclass(errors.IllegalTransition, errors.DomainError)
    assert issubclass(errors.RuleViolation, errors.DomainError)
    assert issubclass(errors.NotAllowed, errors.DomainError)
    assert issubclass(errors.AlreadySigned, errors.IllegalTransition)
    assert issubclass(errors.QuoteExpired, errors.IllegalTransition)
    assert issubclass(errors.AlreadyAccepted, errors.IllegalTransition)
    violation = errors.RuleViolation("quantity must be greater than 0", "quantity")
    assert (violation.message, violation.field, str(violation)) == (
        "quantity must be greater than 0", "quantity", "quantity must be greater than 0")
