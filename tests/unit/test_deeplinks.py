"""Invite links follow the messenger the customer talks on."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

from bots.whatsapp_cloud import code_from_text
from teller.deeplinks import deep_links
from teller.settings import Settings


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **env)  # type: ignore[call-arg]


def test_each_configured_messenger_gets_its_own_link(tmp_path: Path) -> None:
    link = deep_links(
        settings(
            tmp_path,
            TELEGRAM_BOT_USERNAME="TellerBankBot",
            VIBER_CHAT_URI="tellerbank",
            MESSENGER_PAGE_NAME="tellerbank",
            WHATSAPP_NUMBER="420777123456",
        )
    )

    assert link("telegram", "ANNA-42") == "https://t.me/TellerBankBot?start=ANNA-42"
    viber = urlparse(link("viber", "ANNA-42") or "")
    assert (viber.scheme, parse_qs(viber.query)["context"]) == ("viber", ["ANNA-42"])
    assert link("messenger", "ANNA-42") == "https://m.me/tellerbank?ref=ANNA-42"
    for channel in ("whatsapp_cloud", "whatsapp_twilio"):
        whatsapp = urlparse(link(channel, "ANNA-42") or "")
        assert whatsapp.netloc == "wa.me"
        assert code_from_text(parse_qs(whatsapp.query)["text"][0]) == "ANNA-42"


def test_a_messenger_not_configured_falls_back_to_the_web_chat(tmp_path: Path) -> None:
    link = deep_links(settings(tmp_path, TELEGRAM_BOT_USERNAME="TellerBankBot"))

    assert link("viber", "ANNA-42") is None
    assert link("webchat", "ANNA-42") is None
    assert link("telegram", "not a code!") is None  # Telegram's start payload cannot hold it
