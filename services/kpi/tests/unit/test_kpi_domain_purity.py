"""The domain layer stays plain Python: no web, database, schema or broker import."""
import ast
from pathlib import Path

import kpi.domain

FORBIDDEN = {"flask", "flask_smorest", "sqlalchemy", "marshmallow", "kombu", "salesloop"}


def test_the_domain_imports_no_framework():
    offenders = []
    for path in Path(kpi.domain.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] in FORBIDDEN]
    assert offenders == []
