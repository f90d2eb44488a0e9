"""The encryption keyring: configured in production, generated once in development."""

from __future__ import annotations

import json
import os
from pathlib import Path

import structlog

from core.crypto import Keyring
from teller.settings import ConfigurationError, Settings

log = structlog.get_logger(__name__)
_DEV_KEYS_FILE = "dev-keys.json"


def load_keyring(settings: Settings) -> Keyring:
    """The keyring from settings, or — in development only — from the data directory."""
    if settings.encryption_keys and settings.index_key:
        try:
            return Keyring.parse_spec(settings.encryption_keys, settings.index_key)
        except ValueError as exc:
            raise ConfigurationError(f"TELLER_ENCRYPTION_KEYS/TELLER_INDEX_KEY: {exc}") from exc
    if settings.is_production:
        raise ConfigurationError(
            "production mode needs TELLER_ENCRYPTION_KEYS and TELLER_INDEX_KEY"
        )
    path = settings.data_dir / _DEV_KEYS_FILE
    if not path.exists():
        _generate(path)
        log.warning(
            "generated development encryption keys; configure "
            "TELLER_ENCRYPTION_KEYS and TELLER_INDEX_KEY for real data",
            path=str(path),
        )
    stored = json.loads(path.read_text())
    return Keyring.parse_spec(stored["encryption_keys"], stored["index_key"])


def _generate(path: Path) -> None:
    spec, index_key = Keyring.generate_spec()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with owner-only permissions before any key byte is written.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"encryption_keys": spec, "index_key": index_key}, handle)
