"""A statement's content before it is drawn: checked, sorted, running balances, totals, and
cut into pages. The PNG and the PDF share this, so both show the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from render.documents import Statement, StatementLine
from render.errors import InvalidDocument, SizeRefused
from render.formatting import Money, day

# A year of a busy business account; beyond this the caller wants an export, not a picture.
MAX_LINES = 20_000


@dataclass(frozen=True, slots=True)
class Row:
    """One transaction as a statement prints it."""

    day: date  # the booking day in the customer's time zone
    description: str
    amount: Money
    balance: Money  # after this transaction


@dataclass(frozen=True, slots=True)
class Ledger:
    """A checked statement: rows in booking order with their running balances."""

    statement: Statement
    rows: tuple[Row, ...]
    money_in: Money
    money_out: Money  # negative or zero, so opening + in + out = closing reads as written


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # from 1
    count: int
    start: int  # the index of the page's first row in the ledger
    rows: tuple[Row, ...]

    @property
    def first(self) -> bool:
        return self.number == 1

    @property
    def last(self) -> bool:
        return self.number == self.count


def ledger(statement: Statement) -> Ledger:
    """``statement`` checked and in booking order; ``SizeRefused`` past ``MAX_LINES``,
    ``InvalidDocument`` when it cannot be printed honestly."""
    if len(statement.lines) > MAX_LINES:
        raise SizeRefused("too many statement lines", lines=len(statement.lines), limit=MAX_LINES)
    if statement.period_start > statement.period_end:
        raise InvalidDocument(
            "a period ends after it starts", start=statement.period_start, end=statement.period_end
        )
    zone = _time_zone(statement.timezone)
    _check_moments(statement)
    _check_currency(statement)
    # sorted() is stable: lines booked at the same moment keep the bank's order.
    lines = sorted(statement.lines, key=lambda line: line.booked_at)
    rows = _running(lines, statement.opening, zone)
    balance = rows[-1].balance if rows else statement.opening
    if balance != statement.closing:
        raise InvalidDocument(
            "the closing balance is not the opening plus the transactions",
            expected=balance.minor,
            closing=statement.closing.minor,
        )
    currency, exponent = statement.opening.currency, statement.opening.exponent
    money_in = sum(row.amount.minor for row in rows if row.amount.minor > 0)
    money_out = sum(row.amount.minor for row in rows if row.amount.minor < 0)
    return Ledger(
        statement, rows, Money(money_in, currency, exponent), Money(money_out, currency, exponent)
    )


def _time_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidDocument("an unknown time zone", timezone=name) from exc


def _check_moments(statement: Statement) -> None:
    """Naive moments cannot be put in the customer's day, nor sorted against aware ones."""
    moments = [line.booked_at for line in statement.lines]
    if statement.generated_at is not None:
        moments.append(statement.generated_at)
    if any(moment.tzinfo is None or moment.utcoffset() is None for moment in moments):
        raise InvalidDocument("a statement's moments need their time zone")


def _check_currency(statement: Statement) -> None:
    unit = (statement.opening.currency, statement.opening.exponent)
    amounts = [statement.closing, *(line.amount for line in statement.lines)]
    for amount in amounts:
        if (amount.currency, amount.exponent) != unit:
            raise InvalidDocument(
                "a statement is in one currency",
                currency=amount.currency,
                expected=statement.opening.currency,
            )


def _running(lines: Sequence[StatementLine], opening: Money, zone: tzinfo) -> tuple[Row, ...]:
    rows = []
    minor = opening.minor
    for line in lines:
        minor += line.amount.minor
        balance = Money(minor, opening.currency, opening.exponent)
        day = line.booked_at.astimezone(zone).date()
        rows.append(Row(day, line.description, line.amount, balance))
    return tuple(rows)


def paginate(
    ledger: Ledger, heights: Sequence[float], *, first: float, other: float, summary: float
) -> list[Page]:
    """The ledger's rows cut into pages. ``heights`` are the rows' heights, ``first`` and
    ``other`` the room for rows on the first page (under the header) and on the others,
    ``summary`` the room the closing balance and totals take on the last page, all in one
    unit. The last page keeps at least one row when there are any, so totals never stand
    alone on a page that looks like an empty statement."""
    if len(heights) != len(ledger.rows):
        raise ValueError("one height per row")
    cuts = _cuts(heights, first, other, summary)
    return [
        Page(number, len(cuts), start, ledger.rows[start:end])
        for number, (start, end) in enumerate(cuts, start=1)
    ]


def _cuts(
    heights: Sequence[float], first: float, other: float, summary: float
) -> list[tuple[int, int]]:
    count = len(heights)
    cuts: list[tuple[int, int]] = []
    start, room = 0, first
    while True:
        end = _fill(heights, start, room - summary)
        if end == count:
            cuts.append((start, end))
            return cuts
        # Everything left may fit without the summary: leave one row for the last page.
        # A row taller than a page still gets a page of its own, so the loop always ends.
        end = max(min(_fill(heights, start, room), count - 1), start + 1)
        cuts.append((start, end))
        start, room = end, other


def _fill(heights: Sequence[float], start: int, room: float) -> int:
    """The end of the longest run of rows from ``start`` that fits in ``room``."""
    end, used = start, 0.0
    while end < len(heights) and used + heights[end] <= room:
        used += heights[end]
        end += 1
    return end


def stem(statement: Statement) -> str:
    """The file name shared by a statement's pages and document, without page or suffix."""
    return f"statement-{statement.period_start.isoformat()}-{statement.period_end.isoformat()}"


def period(statement: Statement, language: str) -> str:
    return f"{day(statement.period_start, language)} – {day(statement.period_end, language)}"
