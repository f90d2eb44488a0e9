"""``teller bench render``: how long the image service takes for each kind of picture.

Each sample draws and encodes one picture in this process, one after another, with the
cache out of the way (every card has another holder, every statement another opening
balance), so the figures are the cost a customer waits for on a cache miss. The first
draws warm up fonts and backgrounds and are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from render.card import card_image
from render.documents import CardFace, Statement, StatementLine
from render.formatting import Money
from render.statement_pdf import statement_pdf
from render.statement_png import statement_pages
from teller.bench.results import percentile

WARMUP = 5
LANGUAGES = ("en", "cs", "ru", "uk")
HOLDERS = ("Jane Doe", "Ivana Procházková", "Иван Петров", "Олександр Шевченко")


@dataclass(frozen=True)
class RenderBenchOptions:
    samples: int = 200
    page_lines: int = 8  # a full one-page statement: header, eight lines, totals


def timed(draw: Callable[[int], object], samples: int) -> list[float]:
    """Seconds per call of ``draw(i)``, after the warm-up calls."""
    for i in range(WARMUP):
        draw(-1 - i)
    spent = []
    for i in range(samples):
        started = time.perf_counter()
        draw(i)
        spent.append(time.perf_counter() - started)
    return spent


def card(i: int) -> None:
    language = LANGUAGES[i % 4]
    card_image(
        CardFace("digital", f"{HOLDERS[i % 4]} {i}", f"{i % 10_000:04d}", 3, 2029, language)
    )


def statement(lines: int, seed: int, language: str = "en") -> Statement:
    start = datetime(2026, 3, 1, 8, tzinfo=UTC)
    opening = 1_000_000 + seed
    booked = tuple(
        StatementLine(
            start + timedelta(hours=5 * n),
            f"Card payment, Café Louvre {n}" if n % 3 else f"Transfer from Ivan P. {n}",
            Money(-1_250 - n if n % 3 else 40_000, "EUR"),
        )
        for n in range(lines)
    )
    total = sum(line.amount.minor for line in booked)
    return Statement(
        holder="Jane Doe",
        account="CZ65 0800 0000 1920 0014 5399",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        opening=Money(opening, "EUR"),
        closing=Money(opening + total, "EUR"),
        lines=booked,
        language=language,
        timezone="Europe/Prague",
    )


def summary_line(cards: list[float], pages: list[float], pdfs: list[float]) -> str:
    return (
        f"card_ms_p50={percentile(cards, 0.5) * 1000:.2f} "
        f"card_ms_p99={percentile(cards, 0.99) * 1000:.2f} "
        f"statement_page_ms_p50={percentile(pages, 0.5) * 1000:.2f} "
        f"statement_page_ms_p99={percentile(pages, 0.99) * 1000:.2f} "
        f"pdf_100tx_ms={percentile(pdfs, 0.5) * 1000:.2f}"
    )


def run_render_bench(options: RenderBenchOptions) -> int:
    samples = options.samples

    def page(i: int) -> None:
        [_] = statement_pages(statement(options.page_lines, i, LANGUAGES[i % 4]))

    def pdf(i: int) -> None:
        statement_pdf(statement(100, i))

    cards = timed(card, samples)
    print(f"card: {samples} pictures 1012x638 PNG", flush=True)
    pages = timed(page, samples)
    print(f"statement page: {samples} pages 1080x1920 PNG, {options.page_lines} lines", flush=True)
    pdfs = timed(pdf, max(10, samples // 10))
    print(f"statement pdf: {len(pdfs)} documents of 100 transactions", flush=True)
    print(summary_line(cards, pages, pdfs), flush=True)
    return 0
