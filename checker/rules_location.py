"""Where the built-in rule files live. A module of its own so that the translations (i18n, which
reads rules/messages.yaml) and the rules loader (rules, which validates texts through i18n) can
both find the folder without importing each other."""

from __future__ import annotations

from pathlib import Path

from .rulefile import RuleError


def default_rules_dir() -> Path:
    """The built-in rules folder: installed wheels carry rules/ as checker/_rules; a source
    checkout has it beside checker/. RuleError when neither holds categories.yaml."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "_rules", package_dir.parent / "rules"):
        if (candidate / "categories.yaml").is_file():
            return candidate
    raise RuleError("rules folder not found (reinstall doccheck or pass --rules DIR)")
