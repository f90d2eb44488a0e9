"""Fixtures for the unit tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """Put the process's logging back as it was after a test configures it."""
    root = logging.getLogger()
    level = root.level
    servers = {name: logging.getLogger(name) for name in SERVER_LOGGERS}
    saved = {name: (lg.handlers[:], lg.propagate) for name, lg in servers.items()}
    yield
    for handler in root.handlers[:]:
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name, (handlers, propagate) in saved.items():
        servers[name].handlers[:] = handlers
        servers[name].propagate = propagate
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
