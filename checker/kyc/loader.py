"""rules/kyc.yaml: the KYC profiles and their requirements, validated on load (errors name the
file and line)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis.markers import MarkerRules
from ..rulefile import LineDict, RuleError, check_keys, fail, load_yaml, text, top_level_block
from .conditions import Cond, SameHolderCond, language_list, parse_condition, walk

@dataclass(frozen=True)
class PooledLanguages:
    """A requirement's `languages`: the files meeting it must, together, have matched `marker` in every `required` language."""
    marker: str
    required: tuple[str, ...]


@dataclass(frozen=True)
class Context:
    """A requirement's `context`: text added to its note when `requirement` was met."""
    requirement: str
    text: str              # "{files}" is replaced by the paths that met `requirement`


@dataclass(frozen=True)
class Requirement:
    """One requirement of a KYC profile: its key, titles, evidence condition and note."""
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
    """A KYC profile (seller type) with its requirements, inherited ones included."""
    name: str
    title: str
    aliases: tuple[str, ...]
    requirements: tuple[Requirement, ...]


_REQ_FIELDS = {"key", "title", "title_ru", "evidence", "note", "languages", "context", "hints"}
_PROFILE_FIELDS = {"title", "aliases", "extends", "requirements"}


def _parse_requirement(node: Any, profile: str) -> Requirement:
    if not isinstance(node, Mapping):
        raise fail(f"profile {profile!r}: each requirement must be a mapping", node)
    key = node.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
        raise fail(f"profile {profile!r}: requirement 'key' must be lower_snake_case, got {key!r}", node, "key" if "key" in node else None)
    what = f"requirement {key!r}"
    check_keys(node, _REQ_FIELDS, f"{what}: unknown field {{key!r}}")
    if "evidence" not in node:
        raise fail(f"{what}: 'evidence' (the condition) is required", node)
    evidence = parse_condition(node["evidence"], what)
    pooled = None
    if "languages" in node:
        spec = node["languages"]
        if not isinstance(spec, Mapping) or set(spec) != {"marker", "required"} or not isinstance(spec.get("marker"), str):
            raise fail(f"{what}: 'languages' must be {{marker: KEY, required: [ru, en]}}", node, "languages")
        pooled = PooledLanguages(spec["marker"], language_list(spec["required"], spec, "required", what))
        if not any(m.key == pooled.marker for m in evidence.marker_refs()):
            raise fail(f"{what}: 'languages' pools marker {pooled.marker!r}, which its evidence does not ask for", node, "languages")
    context = None
    if "context" in node:
        spec = node["context"]
        if not isinstance(spec, Mapping) or set(spec) != {"requirement", "text"} or not all(isinstance(v, str) for v in spec.values()):
            raise fail(f"{what}: 'context' must be {{requirement: KEY, text: '... {{files}} ...'}}", node, "context")
        try:
            spec["text"].format(files="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise fail(f"{what}: context text may only use the placeholder {{files}} ({exc})", spec, "text") from None
        context = Context(spec["requirement"], spec["text"])
    hints = node.get("hints", [])
    if not isinstance(hints, list) or any(not isinstance(h, str) or not h.strip() for h in hints):
        raise fail(f"{what}: 'hints' must list file-name fragments", node, "hints")
    return Requirement(key, text(node, "title", what), text(node, "title_ru", what), evidence, text(node, "note", what),
                       pooled, context, tuple(h.strip().casefold() for h in hints),
                       node.line if isinstance(node, LineDict) else None)


def check_marker_refs(profiles: Mapping[str, Profile], markers: MarkerRules, path: Path | None) -> dict[str, str]:
    """Every marker the profiles' conditions name exists in markers.yaml (else RuleError naming
    the file and line of the condition). Returns marker key -> its title."""
    for profile in profiles.values():
        for req in profile.requirements:
            for ref in req.evidence.marker_refs():
                if ref.key not in markers:
                    raise RuleError(f"requirement {req.key!r}: unknown marker {ref.key!r} (markers.yaml has "
                                    f"{', '.join(markers.keys())})", path=path, line=ref.line or req.line)
    return {key: markers.title(key) for key in markers.keys()}


class KycRules:
    """The validated profiles of rules/kyc.yaml (`individual` extends `company`)."""

    def __init__(self, profiles: Mapping[str, Profile], path: Path | None = None, marker_titles: Mapping[str, str] | None = None):
        self.profiles: dict[str, Profile] = dict(profiles)
        self.path = path
        self.marker_titles: dict[str, str] = dict(marker_titles or {})
        self._aliases = {a.casefold(): p.name for p in self.profiles.values() for a in (p.name, *p.aliases)}

    @classmethod
    def load(cls, path: Path | str, markers: MarkerRules | None = None) -> "KycRules":
        """Reads and validates a kyc.yaml (against `markers` when given); RuleError naming file and line."""
        path = Path(path)
        return cls.from_data(load_yaml(path), markers, path=path)

    @classmethod
    def from_data(cls, data: Mapping[str, Any], markers: MarkerRules | None = None, *, path: Path | None = None) -> "KycRules":
        """Validates a parsed kyc.yaml; resolves `extends`; RuleError naming file and line."""
        path = path or getattr(data, "path", None)
        block = top_level_block(data, "profiles", path)
        raw: dict[str, tuple[Mapping, str, tuple[str, ...], str | None, list[Requirement]]] = {}
        for name, spec in block.items():
            if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise fail(f"profile name {name!r} must be lower_snake_case", block, name)
            if not isinstance(spec, Mapping):
                raise fail(f"profile {name!r} must be a mapping", block, name)
            check_keys(spec, _PROFILE_FIELDS, f"profile {name!r}: unknown field {{key!r}}")
            aliases = spec.get("aliases", [])
            if not isinstance(aliases, list) or any(not isinstance(a, str) or not a.strip() for a in aliases):
                raise fail(f"profile {name!r}: 'aliases' must list names", spec, "aliases")
            extends = spec.get("extends")
            if extends is not None and extends not in block:
                raise fail(f"profile {name!r} extends unknown profile {extends!r}", spec, "extends")
            reqs = spec.get("requirements", [])
            if not isinstance(reqs, list) or (not reqs and extends is None):
                raise fail(f"profile {name!r}: 'requirements' must be a non-empty list", spec,
                           "requirements" if "requirements" in spec else None)
            raw[name] = (spec, text(spec, "title", f"profile {name!r}"), tuple(a.strip() for a in aliases), extends,
                         [_parse_requirement(r, name) for r in reqs])
        profiles = {}
        for name in raw:
            profiles[name] = cls._resolve(name, raw, [])
        seen: dict[str, str] = {}
        for p in profiles.values():
            for alias in (p.name, *p.aliases):
                other = seen.setdefault(alias.casefold(), p.name)
                if other != p.name:
                    raise fail(f"alias {alias!r} names both profiles {other!r} and {p.name!r}", raw[p.name][0], "aliases")
        titles = check_marker_refs(profiles, markers, path) if markers is not None else None
        return cls(profiles, path, titles)

    @classmethod
    def _resolve(cls, name: str, raw: Mapping, chain: list[str]) -> Profile:
        spec, title, aliases, extends, own = raw[name]
        if name in chain:
            raise fail(f"profile {name!r} extends itself ({' -> '.join(chain + [name])})", spec, "extends")
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

    def check_markers(self, markers: MarkerRules) -> dict[str, str]:
        """Every marker a condition names must exist in `markers` (else RuleError naming kyc.yaml
        and the condition's line). Returns marker key -> title; changes nothing."""
        return check_marker_refs(self.profiles, markers, self.path)

    def profile(self, name: str) -> Profile:
        """The profile named `name` or one of its aliases (case-insensitive); ValueError when unknown."""
        key = self._aliases.get((name or "").strip().casefold())
        if key is None:
            raise ValueError(f"unknown KYC profile {name!r} (known: {', '.join(self.profiles)})")
        return self.profiles[key]

    def titles_ru(self, profile: str) -> dict[str, str]:
        """Requirement key -> Russian title, for reports in Russian."""
        return {r.key: r.title_ru for r in self.profile(profile).requirements}
