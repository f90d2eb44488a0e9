"""The card picture: the tier's design, the last four digits, never the CVV."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from PIL import Image

from render.card import card_image, card_reveal, card_sheet
from render.documents import CardFace
from render.errors import InvalidDocument, SizeRefused
from render.locales import LANGUAGES
from tests.unit.render.documents import face
from tests.unit.render.glyphs import missing_glyphs
from tests.unit.render.golden import assert_matches_golden


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_draws_a_card_that_matches_its_golden(language: str) -> None:
    picture = card_image(face(language))
    assert picture.media_type == "image/png"
    assert (picture.width, picture.height) == (1012, 638)
    assert_matches_golden(picture.content, f"card_{language}.png")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_character_on_a_card_has_a_glyph(language: str) -> None:
    assert missing_glyphs(card_sheet(face(language)).drawn) == set()


def test_a_card_shows_only_the_last_four_digits() -> None:
    drawn = " ".join(card_sheet(face()).drawn)
    assert "4242" in drawn
    assert "••••" in drawn
    assert "JANE DOE" in drawn
    assert "03/29" in drawn


def test_the_reveal_picture_shows_the_full_number_of_that_card_only() -> None:
    revealed = card_reveal(face(), "4000 0566 5566 4242")
    assert revealed.filename == "card.png"  # nothing of the number in its name
    with pytest.raises(InvalidDocument):
        card_reveal(face(), "4000 0566 5566 1111")
    with pytest.raises(InvalidDocument):
        card_reveal(face(), "not a number 4242")


def test_the_same_card_gives_the_same_bytes() -> None:
    assert card_image(face("cs")).content == card_image(face("cs")).content


def test_an_overlong_name_ends_with_an_ellipsis_inside_the_card() -> None:
    sheet = card_sheet(face(holder="Maximiliana Alexandrovna " * 8))
    [holder] = [line for line in sheet.drawn if line.startswith("MAXIMILIANA")]
    assert holder.endswith("…")
    assert len(holder) < 60


def test_an_unknown_tier_looks_standard_and_an_unknown_locale_speaks_english() -> None:
    unknown = card_image(face(tier="platinum-x", language="de"))
    standard = card_image(face(tier="standard", language="en"))
    assert unknown.content == standard.content


def test_tiers_have_their_own_designs() -> None:
    digital = Image.open(io.BytesIO(card_image(face(tier="digital")).content))
    premium = Image.open(io.BytesIO(card_image(face(tier="premium")).content))
    assert digital.getpixel((5, 5)) != premium.getpixel((5, 5))


@pytest.mark.parametrize(
    "changes",
    [
        {"last4": "42"},
        {"last4": "abcd"},
        {"expiry_month": 13},
        {"expiry_year": 1999},
        {"holder": "  "},
    ],
)
def test_a_card_that_cannot_exist_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidDocument):
        card_image(face(**changes))


@pytest.mark.parametrize("width", [0, 100, 5_000, 100_000])
def test_absurd_sizes_are_refused_with_a_clear_error(width: int) -> None:
    with pytest.raises(SizeRefused) as refused:
        card_image(face(), width=width)
    assert refused.value.code == "render_size_refused"
    assert "320 to 4096" in str(refused.value)


def test_a_card_scales_to_the_width_asked_for() -> None:
    small = card_image(face(), width=506)
    assert (small.width, small.height) == (506, 319)


def test_a_card_face_has_no_place_for_a_cvv() -> None:
    names = {field.name for field in dataclasses.fields(CardFace)}
    assert not names & {"cvv", "cvc", "number", "pan", "pin"}
