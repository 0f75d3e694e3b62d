"""Wrappers around external programs, one small module per binary (after OCRmyPDF's layout).

Only ``checker.external.tesseract`` runs tesseract; the rest of doccheck reaches it through the OCR
engine interface (``checker.reading.engines``, whose ``tesseract`` engine adapts it).
"""
