"""Settings of top-ups and card payouts: simulators in development, never in production."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from integrations.acquirer.simulator import AcquirerSimulator
from integrations.cardnetwork.simulator import CardNetworkSimulator
from teller.settings import ConfigurationError, Environment, Settings, check_production
from teller.wiring import acquirer, card_network, cardmoney_config
from tests.fakes import MutableClock

PRODUCTION = {
    "env": Environment.PRODUCTION,
    "encryption_keys": "k1:" + "A" * 43 + "=",
    "index_key": "B" * 43 + "=",
    "database_url": "postgresql://teller@db/teller",
    "kyc_scanner": "clamav",  # production refuses the development scanner first
}


def test_development_uses_the_simulators_with_the_public_address(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, public_url="https://dev.teller.example/")
    made = acquirer(settings, MutableClock())
    assert isinstance(made, AcquirerSimulator)
    assert made.settings.pages_url == "https://dev.teller.example/dev/acquirer"
    assert isinstance(card_network(settings, MutableClock()), CardNetworkSimulator)
    config = cardmoney_config(settings)
    assert config.callback_url == "https://dev.teller.example/api/v1/acquirer/callbacks"
    assert config.session_ttl == timedelta(minutes=30)


def test_without_a_public_address_callbacks_come_to_where_teller_listens(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, host="127.0.0.1", port=8080)
    assert cardmoney_config(settings).callback_url == (
        "http://127.0.0.1:8080/api/v1/acquirer/callbacks"
    )


def test_production_has_no_acquirer_or_network_unless_one_is_configured(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, **PRODUCTION)
    check_production(settings)
    assert acquirer(settings, MutableClock()) is None
    assert card_network(settings, MutableClock()) is None


@pytest.mark.parametrize("setting", ["acquirer", "card_network"])
def test_production_refuses_a_simulator(tmp_path: Path, setting: str) -> None:
    settings = Settings(data_dir=tmp_path, **PRODUCTION, **{setting: "simulator"})
    with pytest.raises(ConfigurationError, match="simulators"):
        check_production(settings)


def test_the_webhook_secret_comes_from_the_settings_when_given(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, acquirer_webhook_secret="whsec_shared")
    made = acquirer(settings, MutableClock())
    assert isinstance(made, AcquirerSimulator)
    assert made.settings.secret == b"whsec_shared"
    assert "whsec_shared" not in repr(made.settings)
