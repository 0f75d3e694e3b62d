"""rules/kyc.yaml: the KYC profiles and their requirements, validated on load (errors name the
file and line)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis.markers import LANGUAGES, MarkerRules
from ..rulefile import LineDict, RuleError, load_yaml
from .conditions import (AllCond, AnyCond, BankCond, Cond, MarkerCond, MrzCond, RecentCond, SameHolderCond,
                         TextLanguageCond, UnexpiredCond, UsccCond, walk)

@dataclass(frozen=True)
class PooledLanguages:
    marker: str
    required: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    requirement: str
    text: str              # "{files}" is replaced by the paths that met `requirement`


@dataclass(frozen=True)
class Requirement:
    key: str
    title: str
    title_ru: str
    evidence: Cond
    note: str
    languages: PooledLanguages | None = None
    context: Context | None = None
    hints: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    aliases: tuple[str, ...]
    requirements: tuple[Requirement, ...]


_OPERATORS = {"all": set(), "any": set(), "marker": {"languages"}, "mrz": {"issuer"}, "unexpired": set(),
              "same_holder_as": set(), "text_language": set(), "bank_account": set(), "recent_months": set(), "uscc": set()}
_DOCS = ("passport", "visa")
_REQ_FIELDS = {"key", "title", "title_ru", "evidence", "note", "languages", "context", "hints"}
_PROFILE_FIELDS = {"title", "aliases", "extends", "requirements"}


def _err(message: str, node: Any, key: Any = None) -> RuleError:
    line = node.line_of(key) if isinstance(node, LineDict) and key is not None else getattr(node, "line", None)
    return RuleError(message, node, line=line)


def _text(node: Mapping, key: str, what: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _err(f"{what}: {key!r} must be a non-empty text", node, key if key in node else None)
    return value.strip()


def _languages(value: Any, node: Mapping, key: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(v not in LANGUAGES for v in value):
        raise _err(f"{what}: {key!r} must list languages from {', '.join(LANGUAGES)}, got {value!r}", node, key)
    return tuple(dict.fromkeys(value))


def _parse_cond(node: Any, what: str) -> Cond:
    if not isinstance(node, Mapping):
        raise _err(f"{what}: a condition must be a mapping like {{marker: passport}}, got {node!r}", node)
    ops = [k for k in node if k in _OPERATORS]
    if len(ops) != 1:
        unknown = [k for k in node if k not in _OPERATORS and not any(k in mods for mods in _OPERATORS.values())]
        if unknown:
            raise _err(f"{what}: unknown condition {unknown[0]!r} (known: {', '.join(_OPERATORS)})", node, unknown[0])
        raise _err(f"{what}: a condition needs exactly one of {', '.join(_OPERATORS)}, got {', '.join(map(str, node)) or 'none'}", node)
    op = ops[0]
    extra = set(node) - {op} - _OPERATORS[op]
    if extra:
        bad = sorted(map(str, extra))[0]
        raise _err(f"{what}: {bad!r} does not go with {op!r}", node, bad)
    value = node[op]
    cond: Cond
    if op in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise _err(f"{what}: {op!r} must be a non-empty list of conditions", node, op)
        children = tuple(_parse_cond(child, what) for child in value)
        cond = AllCond(children) if op == "all" else AnyCond(children)
    elif op == "marker":
        if not isinstance(value, str) or not value:
            raise _err(f"{what}: 'marker' must name a marker of markers.yaml", node, op)
        langs = _languages(node["languages"], node, "languages", what) if "languages" in node else ()
        cond = MarkerCond(value, langs)
    elif op in ("mrz", "unexpired"):
        if value not in _DOCS:
            raise _err(f"{what}: {op!r} must be one of {', '.join(_DOCS)}, got {value!r}", node, op)
        if op == "mrz":
            issuer = node.get("issuer")
            if issuer is not None and not (isinstance(issuer, str) and re.fullmatch(r"[A-Z]{1,3}", issuer)):
                raise _err(f"{what}: 'issuer' must be an ICAO state code like RUS, got {issuer!r}", node, "issuer")
            cond = MrzCond(value, issuer)
        else:
            cond = UnexpiredCond(value)
    elif op == "same_holder_as":
        if not isinstance(value, str) or not value:
            raise _err(f"{what}: 'same_holder_as' must name an earlier requirement", node, op)
        cond = SameHolderCond(value)
    elif op == "text_language":
        if value not in LANGUAGES:
            raise _err(f"{what}: 'text_language' must be one of {', '.join(LANGUAGES)}, got {value!r}", node, op)
        cond = TextLanguageCond(value)
    elif op in ("bank_account", "uscc"):
        if value != "valid":
            raise _err(f"{what}: {op!r} takes only the value 'valid', got {value!r}", node, op)
        cond = BankCond() if op == "bank_account" else UsccCond()
    else:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 36:
            raise _err(f"{what}: 'recent_months' must be a whole number from 1 to 36, got {value!r}", node, op)
        cond = RecentCond(value)
    cond.line = node.line_of(op) if isinstance(node, LineDict) else None
    return cond


def _parse_requirement(node: Any, profile: str) -> Requirement:
    if not isinstance(node, Mapping):
        raise _err(f"profile {profile!r}: each requirement must be a mapping", node)
    key = node.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise _err(f"profile {profile!r}: requirement 'key' must be lower_snake_case, got {key!r}", node, "key" if "key" in node else None)
    what = f"requirement {key!r}"
    unknown = set(node) - _REQ_FIELDS
    if unknown:
        bad = sorted(map(str, unknown))[0]
        raise _err(f"{what}: unknown field {bad!r}", node, bad)
    if "evidence" not in node:
        raise _err(f"{what}: 'evidence' (the condition) is required", node)
    evidence = _parse_cond(node["evidence"], what)
    pooled = None
    if "languages" in node:
        spec = node["languages"]
        if not isinstance(spec, Mapping) or set(spec) != {"marker", "required"} or not isinstance(spec.get("marker"), str):
            raise _err(f"{what}: 'languages' must be {{marker: KEY, required: [ru, en]}}", node, "languages")
        pooled = PooledLanguages(spec["marker"], _languages(spec["required"], spec, "required", what))
        if not any(m.key == pooled.marker for m in evidence.marker_refs()):
            raise _err(f"{what}: 'languages' pools marker {pooled.marker!r}, which its evidence does not ask for", node, "languages")
    context = None
    if "context" in node:
        spec = node["context"]
        if not isinstance(spec, Mapping) or set(spec) != {"requirement", "text"} or not all(isinstance(v, str) for v in spec.values()):
            raise _err(f"{what}: 'context' must be {{requirement: KEY, text: '... {{files}} ...'}}", node, "context")
        try:
            spec["text"].format(files="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise _err(f"{what}: context text may only use the placeholder {{files}} ({exc})", spec, "text") from None
        context = Context(spec["requirement"], spec["text"])
    hints = node.get("hints", [])
    if not isinstance(hints, list) or any(not isinstance(h, str) or not h.strip() for h in hints):
        raise _err(f"{what}: 'hints' must list file-name fragments", node, "hints")
    return Requirement(key, _text(node, "title", what), _text(node, "title_ru", what), evidence, _text(node, "note", what),
                       pooled, context, tuple(h.strip().casefold() for h in hints),
                       node.line if isinstance(node, LineDict) else None)


class KycRules:
    """The validated profiles of rules/kyc.yaml (`individual` extends `company`)."""

    def __init__(self, profiles: Mapping[str, Profile], path: Path | None = None, marker_titles: Mapping[str, str] | None = None):
        self.profiles: dict[str, Profile] = dict(profiles)
        self.path = path
        self.marker_titles: dict[str, str] = dict(marker_titles or {})
        self._aliases = {a.casefold(): p.name for p in self.profiles.values() for a in (p.name, *p.aliases)}

    @classmethod
    def load(cls, path: Path | str, markers: MarkerRules | None = None) -> "KycRules":
        path = Path(path)
        return cls.from_data(load_yaml(path), markers, path=path)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], markers: MarkerRules | None = None, *, path: Path | None = None) -> "KycRules":
        path = path or getattr(data, "path", None)
        if not isinstance(data, Mapping):
            raise RuleError("expected a mapping at the top of the file", path=path, line=1)
        unknown = set(data) - {"profiles"}
        if unknown:
            raise _err(f"unknown top-level key {sorted(map(str, unknown))[0]!r} (expected 'profiles')", data, sorted(map(str, unknown))[0])
        block = data.get("profiles")
        if not isinstance(block, Mapping) or not block:
            raise _err("'profiles' must be a non-empty mapping", data, "profiles" if "profiles" in data else None)
        raw: dict[str, tuple[Mapping, str, tuple[str, ...], str | None, list[Requirement]]] = {}
        for name, spec in block.items():
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise _err(f"profile name {name!r} must be lower_snake_case", block, name)
            if not isinstance(spec, Mapping):
                raise _err(f"profile {name!r} must be a mapping", block, name)
            bad = set(spec) - _PROFILE_FIELDS
            if bad:
                raise _err(f"profile {name!r}: unknown field {sorted(map(str, bad))[0]!r}", spec, sorted(map(str, bad))[0])
            aliases = spec.get("aliases", [])
            if not isinstance(aliases, list) or any(not isinstance(a, str) or not a.strip() for a in aliases):
                raise _err(f"profile {name!r}: 'aliases' must list names", spec, "aliases")
            extends = spec.get("extends")
            if extends is not None and extends not in block:
                raise _err(f"profile {name!r} extends unknown profile {extends!r}", spec, "extends")
            reqs = spec.get("requirements", [])
            if not isinstance(reqs, list) or (not reqs and extends is None):
                raise _err(f"profile {name!r}: 'requirements' must be a non-empty list", spec,
                           "requirements" if "requirements" in spec else None)
            raw[name] = (spec, _text(spec, "title", f"profile {name!r}"), tuple(a.strip() for a in aliases), extends,
                         [_parse_requirement(r, name) for r in reqs])
        profiles = {}
        for name in raw:
            profiles[name] = cls._resolve(name, raw, [])
        seen: dict[str, str] = {}
        for p in profiles.values():
            for alias in (p.name, *p.aliases):
                other = seen.setdefault(alias.casefold(), p.name)
                if other != p.name:
                    raise _err(f"alias {alias!r} names both profiles {other!r} and {p.name!r}", raw[p.name][0], "aliases")
        rules = cls(profiles, path)
        if markers is not None:
            rules.check_markers(markers)
        return rules

    @classmethod
    def _resolve(cls, name: str, raw: Mapping, chain: list[str]) -> Profile:
        spec, title, aliases, extends, own = raw[name]
        if name in chain:
            raise _err(f"profile {name!r} extends itself ({' -> '.join(chain + [name])})", spec, "extends")
        requirements: list[Requirement] = []
        if extends:
            requirements = list(cls._resolve(extends, raw, chain + [name]).requirements)
        own_keys: set[str] = set()
        for req in own:
            if req.key in own_keys:
                raise RuleError(f"profile {name!r}: requirement {req.key!r} is listed twice", spec, line=req.line)
            own_keys.add(req.key)
            index = next((i for i, r in enumerate(requirements) if r.key == req.key), None)
            if index is None:
                requirements.append(req)
            else:
                requirements[index] = req     # a profile may replace an inherited requirement
        keys = [r.key for r in requirements]
        for i, req in enumerate(requirements):
            earlier = set(keys[:i])
            refs = [(c.requirement, c.line) for c in walk(req.evidence) if isinstance(c, SameHolderCond)]
            if req.context:
                refs.append((req.context.requirement, req.line))
            for ref, line in refs:
                if ref not in earlier:
                    raise RuleError(f"requirement {req.key!r} (profile {name!r}) refers to {ref!r}, which is not an earlier "
                                    f"requirement of the profile", spec, line=line or req.line)
        return Profile(name, title, aliases, tuple(requirements))

    def check_markers(self, markers: MarkerRules) -> None:
        """Every marker a condition names must exist in markers.yaml; remembers the markers' titles."""
        for profile in self.profiles.values():
            for req in profile.requirements:
                for ref in req.evidence.marker_refs():
                    if ref.key not in markers:
                        raise RuleError(f"requirement {req.key!r}: unknown marker {ref.key!r} (markers.yaml has "
                                        f"{', '.join(markers.keys())})", path=self.path, line=ref.line or req.line)
        self.marker_titles = {key: markers.title(key) for key in markers.keys()}

    def profile(self, name: str) -> Profile:
        key = self._aliases.get((name or "").strip().casefold())
        if key is None:
            raise ValueError(f"unknown KYC profile {name!r} (known: {', '.join(self.profiles)})")
        return self.profiles[key]

    def titles_ru(self, profile: str) -> dict[str, str]:
        """Requirement key -> Russian title, for reports in Russian."""
        return {r.key: r.title_ru for r in self.profile(profile).requirements}
