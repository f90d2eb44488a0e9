"""Talking to Teller through the web chat API, as a test."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class NoSuchButton(AssertionError):
    pass


@dataclass
class RecordingCodes:
    """The one-time code port for tests: keeps what would have been sent."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send_code(self, to: str, text: str) -> None:
        self.sent.append((to, text))

    def last_code(self) -> str:
        import re

        found = re.search(r"\b(\d{6})\b", self.sent[-1][1])
        assert found is not None
        return found.group(1)


class Chat:
    def __init__(self, http: httpx.AsyncClient, user_id: str) -> None:
        self.http = http
        self.user_id = user_id
        self.replies: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []

    async def send(self, **body: Any) -> list[dict[str, Any]]:
        response = await self.http.post(
            "/webchat/api/messages", json={"user_id": self.user_id, **body}
        )
        assert response.status_code == 200, response.text
        self.replies = response.json()["replies"]
        self.history.extend(self.replies)
        return self.replies

    async def say(self, text: str, **extra: Any) -> list[dict[str, Any]]:
        return await self.send(text=text, **extra)

    async def tap(self, title: str) -> list[dict[str, Any]]:
        return await self.send(payload=self.payload(title))

    async def upload(self, data: bytes, content_type: str, filename: str) -> list[dict[str, Any]]:
        response = await self.http.post(
            "/webchat/api/uploads",
            data={"user_id": self.user_id},
            files={"file": (filename, data, content_type)},
        )
        assert response.status_code == 200, response.text
        self.replies = response.json()["replies"]
        self.history.extend(self.replies)
        return self.replies

    def payload(self, title: str) -> str:
        """The payload of the button ``title``, newest first (an older message's button
        when the latest replies have none: a customer can tap those too)."""
        for reply in reversed(self.history):
            for button in reply.get("buttons", []):
                if button["title"] == title:
                    return str(button["payload"])
        # Accounts' buttons end with their balance: "EUR •• 0138" picks "EUR •• 0138 · €…".
        starting = [
            b for r in self.replies for b in r.get("buttons", []) if b["title"].startswith(title)
        ]
        if len(starting) == 1:
            return str(starting[0]["payload"])
        raise NoSuchButton(f"no button {title!r} in {self.buttons()}; replies: {self.texts()}")

    def buttons(self) -> list[str]:
        return [b["title"] for r in self.replies for b in r.get("buttons", [])]

    def texts(self) -> list[str]:
        return [r.get("text") or r.get("caption") or "" for r in self.replies]

    def text(self) -> str:
        return "\n".join(self.texts())

    def kinds(self) -> list[str]:
        return [r["type"] for r in self.replies]

    async def begin(self, language: str = "en") -> None:
        """A conversation in ``language``, at the main menu."""
        await self.say("/start")
        if "English" not in self.buttons():
            await self.send(payload="cmd:language")
        names = {"en": "English", "cs": "Čeština", "ru": "Русский", "uk": "Українська"}
        await self.tap(names[language])
        await self.send(payload="cmd:menu")
