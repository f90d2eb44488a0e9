"""Account statements as phone-sized PNG pages and as an A4 PDF."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest
from PIL import Image

from render.documents import Statement, StatementLine
from render.errors import InvalidDocument, SizeRefused
from render.formatting import Money, money
from render.locales import LANGUAGES, label
from render.statement_layout import MAX_LINES, ledger, paginate
from render.statement_pdf import statement_pdf
from render.statement_png import BODY, SMALL, statement_pages, statement_sheets
from tests.unit.render.glyphs import missing_glyphs
from tests.unit.render.golden import assert_matches_golden

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CURRENCIES = {"en": "EUR", "cs": "CZK", "ru": "RUB", "uk": "UAH"}

# What a month looks like in each language: a salary, shops, a transfer, a refund, and one
# standing order whose description is longer than two lines on a phone.
MONTH = {
    "en": (
        "Salary — Acme Ltd",
        "Tesco Express, Camden",
        "Transfer to Ivan P.",
        "Netflix subscription",
        "Refund: Zalando order 10482",
        "Rent for March, flat 4B, 12 Camden Road — standing order to Greenway Lettings Ltd, "
        "reference 2026-03, paid from your main account",
        "Café Louvre",
        "ATM withdrawal",
    ),
    "cs": (
        "Mzda — Acme s.r.o.",
        "Albert Žižkov",
        "Převod Ivaně P.",
        "Předplatné Netflix",
        "Vrácení: objednávka Zalando 10482",
        "Nájem za březen, byt 4B, Koněvova 12 — trvalý příkaz pro Bydlení s.r.o., "
        "zpráva pro příjemce 2026-03, placeno z hlavního účtu",
        "Kavárna Louvre",
        "Výběr z bankomatu",
    ),
    "ru": (
        "Зарплата — ООО «Акме»",
        "Пятёрочка, Москва",
        "Перевод Ивану П.",
        "Подписка Netflix",
        "Возврат: заказ Ozon 10482",
        "Аренда за март, квартира 4Б, ул. Тверская 12 — регулярный платёж ООО «Жильё», "
        "назначение 2026-03, оплачено с основного счёта",
        "Кофейня «Шоколадница»",
        "Снятие наличных в банкомате",
    ),
    "uk": (
        "Зарплата — ТОВ «Акме»",
        "Сільпо, Київ",
        "Переказ Івану П.",
        "Підписка Netflix",
        "Повернення: замовлення Rozetka 10482",
        "Оренда за березень, квартира 4Б, вул. Хрещатик 12 — регулярний платіж ТОВ «Житло», "
        "призначення 2026-03, сплачено з основного рахунку",
        "Кав'ярня «Львівська ґалерея»",
        "Зняття готівки в банкоматі",
    ),
}
AMOUNTS = (320_000, -2_345, -15_000, -1_099, 4_990, -95_000, -680, -10_000)


def statement(
    descriptions: Sequence[str],
    amounts: Sequence[int] | None = None,
    *,
    language: str = "en",
    currency: str = "EUR",
    opening: int = 125_000,
) -> Statement:
    """A March statement whose closing balance adds up, its lines spread over the month."""
    if amounts is None:  # a credit every fourth line, debits of different sizes between
        amounts = [
            25_000 + index if index % 4 == 0 else -1_250 - 37 * index
            for index in range(len(descriptions))
        ]
    step = timedelta(days=30) / max(len(descriptions), 1)
    lines = tuple(
        StatementLine(START + index * step, text, Money(amount, currency))
        for index, (text, amount) in enumerate(zip(descriptions, amounts, strict=True))
    )
    return Statement(
        holder="Jana Nováková",
        account="CZ65 0800 0000 1920 0014 5399",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        opening=Money(opening, currency),
        closing=Money(opening + sum(amounts), currency),
        lines=lines,
        language=language,
        timezone="Europe/Prague",
        generated_at=datetime(2026, 4, 1, 6, 0, tzinfo=UTC),
    )


def month(language: str) -> Statement:
    return statement(MONTH[language], AMOUNTS, language=language, currency=CURRENCIES[language])


def payments(count: int) -> Statement:
    return statement([f"Payment {index:04d}" for index in range(count)])


def drawn(subject: Statement) -> list[list[str]]:
    """What each PNG page drew, page by page."""
    return [sheet.drawn for sheet in statement_sheets(subject)]


def pdf_pages(subject: Statement) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(statement_pdf(subject).content))
    return [page.extract_text() for page in reader.pages]


def as_extracted(text: str) -> str:
    """``text`` as pypdf reads it back: the no-break space shares the space's glyph, and
    the text layer gives a plain space for both."""
    return text.replace("\xa0", " ")


PDF_LABELS = (
    "title", "holder", "account", "period", "opening", "closing",
    "money_in", "money_out", "date", "description", "amount", "balance",
)  # fmt: skip


# -- the PDF --------------------------------------------------------------------------------


def test_the_pdf_shows_the_account_the_balances_and_each_transaction_once() -> None:
    subject = month("en")
    document = statement_pdf(subject)
    reader = pypdf.PdfReader(io.BytesIO(document.content))
    (text,) = [page.extract_text() for page in reader.pages]
    assert document.media_type == "application/pdf"
    assert document.filename == "statement-2026-03-01-2026-03-31.pdf"
    assert [round(float(side)) for side in reader.pages[0].mediabox[2:]] == [595, 842]
    for key in PDF_LABELS:
        assert label("en", f"statement.{key}") in text
    for value in (subject.holder, subject.account, "1 Mar 2026 – 31 Mar 2026"):
        assert value in text
    # opening, closing, money in, money out; and when it was made
    for value in ("€1,250.00", "€3,258.66", "€3,249.90", "-€1,241.24", "1 Apr 2026, 08:00:00"):
        assert value in text
    for description in MONTH["en"][:5]:
        assert text.count(description) == 1
    assert "Page 1 of 1" in text


def test_a_thousand_transactions_paginate_in_order() -> None:
    subject = payments(1000)
    pages = pdf_pages(subject)
    found = [re.findall(r"Payment (\d{4})", page) for page in pages]
    assert [int(number) for page in found for number in page] == list(range(1000))
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    assert len(found[0]) < len(found[1])  # the first page also carries the account block
    assert len({len(page) for page in found[1:-1]}) == 1
    closing = f"{label('en', 'statement.closing')}\n{money(subject.closing, 'en')}"
    assert closing in pages[-1]
    assert all(label("en", "statement.closing") not in page for page in pages[:-1])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pdf_speaks_each_language(language: str) -> None:
    subject = month(language)
    (text,) = pdf_pages(subject)
    assert label(language, "statement.title") in text
    assert label(language, "statement.page", page=1, pages=1) in text
    assert as_extracted(money(subject.closing, language)) in text
    assert MONTH[language][0] in text


def test_an_empty_period_is_one_pdf_page_that_says_so() -> None:
    (text,) = pdf_pages(statement([]))
    assert label("en", "statement.empty") in text
    assert f"{label('en', 'statement.closing')}\n€1,250.00" in text


def test_the_same_statement_gives_the_same_pdf_bytes() -> None:
    assert statement_pdf(month("uk")).content == statement_pdf(month("uk")).content


# -- the PNG pages --------------------------------------------------------------------------


def test_pages_are_phone_screens_named_after_the_period() -> None:
    pages = statement_pages(month("en"), width=720)
    assert [(page.width, page.height) for page in pages] == [(720, 1280)]
    assert pages[0].filename == "statement-2026-03-01-2026-03-31-p1.png"
    assert Image.open(io.BytesIO(pages[0].content)).size == (720, 1280)
    assert min(BODY, SMALL) >= 30  # legible on a phone at 1080 px


def test_a_thousand_transactions_fill_the_expected_pages() -> None:
    subject = payments(1000)
    pages = drawn(subject)
    # Ten one-line rows under the account block, then thirteen a page: 1 + ceil(990 / 13).
    assert len(pages) == 78
    descriptions = [text for page in pages for text in page if text.startswith("Payment ")]
    assert descriptions == [f"Payment {index:04d}" for index in range(1000)]
    assert money(subject.closing, "en") in pages[-1]
    assert label("en", "statement.closing") in pages[-1]
    assert label("en", "statement.page", page=78, pages=78) in pages[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_draws_its_own_labels(language: str) -> None:
    (page,) = drawn(month(language))
    for key in ("title", "holder", "opening", "closing", "money_in", "money_out"):
        assert label(language, f"statement.{key}") in page
    assert label(language, "statement.page", page=1, pages=1) in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_character_drawn_has_a_glyph(language: str) -> None:
    (page,) = drawn(month(language))
    assert missing_glyphs(page) == set()


@pytest.mark.parametrize("language", ["de", "xx_YY"])
def test_an_unknown_language_falls_back_to_english(language: str) -> None:
    (page,) = drawn(dataclasses.replace(month("en"), language=language))
    assert label("en", "statement.title") in page
    assert "€1,250.00" in page


def test_an_empty_period_is_one_page_that_says_so() -> None:
    (page,) = drawn(statement([]))
    assert label("en", "statement.empty") in page
    assert page.count("€1,250.00") == 2  # opening and closing


def test_an_overlong_description_wraps_to_two_lines_and_ends_with_an_ellipsis() -> None:
    words = " ".join(f"word{index}" for index in range(80))
    (page,) = drawn(statement([words, "x" * 300]))
    lines = [text for text in page if text.startswith("word")]
    assert len(lines) == 2
    assert lines[1].endswith("…")
    assert words.startswith(f"{lines[0]} {lines[1].removesuffix('…')}")
    (cut,) = [text for text in page if text.startswith("xxx")]
    assert cut.endswith("…")


def test_dates_are_the_customers_and_lines_go_in_booking_order() -> None:
    late = StatementLine(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Late", Money(-500, "EUR"))
    early = StatementLine(datetime(2026, 3, 1, 8, 0, tzinfo=UTC), "Early", Money(1_000, "EUR"))
    subject = dataclasses.replace(
        statement([]), lines=(late, early), closing=Money(125_500, "EUR")
    )
    (page,) = drawn(subject)
    assert page.index("Early") < page.index("Late")
    assert page[page.index("Late") + 2 :][:2] == ["02/03/2026", "€1,255.00"]  # Prague's day


def test_the_same_statement_gives_the_same_png_bytes() -> None:
    assert statement_pages(month("cs"))[0].content == statement_pages(month("cs"))[0].content


@pytest.mark.parametrize("language", ["en", "uk"])
def test_first_pages_match_their_goldens(language: str) -> None:
    (page,) = statement_pages(month(language))
    assert_matches_golden(page.content, f"statement_{language}_p1.png")


# -- what is refused ------------------------------------------------------------------------

RENDERERS: list[Callable[[Statement], object]] = [statement_pages, statement_pdf]


@pytest.mark.parametrize("render", RENDERERS)
def test_balances_that_do_not_add_up_are_refused(render: Callable[[Statement], object]) -> None:
    subject = month("en")
    wrong = dataclasses.replace(subject, closing=Money(subject.closing.minor + 1, "EUR"))
    with pytest.raises(InvalidDocument):
        render(wrong)


@pytest.mark.parametrize("render", RENDERERS)
def test_mixed_currencies_are_refused(render: Callable[[Statement], object]) -> None:
    subject = month("en")
    koruny = StatementLine(START, "Koruny", Money(0, "CZK"))
    with pytest.raises(InvalidDocument):
        render(dataclasses.replace(subject, lines=(*subject.lines, koruny)))


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    subject = dataclasses.replace(statement([]), period_end=date(2026, 2, 28))
    with pytest.raises(InvalidDocument):
        statement_pdf(subject)


def test_a_moment_without_a_time_zone_is_refused() -> None:
    naive = StatementLine(datetime(2026, 3, 2, 9, 0), "Naive", Money(0, "EUR"))  # noqa: DTZ001
    with pytest.raises(InvalidDocument):
        statement_pages(dataclasses.replace(statement([]), lines=(naive,)))


@pytest.mark.parametrize("render", RENDERERS)
def test_more_lines_than_the_limit_are_refused(render: Callable[[Statement], object]) -> None:
    line = StatementLine(START, "Coffee", Money(0, "EUR"))
    subject = dataclasses.replace(statement([]), lines=(line,) * (MAX_LINES + 1))
    with pytest.raises(SizeRefused):
        render(subject)


@pytest.mark.parametrize("width", [100, 100_000])
def test_absurd_widths_are_refused(width: int) -> None:
    with pytest.raises(SizeRefused):
        statement_pages(month("en"), width=width)


# -- pagination ----------------------------------------------------------------------------


def test_the_last_page_keeps_a_row_beside_the_totals() -> None:
    checked = ledger(payments(7))
    pages = paginate(checked, [1.0] * 7, first=3, other=4, summary=2)
    assert [len(page.rows) for page in pages] == [3, 3, 1]
    assert [(page.number, page.count) for page in pages] == [(1, 3), (2, 3), (3, 3)]
    assert pages[-1].rows[-1].balance == checked.statement.closing
