"""Property: whatever customers send — text in any script, emoji, control characters,
very long messages, files, stale or forged button payloads, taps on whatever was offered
— Teller answers without an internal error, and the HTTP API never fails."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.flows.conftest import Teller
from tests.flows.harness import Chat

SORRY = "something went wrong on our side"
WORDS = [
    "balance",
    "send 50 EUR to 4111 1111 1111 1111",
    "cancel",
    "back",
    "help",
    "menu",
    "operator",
    "language",
    "yes",
    "no",
    "скільки грошей",
    "zůstatek",
    "перевод 100 грн",
    "1",
    "2",
    "3",
    "12",
    "top up",
    "exchange 20 EUR to CZK",
    "block my card",
    "pay bills",
    "statement for last week",
    "what is my IBAN",
    "/start",
    "",
    " ",
    "🙂🙂",
    "\x00\x07",
]
PAYLOADS = [
    "cmd:cancel",
    "cmd:back",
    "cmd:help",
    "cmd:menu",
    "cmd:operator",
    "cmd:language",
    "cmd:resume",
    "cmd:drop",
    "cmd:bot",
    "cmd:nonsense",
    "flow:balance",
    "flow:transfer",
    "flow:nonexistent",
    "opt:1:yes",
    "opt:999:no",
    "opt::",
    "intent:balance",
    "intent:card_arrival",
    "intent:nlu_fallback",
    "garbage",
    "flow:",
    "opt:abc:x",
]

actions = st.one_of(
    st.tuples(st.just("say"), st.sampled_from(WORDS)),
    st.tuples(st.just("say"), st.text(max_size=60)),
    st.tuples(st.just("say"), st.text(alphabet="0123456789 -", min_size=1, max_size=25)),
    st.tuples(st.just("payload"), st.sampled_from(PAYLOADS)),
    st.tuples(st.just("tap"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("long"), st.just("x")),
    st.tuples(st.just("file"), st.sampled_from(["image/png", "application/pdf", "text/plain"])),
)
counter = itertools.count()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(actions, min_size=50, max_size=50))
async def test_500_random_messages_and_taps_never_break_a_conversation(
    teller: Teller, script: list[tuple[str, object]]
) -> None:
    # Ten scripts of fifty: a demo customer's conversation and a new visitor's, in turn.
    n = next(counter)
    chat = teller.as_customer("james") if n % 2 else teller.chat(f"random-visitor-{n:04d}")
    chat.user_id = chat.user_id if n % 2 == 0 else f"{chat.user_id}"
    for kind, value in script:
        await _send(chat, kind, value)
        for reply in chat.replies:
            text = str(reply.get("text", ""))
            assert SORRY not in text, f"an internal error after {kind} {value!r}"


async def _send(chat: Chat, kind: str, value: object) -> None:
    if kind == "say":
        text = str(value)
        if not text:
            text = " "
        await chat.say(text)
    elif kind == "payload":
        await chat.send(payload=str(value))
    elif kind == "tap":
        offered = [b["payload"] for r in chat.replies for b in r.get("buttons", [])]
        if offered:
            await chat.send(payload=offered[int(str(value)) % len(offered)])
        else:
            await chat.say("menu")
    elif kind == "long":
        await chat.say("balance " * 1250)  # 10,000 characters
    else:
        content_type = str(value)
        await chat.upload(b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type, "file.bin")
