"""Flows and texts reload without a restart; a broken edit is refused whole."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flows.catalog import TEXTS
from flows.definition import DEFINITIONS
from flows.reloading import Reloader
from tests.flows.conftest import Teller


def _copies(tmp_path: Path) -> tuple[Path, Path]:
    definitions = tmp_path / "definitions"
    texts = tmp_path / "texts"
    shutil.copytree(DEFINITIONS, definitions)
    shutil.copytree(TEXTS, texts)
    return definitions, texts


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))


async def test_an_edited_text_shows_at_the_next_message(teller: Teller, tmp_path: Path) -> None:
    definitions, texts = _copies(tmp_path)
    reloader = Reloader(teller.conversations.engine, definitions, texts, every=0)
    teller.conversations.reloader = reloader
    common = texts / "en" / "common.yaml"
    common.write_text(
        common.read_text(encoding="utf-8").replace(
            'title: "What would you like to do?"', 'title: "How can Teller help today?"'
        ),
        encoding="utf-8",
    )
    _touch_later(common)
    chat = teller.as_customer("james")
    await chat.begin("en")
    assert "How can Teller help today?" in chat.text()


async def test_a_broken_flow_is_not_loaded(teller: Teller, tmp_path: Path) -> None:
    definitions, texts = _copies(tmp_path)
    engine = teller.conversations.engine
    before = engine.flows
    reloader = Reloader(engine, definitions, texts, every=0)
    broken = definitions / "balance.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("call: show_balances", "call: no_such_action"),
        encoding="utf-8",
    )
    _touch_later(broken)
    assert reloader.maybe_reload() is False
    assert engine.flows is before
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Balance")
    assert "€458.00" in chat.text()
