"""The referral card: the program's text and a QR code of its deep link."""

from __future__ import annotations

import pytest

from render.errors import InvalidDocument
from render.locales import LANGUAGES
from render.referral import referral_image, referral_sheet
from tests.unit.render.documents import invite
from tests.unit.render.glyphs import missing_glyphs
from tests.unit.render.golden import assert_matches_golden
from tests.unit.render.qr_reader import qr_texts


def test_the_qr_code_opens_the_deep_link() -> None:
    card = invite()
    assert qr_texts(referral_image(card).content) == [card.link]


def test_the_card_shows_the_program_and_the_code() -> None:
    drawn = referral_sheet(invite("uk", title="Запросіть друга", text="Бонус вам обом")).drawn
    assert "Запросіть друга" in drawn
    assert "Бонус вам обом" in drawn
    assert "Відскануйте, щоб приєднатися" in drawn
    assert "Код: TELL7Q2K9X" in drawn


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_glyph(language: str) -> None:
    assert missing_glyphs(referral_sheet(invite(language)).drawn) == set()


def test_a_long_text_is_wrapped_and_ends_with_an_ellipsis() -> None:
    drawn = referral_sheet(invite(text="Invite your friends to Teller today. " * 40)).drawn
    body = [line for line in drawn if line.startswith(("Invite your", "friends", "Teller"))]
    assert 1 < len(body) <= 4 + 2  # four lines of text (and up to two of title)
    assert drawn[drawn.index(body[-1])].endswith("…")


def test_the_referral_card_matches_its_golden() -> None:
    assert_matches_golden(referral_image(invite("cs")).content, "referral_cs.png")


@pytest.mark.parametrize("link", ["javascript:alert(1)", "https://t.me/x?start=" + "a" * 2000])
def test_a_link_that_is_not_a_deep_link_is_refused(link: str) -> None:
    with pytest.raises(InvalidDocument):
        referral_image(invite(link=link))
