"""Every environment variable the code reads is in the README that a person reads.

Shared settings belong in the top README's configuration table; a service's own
``<SERVICE>_*`` settings in that service's README. Found in the source, so a new
setting without its line fails here.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"leads": "leads", "deals": "deals", "orders": "orders", "service-desk": "service_desk", "kpi": "kpi"}
# Read by the test kit or CI only: documented in the README's testing section, not the table.
TEST_ONLY = {"CI", "TEST_DATABASE_URL", "TEST_BUS_URL", "SALESLOOP_TEST_SERVERS"}
READERS = {"get", "getenv", "_number", "_service_env", "setdefault"}
NAME = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")


def read_variables(folder: Path) -> set[str]:
    """Names passed to os.environ.get / os.getenv / environ[...] and the config helpers."""
    names: set[str] = set()
    for file in folder.rglob("*.py"):
        if "tests" in file.parts or "migrations" in file.parts or "testing" in file.parts:
            continue
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                on_environ = isinstance(func, ast.Attribute) and "environ" in ast.unparse(func.value)
                if called in READERS and (on_environ or called not in ("get", "setdefault")):
                    names.update(_literal_names(node.args))
            elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
                names.update(_literal_names([node.slice]))
    return names


def _literal_names(nodes) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and NAME.match(n.value)}


def service_settings(package: Path, prefix: str) -> set[str]:
    """Every ``PREFIX_*`` string literal in the package: the services read theirs through small helpers."""
    names = set()
    for file in package.rglob("*.py"):
        if "migrations" in file.parts:
            continue
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value) \
                    and node.value.startswith(prefix):
                names.add(node.value)
    return names


def documented(readme: Path) -> str:
    return readme.read_text(encoding="utf-8")


def test_the_readme_lists_every_shared_setting():
    readme = documented(ROOT / "README.md")
    missing = sorted(n for n in read_variables(ROOT / "shared" / "salesloop") - TEST_ONLY
                     if f"`{n}`" not in readme and not n.startswith("OTEL_"))
    assert missing == [], f"add these to the README's configuration table: {missing}"


def test_the_readme_documents_the_test_switches():
    readme = documented(ROOT / "README.md")
    for name in TEST_ONLY:
        assert f"`{name}`" in readme, name


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_readme_lists_its_own_settings(service):
    package = ROOT / "services" / service / SERVICES[service]
    prefix = SERVICES[service].upper() + "_"
    readme = documented(ROOT / "services" / service / "README.md")
    missing = sorted(n for n in service_settings(package, prefix) if n not in readme)
    assert missing == [], f"add these to services/{service}/README.md: {missing}"


def test_the_finder_sees_the_ways_code_reads_a_variable(tmp_path):
    (tmp_path / "config.py").write_text(
        "import os\nA = os.environ.get('FIRST_ONE')\nB = os.environ['SECOND_ONE']\n"
        "C = os.getenv('THIRD_ONE')\nD = _number('FOURTH_ONE', 1)\n")
    assert read_variables(tmp_path) == {"FIRST_ONE", "SECOND_ONE", "THIRD_ONE", "FOURTH_ONE"}
