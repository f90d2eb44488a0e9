"""Access to the real PostgreSQL and Redis the suites run against.

Locally a missing service skips its tests with the reason; with ``CI=true`` it fails them,
so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

POSTGRES_URL = os.environ.get(
    "TELLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TELLER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    if _reachable(url, default_port):
        return
    message = f"{name} is not reachable at {url}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing service is a failure)")
    pytest.skip(message)


def require_postgres() -> None:
    require_service("PostgreSQL", POSTGRES_URL, 5432)


def require_redis() -> None:
    require_service("Redis", REDIS_URL, 6379)
