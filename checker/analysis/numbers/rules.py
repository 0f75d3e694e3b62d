"""NumberRules: rules/numbers.yaml compiled (by compiler.compile_numbers), immutable after that."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from ...rulefile import LineDict, load_yaml
from .compiler import compile_numbers
from .layouts import READERS, Prefix, Wording


class NumberRules:
    """Compiled rules/numbers.yaml. Build with load() or from_data(); never changed afterwards
    (compared and hashed by identity, so pure look-ups on it can be memoised)."""

    anchor: re.Pattern             # every place a number can start: prefix, bare "RU С-", title, label
    prefixes: dict[str, Prefix]
    wordings: tuple[Wording, ...]

    def __init__(self, **parts: Any):
        self.__dict__.update(parts)    # what compiler.compile_numbers() made of numbers.yaml

    @classmethod
    def load(cls, path: Path) -> "NumberRules":
        """Reads and compiles a numbers.yaml; RuleError (file:line) when it is wrong."""
        return cls.from_data(load_yaml(Path(path)))

    @classmethod
    def from_data(cls, data: LineDict) -> "NumberRules":
        """Compiles a parsed numbers.yaml (see compiler.compile_numbers)."""
        return cls(**compile_numbers(data))

    def read(self, raw: str, how: str) -> str:
        """One field's raw characters read the `how` way (a READERS name), whitespace dropped."""
        return READERS[how].read(re.sub(r"\s+", "", raw), self)

    def fold(self, text: str) -> str:
        """Latin look-alikes to Cyrillic, same length, for wordings, titles and regulations.

        The three finders fold the same text in turn; the last results are kept in a functools
        cache (translate is the costliest step of a warm re-scan), not in the rules object."""
        return _fold(text, self)


@functools.lru_cache(maxsize=2)
def _fold(text: str, rules: NumberRules) -> str:
    """`text` with the rules' Latin look-alikes made Cyrillic (pure; NumberRules hash by identity)."""
    return text.translate(rules.fold_table)
