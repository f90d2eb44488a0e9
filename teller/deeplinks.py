"""Referral deep links of the configured messengers, for the invite flow."""

from __future__ import annotations

from collections.abc import Callable

from teller.settings import Settings


def deep_links(settings: Settings) -> Callable[[str, str], str | None]:
    """A referral code's link on each configured messenger (for the invite flow)."""
    from bots.messenger import deep_link as messenger_link
    from bots.telegram import deep_link as telegram_link
    from bots.viber import deep_link as viber_link
    from bots.whatsapp_cloud import deep_link as whatsapp_link

    makers: dict[str, Callable[[str], str]] = {}
    if settings.telegram_bot_username:
        makers["telegram"] = lambda code: telegram_link(settings.telegram_bot_username or "", code)
    if settings.viber_chat_uri:
        makers["viber"] = lambda code: viber_link(settings.viber_chat_uri or "", code)
    if settings.messenger_page_name:
        makers["messenger"] = lambda code: messenger_link(settings.messenger_page_name or "", code)
    if settings.whatsapp_number:
        for channel in ("whatsapp_twilio", "whatsapp_cloud"):
            makers[channel] = lambda code: whatsapp_link(settings.whatsapp_number or "", code)

    def link(channel: str, code: str) -> str | None:
        maker = makers.get(channel)
        if maker is None:
            return None
        try:
            return maker(code)
        except ValueError:  # a code the platform's links cannot carry: the web chat's
            return None

    return link
