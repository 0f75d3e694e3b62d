"""The package's import graph has no cycle (issue 11): every `import` and `from … import` in
checker/, at module level and inside functions, is an edge; a cycle fails the test and is printed.

A cycle means two modules cannot be understood (or loaded) one without the other: the CLI and a
command importing each other back, the rules and the translations needing each other. Imports
under ``if TYPE_CHECKING:`` are not edges: they name a type for annotations and never run."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "checker"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path = ROOT) -> dict[str, Path]:
    """module name -> source file, for every .py under `root`."""
    return {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name `from <level dots><name>` means inside `module`."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([name] if name else []))


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _runtime_nodes(tree: ast.AST):
    """Every node of `tree` except the bodies of `if TYPE_CHECKING:` blocks (their else runs)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if _type_checking_only(node):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def import_edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the package modules it imports (anywhere in its source). `from pkg import name`
    is an edge to pkg.name when that is a module, else to pkg."""
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                while target and target not in modules:   # `import checker.a.b.c` where c is a name
                    target = target.rpartition(".")[0]
                if target and target != module and target.split(".")[0] == PACKAGE:
                    edges[module].add(target)
    return edges


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module, each as one cycle through it
    (a -> b -> … -> a), found with Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return components


def describe(component: list[str], edges: dict[str, set[str]]) -> str:
    """One line for a cycle: a concrete path through it, and every module caught in it."""
    cycle = " -> ".join(_cycle_through(set(component), edges))
    return f"{cycle}   (modules in this cycle: {', '.join(component)})"


def _cycle_through(component: set[str], edges: dict[str, set[str]]) -> list[str]:
    """One concrete cycle inside a strongly connected component, by breadth-first search back to its start."""
    start = min(component)
    previous: dict[str, str] = {}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges[v] & component):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, v, start]
            if w not in previous:
                previous[w] = v
                queue.append(w)
    return sorted(component)


def test_the_finder_reports_a_cycle(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import thing\n")
    (pkg / "c.py").write_text("import checker.a\nfrom . import e\n")
    (pkg / "d.py").write_text("from . import c\n")           # into the cycle, not part of it
    (pkg / "e.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import d\n")  # type-only: no edge
    edges = import_edges(package_modules(pkg))
    cycles = find_cycles(edges)
    assert cycles == [["checker.a", "checker.c", "checker.sub.b"]]
    assert describe(cycles[0], edges).startswith("checker.a -> checker.sub.b -> checker.c -> checker.a")


def test_no_import_cycles():
    edges = import_edges(package_modules())
    cycles = find_cycles(edges)
    assert not cycles, "import cycles in checker/:\n" + "\n".join("  " + describe(c, edges) for c in cycles)
