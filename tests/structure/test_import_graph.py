"""No import circles in first-party code, however an import is written.

Imports inside functions count too: a function-level import that only hides a
circle from the interpreter still makes one.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def packages() -> dict[str, Path]:
    found = {"salesloop": ROOT / "shared" / "salesloop"}
    for init in sorted((ROOT / "services").glob("*/*/__init__.py")):
        found[init.parent.name] = init.parent
    return found


def module_name(package: str, root: Path, file: Path) -> str:
    parts = [package, *file.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, current: str, is_package: bool) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = current.split(".")[: len(current.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def graph() -> dict[str, set[str]]:
    modules: dict[str, tuple[Path, bool]] = {}
    for package, root in packages().items():
        for file in root.rglob("*.py"):
            if "migrations" in file.parts:
                continue
            modules[module_name(package, root, file)] = (file, file.name == "__init__.py")
    edges: dict[str, set[str]] = {}
    for name, (file, is_package) in modules.items():
        tree = ast.parse(file.read_text(), str(file))
        edges[name] = {target for target in imported(tree, name, is_package)
                       if target in modules and target != name and not is_ancestor(target, name)}
    return edges


def is_ancestor(package: str, module: str) -> bool:
    """``from . import stages`` names the enclosing package, which Python has always
    loaded before any module inside it: no edge, or every package would be a circle."""
    return module.startswith(package + ".")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components larger than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_first_party_import_circles():
    assert cycles(graph()) == []


def test_the_checker_sees_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_a_sibling_import_through_the_package_is_no_circle():
    tree = ast.parse("from . import stages")
    assert imported(tree, "deals.domain.deal", False) >= {"deals.domain", "deals.domain.stages"}
    assert is_ancestor("deals.domain", "deals.domain.deal") and not is_ancestor("deals.domain.deal", "deals.domain")


def test_no_service_imports_another_and_shared_imports_none():
    edges = graph()
    for module, targets in edges.items():
        owner = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            assert other == owner or other == "salesloop", f"{module} imports {target}"
