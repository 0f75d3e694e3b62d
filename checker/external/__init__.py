"""Wrappers around external programs, one small module per binary (after OCRmyPDF's layout).

Only ``checker.external.tesseract`` talks to tesseract; the rest of doccheck goes through it.
"""
