"""The report a person reads (--html): one self-contained page, opened in any browser.

No network and no external files: CSS and JavaScript are inline, and a Content-Security-Policy
allows only those two blocks (by hash), so the page cannot load or send anything even if it tried.
Everything that comes from the seller's papers (file and folder names, CSV cells, OCR text in
notes) is escaped with html.escape; the script only shows and hides rows, it never builds HTML.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import os
import re
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__, i18n
from ..codes import BY_NAME, ChatStatus
from ..judging.file import unverified_reason
from ..models import FileKind, FileResult, Finding, Group, ScanResult, SkuResult
from ..names import display_name
from ..judging.paper_checks import register_note
from ..judging.sku import sku_details
from ..judging.views import kyc_state, sku_certificates, sku_valid_until
from ..phrases import finding_text, say
from ..mapping.skus import header_field
from .json_report import clean
from .context import ReportContext, context_of, report_context
from .output import write_atomic

# Every label of the page is a message of rules/messages.yaml (html.*, plus the footer.* checklist the
# terminal also prints), in the run's language; these map values to the ids built from them.
STATUS_ORDER = {ChatStatus.DISABLED: 0, ChatStatus.AT_RISK: 1, ChatStatus.OK: 2}
# A page a browser still opens: past this many SKU rows (or listed files) the page shows the first ones,
# worst first, and says how many more the CSV and JSON reports hold (they always hold every row).
HTML_ROW_LIMIT = 2_000
LANGUAGE_CODES = {"ru": "ru", "en": "en", "zh": "zh", "zh-cn": "zh", "zh-tw": "zh"}


def e(value: object) -> str:
    """Escape for HTML text and double-quoted attributes."""
    return html.escape(clean(value), quote=True)


def write_html(result: ScanResult, path: Path, ctx: ReportContext | None = None, lang: str | None = None) -> None:
    """The page (--html) written to `path` ("-": standard output), in ctx's language."""
    write_atomic(path, render_html(result, ctx, lang), encoding="utf-8")


def render_html(result: ScanResult, ctx: ReportContext | None = None, lang: str | None = None,
                generated_at: datetime | None = None) -> str:
    """The page as text. Reason titles, why and fix come from ctx.rules (the rules folder the scan
    used, --rules DIR included), every label from ctx.tr; without a context, the scan's rules
    (ScanResult.rules, else the built-in ones) in `lang` (not one of LANGS: English)."""
    page = _Page(result, context_of(ctx, result, lang))
    return page.render(generated_at or datetime.now(timezone.utc))


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class _Page:
    def __init__(self, result: ScanResult | None, ctx: ReportContext):
        self.result, self.rules, self.tr = result, ctx.rules, ctx.tr
        self.lang = ctx.tr.lang

    # --- words ----------------------------------------------------------------------------------

    def t(self, msg_id: str, default: str | None = None, **values) -> str:
        """A message in the page's language (plain text: escape it where it goes into the page).

        A rules folder with its own messages.yaml may predate the html.* ids: those come from the
        built-in messages then, so a custom --rules never breaks the report."""
        text = self.tr.t(msg_id, default=None, **values)
        if text is not None:
            return text
        builtin = i18n.builtin_messages()
        if msg_id in builtin:
            template = builtin.text(msg_id, self.lang)
            return template.format(**values) if values else template
        if default is not None:
            return default
        raise KeyError(f"no message {msg_id!r}")

    def h(self, msg_id: str, **markup: str) -> str:
        """A message as HTML: its own words escaped, then the {placeholders} filled with `markup`,
        which the caller has already escaped (so a value may carry <code> but never unescaped input)."""
        return e(self.t(msg_id)).format(**markup)

    def status_label(self, status: ChatStatus) -> str:
        return self.t(f"html.status.{status.value}")

    def language(self, code: str) -> str:
        if not code:
            return ""
        key = LANGUAGE_CODES.get(code.casefold())
        return self.t(f"language.{key}") if key else code

    def sentence(self, text: str) -> str:
        return i18n.sentence(text, self.lang)

    # --- pieces ---------------------------------------------------------------------------------

    def reason_text(self, code: str):
        try:
            return self.rules.reason_text(code, self.lang)
        except KeyError:
            return None

    def detail(self, f: Finding) -> str:
        """The finding's detail sentence in the page's language, with the rules in use."""
        return finding_text(f, self.tr, self.rules)

    def say(self, value) -> str:
        """A language-free value (a SKU note, a warning) in the page's language."""
        return say(value, self.tr, self.rules)

    def finding(self, f: Finding, with_advice: bool) -> str:
        text = self.reason_text(f.code.code)
        title = text.title if text else f.code.code
        cls = "blocking" if f.code.blocking else "warning"
        effect = e(self.t("html.effect.blocks" if f.code.blocking else "html.effect.at_risk"))
        parts = [f'<li class="reason {cls}"><div class="reason-head"><strong>{e(title)}</strong> '
                 f'<span class="effect">{effect}</span> <code>{e(f.code.code)}</code></div>']
        detail = self.detail(f)
        if detail:
            parts.append(f'<p class="detail">{e(self.sentence(detail))}</p>')
        if with_advice and text:
            parts.append(f'<p class="why"><span class="label">{e(self.t("html.why"))}</span> {_prose(text.why)}</p>'
                         f'<p class="fix"><span class="label">{e(self.t("html.what_to_do"))}</span> {_prose(text.fix)}</p>')
        parts.append("</li>")
        return "".join(parts)

    def register_line(self, result: ScanResult) -> str:
        """--register: how many numbers the EAEU register was asked about, and with what outcome."""
        reg = result.register
        if reg is None:
            return ""
        line = self.t("term.register", numbers=reg.numbers, checked=reg.checked, found=reg.found,
                      not_found=reg.not_found, not_checked=reg.not_checked)
        return f'<p class="meta" id="register">{e(line)}</p>\n'

    def file_block(self, f: FileResult) -> str:
        facts, analysis = f.facts, f.analysis
        state = ""
        if f.group is Group.SKU:
            titles = []
            for x in f.findings:
                text = self.reason_text(x.code.code)
                titles.append((x.code.blocking, text.title if text else x.code.code))
            state = "".join(f'<span class="tag {"bad" if blocking else "warn"}">{e(title)}</span>' for blocking, title in titles)
            if f.copy_of:
                state += f'<span class="tag">{e(self.t("html.tag.copy_of", tool=f.copy_tool, original=f.copy_of))}</span>'
            elif f.blocked:
                state += f'<span class="tag bad">{e(self.t("html.tag.not_counted"))}</span>'
            elif f.counted:
                state += f'<span class="tag good">{e(self.t("html.tag.counted"))}</span>'
        role = self.t(f"html.role.{analysis.role}", default=analysis.role)
        head = (f'<div class="file-head"><code class="path">{e(f.path)}</code> '
                f'<span class="tag">{e(role)}</span> {state}</div>')
        rows: list[tuple[str, str]] = []
        kind = self.t(f"html.kind.{facts.kind.value}", default=facts.kind.value)
        rows.append((self.t("html.fact.type"),
                     f"{e(kind)} · <code>{e(facts.mime or self.t('html.unknown'))}</code> · {e(_size(facts.size))}"))
        if facts.page_count is not None or facts.pages:
            total = facts.page_count if facts.page_count is not None else len(facts.pages)
            read = facts.pages_read
            text_pages = sum(1 for p in facts.pages if p.source == "text")
            how = []
            if text_pages:
                how.append(self.t("html.pages.text", count=text_pages))
            if facts.ocr_pages:
                how.append(self.t("html.pages.ocr", count=len(facts.ocr_pages)))
            unread = len(facts.unread_pages)
            if unread:
                how.append(self.t("html.pages.unread", count=unread))
            comma, (left, right) = ("，", ("（", "）")) if self.lang == "zh" else (", ", (" (", ")"))
            rows.append((self.t("html.fact.pages"), e(self.t("html.pages.of", read=read, total=total)
                                                      + (left + comma.join(how) + right if how else ""))))
        confidences = [p.ocr_confidence for p in facts.ocr_pages if p.ocr_confidence is not None]
        if facts.ocr_pages:
            conf = (self.t("html.ocr.mean", confidence=f"{sum(confidences) / len(confidences):.0f}") if confidences
                    else self.t("html.ocr.no_confidence"))
            pages = "; ".join(self.t("html.ocr.page", number=p.number, langs=p.ocr_langs or "-")
                              + (", " + self.t("html.ocr.turned", degrees=p.rotation) if p.rotation else "")
                              + (f", {p.ocr_confidence:.0f} %" if p.ocr_confidence is not None else "")
                              for p in facts.ocr_pages[:12])
            more = " " + self.t("html.ocr.more_pages", count=len(facts.ocr_pages) - 12) if len(facts.ocr_pages) > 12 else ""
            rows.append((self.t("html.fact.ocr"), f"{e(conf)}<br><small>{e(pages + more)}</small>"))
        elif facts.unread_pages and facts.kind in (FileKind.SCANNED_PDF, FileKind.MIXED_PDF, FileKind.IMAGE):
            rows.append((self.t("html.fact.ocr"), e(self.t("html.ocr.not_read"))))
        if analysis.language:
            share = " · " + self.t("html.cyrillic_share", share=f"{analysis.russian_share:.0%}") if facts.text else ""
            rows.append((self.t("html.fact.language"), e(self.language(analysis.language) + share)))
        if analysis.numbers:
            items = []
            for n in analysis.numbers:
                if n.status == "unverified":
                    mark = f'<span class="warn">{e(self.t("html.number.unverified", why=unverified_reason(n, self.tr)))}</span>'
                elif n.well_formed:
                    mark = f'<span class="good">{e(self.t("html.number.well_formed"))}</span>'
                else:
                    mark = f'<span class="bad">{e(self.t("html.number.malformed", problem=i18n.render(n.problem or "", self.tr)))}</span>'
                kind = self.t("html.number.kind", scheme=self.t(f"html.scheme.{n.scheme}", default=n.scheme),
                              doc_type=self.t(f"html.doc_type.{n.doc_type}", default=n.doc_type))
                source = self.t(f"number.source.{n.source}")
                if n.confidence is not None:
                    source += " · " + self.t("value.ocr_confidence", confidence=f"{n.confidence:.0f}")
                items.append(f"<li><code>{e(n.official)}</code> <small>{e(kind)} · {e(source)}</small> {mark}</li>")
            rows.append((self.t("html.fact.numbers"), f'<ul class="plain">{"".join(items)}</ul>'))
        if analysis.document_type:
            paper = self.rules.document_types.papers.get(analysis.paper or "")
            how, _, value = analysis.type_evidence.partition(":")
            evidence = self.t(f"doctype.evidence.{how}", value=value) if how else ""
            rows.append((self.t("html.fact.document_type"),
                         e(paper.name(self.lang) if paper else analysis.document_type)
                         + f" <small><code>{e(analysis.document_type)}</code> · {e(evidence)}</small>"))
        dates = []
        if analysis.valid_from or analysis.valid_until:
            expired = bool(analysis.valid_until and analysis.valid_until < self.result.today)
            dates.append(self.h("html.dates.valid", start=_date(analysis.valid_from), end=_date(analysis.valid_until, expired)))
        if analysis.registered:
            dates.append(self.h("html.dates.registered", date=_date(analysis.registered)))
        if dates:
            rows.append((self.t("html.fact.dates"), "; ".join(dates)))
        if analysis.regulations:
            rows.append((self.t("html.fact.regulations"), e(", ".join(analysis.regulations))))
        if f.register:   # --register: the EAEU register's answer per number
            items = "".join(f"<li><code>{e(c.number)}</code> {e(register_note(f, c, self.tr))}</li>" for c in f.register)
            rows.append((self.t("html.fact.register"), f'<ul class="plain">{items}</ul>'))
        if analysis.markers:
            rows.append((self.t("html.fact.markers"), e(", ".join(analysis.markers))))
        if analysis.masked_ids:
            rows.append((self.t("html.fact.personal_ids"),
                         e(", ".join(analysis.masked_ids)) + f" <small>{e(self.t('html.masked'))}</small>"))
        read = functools.partial(i18n.render, speaker=self.tr)
        notes = ([read(facts.problem)] if facts.problem else []) + [read(n) for n in facts.notes] + [
            self.t("html.page_note", number=p.number, note=read(p.note)) for p in facts.pages if p.note]
        if notes:
            rows.append((self.t("html.fact.notes"), e("; ".join(notes))))
        facts_html = "".join(f"<div><dt>{e(label)}</dt><dd>{value}</dd></div>" for label, value in rows)
        findings = ""
        if f.findings and f.group is not Group.SKU:
            findings = '<ul class="reasons compact">' + "".join(self.finding(x, False) for x in f.findings) + "</ul>"
        cls = "file blocked" if f.blocked else "file"
        return f'<div class="{cls}">{head}<dl class="facts">{facts_html}</dl>{findings}</div>'

    def sku_group(self, index: int, sku: SkuResult) -> str:
        status = sku.status.value
        # The category by its name in the reader's language; the seller's own words beneath when they differ.
        known = self.rules.categories.get(sku.category) if sku.category else None
        category = known.name(self.lang) if known else sku.category_input
        written = (f'<br><small class="muted">{e(sku.category_input)}</small>'
                   if known and sku.category_input and sku.category_input not in (category, known.key) else "")
        rule = ""
        if sku.category_match in ("close", "inferred") or (sku.category is None and sku.category_suggestions):
            # read as another, taken from the product name, or "did you mean …?": the first note says which
            rule = f'<br><small class="muted">{e(self.say(sku.notes[0])) if sku.notes else ""}</small>'
        if not category:
            category_html = f'<span class="muted">{e(self.t("value.unknown_category"))}</span>' + rule
        else:
            category_html = e(category) + written + rule
        titles = []
        for code in sku.codes:
            text = self.reason_text(code.code)
            titles.append(f'<li>{e(text.title if text else code.code)}</li>')
        reasons = (f'<ul class="plain">{"".join(titles)}</ul>' if titles
                   else f'<span class="muted">{e(self.t("html.sku.no_reasons"))}</span>')
        certs = sku_certificates(sku)
        until = sku_valid_until(sku)
        papers = [e(self.t("html.sku.file_one" if len(sku.files) == 1 else "html.sku.files", count=len(sku.files)))]
        if until:
            papers.append(self.h("html.sku.valid_until", date=_date(until)))
        else:
            ended = [f.analysis.valid_until for f in sku.files if f.analysis.role == "conformity" and f.analysis.valid_until]
            if ended and max(ended) < self.result.today:     # an expired paper: when it ran out
                papers.append(self.h("html.sku.expired_on", date=_date(max(ended), True)))
        search = " ".join([sku.sku, sku.category_input, sku.category or "", *sku.row.values(),
                           *(f.name for f in sku.files), *certs])
        name = sku.name or next((v for k, v in sku.row.items() if k.casefold() in ("name", "title", "название", "наименование")), "")
        name_html = f'<br><small class="muted">{e(name)}</small>' if name else ""
        summary = (f'<tr class="summary" tabindex="0" aria-expanded="false" aria-controls="sku-{index}-more">'
                   f'<td class="sku-id"><span class="caret" aria-hidden="true"></span>{e(sku.sku)}{name_html}</td>'
                   f'<td><span class="badge {status}">{e(self.status_label(sku.status))}</span></td>'
                   f'<td>{category_html}</td><td>{reasons}</td><td>{" · ".join(papers)}</td></tr>')
        advice = ""
        if sku.findings:
            advice = '<ul class="reasons">' + "".join(self.finding(f, True) for f in _unique(sku.findings, self.detail)) + "</ul>"
        # With findings, the reasons below say it all (sku_details joins their sentences).
        notes = ("" if self.lang == "zh" else " ").join(i18n.sentence(self.say(n), self.lang) for n in sku.notes)
        details = (f'<p class="sku-details">{e(notes)}</p>' if notes else "") if sku.findings else \
            f'<p class="sku-details">{e(sku_details(sku, self.tr, self.rules))}</p>'
        extra = ""
        shown_columns = [(k, v) for k, v in sku.row.items() if header_field(k) not in ("sku", "category") and v and v != name]
        if shown_columns:
            extra = '<p class="row-data">' + " · ".join(f"<span>{e(k)}: {e(v)}</span>" for k, v in shown_columns) + "</p>"
        files = "".join(self.file_block(f) for f in sku.files)
        if not sku.files:
            files = f'<p class="muted">{e(self.t("html.sku.no_files"))}</p>'
        more = (f'<tr class="more" id="sku-{index}-more"><td colspan="5">{details}{extra}{advice}'
                f'<h4>{e(self.t("html.sku.files_heading"))}</h4>{files}</td></tr>')
        return (f'<tbody class="sku-group {status}" data-status="{status}" data-sku="{e(sku.sku)}" '
                f'data-search="{e(search.casefold())}">'
                f'{summary}{more}</tbody>')

    def kyc_section(self) -> str:
        kyc = self.result.kyc
        heading = e(self.t("html.kyc.heading"))
        if not kyc.judged and not kyc.not_read:
            return (f'<section id="kyc"><h2>{heading}</h2><p class="notice">'
                    f'{self.h("html.kyc.not_judged", folder="<code>KYC</code>")}</p></section>')
        state = kyc_state(self.result.kyc)
        # --no-ocr: what the read papers show, under a notice that the scans were not read (not judged)
        head = (self.t("html.kyc.not_read", count=len(kyc.not_read)) if state == "not_judged"
                else self.t("html.kyc.complete" if state == "complete" else "html.kyc.incomplete"))
        rows = []
        for r in kyc.requirements:
            mark = '<span class="check good">✓</span>' if r.met else '<span class="check bad">✗</span>'
            evidence = ", ".join(r.evidence)
            cell = ""
            if r.met and evidence:
                cell = f'<code>{e(evidence)}</code>'
            if r.note:
                cell += (" " if cell else "") + f'<span class="note">{e(i18n.kyc_note(r, self.tr))}</span>'
            title = i18n.kyc_title(r.key, r.title, self.tr)
            rows.append(f'<tr class="{"met" if r.met else "unmet"}"><td>{mark}</td><td>{e(title)}</td><td>{cell}</td></tr>')
        folders = ", ".join(kyc.folders)
        profile = self.t(f"kyc.profile.{kyc.profile}", default=kyc.profile)
        where = self.t("html.kyc.profile_one" if len(kyc.folders) == 1 else "html.kyc.profile", profile=profile, folders=folders)
        return (f'<section id="kyc"><h2>{heading}</h2><p class="kyc-state {state}">{e(head)}</p>'
                f'<p class="muted">{e(where)}</p>'
                f'<table class="kyc"><thead><tr><th></th><th>{e(self.t("html.kyc.col.requirement"))}</th>'
                f'<th>{e(self.t("html.kyc.col.evidence"))}</th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></section>')

    def other_files_section(self) -> str:
        others = [f for f in self.result.files if f.group is not Group.SKU]
        if not others:
            return ""
        kyc = [f for f in others if f.group is Group.KYC]
        unmapped = [f for f in others if f.group is Group.UNMAPPED]
        parts = [f'<section id="other-files"><h2>{e(self.t("html.other.heading"))}</h2>']
        if kyc:
            parts.append(f'<details><summary>{e(self.t("html.other.kyc", count=len(kyc)))}</summary>'
                         f'{"".join(self.file_block(f) for f in kyc)}</details>')
        if unmapped:
            parts.append(f'<details><summary>{e(self.t("html.other.unmapped", count=len(unmapped)))}</summary>'
                         f'<p class="muted">{e(self.t("html.other.unmapped_note"))}</p>'
                         f'{"".join(self.file_block(f) for f in unmapped[:HTML_ROW_LIMIT])}'
                         f'{self._more(len(unmapped))}</details>')
        parts.append("</section>")
        return "".join(parts)

    def skipped_section(self) -> str:
        skipped = self.result.skipped
        if not skipped:
            return ""
        items = "".join(f"<li><code>{e(s.path)}</code> — {e(s.reason)}</li>" for s in skipped[:HTML_ROW_LIMIT])
        return (f'<section id="skipped"><details><summary>{e(self.t("html.skipped.summary", count=len(skipped)))}'
                f'</summary><ul class="plain">{items}</ul>{self._more(len(skipped))}</details></section>')

    def _more(self, count: int) -> str:
        """The note under a list cut at HTML_ROW_LIMIT ('' when nothing was cut)."""
        if count <= HTML_ROW_LIMIT:
            return ""
        return (f'<p class="muted">{e(self.t("html.more_rows", count=f"{count - HTML_ROW_LIMIT:,}", shown=f"{HTML_ROW_LIMIT:,}"))}'
                f'</p>')

    def glossary(self) -> str:
        used: list[str] = []
        for sku in self.result.skus:
            for code in sku.codes:
                if code.code not in used:
                    used.append(code.code)
        if not used:
            return ""
        items = []
        for code in sorted(used, key=lambda c: list(BY_NAME).index(c)):
            text = self.reason_text(code)
            if text is None:
                continue
            effect = self.t("html.effect.blocks" if BY_NAME[code].blocking else "html.effect.puts_at_risk")
            items.append(f'<div class="gloss"><dt><strong>{e(text.title)}</strong> <code>{e(code)}</code> '
                         f'<span class="effect">{e(effect)}</span></dt><dd><p>{_prose(text.why)}</p>'
                         f'<p><span class="label">{e(self.t("html.what_to_do"))}</span> {_prose(text.fix)}</p></dd></div>')
        return (f'<section id="reasons"><h2>{e(self.t("html.glossary.heading"))}</h2>'
                f'<dl class="glossary">{"".join(items)}</dl></section>')

    def chat_settings_section(self) -> str:
        """The footer the terminal prints too: account settings no paper shows, to tick in the Seller Dashboard."""
        intro, settings = i18n.chat_settings(self.tr)
        items = "".join(f'<li><label><input type="checkbox"> {e(setting)}</label></li>' for setting in settings)
        return (f'<section id="chat-settings"><h2>{e(self.t("html.settings.heading"))}</h2>'
                f'<p>{e(intro)}</p><ul class="checklist">{items}</ul></section>')

    # --- the page --------------------------------------------------------------------------------

    def render(self, generated_at: datetime) -> str:
        result = self.result
        skus = sorted(result.skus, key=lambda s: STATUS_ORDER[s.status])  # stable: CSV order within a status
        counts = {s: sum(1 for k in result.skus if k.status is s) for s in ChatStatus}
        total = len(result.skus)
        disabled = counts[ChatStatus.DISABLED]
        at_risk = counts[ChatStatus.AT_RISK]
        if disabled:
            verdict = self.t("html.verdict.disabled_one" if total == 1 else "html.verdict.disabled", disabled=disabled, total=total)
        elif at_risk:
            verdict = self.t("html.verdict.at_risk", count=at_risk)
        else:
            verdict = self.t("html.verdict.ok")
        state = kyc_state(result.kyc)
        kyc_card = {"complete": ("html.card.kyc_complete", "ok"), "incomplete": ("html.card.kyc_incomplete", "disabled"),
                    "not_judged": ("html.card.kyc_not_judged", "neutral")}[state]
        cards = (f'<div class="card neutral"><b>{total}</b><span>{e(self.t("html.card.skus"))}</span></div>'
                 f'<div class="card disabled"><b>{disabled}</b><span>{e(self.t("html.card.disabled"))}</span></div>'
                 f'<div class="card at_risk"><b>{at_risk}</b><span>{e(self.t("html.card.at_risk"))}</span></div>'
                 f'<div class="card ok"><b>{counts[ChatStatus.OK]}</b><span>{e(self.t("html.card.ok"))}</span></div>'
                 f'<div class="card {kyc_card[1]}"><b>{"✓" if state == "complete" else "✗" if state == "incomplete" else "–"}</b>'
                 f'<span>{e(self.t(kyc_card[0]))}</span></div>')
        st = result.stats
        facts_line = self.t("html.meta.files_one" if st.files == 1 else "html.meta.files", count=st.files)
        if result.skipped:
            facts_line += ("，" if self.lang == "zh" else ", ") + self.t("html.meta.skipped", count=len(result.skipped))
        buttons = "".join(
            f'<button type="button" data-filter="{key}" aria-pressed="{"true" if key == "all" else "false"}">'
            f'{e(self.t(f"html.filter.{key}"))} <span class="count">{n}</span></button>'
            for key, n in (("all", total), ("disabled", disabled), ("at_risk", at_risk), ("ok", counts[ChatStatus.OK])))
        groups = "".join(self.sku_group(i, s) for i, s in enumerate(skus[:HTML_ROW_LIMIT]))
        if total > HTML_ROW_LIMIT:
            groups += (f'<tbody><tr><td colspan="5" class="muted">'
                       f'{e(self.t("html.more_rows", count=f"{total - HTML_ROW_LIMIT:,}", shown=f"{HTML_ROW_LIMIT:,}"))}'
                       f'</td></tr></tbody>')
        warnings = ""
        if result.warnings:
            warnings = (f'<section id="warnings"><h2>{e(self.t("html.warnings"))}</h2><ul>'
                        + "".join(f"<li>{e(self.say(w))}</li>" for w in result.warnings) + "</ul></section>")
        when = generated_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        seller_type = self.t(f"kyc.profile.{result.seller_type}", default=result.seller_type)
        # The batch by its folder's name: the agency's local path means nothing to its client.
        meta = self.h("html.meta", folder=f"<b>{e(display_name(Path(result.root).name) or result.root)}</b>",
                      date=_date(result.today),
                      seller_type=e(seller_type), facts=e(facts_line))
        expand, collapse = self.t("html.expand_all"), self.t("html.collapse_all")
        # The script's own words come in data- attributes (escaped like any attribute): the script
        # stays one constant block, so its CSP hash does not change with the language.
        shown_template = self.t("html.shown")
        shown_now = shown_template.replace("{shown}", str(min(total, HTML_ROW_LIMIT))).replace("{total}", str(total))
        columns = "".join(f"<th>{e(self.t(f'html.col.{c}'))}</th>" for c in ("sku", "chat", "category", "reasons", "papers"))
        body = f"""<header>
<h1>{e(self.t("html.title"))}</h1>
<p class="meta">{meta}</p>
</header>
<main>
<section class="cards" aria-label="{e(self.t("html.aria.summary"))}">{cards}</section>
<p class="verdict {'bad' if disabled else 'good'}">{e(verdict)}</p>
{self.register_line(result)}{warnings}
<section id="skus">
<h2>{e(self.t("html.skus.heading"))}</h2>
<div class="controls">
<div class="filter" role="group" aria-label="{e(self.t("html.filter.aria"))}">{buttons}</div>
<label class="search"><span class="visually-hidden">{e(self.t("html.search.label"))}</span><input type="search" id="search" placeholder="{e(self.t("html.search.placeholder"))}" autocomplete="off"></label>
<button type="button" id="expand-all" data-expand="{e(expand)}" data-collapse="{e(collapse)}">{e(expand)}</button>
<span id="shown" class="muted" aria-live="polite" data-template="{e(shown_template)}">{e(shown_now)}</span>
</div>
<table class="skus">
<thead><tr>{columns}</tr></thead>
{groups}
</table>
<p id="no-match" class="muted" hidden>{e(self.t("html.no_match"))}</p>
<p class="hint muted">{e(self.t("html.hint"))}</p>
</section>
{self.kyc_section()}
{self.chat_settings_section()}
{self.glossary()}
{self.other_files_section()}
{self.skipped_section()}
</main>
<footer class="muted">{e(self.t("html.generated", when=when, version=__version__))}</footer>"""
        title = self.t("html.page_title", name=display_name(Path(result.root).name) or result.root)
        return html_document(self.lang, title, body, SCRIPT)


def html_document(lang: str, title: str, body: str, script: str = "") -> str:
    """A whole self-contained page: the reports' STYLE, a Content-Security-Policy allowing only
    that style and `script` (by hash), nothing loaded from anywhere. `body` is HTML already escaped."""
    script_src = f" script-src {_csp_hash(script)};" if script else ""
    csp = (f"default-src 'none'; style-src {_csp_hash(STYLE)};{script_src} "
           "img-src 'none'; base-uri 'none'; form-action 'none'")
    script_tag = f"\n<script>{script}</script>" if script else ""
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="doccheck {e(__version__)}">
<title>{e(title)}</title>
<style>{STYLE}</style>
</head>
<body>
{body}{script_tag}
</body>
</html>
"""


def _date(value, expired: bool = False) -> str:
    """A date as HTML that never breaks across lines; an expired one marked."""
    if value is None:
        return "?"
    return f'<span class="date{" expired" if expired else ""}">{e(value.isoformat())}</span>'


_BACKTICKS = re.compile(r"`([^`]+)`")


def _prose(text: str) -> str:
    """Escaped text with `command` spans of the rule files shown as <code>, never as backticks."""
    return _BACKTICKS.sub(lambda m: f"<code>{m.group(1)}</code>", e(text))


def _unique(findings: list[Finding], detail) -> list[Finding]:
    """The findings without repeats: one per (code, detail sentence as `detail` says it)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        key = (f.code.code, detail(f))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


STYLE = """
:root{--ok:#1a7f37;--ok-bg:#e6f6ea;--risk:#8a5a00;--risk-bg:#fff5d1;--bad:#c0262d;--bad-bg:#fdecec;
--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--panel:#f6f8fa;--accent:#0b57d0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:var(--ink);background:#fff}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:26px;margin:0 0 6px}
h2{font-size:20px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h4{margin:16px 0 8px;font-size:14px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;background:var(--panel);padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
small{font-size:12.5px}
.meta,.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 8px}
.card{flex:1 1 150px;border:1px solid var(--line);border-radius:10px;padding:12px 16px;background:var(--panel)}
.card b{display:block;font-size:30px;line-height:1.1}
.card span{color:var(--muted)}
.card.ok{background:var(--ok-bg);border-color:#b7e2c2}.card.ok b{color:var(--ok)}
.card.at_risk{background:var(--risk-bg);border-color:#eed98c}.card.at_risk b{color:var(--risk)}
.card.disabled{background:var(--bad-bg);border-color:#f3b8b8}.card.disabled b{color:var(--bad)}
.verdict{font-size:18px;font-weight:600;margin:12px 0}
.verdict.bad{color:var(--bad)}.verdict.good{color:var(--ok)}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0 12px}
.filter{display:inline-flex;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.filter button{border:0;border-right:1px solid var(--line);background:#fff;padding:7px 12px;font:inherit;cursor:pointer}
.filter button:last-child{border-right:0}
.filter button[aria-pressed="true"]{background:var(--accent);color:#fff}
.filter .count{display:inline-block;min-width:1.6em;padding:0 5px;border-radius:9px;background:rgba(0,0,0,.08);font-size:12px;text-align:center}
#search{font:inherit;padding:7px 10px;border:1px solid var(--line);border-radius:8px;min-width:280px}
#expand-all{font:inherit;padding:7px 12px;border:1px solid var(--line);border-radius:8px;background:#fff;cursor:pointer}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-size:13px;color:var(--muted);font-weight:600;padding:8px 10px;border-bottom:2px solid var(--line)}
td{padding:9px 10px;vertical-align:top;border-bottom:1px solid var(--line)}
table.skus tr.summary{cursor:pointer}
table.skus tr.summary:hover td{filter:brightness(.97)}
table.skus tr.summary:focus{outline:2px solid var(--accent);outline-offset:-2px}
tbody.ok tr.summary td{background:var(--ok-bg)}
tbody.at_risk tr.summary td{background:var(--risk-bg)}
tbody.disabled tr.summary td{background:var(--bad-bg)}
tbody.ok tr.summary td:first-child{box-shadow:inset 5px 0 var(--ok)}
tbody.at_risk tr.summary td:first-child{box-shadow:inset 5px 0 #d4a72c}
tbody.disabled tr.summary td:first-child{box-shadow:inset 5px 0 var(--bad)}
.sku-id{font-weight:600;white-space:nowrap;padding-left:16px}
.caret::before{content:"▸";display:inline-block;width:1.1em;color:var(--muted);transition:transform .1s}
tr.summary[aria-expanded="true"] .caret::before{transform:rotate(90deg)}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-size:13px;font-weight:600;color:#fff;white-space:nowrap}
.badge.ok{background:var(--ok)}.badge.at_risk{background:#b07d00}.badge.disabled{background:var(--bad)}
tr.more>td{background:#fff;padding:6px 16px 18px 28px}
.sku-details{font-size:15px;margin:10px 0}
.row-data{color:var(--muted);font-size:13px}
.row-data span+span{margin-left:2px}
ul.plain{list-style:none;margin:0;padding:0}
ul.plain li+li{margin-top:2px}
ul.reasons{list-style:none;margin:8px 0;padding:0}
.reason{border:1px solid var(--line);border-left:5px solid var(--bad);border-radius:8px;padding:8px 12px;margin:8px 0;background:#fff}
.reason.warning{border-left-color:#d4a72c}
.reason p{margin:4px 0}
.reason .effect,.gloss .effect{font-size:12px;color:var(--muted);margin-left:4px}
.reason code,.gloss code{font-size:12px}
ul.reasons.compact .reason{padding:4px 10px;margin:6px 0}
.label{font-weight:600}
.file{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:8px 0;background:var(--panel)}
.file.blocked{border-color:#f3b8b8;background:#fff7f7}
.file-head{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.file-head .path{background:none;padding:0;font-weight:600}
.tag{font-size:12px;padding:1px 8px;border-radius:10px;background:#e7ebef;color:var(--ink)}
.tag.good{background:var(--ok-bg);color:var(--ok)}.tag.bad{background:var(--bad-bg);color:var(--bad)}.tag.warn{background:var(--risk-bg);color:var(--risk)}
dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:4px 18px;margin:8px 0 0}
dl.facts div{display:flex;gap:8px;min-width:0}
dl.facts dt{flex:0 0 92px;color:var(--muted);font-size:13px}
dl.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
span.good,p.good{color:var(--ok)}span.bad,p.bad{color:var(--bad)}span.warn{color:var(--risk)}
.kyc-state{font-weight:600}.kyc-state.complete{color:var(--ok)}.kyc-state.incomplete{color:var(--bad)}
table.kyc td:first-child{width:2em;text-align:center}
.check{font-weight:700;font-size:17px}
tr.unmet td{background:var(--bad-bg)}
.note{color:var(--muted)}
.notice{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
dl.glossary{margin:0}
.gloss{border-bottom:1px solid var(--line);padding:8px 0}
.gloss dd{margin:4px 0 0}.gloss p{margin:2px 0}
details{margin:8px 0}
summary{cursor:pointer;font-weight:600}
footer{margin:40px auto 30px;font-size:13px}
ul.checklist{list-style:none;margin:8px 0;padding:0}
ul.checklist li{margin:4px 0}
ul.checklist input{margin:0 8px 0 0;vertical-align:middle}
.date{white-space:nowrap}.date.expired{color:var(--bad);font-weight:600}
@media (max-width:600px){
header,main,footer{padding:0 12px}
h1{font-size:19px}h2{margin:18px 0 8px;font-size:17px}.meta{font-size:13px;margin:0}
.cards{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:5px;margin:10px 0 4px}
.card{padding:5px 4px;text-align:center;min-width:0}.card b{font-size:18px}.card span{font-size:11px;line-height:1.2;display:block}
.verdict{font-size:14px;margin:6px 0}.hint{display:none}
.filter button{padding:4px 7px;font-size:13px}
.controls{flex-wrap:wrap}#search{min-width:0;width:100%;box-sizing:border-box}
table.skus thead{display:none}
table.skus,table.skus tbody.sku-group,table.skus tr.more,table.skus tr.more>td{display:block;width:auto}
table.skus tbody.sku-group[hidden],table.skus tr.more[hidden]{display:none}
table.skus tr.summary{display:grid;grid-template-columns:minmax(0,1fr) auto;margin:10px 0 0;border:1px solid var(--line);border-radius:10px;overflow:hidden}
table.skus tr.summary td{display:block;border:0;padding:6px 12px;min-width:0;white-space:normal}
table.skus tr.summary td:nth-child(1){grid-column:1;grid-row:1;padding-top:10px}
table.skus tr.summary td:nth-child(2){grid-column:2;grid-row:1;text-align:right;padding-top:10px}
table.skus tr.summary td:nth-child(n+3){grid-column:1/-1}
tbody.ok tr.summary{background:var(--ok-bg)}tbody.at_risk tr.summary{background:var(--risk-bg)}tbody.disabled tr.summary{background:var(--bad-bg)}
tr.more>td{padding:6px 8px 14px}
table{display:block;overflow-x:auto}table.skus{overflow:visible}
code,dd,td,li,p{overflow-wrap:anywhere}
}
@media print{.controls,.hint{display:none}tr.more[hidden]{display:table-row}tbody.sku-group[hidden]{display:table-row-group}
details>*{display:block}body{font-size:12px}}
"""

SCRIPT = """
(function () {
  'use strict';
  var groups = Array.prototype.slice.call(document.querySelectorAll('tbody.sku-group'));
  var buttons = Array.prototype.slice.call(document.querySelectorAll('[data-filter]'));
  var search = document.getElementById('search');
  var shown = document.getElementById('shown');
  var noMatch = document.getElementById('no-match');
  var expandAll = document.getElementById('expand-all');
  var shownTemplate = shown.getAttribute('data-template');
  var status = 'all';

  function apply() {
    var query = search.value.trim().toLowerCase();
    var count = 0;
    groups.forEach(function (group) {
      var visible = (status === 'all' || group.getAttribute('data-status') === status) &&
        (query === '' || group.getAttribute('data-search').indexOf(query) !== -1);
      group.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = shownTemplate.replace('{shown}', String(count)).replace('{total}', String(groups.length));
    noMatch.hidden = count !== 0;
  }

  function setOpen(group, open) {
    group.querySelector('tr.more').hidden = !open;
    group.querySelector('tr.summary').setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  groups.forEach(function (group) {
    var row = group.querySelector('tr.summary');
    setOpen(group, false);
    function toggle() { setOpen(group, row.getAttribute('aria-expanded') !== 'true'); }
    row.addEventListener('click', toggle);
    row.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); toggle(); }
    });
  });

  buttons.forEach(function (button) {
    button.addEventListener('click', function () {
      status = button.getAttribute('data-filter');
      buttons.forEach(function (other) { other.setAttribute('aria-pressed', other === button ? 'true' : 'false'); });
      apply();
    });
  });

  expandAll.addEventListener('click', function () {
    var open = expandAll.getAttribute('data-open') !== 'true';
    groups.forEach(function (group) { setOpen(group, open); });
    expandAll.setAttribute('data-open', open ? 'true' : 'false');
    expandAll.textContent = expandAll.getAttribute(open ? 'data-collapse' : 'data-expand');
  });

  search.addEventListener('input', apply);
  apply();
}());
"""


# --- the agency's index (audit --html) ---------------------------------------------------------------

def render_index(rows, index_path: Path, out_dir: Path, lang: str, today, generated_at: datetime | None = None) -> str:
    """One page linking every client's report, in the reports' look: per client its worst status,
    SKU counts and KYC state; a client that could not be audited says why. `rows`: audit.ClientRow
    list; links are relative from `index_path` to OUT/<client>/report.html, so the folder can be
    zipped and mailed as it is."""
    page = _Page(None, report_context(None, lang))   # the index needs only the page's words, no scan
    generated = (generated_at or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    totals = {s: 0 for s in ChatStatus}
    body_rows = []
    for r in rows:
        name = e(display_name(r.client))
        if r.failed:
            body_rows.append(f'<tbody class="sku-group disabled"><tr class="summary"><td class="sku-id">{name}</td>'
                             f'<td><span class="badge disabled">{e(page.t("xlsx.client.error"))}</span></td>'
                             f'<td colspan="4">{e(display_name(r.error))}</td></tr></tbody>')
            continue
        for s in ChatStatus:
            totals[s] += r.counts[s]
        worst = next((s for s in (ChatStatus.DISABLED, ChatStatus.AT_RISK) if r.counts[s]), ChatStatus.OK)
        link = os.path.relpath(out_dir / r.folder / "report.html", index_path.parent).replace(os.sep, "/")
        kyc = r.kyc or "not_judged"
        counts = " · ".join(f"{r.counts[s]} {e(page.t(f'html.filter.{s.value}'))}" for s in
                            (ChatStatus.DISABLED, ChatStatus.AT_RISK, ChatStatus.OK))
        body_rows.append(f'<tbody class="sku-group {worst.value}"><tr class="summary">'
                         f'<td class="sku-id"><a href="{e(urllib.parse.quote(link))}">{name}</a></td>'
                         f'<td><span class="badge {worst.value}">{e(page.status_label(worst))}</span></td>'
                         f'<td>{r.skus} {e(page.t("html.card.skus"))}</td><td>{counts}</td>'
                         f'<td>{e(page.t(f"audit.kyc.{kyc}"))}</td></tr></tbody>')
    cards = (f'<div class="card neutral"><b>{len(rows)}</b><span>{e(page.t("html.index.clients"))}</span></div>'
             f'<div class="card disabled"><b>{totals[ChatStatus.DISABLED]}</b><span>{e(page.t("html.card.disabled"))}</span></div>'
             f'<div class="card at_risk"><b>{totals[ChatStatus.AT_RISK]}</b><span>{e(page.t("html.card.at_risk"))}</span></div>'
             f'<div class="card ok"><b>{totals[ChatStatus.OK]}</b><span>{e(page.t("html.card.ok"))}</span></div>')
    columns = "".join(f"<th>{e(page.t(m))}</th>" for m in ("audit.col.client", "html.col.chat", "audit.col.skus",
                                                              "html.index.col.counts", "audit.col.kyc"))
    body = f"""<header>
<h1>{e(page.t("html.index.title"))}</h1>
<p class="meta">{page.h("html.index.meta", count=str(len(rows)), date=_date(today))}</p>
</header>
<main>
<section class="cards">{cards}</section>
<table class="skus">
<thead><tr>{columns}</tr></thead>
{"".join(body_rows)}
</table>
</main>
<footer class="muted">{e(page.t("html.generated", when=generated, version=__version__))}</footer>"""
    return html_document(lang, page.t("html.index.title"), body)


def write_index(rows, index_path: Path, out_dir: Path, lang: str, today) -> None:
    """Writes render_index's page to `index_path` atomically, UTF-8; OSError propagates."""
    write_atomic(index_path, render_index(rows, index_path, out_dir, lang, today), encoding="utf-8")
