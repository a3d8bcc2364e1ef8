"""The domain is plain Python: no web, database, schema or broker library in it."""
import ast
from pathlib import Path

import orders.domain

FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "marshmallow", "kombu", "pika", "salesloop"}


def test_the_domain_imports_no_framework():
    offenders = []
    for path in Path(orders.domain.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] in FORBIDDEN]
    assert offenders == []
