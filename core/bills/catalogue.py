"""The catalogue of billers: read from ``catalogue.toml`` shipped with Teller, checked once.

Billers are data, not rows: the catalogue changes with a release (or a file the bank
points ``load`` at), so it is reviewed like code and every schema in it is proven valid
when it is loaded (see docs/decisions/0036). Payments and saved payees keep the biller's
stable ``id``.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.bills import checks
from core.bills.errors import BillerNotFound
from core.bills.schema import AMOUNT, BillValidator, Validation, compile_schema, validate
from core.money import Currency, UnknownCurrency

DEFAULT_PATH = Path(__file__).with_name("catalogue.toml")
_ID = re.compile(r"[a-z]{2}-[a-z0-9-]{2,36}")
_FIELD = re.compile(r"[a-z][a-z0-9_]{0,31}")


class Category(StrEnum):
    MOBILE = "mobile"
    UTILITIES = "utilities"
    TV = "tv"
    INTERNET = "internet"
    TRANSPORT = "transport"


class FieldKind(StrEnum):
    PHONE = "phone"
    NUMBER = "number"
    PLATE = "plate"


class Mask(StrEnum):
    PHONE = "phone"  # +420 •••••• 456
    TAIL = "tail"  # •••• 0125


@dataclass(frozen=True, slots=True)
class BillerField:
    name: str
    kind: FieldKind
    mask: Mask
    example: str
    rules: Mapping[str, Any]

    @property
    def phone_region(self) -> str | None:
        phone = self.rules.get("phone")
        return str(phone["region"]) if isinstance(phone, Mapping) else None


@dataclass(frozen=True, slots=True)
class AmountRule:
    """Bounds in minor units, or fixed choices (a voucher, a pass, a package)."""

    min: int | None = None
    max: int | None = None
    choices: tuple[int, ...] = ()

    def rules(self) -> dict[str, Any]:
        rules: dict[str, Any] = {"type": "integer", "required": True, "min": 1}
        if self.choices:
            rules["allowed"] = list(self.choices)
        if self.min is not None:
            rules["min"] = self.min
        if self.max is not None:
            rules["max"] = self.max
        return rules


@dataclass(frozen=True)
class Biller:
    """Someone customers pay: a mobile operator, a utility, a TV or internet provider…"""

    id: str
    name: str
    category: Category
    country: str
    currency: str
    fee: int  # the biller's convenience fee, minor units
    amount: AmountRule
    fields: tuple[BillerField, ...]
    _validators: dict[bool, BillValidator] = field(default_factory=dict, repr=False, compare=False)

    def schema(self, *, with_amount: bool = True) -> dict[str, Any]:
        """The biller's Cerberus schema: its fields, and the amount unless told otherwise."""
        schema: dict[str, Any] = {f.name: dict(f.rules) for f in self.fields}
        if with_amount:
            schema[AMOUNT] = self.amount.rules()
        return schema

    def validate(
        self, values: Mapping[str, object], *, partial: bool = False, with_amount: bool = True
    ) -> Validation:
        """Check field values (and ``amount`` in minor units); see :func:`schema.validate`."""
        validator = self._validators.get(with_amount)
        if validator is None:
            validator = self._validators[with_amount] = compile_schema(
                self.schema(with_amount=with_amount)
            )
        phones = {f.name: region for f in self.fields if (region := f.phone_region)}
        return validate(validator, values, partial=partial, phones=phones)


class Catalogue:
    """The billers by id, in the order the catalogue lists them."""

    def __init__(self, billers: Iterable[Biller]) -> None:
        self._billers: dict[str, Biller] = {}
        for biller in billers:
            if biller.id in self._billers:
                raise ValueError(f"biller {biller.id} is listed twice")
            self._billers[biller.id] = biller

    def get(self, biller_id: str) -> Biller:
        """The biller, or :class:`BillerNotFound`."""
        biller = self._billers.get(biller_id)
        if biller is None:
            raise BillerNotFound(biller_id=biller_id[:40])
        return biller

    def billers(self, *, category: str | None = None, country: str | None = None) -> list[Biller]:
        """The billers, optionally of one category and one country."""
        return [
            b
            for b in self._billers.values()
            if (category is None or b.category == category)
            and (country is None or b.country == country.upper())
        ]


@functools.cache
def default() -> Catalogue:
    """The catalogue shipped with Teller, read once per process."""
    return load(DEFAULT_PATH)


def load(path: Path = DEFAULT_PATH) -> Catalogue:
    """Read and check a catalogue file; ``ValueError`` names the first problem found."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    return Catalogue(_biller(raw) for raw in data.get("billers", []))


def _biller(raw: Mapping[str, Any]) -> Biller:
    biller_id = str(raw.get("id", ""))
    if not _ID.fullmatch(biller_id):
        raise ValueError(f"biller id {biller_id!r} is not like cz-some-name")
    try:
        amount = raw["amount"]
        fields = tuple(_field(name, spec) for name, spec in raw["fields"].items())
        biller = Biller(
            id=biller_id,
            name=str(raw["name"]),
            category=Category(raw["category"]),
            country=str(raw["country"]),
            currency=Currency.of(raw["currency"]).code,
            fee=_minor(raw.get("fee_minor", 0)),
            amount=AmountRule(
                min=amount.get("min"),
                max=amount.get("max"),
                choices=tuple(_minor(c) for c in amount.get("choices", ())),
            ),
            fields=fields,
        )
        if not fields:
            raise ValueError("a biller needs at least one field")
        for f in fields:  # each example passes, so the schema is valid and satisfiable
            if not biller.validate({f.name: f.example}, partial=True).ok:
                raise ValueError(f"the example of {f.name} does not pass its rules")
    except (KeyError, TypeError, ValueError, UnknownCurrency) as exc:
        raise ValueError(f"biller {biller_id}: {exc}") from exc
    return biller


def _field(name: str, spec: Mapping[str, Any]) -> BillerField:
    if not _FIELD.fullmatch(name) or name == AMOUNT:
        raise ValueError(f"field name {name!r} is not allowed")
    rules = dict(spec["rules"])
    phone = rules.get("phone")
    if phone is not None and not set(phone.get("types", ())) <= checks.PHONE_TYPES:
        raise ValueError(f"field {name}: unknown phone types")
    return BillerField(
        name=name,
        kind=FieldKind(spec["kind"]),
        mask=Mask(spec["mask"]),
        example=str(spec["example"]),
        rules=rules,
    )


def _minor(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("amounts and fees are whole minor units, zero or more")
    return value
