"""Talking to Ozon's Seller API: the product list, moderation's verdicts on certificates, and
uploading the papers that pass. Nothing here runs unless the user asked for an `ozon` command,
`scan --ozon` or `export`; the credentials come from OZON_CLIENT_ID / OZON_API_KEY only."""

# Ozon's Seller API (docs/ozon-api.md). Here, not in client.py, so that the command line can show it
# as a default without importing the HTTP client (httpx and tenacity: ~0.2 s of every start-up).
DEFAULT_API_URL = "https://api-seller.ozon.ru"
