"""Every biller's schema, as chat and API input meet it: valid details, a mistyped check
digit, an amount out of bounds, an unknown field, a missing field, each with its code."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.bills.catalogue import Biller, Category, FieldKind, default, load
from core.bills.errors import BillerNotFound
from core.bills.schema import FIELD_CODES, FieldError

CATALOGUE = default()
BILLERS = CATALOGUE.billers()


def _ids(billers: list[Biller]) -> list[str]:
    return [b.id for b in billers]


def _valid_amount(biller: Biller) -> int:
    if biller.amount.choices:
        return biller.amount.choices[0]
    assert biller.amount.min is not None
    return biller.amount.min


def _example(biller: Biller, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {f.name: f.example for f in biller.fields}
    values["amount"] = _valid_amount(biller)
    values.update(changes)
    return values


def _mistyped(value: str) -> str:
    """The value with its last digit changed: what a slip of the finger does."""
    digits = [c for c in value if c.isdigit()]
    last = digits[-1]
    head = value[: value.rindex(last)]
    return head + str((int(last) + 1) % 10) + value[value.rindex(last) + 1 :]


def test_the_catalogue_has_several_billers_in_every_category() -> None:
    for category in Category:
        assert len(CATALOGUE.billers(category=category.value)) >= 3, category
    assert {b.currency for b in BILLERS} >= {"CZK", "EUR"}
    assert {b.country for b in BILLERS} >= {"CZ", "SK"}
    assert any(b.fee > 0 for b in BILLERS)
    assert any(b.amount.choices for b in BILLERS)


def test_billers_can_be_listed_by_country_and_category() -> None:
    slovak_mobile = CATALOGUE.billers(category="mobile", country="sk")
    assert _ids(slovak_mobile) == ["sk-tatra-mobil"]
    with pytest.raises(BillerNotFound):
        CATALOGUE.get("cz-nobody")


@pytest.mark.parametrize("biller", BILLERS, ids=_ids(BILLERS))
def test_the_examples_and_a_valid_amount_pass_and_come_back_normalized(biller: Biller) -> None:
    result = biller.validate(_example(biller))
    assert result.ok, result.errors
    assert result.values["amount"] == _valid_amount(biller)
    for f in biller.fields:
        normalized = result.values[f.name]
        assert isinstance(normalized, str)
        assert " " not in normalized
        if f.kind is FieldKind.PHONE:
            assert normalized.startswith("+")


@pytest.mark.parametrize("biller", BILLERS, ids=_ids(BILLERS))
def test_a_mistyped_digit_is_caught(biller: Biller) -> None:
    f = biller.fields[0]
    result = biller.validate(_example(biller, **{f.name: _mistyped(f.example)}))
    expected = {
        FieldKind.PHONE: {"PHONE_INVALID", "PHONE_NOT_MOBILE", "PHONE_WRONG_COUNTRY"},
        FieldKind.NUMBER: {"CHECK_DIGIT_INVALID"},
    }
    if f.kind is FieldKind.PLATE:  # a plate has no check digit: its format is the rule
        result = biller.validate(_example(biller, **{f.name: "1AB-23?5"}))
        expected[FieldKind.PLATE] = {"FIELD_FORMAT"}
    if f.kind is FieldKind.PHONE:  # a digit short is what a phone's rules catch
        result = biller.validate(_example(biller, **{f.name: f.example[:-2]}))
    assert [e.field for e in result.errors] == [f.name]
    assert result.errors[0].code in expected[f.kind]
    assert result.values == {}


@pytest.mark.parametrize("biller", BILLERS, ids=_ids(BILLERS))
def test_an_amount_out_of_bounds_is_refused(biller: Biller) -> None:
    rule = biller.amount
    if rule.choices:
        cases = [(max(rule.choices) + 1, "AMOUNT_NOT_ALLOWED")]
    else:
        assert rule.min is not None
        assert rule.max is not None
        cases = [(rule.min - 1, "AMOUNT_TOO_LOW"), (rule.max + 1, "AMOUNT_TOO_HIGH")]
    cases.append((0, "AMOUNT_TOO_LOW" if not rule.choices else "AMOUNT_NOT_ALLOWED"))
    for amount, code in cases:
        result = biller.validate(_example(biller, amount=amount))
        assert result.errors == (FieldError("amount", code),), amount


@pytest.mark.parametrize("biller", BILLERS, ids=_ids(BILLERS))
def test_an_unknown_field_is_refused(biller: Biller) -> None:
    result = biller.validate(_example(biller, iban="CZ65 0800 0000 1920 0014 5399"))
    assert result.errors == (FieldError("iban", "FIELD_UNKNOWN"),)


@pytest.mark.parametrize("biller", BILLERS, ids=_ids(BILLERS))
def test_a_missing_field_or_amount_is_refused(biller: Biller) -> None:
    values = _example(biller)
    del values[biller.fields[0].name]
    del values["amount"]
    result = biller.validate(values)
    assert set(result.errors) == {
        FieldError(biller.fields[0].name, "FIELD_REQUIRED"),
        FieldError("amount", "FIELD_REQUIRED"),
    }


@pytest.mark.parametrize("biller", BILLERS, ids=_ids(BILLERS))
def test_empty_and_mistyped_values_have_their_own_codes(biller: Biller) -> None:
    name = biller.fields[0].name
    assert biller.validate(_example(biller, **{name: ""})).errors == (
        FieldError(name, "FIELD_EMPTY"),
    )
    assert biller.validate(_example(biller, **{name: 601123456})).errors == (
        FieldError(name, "FIELD_TYPE"),
    )
    assert biller.validate(_example(biller, amount="100")).errors == (
        FieldError("amount", "FIELD_TYPE"),
    )
    assert biller.validate(_example(biller, amount=True)).errors == (
        FieldError("amount", "FIELD_TYPE"),
    )


def test_a_chat_can_check_one_field_at_a_time() -> None:
    biller = CATALOGUE.get("cz-bohemia-mobile")
    partial = biller.validate({"phone": "601 123 456"}, partial=True)
    assert partial.ok
    assert partial.values == {"phone": "+420601123456"}
    assert biller.validate({"phone": "+420 212 345 678"}, partial=True).errors == (
        FieldError("phone", "PHONE_NOT_MOBILE"),
    )


def test_a_phone_of_another_country_is_refused_for_a_billers_country() -> None:
    czech = CATALOGUE.get("cz-bohemia-mobile")
    result = czech.validate({"phone": "+421 905 123 456", "amount": 10000})
    assert result.errors == (FieldError("phone", "PHONE_WRONG_COUNTRY"),)


def test_the_errors_fit_on_one_line_for_an_error_response() -> None:
    biller = CATALOGUE.get("cz-praha-power")
    result = biller.validate({"customer_number": "12", "amount": 1})
    assert result.codes() == "amount:AMOUNT_TOO_LOW;customer_number:FIELD_FORMAT"
    assert {e.code for e in result.errors} <= FIELD_CODES


def test_a_plate_is_upper_cased_and_compacted() -> None:
    biller = CATALOGUE.get("cz-motorway-vignette")
    result = biller.validate({"plate": "1ab 2345", "amount": 27000})
    assert result.values["plate"] == "1AB2345"


@pytest.mark.parametrize(
    ("snippet", "problem"),
    [
        ('id = "Bad Id"', "not like"),
        ('check_with = "crc32"', "crc32"),
        ('example = "3982597910"', "example"),
        ('currency = "XYZ"', "currency"),
        ("fee_minor = -5", "minor units"),
        ('category = "groceries"', "groceries"),
    ],
)
def test_a_broken_catalogue_is_refused_when_loaded(
    tmp_path: Path, snippet: str, problem: str
) -> None:
    key = snippet.split(" = ")[0]
    good = {
        "id": 'id = "cz-praha-power"',
        "check_with": 'check_with = "mod11"',
        "example": 'example = "3982597918"',
        "currency": 'currency = "CZK"',
        "fee_minor": "fee_minor = 500",
        "category": 'category = "utilities"',
    }
    text = f"""
[[billers]]
{good["id"] if key != "id" else snippet}
name = "Praha Power"
{good["category"] if key != "category" else snippet}
country = "CZ"
{good["currency"] if key != "currency" else snippet}
{good["fee_minor"] if key != "fee_minor" else snippet}
amount = {{ min = 100, max = 1000 }}

[billers.fields.customer_number]
kind = "number"
mask = "tail"
{good["example"] if key != "example" else snippet}
rules = {{ type = "string", required = true, regex = "[0-9]{{10}}", \
{good["check_with"] if key != "check_with" else snippet} }}
"""
    path = tmp_path / "catalogue.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=problem):
        load(path)


def test_the_same_biller_cannot_be_listed_twice(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[2] / "core" / "bills" / "catalogue.toml"
    text = shipped.read_text()
    path = tmp_path / "catalogue.toml"
    path.write_text(text + "\n" + text[text.index("[[billers]]") :])
    with pytest.raises(ValueError, match="twice"):
        load(path)
