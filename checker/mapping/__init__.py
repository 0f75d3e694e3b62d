"""Stage 6, mapping: the user's SKU list (skus) and which SKU, or the KYC set, each file belongs to (assign)."""
