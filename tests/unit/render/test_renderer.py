"""The image service as flows use it: off the event loop, cached by content, within
the messengers' limits."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest

from render.cache import RenderCache, content_key
from render.documents import Statement, StatementLine
from render.errors import OverLimit
from render.formatting import Money
from render.output import JPEG, PDF, PNG, WHATSAPP_IMAGE_BYTES
from render.service import Renderer
from tests.unit.render.documents import details, face, invite, transfer


@pytest.fixture
def renderer() -> Iterator[Renderer]:
    made = Renderer()
    yield made
    made.close()


def statement(lines: int) -> Statement:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    booked = tuple(
        StatementLine(start + timedelta(minutes=40 * i), f"Coffee shop {i}", Money(-100, "EUR"))
        for i in range(lines)
    )
    return Statement(
        holder="Jane Doe",
        account="CZ65 0800 0000 1920 0014 5399",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        opening=Money(1_000_000, "EUR"),
        closing=Money(1_000_000 - 100 * lines, "EUR"),
        lines=booked,
    )


async def test_pictures_are_drawn_off_the_event_loop(renderer: Renderer) -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []
    original = renderer._run

    async def spy(work):  # type: ignore[no-untyped-def]
        def traced():  # type: ignore[no-untyped-def]
            seen.append(threading.get_ident())
            return work()

        return await original(traced)

    renderer._run = spy  # type: ignore[method-assign]
    await renderer.card(face())
    assert seen
    assert loop_thread not in seen


async def test_the_loop_keeps_serving_while_a_long_statement_renders(renderer: Renderer) -> None:
    ticks = 0
    rendering = asyncio.ensure_future(renderer.statement_pdf(statement(1_000)))
    while not rendering.done():
        await asyncio.sleep(0.001)
        ticks += 1
    assert (await rendering).media_type == PDF
    assert ticks > 10


async def test_the_same_document_is_drawn_once(renderer: Renderer) -> None:
    first = await renderer.receipt(transfer())
    second = await renderer.receipt(transfer())
    assert second.content == first.content
    assert (renderer.cache.misses, renderer.cache.hits) == (1, 1)
    changed = await renderer.receipt(transfer(amount=Money(5_001, "EUR")))
    assert changed.content != first.content


async def test_a_revealed_card_number_is_never_cached(renderer: Renderer) -> None:
    await renderer.card_reveal(face(), "4000056655664242")
    await renderer.card_reveal(face(), "4000056655664242")
    assert renderer.cache.size == 0
    assert (renderer.cache.hits, renderer.cache.misses) == (0, 0)


async def test_every_kind_of_picture_is_served(renderer: Renderer) -> None:
    made = [
        await renderer.card(face("uk")),
        await renderer.bank_details(details("cs")),
        await renderer.referral(invite("ru")),
        *await renderer.statement_pages(statement(40)),
    ]
    assert {picture.media_type for picture in made} == {PNG}
    assert all(picture.size <= WHATSAPP_IMAGE_BYTES for picture in made)


async def test_a_picture_over_a_limit_becomes_a_smaller_jpeg(renderer: Renderer) -> None:
    full = await renderer.receipt(transfer())
    fitted = await renderer.receipt(transfer(), max_bytes=full.size // 2)
    assert fitted.media_type == JPEG
    assert fitted.size <= full.size // 2
    assert fitted.filename.endswith(".jpg")
    with pytest.raises(OverLimit):
        await renderer.receipt(transfer(), max_bytes=500)


async def test_a_process_pool_can_draw_too() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        renderer = Renderer(executor=pool)
        in_pool = await renderer.card(face())
    assert in_pool.content == (await Renderer().card(face())).content


def test_the_cache_evicts_the_least_recently_used_within_its_bytes() -> None:
    cache = RenderCache(max_bytes=1_000)
    from render.output import Rendered

    def picture(size: int) -> list[Rendered]:
        return [Rendered(b"x" * size, PNG, "p.png")]

    cache.put("a", picture(400))
    cache.put("b", picture(400))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", picture(400))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.size == 800
    cache.put("huge", picture(5_000))
    assert cache.get("huge") is None


def test_content_keys_change_with_content_and_options() -> None:
    assert content_key("card", face()) == content_key("card", face())
    assert content_key("card", face()) != content_key("card", face(last4="1111"))
    assert content_key("card", face()) != content_key("card", face(), max_bytes=10)


async def test_a_short_statement_comes_as_pictures_a_long_one_as_a_document(
    renderer: Renderer,
) -> None:
    short = await renderer.statement(statement(12))
    assert [picture.media_type for picture in short] == [PNG, PNG]
    [long] = await renderer.statement(statement(31))
    assert long.media_type == PDF
    assert long.filename.endswith(".pdf")
