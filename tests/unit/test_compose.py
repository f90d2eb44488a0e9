"""docker-compose.yml describes a Teller that starts: its settings pass production's checks."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import yaml

from teller.settings import Settings
from teller.wiring import build

COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"


# What the operator supplies (compose refuses to start without them: ``${NAME:?…}``).
SUPPLIED = {
    "TELLER_ENCRYPTION_KEYS": "k1:" + base64.b64encode(b"k" * 32).decode(),
    "TELLER_INDEX_KEY": base64.b64encode(b"i" * 32).decode(),
    "TELLER_BACKOFFICE_OIDC_CLIENT_SECRET": "client-secret-from-keycloak",
    "KEYCLOAK_ADMIN_PASSWORD": "keycloak-admin-password",
}
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::(?P<op>[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str) -> str:
    """``${NAME}``, ``${NAME:-default}`` and ``${NAME:?message}`` as docker compose reads
    them, with the operator's values in :data:`SUPPLIED`."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if name in SUPPLIED:
            return SUPPLIED[name]
        if op == "-":
            return str(arg)
        raise AssertionError(f"compose needs {name} from the operator: {arg}")

    return VARIABLE.sub(one, value)


@pytest.mark.parametrize("service", ["app", "worker"])
def test_each_teller_service_is_configured_for_production(
    service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = yaml.safe_load(COMPOSE.read_text())["services"][service]
    for name, value in spec["environment"].items():
        monkeypatch.setenv(name, interpolate(str(value)))
    monkeypatch.setenv("TELLER_DATA_DIR", str(tmp_path))
    container = build(Settings())
    assert container.settings.env.value == "production"
    assert container.procrastinate is not None
