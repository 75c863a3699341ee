"""Helpers of the operator CLI's tests."""

from __future__ import annotations


def database_uri(service) -> str:
    """MONGO_URI_<SERVICE> as an operator would set it: the server plus the database."""
    host = service.settings.mongo_uri.split("/?")[0].rstrip("/")
    return f"{host}/{service.settings.mongo_database}?directConnection=true"
