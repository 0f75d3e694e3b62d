"""doccheck: audit Ozon compliance papers before upload."""

__version__ = "0.1.0"
