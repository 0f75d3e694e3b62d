"""Registration numbers -> RegisterCheck, through the cache database and the register's client."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..models import FileResult, Group, RegisterCheck
from .eaeu import BACKOFF_S, DEFAULT_URL, TIMEOUT_S, Answer, EaeuRegister
from .statuses import RegisterRules

REGISTERS = ("eaeu",)     # --register choices


@dataclass(frozen=True)
class RegisterSettings:
    """--register eaeu and its options. url: the OData service's base; max_age_hours: how long a
    cached answer is trusted; timeout (s per request) and backoff (s, first wait) are the client's."""
    register: str = "eaeu"
    url: str = DEFAULT_URL
    max_age_hours: float = 24.0
    timeout: float = TIMEOUT_S
    backoff: float = BACKOFF_S


def numbers_to_check(files: list[FileResult], rules: RegisterRules) -> list[str]:
    """The well-formed numbers, in official form, of SKU conformity papers in the register's schemes."""
    numbers: dict[str, None] = {}
    for f in files:
        if f.group is not Group.SKU or f.analysis.role != "conformity":
            continue
        for n in f.analysis.numbers:
            if n.well_formed and n.scheme in rules.schemes:
                numbers.setdefault(n.official, None)
    return list(numbers)


def _check(answer: Answer, rules: RegisterRules, fetched: float) -> RegisterCheck:
    record = answer.record
    if record is None:
        return RegisterCheck(answer.number, answer.state, why=answer.why, detail=answer.detail, fetched=fetched)
    return RegisterCheck(answer.number, "found", status_code=record.status_code, in_force=rules.in_force(record.status_code),
                         valid_from=record.start, valid_until=record.validity, country=record.country, fetched=fetched)


def check_numbers(numbers: list[str], settings: RegisterSettings, rules: RegisterRules, cache=None,
                  register: EaeuRegister | None = None) -> dict[str, RegisterCheck]:
    """number -> RegisterCheck. Cached answers younger than max_age_hours are used as they are;
    the rest are asked (only the numbers are sent) and the answers stored, "not checked" never."""
    checks: dict[str, RegisterCheck] = {}
    max_age_s = settings.max_age_hours * 3600
    for number in numbers:
        cached = cache.get_register(number, max_age_s) if cache is not None else None
        if cached is not None:
            checks[number] = cached
    ask = [n for n in numbers if n not in checks]
    if not ask:
        return checks
    own = register is None
    client = register or EaeuRegister(settings.url, timeout=settings.timeout, backoff=settings.backoff)
    try:
        answers = client.lookup_many(ask)
    finally:
        if own:
            client.close()
    fetched = time.time()
    fresh = [_check(answers[n], rules, fetched) for n in ask]
    if cache is not None:
        cache.put_register(fresh)
    checks.update({c.number: c for c in fresh})
    return checks
