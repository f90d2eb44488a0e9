"""``teller chat``: the console conversation, driven line by line through a pipe."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest
from click.testing import CliRunner

from flows.store.schema import prepare
from flows.store.sql import SqlOutbox
from teller.cli import main
from teller.settings import Settings
from teller.wiring import build
from tests.conftest import run_in_thread
from tests.flows.conftest import NLU_CACHE

QUIET = 0.7  # seconds without output: the console has printed all of a turn's replies
STARTUP = 240.0  # seconds for imports, the demo seed and the NLU model on a busy machine


class Console:
    """A running ``teller chat``: type a line, wait for what Teller answers."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI with fixed arguments
            [sys.executable, "-m", "teller", "chat", *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, pattern: str, timeout: float = 90.0) -> str:
        """Output until ``pattern`` shows and the console falls quiet; fails on timeout."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        found = False
        while True:
            wait = QUIET if found else max(0.1, deadline - time.monotonic())
            try:
                line = self.lines.get(timeout=wait)
            except queue.Empty:
                if found:
                    return "\n".join(got)
                raise AssertionError(f"no {pattern!r} in:\n" + "\n".join(self.seen)) from None
            if line is None:
                if found:
                    return "\n".join(got)
                raise AssertionError(f"the console ended before {pattern!r}:\n{self.errors()}")
            got.append(line)
            self.seen.append(line)
            found = found or re.search(pattern, "\n".join(got)) is not None

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def close(self) -> int:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()  # Ctrl-D
        code = self.process.wait(timeout=30)
        self.rest = "\n".join(line for line in iter(self.lines.get, None))
        return code

    def errors(self) -> str:
        assert self.process.stderr is not None
        if self.process.poll() is None:
            return ""
        return self.process.stderr.read()


def choice(output: str, title: str) -> str:
    """The number the console gave the button titled ``title`` (its last showing)."""
    numbers = re.findall(rf"^\s+(\d+)\. {re.escape(title)}$", output, re.MULTILINE)
    assert numbers, f"no choice {title!r} in:\n{output}"
    return str(numbers[-1])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = {
        **os.environ,
        "TELLER_DATA_DIR": str(tmp_path / "data"),
        "TELLER_NLU_MODEL_DIR": str(NLU_CACHE),
        "TELLER_LOG_LEVEL": "WARNING",
    }
    out.pop("TELLER_DATABASE_URL", None)
    return out


@pytest.fixture
def console(env: dict[str, str]) -> Iterator[list[Console]]:
    started: list[Console] = []
    yield started
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(timeout=10)
        for stream in (running.process.stdin, running.process.stdout, running.process.stderr):
            if stream is not None:
                stream.close()


def notify(data_dir: Path, user: str, text: str) -> None:
    """What a person's reply or a bank event does: a message waits in the outbox."""

    async def add() -> None:
        container = build(Settings(data_dir=data_dir))
        await container.start()
        try:
            await prepare(container.db)
            outbox = SqlOutbox(container.db, lambda: datetime.now(UTC))
            await outbox.add("console", user, [{"type": "text", "text": text}])
        finally:
            await container.close()

    run_in_thread(add)


def test_a_customer_checks_the_balance_picks_a_numbered_choice_and_hears_later_news(
    env: dict[str, str], console: list[Console]
) -> None:
    chat = Console(env, "--as", "james", "--language", "en")
    console.append(chat)
    welcome = chat.expect(r"What would you like to do\?", STARTUP)
    assert "Welcome back" in welcome
    assert re.search(r"^\s+1\. Balance$", welcome, re.MULTILINE)

    chat.type("balance")
    shown = chat.expect(r"€458\.00")
    assert "you: balance" in shown

    chat.type(choice(shown, "Statement"))
    assert "For which period?" in chat.expect(r"For which period\?")

    notify(Path(env["TELLER_DATA_DIR"]), "console-james", "A person here: how can I help?")
    chat.type("cancel")
    assert "A person here: how can I help?" in chat.expect("A person here")

    assert chat.close() == 0


def test_a_transfer_hides_the_passcode_and_saves_the_receipt(
    env: dict[str, str], console: list[Console]
) -> None:
    chat = Console(env, "--as", "james", "--language", "en")
    console.append(chat)
    chat.expect(r"What would you like to do\?", STARTUP)
    chat.type("send money")
    chat.expect(r"Who are you sending money to\?")
    chat.type("+420601234567")  # Anna's phone
    chat.expect(r"How much\?")
    chat.type("5")
    summary = chat.expect(r"Total: €5\.00")
    chat.type(choice(summary, "Confirm"))
    chat.expect(r"passcode")
    chat.type("864202")
    done = chat.expect(r"Sent €5\.00")
    chat.type("/quit")
    assert chat.close() == 0

    assert "you: ••••••" in done
    assert "864202" not in "\n".join(chat.seen) + chat.rest
    saved = re.search(r"\[saved to (.+\.png)\]", done)
    assert saved is not None, done
    picture = Path(saved.group(1))
    assert picture.is_relative_to(Path(env["TELLER_DATA_DIR"]).resolve())
    assert picture.read_bytes().startswith(b"\x89PNG")


def test_a_new_visitor_is_asked_for_a_language_and_answers_with_a_number(
    env: dict[str, str],
) -> None:
    """In-process, as click runs it, with the whole conversation piped in at once."""
    result = CliRunner().invoke(main, ["chat", "--as", "new"], input="1\n", env=env)
    assert result.exit_code == 0, result.output
    first, _, rest = result.stdout.partition("you: 1")
    assert re.search(r"^\s+1\. English$", first, re.MULTILINE), first
    assert "Čeština" in first
    assert "Welcome to Teller" in rest
    assert "[you are a new visitor: console-new-" in result.stderr
