"""Stages 5 and 7, judging: a file (file), a SKU (sku), what lies outside a paper's text (paper_checks: register, fit), copies made by sync tools (copies). Decisions are pure functions."""
