"""Services compose (DESIGN, principle 4): one service calls another, so their imports must form
no cycle, counting the imports made inside functions (a function-level import that dodges a
cycle at load time is still a cycle). And services stay below the faces: they never import
the forms, WTForms, the pages, the API, the command line or the unit of work."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "core" / "services"
FORBIDDEN = ("core.forms", "core.web", "core.api", "core.cli", "core.unit_of_work",
             "flask_wtf", "wtforms")


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every import statement of a file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def import_graph(folder: Path = SERVICES) -> dict[str, set[str]]:
    """Service module → the service modules it imports (module level or inside functions)."""
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name in sorted(modules):
        targets = graph.setdefault(name, set())
        for module, names in _imports(folder / f"{name}.py"):
            if module == "core.services":
                targets.update(n for n in names if n in modules)
            elif module.startswith("core.services."):
                targets.add(module.split(".")[2])
        targets.discard(name)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    (tmp_path / "a.py").write_text("from core.services import b\n")
    (tmp_path / "b.py").write_text("from core.services.c import thing\n")
    (tmp_path / "c.py").write_text("def f():\n    from core.services import a\n")
    (tmp_path / "d.py").write_text("from core.services import a, clock\n")
    graph = import_graph(tmp_path)
    assert graph["c"] == {"a"} and graph["d"] == {"a"}
    assert find_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_among_services():
    graph = import_graph()
    assert graph, "no service module found"
    assert find_cycles(graph) == []


def test_services_import_no_face_and_no_form():
    """Nor does ``core.validators``, the input rules the services share with the forms."""
    offenders = []
    for path in [*sorted(SERVICES.glob("*.py")), SERVICES.parent / "validators.py"]:
        for module, _names in _imports(path):
            if module.startswith(FORBIDDEN):
                offenders.append(f"{path.name}: {module}")
    assert offenders == []


def test_services_neither_commit_nor_roll_back():
    """The face that opened the unit of work commits it (core.unit_of_work)."""
    offenders = []
    for path in sorted(SERVICES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback"):
                offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offenders == []
