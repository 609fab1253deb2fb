"""The house rules, checked on the source: apps depend one way, no import cycles, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

from assist.critic_settings import settings_table
from tests.conftest import ROOT

PRODUCT = ("annotation", "assist", "models_service", "config")
MAX_LINES = 400
MAX_TOP_LEVEL_MODULES = 12


def _modules() -> dict[str, Path]:
    found = {}
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module imported anywhere in the file, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in MODULES else node.module)
    return names


IMPORTS = {module: _imports(path) for module, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_annotation_knows_assist_only_through_its_interface() -> None:
    offending = {
        module: sorted(name for name in imported if name.split(".")[0] == "assist" and name != "assist.interface")
        for module, imported in IMPORTS.items()
        if module.split(".")[0] == "annotation"
    }
    assert {module: names for module, names in offending.items() if names} == {}


def test_models_service_imports_neither_django_nor_the_apps() -> None:
    forbidden = ("django", "rest_framework", "annotation", "assist", "config", "celery")
    offending = {
        module: sorted(name for name in imported if name.split(".")[0] in forbidden)
        for module, imported in IMPORTS.items()
        if module.split(".")[0] == "models_service"
    }
    assert {module: names for module, names in offending.items() if names} == {}


def test_no_module_imports_itself_back_through_others() -> None:
    graph = {module: {name for name in imported if name in MODULES} for module, imported in IMPORTS.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_product_module_is_over_400_lines() -> None:
    long = {module: n for module, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_annotation_keeps_its_concerns_in_folders() -> None:
    top_level = sorted(path.name for path in (ROOT / "annotation").glob("*.py"))
    assert len(top_level) <= MAX_TOP_LEVEL_MODULES, top_level
    for concern in ("datasets", "studies", "labeling", "results"):
        assert (ROOT / "annotation" / concern / "models.py").is_file()


def test_the_readme_lists_every_critic_setting_as_the_code_defines_it() -> None:
    assert settings_table() in (ROOT / "README.md").read_text()
