"""Conversation tests written as YAML (``tests/conversations/*.yaml``), run through the web
chat API.

A file holds one or more conversations::

    - name: balance by typing
      as: james              # a demo customer (teller/demo.py), or "visitor" for a new one
      language: en           # the conversation starts at the menu in this language
      steps:
        - say: what's my balance?     # or tap: <button title>, payload: <raw payload>,
          expect:                     #    upload: passport|selfie|pdf, resend: true
            - text: "EUR"             # some reply contains this text
            - buttons: [Statement]    # these button titles are offered
            - image: true             # a picture (document: true, link: true)
            - no_text: "error"        # no reply contains this
        - advance: {minutes: 16}      # move the flows clock
        - run_jobs: true              # the bank's background jobs and notifications
      ledger:                         # balances afterwards, in minor units
        james: {EUR: 40800}
      notified:                       # texts waiting in the outbox for a demo customer
        anna: ["received"]
      flow: null                      # the flow on top of the stack afterwards (or a name)

Texts may name demo values: ``{card:anna}`` (anna's card number, read from the bank's
vault), ``{iban:anna:EUR}``, ``{phone:anna}``, ``{passcode:james}``, ``{code}`` (the last
one-time code sent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from flows import yamlio
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

FOLDER = Path(__file__).parents[1] / "conversations"
_VALUE = re.compile(r"\{(card|iban|last4|phone|passcode|code)(?::([a-z]+))?(?::([A-Z]{3}))?\}")


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}:{self.name}"


def cases() -> list[Case]:
    found: list[Case] = []
    for path in sorted(FOLDER.glob("*.yaml")):
        for spec in yamlio.load_file(path) or []:
            found.append(Case(path.stem, str(spec["name"]), spec))
    return found


async def run(teller: Teller, case: Case) -> None:
    spec = case.spec
    who = spec.get("as", "visitor")
    chat = (
        teller.chat(f"visitor-{abs(hash(case.id)) % 10**12:012d}")
        if who == "visitor"
        else teller.as_customer(who)
    )
    if spec.get("language"):
        await chat.begin(spec["language"])
    last_message: dict[str, Any] | None = None
    for number, step in enumerate(spec.get("steps", []), 1):
        where = f"{case.id} step {number} ({_describe(step)})"
        if "say" in step:
            last_message = {"text": await _fill(teller, str(step["say"])), "message_id": _id()}
            await chat.send(**last_message)
        elif "tap" in step:
            title = await _fill(teller, str(step["tap"]))
            last_message = {"payload": chat.payload(title), "message_id": _id()}
            await chat.send(**last_message)
        elif "payload" in step:
            last_message = {"payload": str(step["payload"]), "message_id": _id()}
            await chat.send(**last_message)
        elif "resend" in step:
            assert last_message is not None, f"{where}: nothing to resend"
            await chat.send(**last_message)
        elif "upload" in step:
            data, content_type, filename = _file(str(step["upload"]))
            await chat.upload(data, content_type, filename)
        elif "advance" in step:
            teller.clock.advance(**step["advance"])
            continue
        elif "run_jobs" in step:
            await teller.run_jobs()
            continue
        else:
            raise AssertionError(f"{where}: unknown step")
        for expectation in step.get("expect", []):
            _expect(chat, expectation, where)
    for key, balances in (spec.get("ledger") or {}).items():
        for currency, minor in balances.items():
            actual = await teller.balance(key, currency)
            assert actual == minor, f"{case.id}: {key} {currency} is {actual}, expected {minor}"
    for key, texts in (spec.get("notified") or {}).items():
        pending = await teller.pending(teller.customer(key)["webchat_user_id"])
        joined = "\n".join(str(r.get("text", "")) for r in pending)
        for text in texts:
            assert text in joined, f"{case.id}: {key} was not notified of {text!r}: {joined!r}"
    if "flow" in spec:
        state = await teller.conversations.store.load("webchat", chat.user_id) or {}
        stack = state.get("stack", [])
        top = stack[-1]["flow"] if stack else None
        assert top == spec["flow"], f"{case.id}: the flow on top is {top!r}"


def _plain(text: str) -> str:
    """Locales put no-break spaces in amounts ("30,00\u00a0€"); tests write plain ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _expect(chat: Chat, expectation: dict[str, Any], where: str) -> None:
    replies = chat.replies
    texts = [_plain(t) for t in chat.texts()]
    joined = "\n".join(texts)
    if "text" in expectation:
        wanted = _plain(str(expectation["text"]))
        assert wanted in joined, f"{where}: no reply contains {wanted!r}; replies: {texts}"
    if "no_text" in expectation:
        unwanted = _plain(str(expectation["no_text"]))
        assert unwanted not in joined, f"{where}: a reply contains {unwanted!r}: {texts}"
    if "buttons" in expectation:
        offered = chat.buttons()
        for title in expectation["buttons"]:
            assert title in offered, f"{where}: no button {title!r}; buttons: {offered}"
    for kind in ("image", "document", "link"):
        if kind in expectation:
            present = any(r["type"] == kind for r in replies)
            assert present == bool(expectation[kind]), f"{where}: {kind} {present}: {replies}"
    if "replies" in expectation:
        assert len(replies) == int(expectation["replies"]), f"{where}: {len(replies)} replies"


async def _fill(teller: Teller, text: str) -> str:
    async def value(match: re.Match[str]) -> str:
        kind, key, currency = match.groups()
        if kind == "code":
            return teller.codes.last_code()
        assert key is not None
        customer = teller.customer(key)
        if kind == "passcode":
            return str(customer["passcode"])
        if kind == "phone":
            return str(customer["phone"])
        if kind in ("iban", "last4"):
            iban = next(a["iban"] for a in customer["accounts"] if a["currency"] == currency)
            return str(iban) if kind == "iban" else str(iban)[-4:]
        bank = teller.conversations.services.bank
        cards = await bank.list_cards(UUID(customer["customer_id"]))
        token = await bank.create_card_reveal(cards[0].id)
        details = await bank.reveal_card(token.token)
        number = details.number
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))

    parts: list[str] = []
    last = 0
    for match in _VALUE.finditer(text):
        parts.append(text[last : match.start()])
        parts.append(await value(match))
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


def _file(kind: str) -> tuple[bytes, str, str]:
    from tests.kyc_support import Applicant, selfie

    JANA = Applicant()

    if kind == "passport":
        return JANA.passport(), "image/png", "passport.png"
    if kind == "selfie":
        return selfie(), "image/png", "selfie.png"
    if kind == "pdf":
        return (
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            "application/pdf",
            "doc.pdf",
        )
    raise AssertionError(f"unknown upload {kind!r}")


def _id() -> str:
    import uuid

    return uuid.uuid4().hex


def _describe(step: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in step.items() if k != "expect")[:80]
