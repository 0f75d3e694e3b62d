"""Every module, public class and public function of checker/ says what it does (issue 11: shapes,
units, errors and, for a domain rule, its source). Fast: the source is parsed, nothing imported."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "checker"


def undocumented(root: Path) -> list[str]:
    """`path:line name` of every module, public class, function and method under `root` without a
    docstring (a name starting with "_" is private)."""
    missing: list[str] = []

    def walk(path: Path, body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                if not ast.get_docstring(node):
                    missing.append(f"{path.relative_to(root.parent)}:{node.lineno} {prefix}{node.name}")
                if isinstance(node, ast.ClassDef):
                    walk(path, node.body, f"{prefix}{node.name}.")

    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not ast.get_docstring(tree):
            missing.append(f"{path.relative_to(root.parent)}: module")
        walk(path, tree.body, "")
    return missing


def test_every_public_name_has_a_docstring():
    assert undocumented(PACKAGE) == []


def test_the_probe_sees_a_missing_docstring(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text('"""A module."""\n\nclass A:\n    """Said."""\n    def run(self):\n        pass\n\n'
                              'def _private():\n    pass\n\ndef public():\n    pass\n', encoding="utf-8")
    assert undocumented(pkg) == ["pkg/m.py:5 A.run", "pkg/m.py:11 public"]
