"""The EAEU unified register of issued certificates and registered declarations, asked only when
the user passes ``--register eaeu`` (docs/register.md).

* ``statuses`` - rules/register.yaml: which docStatusCode means "in force", which schemes are looked up.
* ``eaeu`` - the HTTP client of the register's public OData v4 service (httpx + tenacity).
* ``lookup`` - numbers -> RegisterCheck, through the cache database (24 h) and the client.

Only registration numbers leave the machine: the client's one public call takes a list of strings.
"""
