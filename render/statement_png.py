"""A statement as PNG pages sized for a phone screen (9:16, 1080 px wide by default).

Every length below is in pixels at the 1080 px design width and scaled with the width
asked for, so a page looks the same at any size; body text is 34 px and the smallest text
30 px at 1080, which reads without zooming on a phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from render.documents import Statement
from render.fonts import Weight, drawable, font
from render.formatting import moment, money, short_day
from render.locales import label, resolve
from render.output import Rendered, check_width, png
from render.sheet import Colour, Sheet
from render.statement_layout import Ledger, Page, Row, ledger, paginate, period, stem
from render.text import wrap

BASE_WIDTH = 1080
BASE_HEIGHT = 1920  # 9:16, a phone screen held upright

MARGIN = 64
CONTENT = BASE_WIDTH - 2 * MARGIN
TITLE, HEADING, BODY, SMALL = 60, 40, 34, 30
DESCRIPTION_LINES = 2
LEADING = 44  # one description line
SMALL_STEP = 40  # the date and balance line under the description
ROW_PAD = 18
GAP = 24  # between the description and the amount
MIN_DESCRIPTION = 0.4 * CONTENT  # an absurd amount still leaves the description this much

FIRST_ROWS_TOP = 520  # under the title, the account block and the column labels
ROWS_TOP = 220  # under the running title and the column labels
ROWS_BOTTOM = BASE_HEIGHT - 110  # above the footer
SUMMARY = 224  # the closing box, with the gap above it

INK: Colour = (20, 24, 31)
MUTED: Colour = (88, 99, 114)  # 6:1 against white
NAVY: Colour = (27, 58, 92)
GREEN: Colour = (11, 122, 62)
RULE: Colour = (226, 230, 236)
PANEL: Colour = (243, 245, 248)
WHITE: Colour = (255, 255, 255)


@dataclass(frozen=True, slots=True)
class _Cells:
    """A row's strings, formatted and wrapped once: pagination needs their height."""

    description: tuple[str, ...]
    day: str
    amount: str
    balance: str
    credit: bool

    @property
    def height(self) -> int:
        return 2 * ROW_PAD + len(self.description) * LEADING + SMALL_STEP


@dataclass(frozen=True, slots=True)
class _Pen:
    """Draws on a sheet in design pixels (1080 wide), scaled to the sheet's width."""

    sheet: Sheet
    factor: float

    def px(self, value: float) -> int:
        return round(value * self.factor)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: int,
        *,
        weight: Weight = Weight.REGULAR,
        fill: Colour = INK,
        anchor: str = "la",
        room: float | None = None,
    ) -> float:
        """One line, cut with ``…`` past ``room``; returns its width in design pixels."""
        used = self.sheet.text(
            (self.px(x), self.px(y)),
            text,
            self.px(size),
            weight=weight,
            fill=fill,
            anchor=anchor,
            max_width=None if room is None else self.px(room),
        )
        return used / self.factor

    def rule(self, y: float, weight: int) -> None:
        top = self.px(y)
        bottom = top + max(1, self.px(weight)) - 1
        box = (self.px(MARGIN), top, self.px(BASE_WIDTH - MARGIN) - 1, bottom)
        self.sheet.draw.rectangle(box, fill=RULE)


def statement_pages(statement: Statement, *, width: int = 1080) -> list[Rendered]:
    """The statement as PNG pages ``statement-<start>-<end>-p<n>.png``."""
    name = stem(statement)
    return [
        png(sheet.image, f"{name}-p{number}.png")
        for number, sheet in enumerate(statement_sheets(statement, width=width), start=1)
    ]


def statement_sheets(statement: Statement, *, width: int = 1080) -> Iterator[Sheet]:
    """The pages as drawn, with the strings each one carries (the tests read them).

    The statement is checked and paginated now; pages are drawn as they are taken, so a
    long statement never holds all its pictures (6 MB each at 1080 px) at once."""
    factor = check_width(width) / BASE_WIDTH
    checked = ledger(statement)
    language = resolve(statement.language)
    cells = [_cells(row, language, factor) for row in checked.rows]
    pages = paginate(
        checked,
        [cell.height for cell in cells],
        first=ROWS_BOTTOM - FIRST_ROWS_TOP,
        other=ROWS_BOTTOM - ROWS_TOP,
        summary=SUMMARY,
    )
    return (
        _page(checked, page, cells[page.start : page.start + len(page.rows)], language, width)
        for page in pages
    )


def _cells(row: Row, language: str, factor: float) -> _Cells:
    amount = money(row.amount, language, signed=True)
    amount_width = font(Weight.SEMIBOLD, round(BODY * factor)).getlength(amount) / factor
    room = max(MIN_DESCRIPTION, CONTENT - amount_width - GAP)
    face = font(Weight.REGULAR, round(BODY * factor))
    lines = wrap(drawable(row.description), face, round(room * factor), DESCRIPTION_LINES)
    return _Cells(
        tuple(lines) or ("",),
        short_day(row.day, language),
        amount,
        money(row.balance, language),
        row.amount.minor > 0,
    )


def _page(checked: Ledger, page: Page, cells: list[_Cells], language: str, width: int) -> Sheet:
    factor = width / BASE_WIDTH
    pen = _Pen(Sheet.blank(width, round(BASE_HEIGHT * factor), WHITE), factor)
    _frame(pen, language, page.first)
    statement = checked.statement
    if page.first:
        _account(pen, checked, language)
    else:
        title = label(language, "statement.title")
        pen.text(MARGIN, 56, title, HEADING, weight=Weight.SEMIBOLD, fill=NAVY, room=CONTENT / 2)
        right = BASE_WIDTH - MARGIN
        when = period(statement, language)
        pen.text(right, 62, when, SMALL, fill=MUTED, anchor="ra", room=CONTENT / 2)
    y = FIRST_ROWS_TOP if page.first else ROWS_TOP
    for cell in cells:
        _row(pen, cell, y)
        y += cell.height
    if not checked.rows:
        empty = label(language, "statement.empty")
        pen.text(MARGIN, y + ROW_PAD, empty, BODY, fill=MUTED, room=CONTENT)
        y += 2 * ROW_PAD + LEADING
    if page.last:
        _summary(pen, checked, language, y + GAP)
    _footer(pen, statement, page, language)
    return pen.sheet


def _frame(pen: _Pen, language: str, first: bool) -> None:
    """The accent bar, the column labels and the footer rule. (Drawing them costs under a
    millisecond: caching the blank page per size would save nothing and hold megabytes.)"""
    pen.sheet.draw.rectangle((0, 0, pen.sheet.image.width, pen.px(12)), fill=NAVY)
    top = (FIRST_ROWS_TOP if first else ROWS_TOP) - 96
    for y, left, right in ((top, "description", "amount"), (top + 38, "date", "balance")):
        name = label(language, f"statement.{left}")
        pen.text(MARGIN, y, name, SMALL, fill=MUTED, room=CONTENT / 2)
        name = label(language, f"statement.{right}")
        pen.text(BASE_WIDTH - MARGIN, y, name, SMALL, fill=MUTED, anchor="ra", room=CONTENT / 2)
    pen.rule(top + 84, weight=2)
    pen.rule(ROWS_BOTTOM + 20, weight=2)


def _account(pen: _Pen, checked: Ledger, language: str) -> None:
    statement = checked.statement
    title = label(language, "statement.title")
    pen.text(MARGIN, 64, title, TITLE, weight=Weight.BOLD, fill=NAVY, room=CONTENT)
    pairs = (
        ("statement.holder", statement.holder, Weight.SEMIBOLD),
        ("statement.account", statement.account, Weight.SEMIBOLD),
        ("statement.period", period(statement, language), Weight.SEMIBOLD),
        ("statement.opening", money(statement.opening, language), Weight.BOLD),
    )
    for index, (key, value, weight) in enumerate(pairs):
        _pair(pen, 212 + index * 56, label(language, key), value, weight)


def _pair(pen: _Pen, baseline: float, name: str, value: str, weight: Weight) -> None:
    """A label on the left and its value on the right, on one baseline."""
    used = pen.text(MARGIN, baseline, name, SMALL, fill=MUTED, anchor="ls", room=CONTENT / 2)
    right = BASE_WIDTH - MARGIN
    pen.text(right, baseline, value, BODY, weight=weight, anchor="rs", room=CONTENT - GAP - used)


def _row(pen: _Pen, cell: _Cells, top: float) -> None:
    y = top + ROW_PAD
    right = BASE_WIDTH - MARGIN
    for index, line in enumerate(cell.description):
        pen.text(MARGIN, y + index * LEADING, line, BODY)
    colour = GREEN if cell.credit else INK
    pen.text(right, y, cell.amount, BODY, weight=Weight.SEMIBOLD, fill=colour, anchor="ra")
    below = y + len(cell.description) * LEADING + 2
    pen.text(MARGIN, below, cell.day, SMALL, fill=MUTED)
    pen.text(right, below, cell.balance, SMALL, fill=MUTED, anchor="ra")
    pen.rule(top + cell.height - 1, weight=1)


def _summary(pen: _Pen, checked: Ledger, language: str, top: float) -> None:
    """Money in, money out and the closing balance in a panel under the last row."""
    box = (
        pen.px(MARGIN - 16),
        pen.px(top),
        pen.px(BASE_WIDTH - MARGIN + 16),
        pen.px(top + SUMMARY - GAP),
    )
    pen.sheet.draw.rounded_rectangle(box, radius=pen.px(20), fill=PANEL)
    lines = (
        (60, "statement.money_in", checked.money_in, Weight.SEMIBOLD),
        (108, "statement.money_out", checked.money_out, Weight.SEMIBOLD),
        (166, "statement.closing", checked.statement.closing, Weight.BOLD),
    )
    for offset, key, amount, weight in lines:
        _pair(pen, top + offset, label(language, key), money(amount, language), weight)


def _footer(pen: _Pen, statement: Statement, page: Page, language: str) -> None:
    middle = (ROWS_BOTTOM + 20 + BASE_HEIGHT) / 2
    numbering = label(language, "statement.page", page=page.number, pages=page.count)
    used = pen.text(BASE_WIDTH - MARGIN, middle, numbering, SMALL, fill=MUTED, anchor="rm")
    if statement.generated_at is not None:
        when = moment(statement.generated_at, statement.timezone, language)
        generated = label(language, "statement.generated", when=when)
        room = CONTENT - GAP - used
        pen.text(MARGIN, middle, generated, SMALL, fill=MUTED, anchor="lm", room=room)
