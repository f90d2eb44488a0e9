"""Viber: the REST Bot API over httpx (``deps.http``), with our own small JSON parsing.

``viberbot`` is unmaintained and synchronous, so it is not used: the API surface Teller
needs is four calls (``send_message``, ``get_account_info``, ``set_webhook``, a media
download) and one signed webhook.
"""

from bots.viber.adapter import ViberAdapter
from bots.viber.config import ViberConfig
from bots.viber.links import deep_link

__all__ = ["ViberAdapter", "ViberConfig", "deep_link"]
