"""Verdicts on a paper from outside its own text: what the EAEU register says about its number
(--register eaeu) and whether it fits the SKU's category and product. Pure functions: they return
findings and never change what earlier stages found.

* ``register_findings`` - file level: certificate_not_in_register, certificate_revoked, and the
  register's end date winning over the paper's (certificate_expired / certificate_expiring).
* ``judge_fit`` - SKU level: certificate_mismatch (none of the paper's technical regulations is one
  the category needs; rules/categories.yaml) and certificate_product_mismatch (rules/fit.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from typing import Any

from .. import codes, i18n
from ..i18n import Message
from ..phrases import Joined, RegisterStatus
from .fit import fits_product, product_description
from ..models import FileResult, Finding, RegisterCheck, SkuResult
from ..rules import Category, Rules

_QUOTE_CHARS = 160     # how much of a product description the details quote


def register_text(check: RegisterCheck, speaker: "i18n.Translator | str") -> str:
    """The register's answer as a reader sees it, e.g. "register: not checked (HTTP 503)", in
    `speaker`'s language (a Translator, or a language code: the built-in messages)."""
    tr = i18n.translator(speaker)
    if check.state == "not_checked":
        why = tr.t(f"register.why.{check.why}", default=check.why, seconds=check.detail, detail=check.detail)
        return tr.t("register.not_checked", why=why)
    if check.state == "not_found":
        return tr.t("register.not_found")
    if check.in_force:
        return tr.t("register.in_force", code=check.status_code)
    return tr.t("register.not_in_force", code=check.status_code)


def register_findings(result: FileResult, checks: dict[str, RegisterCheck], rules: Rules,
                      today: date) -> tuple[list[Finding], list[RegisterCheck]]:
    """The file's findings with the register's verdicts added, and the checks of its numbers.

    A number not in the register: certificate_not_in_register. Found but not in force:
    certificate_revoked (status and code in the details). Found and in force with an end date
    earlier than the paper's (or the paper has none): the register's date decides
    certificate_expired / certificate_expiring, replacing the paper's, and the details say the two
    disagree. A different start date is only a note on the register line."""
    mine = [checks[n.official] for n in result.analysis.numbers if n.official in checks]
    if not mine:
        return list(result.findings), []
    findings = list(result.findings)

    def add(reason: codes.ReasonCode, extra: Message | None = None, **values) -> None:
        findings.append(Finding.of(reason, extra, file=result.path, **values))

    for check in mine:
        if check.state == "not_found":
            add(codes.CERTIFICATE_NOT_IN_REGISTER, number=check.number)
        elif check.state == "found" and not check.in_force:
            add(codes.CERTIFICATE_REVOKED, number=check.number, status_code=check.status_code,
                status=RegisterStatus(check.status_code))
        elif check.state == "found" and check.valid_until is not None:
            paper = result.analysis.valid_until
            if paper is not None and check.valid_until >= paper:
                continue
            findings = [f for f in findings if f.code not in (codes.CERTIFICATE_EXPIRED, codes.CERTIFICATE_EXPIRING)]
            extra = Message.of("register.until_differs", paper=paper.isoformat(), register=check.valid_until.isoformat()) if paper else None
            days = (check.valid_until - today).days
            if days < 0:
                add(codes.CERTIFICATE_EXPIRED, extra, number=check.number, valid_until=check.valid_until.isoformat())
            elif days <= rules.limits.expiring_within_days:
                add(codes.CERTIFICATE_EXPIRING, extra, number=check.number, valid_until=check.valid_until.isoformat(), days=days)
    return findings, mine


def register_note(result: FileResult, check: RegisterCheck, speaker: "i18n.Translator | str") -> str:
    """The register line for one number, with the start-date note when paper and register differ,
    in `speaker`'s language."""
    tr = i18n.translator(speaker)
    text = register_text(check, tr)
    paper = result.analysis.valid_from
    if check.state == "found" and check.valid_from and paper and check.valid_from != paper:
        text += "; " + tr.t("register.start_differs", paper=paper.isoformat(), register=check.valid_from.isoformat())
    return text


@dataclass
class Fit:
    """judge_fit's answer: SKU findings, and the papers that must not count (wrong regulations)."""
    findings: list[Finding] = field(default_factory=list)
    misfits: set[int] = field(default_factory=set)     # id() of FileResults


def judge_fit(sku: SkuResult, category: Category | None, counted: list[FileResult], rules: Rules,
              label: Any) -> Fit:
    """certificate_mismatch when the SKU's counted conformity papers all name regulations and none of
    them is one the category needs (a paper whose regulations cannot be read fits by default);
    certificate_product_mismatch when no paper's product description fits the SKU list's brand/name."""
    fit = Fit()
    papers = [f for f in counted if f.analysis.role == "conformity" and any(n.well_formed for n in f.analysis.numbers)]
    if not papers:
        return fit
    if category is not None and category.regulations:
        needs = set(category.regulations)
        wrong = [f for f in papers if f.analysis.regulations and not needs & set(f.analysis.regulations)]
        if len(wrong) == len(papers):
            for f in wrong:
                fit.findings.append(Finding.of(
                    codes.CERTIFICATE_MISMATCH, file=f.path, covers=Joined(tuple(f.analysis.regulations), ", ", "、"),
                    category=label, needs=Joined(tuple(category.regulations), ", ", "、")))
                fit.misfits.add(id(f))
            return fit    # one cause, one code: papers for other goods are not also compared by product
    brand, name = rules.fit.product_of(sku.row)
    if not brand and not name:
        return fit
    described = [(f, d) for f in papers if (d := product_description(f.facts.text, rules.fit))]
    verdicts = [(f, d, v) for f, d in described if (v := fits_product(d, brand, name, rules.fit)) is not None]
    if verdicts and not any(v for _, _, v in verdicts):   # None: nothing distinctive to compare, not judged
        product = " / ".join(x for x in (name, brand) if x)
        for f, d, _ in verdicts:
            quote = d if len(d) <= _QUOTE_CHARS else d[:_QUOTE_CHARS].rstrip() + "…"
            fit.findings.append(Finding.of(codes.CERTIFICATE_PRODUCT_MISMATCH, file=f.path, paper=quote, product=product))
    return fit
