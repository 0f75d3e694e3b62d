"""The account's KYC checklist: per-file evidence from text, then the profile's requirements.

The package, along its seams:
  facts.py       what a paper's text states: payment periods, printed passport/visa fields, the
                 unified social credit code and its check character (GB 32100-2015)
  bank.py        a Russian account's control digit against the BIK (Bank of Russia, 1997 N 515)
  evidence.py    analyse_kyc_text(): one file's KycEvidence (markers, ICAO 9303 zones, the above)
  conditions.py  the evidence conditions of rules/kyc.yaml; none holds because something could
                 not be read
  loader.py      KycRules: rules/kyc.yaml validated on load
  evaluate.py    evaluate_kyc(): the checklist, one KycRequirement per requirement
  notes.py       notes as message ids + arguments (rules/messages.yaml kyc.*), rendered by writers

Evidence is the content; a file's name only helps explain a miss. Notes never carry a full
personal number: numbers are masked where they are made and every rendered note passes
privacy.redact().
"""

from .bank import BankCheck, account_key_ok, account_key_prefix, find_bank_checks
from .evaluate import evaluate_kyc, evaluate_kyc_files, file_evidence
from .evidence import RUSSIAN_MIN_SHARE, KycEvidence, analyse_kyc_text
from .facts import (PrintedFields, UsccCheck, payment_periods, printed_fields, read_date, uscc_check_char,
                    uscc_checks)
from .loader import KycRules, Profile, Requirement
from .notes import Note, Words, languages, render_note

# Names the single-module checker/kyc.py had: months_mentioned() now reads payment periods only
# (print and issue dates no longer count as months paid for).
months_mentioned = payment_periods


def language_list(langs) -> str:
    """Language codes as English words: "Russian and English" (use notes.languages() for a note)."""
    return languages(langs).render("en")


__all__ = ["BankCheck", "KycEvidence", "KycRules", "Note", "PrintedFields", "Profile", "RUSSIAN_MIN_SHARE",
           "Requirement", "UsccCheck", "Words", "account_key_ok", "account_key_prefix", "analyse_kyc_text",
           "evaluate_kyc", "evaluate_kyc_files", "file_evidence", "find_bank_checks", "language_list", "months_mentioned", "payment_periods", "printed_fields",
           "read_date", "render_note", "uscc_check_char", "uscc_checks"]
