"""Fixtures the API tests share beyond tests/conftest.py: `pair`, two deployments exchanging dossiers between
provinces (tests/api/exchange_pair.py)."""

from tests.api.exchange_pair import pair

__all__ = ["pair"]
