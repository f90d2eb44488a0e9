"""``teller chat``: a conversation with Teller in the terminal (the "console" channel).

The console is one more channel over the same :class:`Conversations` the web chat uses:
each typed line becomes an :class:`Inbound` and its replies come back inline. Buttons show
as numbered choices (typing the number sends that button's payload), pictures and
documents are saved under the data directory and their paths printed, secure links are
printed as addresses. Messages that arrive later (a person's answers, the bank's
notifications) wait in the outbox and are printed before the next prompt.

It reads plain lines from standard input, so it runs without a terminal too (tests pipe a
conversation into it). The conversation goes to standard output; the console's own notes
(who you are, where files went, one-time codes in development) go to standard error.
See docs/decisions/0065-console-channel.md.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click
import uvloop

from flows.definition import END
from flows.messages import (
    Attachment,
    Button,
    Buttons,
    Document,
    HandoffNotice,
    Image,
    Inbound,
    Kind,
    Reply,
    RequestContact,
    SecureLink,
    Text,
    reply_from_dict,
)
from flows.redact import redact
from teller.logs import configure_logging
from teller.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from flows.ports import CodeSender
    from flows.service import Conversations

CHANNEL = "console"
CUSTOMERS = ("anna", "ivan", "olga", "james", "petr")
LANGUAGES = ("en", "cs", "ru", "uk")
QUIT = ("/quit", "/exit")
POLL_SECONDS = 1.0
MASK = "••••••"
BOT = "Teller: "
INDENT = " " * len(BOT)


@click.command("chat")
@click.option(
    "--as",
    "who",
    type=click.Choice([*CUSTOMERS, "new"]),
    default="new",
    show_default=True,
    help="A demo customer, or new: a first-time visitor (a fresh one every run).",
)
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="The conversation's language (default: the customer's, or asked of a visitor).",
)
def chat(who: str, language: str | None) -> None:
    """Talk to Teller in the terminal, as a demo customer or a new visitor.

    Numbers pick buttons; /file PATH sends a photo or document; /contact PHONE shares your
    number; /quit or Ctrl-D leaves."""
    settings = Settings()
    # The conversation owns the screen: only warnings and errors are logged (to stderr).
    configure_logging(json=settings.json_logs, level="WARNING")
    try:
        uvloop.run(_session(settings, who, language))
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo("", err=True)


async def _session(settings: Settings, who: str, language: str | None) -> None:
    from flows.store.schema import prepare
    from teller.conversations import build_conversations, code_sender, nlu_engine
    from teller.demo import seed
    from teller.wiring import build

    container = build(settings)
    await container.start()
    engine = None
    try:
        await prepare(container.db)
        engine = await asyncio.to_thread(nlu_engine, settings)
        codes: CodeSender = code_sender(settings)
        if not settings.is_production:
            codes = EchoedCodes(codes)
        conversations = build_conversations(container, engine, codes=codes)
        demo: dict[str, Any] = {"customers": []}
        if not settings.is_production:  # a real bank gets no demo customers
            demo = await seed(container, conversations)
        user = await _identity(conversations, demo, who)
        console = Console(conversations, user, settings.data_dir / "console")
        await console.run(language)
    finally:
        if engine is not None:
            await engine.close()
        await container.close()


async def _identity(conversations: Conversations, demo: dict[str, Any], who: str) -> str:
    """The console user id: ``console-<key>`` linked to the demo customer, or a fresh
    ``console-new-…`` for a visitor (so ``--as new`` always meets Teller for the first
    time)."""
    if who == "new":
        user = f"console-new-{uuid.uuid4().hex[:12]}"
        click.echo(f"[you are a new visitor: {user}]", err=True)
        return user
    customer = next((c for c in demo["customers"] if c["key"] == who), None)
    if customer is None:
        raise click.ClickException("demo customers exist in development only; use --as new")
    user = f"console-{who}"
    await conversations.services.identities.link(CHANNEL, user, UUID(customer["customer_id"]))
    click.echo(f"[you are {customer['name']} ({user})]", err=True)
    return user


@dataclass
class EchoedCodes:
    """Development: one-time codes also shown in the terminal (they go to the development
    outbox as well), so a console conversation needs no second window."""

    inner: CodeSender

    async def send_code(self, to: str, text: str) -> None:
        await self.inner.send_code(to, text)
        click.echo(f"[one-time code to {to}: {text}]", err=True)


@dataclass
class Console:
    conversations: Conversations
    user: str
    media_dir: Path
    choices: list[Button] = field(default_factory=list)
    _printing: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def run(self, language: str | None) -> None:
        tty = sys.stdin.isatty()
        click.echo("[numbers pick buttons; /file PATH, /contact PHONE; /quit or Ctrl-D]", err=True)
        if language is not None:
            await self._set_language(language)
        await self.send(self._inbound(Kind.START, text="/start", locale=language))
        lines = StdinLines(asyncio.get_running_loop())
        while True:
            await self.later()
            secret = await self._secret()
            if tty:
                click.echo("you> ", nl=False)
            with hidden_input(tty and secret):
                line = await self._next_line(lines, tty)
            if line is None or line.strip().lower() in QUIT:
                break
            if tty and secret:
                click.echo("")  # the hidden line's Enter did not echo either
            elif not tty:
                # The piped conversation reads like a transcript, masked like one.
                click.echo("you: " + (MASK if secret else redact(line)))
            msg = self.parse(line)
            if msg is not None:
                await self.send(msg)
        await self.later()

    async def _next_line(self, lines: StdinLines, tty: bool) -> str | None:
        """The next typed line; in a terminal, later messages show up while it waits."""
        if not tty:
            return await lines.get()
        waiting = asyncio.ensure_future(lines.get())
        while not waiting.done():
            await asyncio.wait([waiting], timeout=POLL_SECONDS)
            if not waiting.done() and await self.later(interrupting=True):
                click.echo("you> ", nl=False)
        return waiting.result()

    async def _set_language(self, language: str) -> None:
        """``--language`` wins over the profile's language and skips the question."""
        store = self.conversations.store
        services = self.conversations.services
        async with store.turn(CHANNEL, self.user, None) as loaded:
            loaded.state["language"] = language
            loaded.state["language_chosen"] = True
            expires = services.now() + services.settings.conversation_ttl
            await store.save(loaded, None, [], [], expires)

    async def _secret(self) -> bool:
        """Is the conversation waiting for a secret (the passcode)? Then it is not shown."""
        state = await self.conversations.store.load(CHANNEL, self.user) or {}
        stack = state.get("stack") or []
        if not stack or not stack[-1].get("waiting"):
            return False
        frame = stack[-1]
        flow = self.conversations.engine.flows.get(frame.get("flow", ""))
        if flow is None or frame.get("step") == END:
            return False
        try:
            return flow.step(frame["step"]).secret
        except KeyError:
            return False

    # -- in ------------------------------------------------------------------------------------

    def parse(self, line: str) -> Inbound | None:
        text = line.strip()
        if not text:
            return None
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self._inbound(Kind.PAYLOAD, payload=self.choices[int(text) - 1].payload)
        command, _, rest = text.partition(" ")
        if command == "/file":
            return self._file(Path(rest.strip()).expanduser())
        if command == "/contact" and rest.strip():
            phone = rest.strip()
            return self._inbound(Kind.CONTACT, contact_phone=phone, contact_is_sender=True)
        return self._inbound(Kind.TEXT, text=text)

    def _file(self, path: Path) -> Inbound | None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"[cannot read {path}: {exc.strerror}]", err=True)
            return None
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        kind = Kind.IMAGE if content_type.startswith("image/") else Kind.DOCUMENT
        return self._inbound(kind, attachment=Attachment(data, content_type, path.name[-100:]))

    def _inbound(self, kind: Kind, **values: Any) -> Inbound:
        return Inbound(CHANNEL, self.user, uuid.uuid4().hex, kind, **values)

    # -- out -----------------------------------------------------------------------------------

    async def send(self, msg: Inbound) -> None:
        handled = await self.conversations.receive(msg, inline=True)
        if handled is None:
            return
        async with self._printing:
            if not any(isinstance(r, Buttons) for r in handled.replies):
                self.choices = []  # numbers typed now are answers, not old buttons
            for reply in handled.replies:
                await self.show(reply)

    async def later(self, *, interrupting: bool = False) -> bool:
        """Print what arrived since the last prompt (notifications, a person's answers)."""
        outbox = self.conversations.outbox
        pending = await outbox.pending(CHANNEL, self.user)
        if not pending:
            return False
        async with self._printing:
            if interrupting:
                click.echo("")
            for _, _, stored in pending:
                await self.show(reply_from_dict(stored))
        await outbox.mark_sent([outbox_id for outbox_id, _, _ in pending])
        return True

    async def show(self, reply: Reply) -> None:
        match reply:
            case Text(text=text) | HandoffNotice(text=text):
                self._say(text)
            case Buttons(text=text, buttons=buttons):
                self.choices = list(buttons)
                self._say(text, *(f"  {n}. {b.title}" for n, b in enumerate(buttons, 1)))
            case Image(media_id=media_id, caption=caption):
                self._say(*filter(None, [caption]), await self._saved(media_id))
            case Document(media_id=media_id, caption=caption):
                self._say(*filter(None, [caption]), await self._saved(media_id))
            case SecureLink(url=url, text=text, title=title):
                self._say(text, f"{title}: {url}")
            case RequestContact(text=text, button=button):
                self._say(text, f"[{button}: /contact PHONE]")

    def _say(self, *lines: str) -> None:
        text = "\n".join(lines)
        click.echo(BOT + text.replace("\n", "\n" + INDENT))

    async def _saved(self, media_id: str) -> str:
        media = await self.conversations.services.media.get(media_id)
        if media is None:
            return "[file expired]"
        self.media_dir.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", media.filename)[:80] or "file"
        path = (self.media_dir / f"{media_id[:12]}-{name}").resolve()
        await asyncio.to_thread(path.write_bytes, media.data)
        return f"[saved to {path}]"


@contextmanager
def hidden_input(hide: bool) -> Iterator[None]:
    """The terminal stops echoing what is typed (a passcode) until the line is read."""
    if not hide:
        yield
        return
    import termios

    fd = sys.stdin.fileno()
    before = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, before)


class StdinLines:
    """Standard input read by a daemon thread, so Ctrl-C and exit never wait on a read."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = loop
        self._stream = sys.stdin
        threading.Thread(target=self._read, name="teller-chat-stdin", daemon=True).start()

    def _read(self) -> None:
        while True:
            line = self._stream.readline()
            value = line.rstrip("\r\n") if line else None
            self._loop.call_soon_threadsafe(self._queue.put_nowait, value)
            if not line:
                return

    async def get(self) -> str | None:
        """The next line without its newline; None at the end of input."""
        return await self._queue.get()
