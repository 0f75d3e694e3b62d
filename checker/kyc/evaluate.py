"""The checklist: every KYC file's evidence held against the profile's requirements."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from ..analysis.markers import MarkerRules
from ..models import FileResult, KycRequirement
from .conditions import MAX_NOTE_FILES, _Ctx, _File
from .evidence import KycEvidence, analyse_kyc_text
from .loader import KycRules, Requirement
from .notes import Note, Words, clauses, languages, paths, render_note

if TYPE_CHECKING:
    from ..rules import Rules


def evaluate_kyc(files: list[FileResult], evidence: Mapping[str, KycEvidence], profile: str, today: date,
                 kyc_rules: KycRules, marker_rules: MarkerRules | None = None) -> list[KycRequirement]:
    """Hold the KYC files' evidence (keyed by FileResult.path) against the profile's requirements.

    Returns one KycRequirement per requirement, in the profile's order: met with the files that
    showed it, or unmet with a note (`note_msg`, message ids + arguments; `note`, its English
    rendering, personal ids masked) naming, per file that shows the paper, what was read and what
    is wrong or could not be read. Files without evidence (no text) only show through their names."""
    titles = kyc_rules.check_markers(marker_rules) if marker_rules is not None else dict(kyc_rules.marker_titles)
    ctx = _Ctx(today, lambda key: Note.of(f"kyc.marker.{key}", default=titles.get(key, key.replace("_", " "))), {})
    views = [_File(f.path, f.name, evidence[f.path]) for f in files if f.path in evidence]
    unread = [f for f in files if f.path not in evidence]
    results = []
    for req in kyc_rules.profile(profile).requirements:
        met_files = [f for f in views if req.evidence.test(f, ctx)]
        note: Note | Words | None = None
        met = bool(met_files)
        if req.languages and met_files:
            wanted = set(req.languages.required)
            pooled = set().union(*(f.ev.languages_of(req.languages.marker) for f in met_files))
            met = wanted <= pooled
            if met:
                met_files = [f for f in met_files if f.ev.languages_of(req.languages.marker) & wanted]
            else:
                note = Note.of("kyc.note.pooled", marker=ctx.title(req.languages.marker), found=languages(pooled),
                               files=paths(f.path for f in met_files[:MAX_NOTE_FILES]), needed=languages(wanted))
        ctx.accepted[req.key] = met_files if met else []
        if not met and note is None:
            note = _unmet_note(req, views, ctx)
        if not met:
            note = _with_name_hints(note, req, views, unread, met_files)
        results.append(KycRequirement(req.key, req.title, met, [f.path for f in met_files] if met else [],
                                      render_note(note, "en") if note else "", note_msg=note if not met else None))
    return results


def _requirement_note(req: Requirement) -> Note:
    return Note.of(f"kyc.note.req.{req.key}", default=req.note)


def _unmet_note(req: Requirement, views: list[_File], ctx: _Ctx) -> Note | Words:
    near = [f for f in views if req.evidence.relevant(f)]
    if near:
        return clauses([_file_note(f, req.evidence.explain(f, ctx), ctx) for f in near[:MAX_NOTE_FILES]])
    note = _requirement_note(req)
    if req.context and ctx.accepted.get(req.context.requirement):
        files = paths(f.path for f in ctx.accepted[req.context.requirement][:MAX_NOTE_FILES])
        context = Note.of(f"kyc.context.{req.key}", default=req.context.text, files=files)
        return Note.of("kyc.note.with_context", note=note, context=context)
    return note


def _file_note(f: _File, reason: Note | Words, ctx: _Ctx) -> Note:
    """"path (read: passport): reason" - what the file was read as, then what is wrong with it."""
    if f.ev.markers:
        read = Words(tuple(ctx.title(key) for key in f.ev.marker_keys), "list")
        return Note.of("kyc.note.file_read", file=f.path, read=read, reason=reason)
    return Note.of("kyc.note.file", file=f.path, reason=reason)


def _with_name_hints(note: Note | Words, req: Requirement, views: list[_File], unread: list[FileResult],
                     met_files: list[_File]) -> Note | Words:
    """A name is no proof, but a file named like the missing paper deserves a word."""
    if not req.hints:
        return note
    shown = {f.path for f in met_files} | {f.path for f in views if req.evidence.relevant(f)}
    candidates = [(f.path, f.name, False) for f in views]
    candidates += [(f.path, f.name, True) for f in unread]
    named = [(path, no_text) for path, name, no_text in candidates
             if path not in shown and any(h in name.casefold() for h in req.hints)]
    if not named:
        return note
    extra: list[Note | Words] = [note]
    readable = [p for p, no_text in named if not no_text]
    unreadable = [p for p, no_text in named if no_text]
    if readable:
        extra.append(Note.of("kyc.note.named_like", files=paths(readable[:MAX_NOTE_FILES])))
    if unreadable:
        extra.append(Note.of("kyc.note.named_unread", files=paths(unreadable[:MAX_NOTE_FILES])))
    return Words(tuple(extra), "clauses")


def file_evidence(f: FileResult, rules: "Rules", key: bytes | None = None) -> KycEvidence | None:
    """One KYC file's evidence read from its text, undated (every payment period kept: judge it
    with .as_of(today)), identity hashes under `key` (mrz.identity_key); None when it has no text.
    This is what the cache keeps of a KYC paper (cache.FactCache.put_kyc)."""
    text = f.facts.text if f.facts else ""
    if not text.strip():
        return None
    return analyse_kyc_text(text, f.analysis.russian_share, f.analysis.language, rules.markers, today=date.max,
                            russian_min_share=rules.limits.russian_min_share, key=key)


def kyc_evidence(kyc_files: list[FileResult], today: date, rules: "Rules",
                 evidence: Mapping[str, KycEvidence | None] | None = None) -> dict[str, KycEvidence]:
    """path -> what each KYC file proves as of `today` (files with no text are left out). Pure:
    the files are not changed. `evidence`: file_evidence() per FileResult.path, as the scan read
    or the cache kept it; a file missing from it is read here from its text."""
    dated: dict[str, KycEvidence] = {}
    for f in kyc_files:
        ev = evidence[f.path] if evidence is not None and f.path in evidence else file_evidence(f, rules)
        if ev is not None:
            dated[f.path] = ev.as_of(today)
    return dated


def evaluate_kyc_files(kyc_files: list[FileResult], seller_type: str, today: date, rules: "Rules",
                       evidence: Mapping[str, KycEvidence | None] | None = None) -> list[KycRequirement]:
    """The pipeline's entry: every KYC file's evidence (kyc_evidence), its markers and masked ids
    recorded on the file as a new FileAnalysis (the analysis stage's own object is not changed),
    for the files report, then the seller's profile evaluated (evaluate_kyc)."""
    dated = kyc_evidence(kyc_files, today, rules, evidence)
    for f in kyc_files:
        ev = dated.get(f.path)
        if ev is not None:
            f.analysis = dataclasses.replace(f.analysis, markers=ev.marker_keys, masked_ids=list(ev.masked_ids))
    return evaluate_kyc(kyc_files, dated, seller_type, today, rules.kyc, rules.markers)
