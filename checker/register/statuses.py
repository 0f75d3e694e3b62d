"""rules/register.yaml: the register's status classifier as data, and which schemes it holds."""

from __future__ import annotations

from dataclasses import dataclass

from ..rulefile import Field, LineDict, fail, read_fields, require


# register.yaml: the fields of one status code (source: where the code's meaning was found)
_STATUS = {"names": Field(LineDict), "in_force": Field(bool), "source": Field(str), "verified": Field(bool)}


@dataclass(frozen=True)
class RegisterStatus:
    """One status code of the EAEU register (register.yaml): in force or not, its names, source, verified."""
    code: str
    in_force: bool
    names: dict[str, str]         # en/ru/zh
    source: str
    verified: bool


@dataclass(frozen=True)
class RegisterRules:
    """register.yaml: the register's status classifier and the schemes looked up there."""
    statuses: dict[str, RegisterStatus]
    schemes: tuple[str, ...]      # rules/numbers.yaml schemes whose numbers are looked up

    def in_force(self, code: str) -> bool:
        """Only a code listed with in_force: true is in force; any other (listed or not) is not."""
        status = self.statuses.get(code)
        return bool(status and status.in_force)

    def status_name(self, code: str, lang: str) -> str | None:
        """The status code's name in `lang` (English when missing); None for an unlisted code."""
        status = self.statuses.get(code)
        return (status.names.get(lang) or status.names.get("en")) if status else None

    @classmethod
    def from_data(cls, data: LineDict) -> "RegisterRules":
        """Checks and reads register.yaml; a RuleError names file and line."""
        from ..analysis.numbers import SCHEMES
        from ..i18n import check_translations

        block = require(data, "status_codes", LineDict)
        statuses: dict[str, RegisterStatus] = {}
        for code, spec in block.items():
            if not isinstance(code, str) or not code.strip():
                raise fail(f"status code {code!r} must be quoted text, e.g. \"01\"", block, code)
            if not isinstance(spec, LineDict):
                raise fail(f"status code {code!r} must be a mapping", block, code)
            fields = read_fields(spec, _STATUS, f"status code {code!r}")
            names = check_translations(fields["names"], f"register status {code!r} names")
            if not fields["source"].strip():
                raise fail(f"status code {code!r}: 'source' must say where the code was found", spec, "source")
            statuses[code] = RegisterStatus(code, fields["in_force"], names, fields["source"], fields["verified"])
        if not any(s.in_force for s in statuses.values()):
            raise fail("no status code is in_force: true; every register record would count as revoked", block)
        schemes = require(data, "schemes", list)
        for scheme in schemes:
            if scheme not in SCHEMES:
                raise fail(f"'schemes': {scheme!r} is not one of {', '.join(SCHEMES)}", data, "schemes")
        return cls(statuses, tuple(schemes))
