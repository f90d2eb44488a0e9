"""Codes to a phone go by SMS, codes to an address by e-mail."""

from __future__ import annotations

from typing import Protocol


class Sender(Protocol):
    async def send_code(self, to: str, text: str) -> None: ...


class ByAddress:
    def __init__(self, sms: Sender, email: Sender) -> None:
        self._sms = sms
        self._email = email

    async def send_code(self, to: str, text: str) -> None:
        await (self._email if "@" in to else self._sms).send_code(to, text)
