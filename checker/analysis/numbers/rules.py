"""NumberRules: rules/numbers.yaml compiled (by compiler.compile_numbers), immutable after that."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from ...rulefile import LineDict, load_yaml
from .compiler import compile_alphabets, compile_numbers
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

    @classmethod
    def deferred(cls, data: LineDict) -> "NumberRules":
        """A parsed numbers.yaml whose look-alike tables are compiled now (document types fold with
        them while they load) and everything else on first use: some 60 patterns, 0.1 s, that a
        scan whose every analysis comes from the cache never uses. For a file known to compile
        (rules.load_rules, ``defer_numbers``); :meth:`check` compiles at once."""
        rules = cls(**compile_alphabets(data))
        rules.__dict__["_pending"] = data
        return rules

    def __getattr__(self, name: str) -> Any:
        """Only called for an attribute not there yet: a deferred compile happens here, once."""
        if name.startswith("__"):
            raise AttributeError(name)
        pending = self.__dict__.pop("_pending", None)
        if pending is None:
            raise AttributeError(name)
        try:
            self.__dict__.update(compile_numbers(pending))
        except BaseException:
            self.__dict__["_pending"] = pending
            raise
        return getattr(self, name)

    def check(self) -> None:
        """Compile now if compiling was deferred; RuleError (file:line) when numbers.yaml is wrong."""
        if "_pending" in self.__dict__:
            self.anchor  # noqa: B018  (the first use compiles)

    @property
    def compiled(self) -> bool:
        """Is every pattern compiled (not deferred, or used since)?"""
        return "_pending" not in self.__dict__

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
