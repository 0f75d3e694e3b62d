"""Talking to Ozon's Seller API: the product list, moderation's verdicts on certificates, and
uploading the papers that pass. Nothing here runs unless the user asked for an `ozon` command,
`scan --ozon` or `export`; the credentials come from OZON_CLIENT_ID / OZON_API_KEY only."""
