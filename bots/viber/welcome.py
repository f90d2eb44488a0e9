"""The one welcome message Viber lets a bot send to someone who is not subscribed yet.

It is the HTTP answer to ``conversation_started`` (decision 0072): a short greeting and a
Start button whose tap is the person's first message — that message subscribes them, and
the conversation proper begins with Teller's start flow. The adapter has no access to the
flows' message catalogs (the webhook answers before anything is processed), so the four
languages Teller speaks are kept here.
"""

from __future__ import annotations

from typing import Any

from bots.viber.actions import start_body

WELCOME: dict[str, tuple[str, str]] = {
    "en": ("Hi! I'm Teller, your bank in Viber. Tap Start to begin.", "Start"),
    "cs": ("Dobrý den! Jsem Teller, vaše banka ve Viberu. Začněte klepnutím na Začít.", "Začít"),
    "ru": ("Здравствуйте! Я Teller, ваш банк в Viber. Нажмите «Начать».", "Начать"),
    "uk": ("Вітаємо! Я Teller, ваш банк у Viber. Натисніть «Почати».", "Почати"),
}


def language(locale: object) -> str:
    """Teller's language for Viber's ``language`` ("uk", "en-GB", "ru_RU"); English else."""
    if isinstance(locale, str):
        base = locale.replace("_", "-").split("-", 1)[0].lower()
        if base in WELCOME:
            return base
    return "en"


def welcome_message(sender: dict[str, str], locale: object, code: str | None) -> dict[str, Any]:
    """The send_message JSON without ``receiver``, as Viber expects in the response body."""
    text, button = WELCOME[language(locale)]
    return {
        "type": "text",
        "text": text,
        "sender": sender,
        # Also echoed with a typed first message, so a deep-link code survives even when
        # the person writes instead of tapping Start.
        "tracking_data": start_body(code),
        "keyboard": {
            "Type": "keyboard",
            "DefaultHeight": False,
            "Buttons": [
                {
                    "Columns": 6,
                    "Rows": 1,
                    "ActionType": "reply",
                    "ActionBody": start_body(code),
                    "Text": button,
                    "Silent": True,
                }
            ],
        },
    }
