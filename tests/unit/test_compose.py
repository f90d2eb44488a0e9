"""docker-compose.yml describes a Teller that starts: its settings pass production's checks."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from teller.settings import Settings
from teller.wiring import build

COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"


@pytest.mark.parametrize("service", ["app", "worker"])
def test_each_teller_service_is_configured_for_production(
    service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = yaml.safe_load(COMPOSE.read_text())["services"][service]
    for name, value in spec["environment"].items():
        monkeypatch.setenv(name, str(value))
    # What the operator supplies (compose refuses to start without them).
    monkeypatch.setenv("TELLER_ENCRYPTION_KEYS", "k1:" + base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("TELLER_INDEX_KEY", base64.b64encode(b"i" * 32).decode())
    monkeypatch.setenv("TELLER_DATA_DIR", str(tmp_path))
    container = build(Settings())
    assert container.settings.env.value == "production"
    assert container.procrastinate is not None
