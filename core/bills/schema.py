"""Validating what a customer typed for a biller, with the biller's Cerberus schema.

One function, :func:`validate`, serves chat and API alike: it takes the field values as
given (text from a chat, JSON from the API) plus the amount in minor units, and answers the
normalized values or one error per field with a stable code. Flows localize the codes;
nothing here holds user-facing text.

Besides Cerberus's own rules the schemas use ``phone`` (a valid number of a region, of the
given types, read with libphonenumber), ``check_with`` naming a check-digit rule from
:mod:`core.bills.checks`, and the coercions ``compact`` and ``upper``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cerberus import SchemaError, TypeDefinition, Validator, errors

from core.bills import checks

AMOUNT = "amount"
"""The schema's key for the amount (minor units); never a field's name."""

_COMPACT = re.compile(r"[\s\-./]")

# Cerberus's error codes → Teller's stable codes, and which one wins when a field breaks
# several rules (the earlier in this list: "missing" before "badly formed" before "wrong
# check digit" before "out of bounds").
_CODES: tuple[tuple[int, str], ...] = (
    (errors.REQUIRED_FIELD.code, "FIELD_REQUIRED"),
    (errors.NOT_NULLABLE.code, "FIELD_REQUIRED"),
    (errors.UNKNOWN_FIELD.code, "FIELD_UNKNOWN"),
    (errors.BAD_TYPE.code, "FIELD_TYPE"),
    (errors.COERCION_FAILED.code, "FIELD_TYPE"),
    (errors.EMPTY_NOT_ALLOWED.code, "FIELD_EMPTY"),
    (errors.MIN_LENGTH.code, "FIELD_FORMAT"),
    (errors.MAX_LENGTH.code, "FIELD_FORMAT"),
    (errors.REGEX_MISMATCH.code, "FIELD_FORMAT"),
)
_AMOUNT_CODES = {
    errors.MIN_VALUE.code: "AMOUNT_TOO_LOW",
    errors.MAX_VALUE.code: "AMOUNT_TOO_HIGH",
    errors.UNALLOWED_VALUE.code: "AMOUNT_NOT_ALLOWED",
}
_RANK = {code: rank for rank, (_, code) in reversed(list(enumerate(_CODES)))}
FIELD_CODES = frozenset(
    {
        *(code for _, code in _CODES),
        *_AMOUNT_CODES.values(),
        "FIELD_INVALID",
        "CHECK_DIGIT_INVALID",
        "PHONE_INVALID",
        "PHONE_WRONG_COUNTRY",
        "PHONE_NOT_MOBILE",
        "PHONE_WRONG_TYPE",
    }
)
"""Every code :func:`validate` may give, for flows to have a message for each."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field's problem: the field's name (or ``amount``) and a stable upper-case code."""

    field: str
    code: str


@dataclass(frozen=True, slots=True)
class Validation:
    """Normalized values when ``errors`` is empty; otherwise what is wrong, field by field."""

    values: Mapping[str, Any]
    errors: tuple[FieldError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> str:
        """The errors in one line (``phone:PHONE_INVALID;amount:AMOUNT_TOO_LOW``)."""
        return ";".join(f"{e.field}:{e.code}" for e in self.errors)


class BillValidator(Validator):  # type: ignore[misc]  # Cerberus is untyped
    """Cerberus with the rules billers need (see the module docstring)."""

    # A bool is an int to Python, never an amount to a bank.
    types_mapping: ClassVar[dict[str, Any]] = {
        **Validator.types_mapping,
        "integer": TypeDefinition("integer", (int,), (bool,)),
    }

    def _normalize_coerce_compact(self, value: object) -> object:
        return _COMPACT.sub("", value) if isinstance(value, str) else value

    def _normalize_coerce_upper(self, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def _validate_phone(self, constraint: Mapping[str, Any], field: str, value: object) -> None:
        """{'type': 'dict', 'schema': {
        'region': {'type': 'string', 'required': True, 'regex': '[A-Z]{2}'},
        'types': {'type': 'list', 'allowed': ['mobile', 'fixed_line']}}}"""
        if isinstance(value, str) and value:
            problem = checks.phone_problem(
                value, constraint["region"], constraint.get("types", ())
            )
            if problem is not None:
                self._error(field, problem)

    def _check_digits(self, rule: str, field: str, value: object) -> None:
        # A value that is not all digits already failed its regex: one error is enough.
        digits = isinstance(value, str) and value.isascii() and value.isdigit()
        if digits and not checks.CHECKS[rule](str(value)):
            self._error(field, "CHECK_DIGIT_INVALID")

    def _check_with_luhn(self, field: str, value: object) -> None:
        self._check_digits("luhn", field, value)

    def _check_with_mod10_weighted(self, field: str, value: object) -> None:
        self._check_digits("mod10_weighted", field, value)

    def _check_with_mod11(self, field: str, value: object) -> None:
        self._check_digits("mod11", field, value)

    def _check_with_mod97(self, field: str, value: object) -> None:
        self._check_digits("mod97", field, value)


def compile_schema(schema: Mapping[str, Any]) -> BillValidator:
    """A validator for ``schema``; ``ValueError`` saying why if the schema is malformed."""
    try:
        return BillValidator(dict(schema))
    except SchemaError as exc:
        raise ValueError(f"the schema is not valid: {exc}") from exc


def validate(
    validator: BillValidator,
    values: Mapping[str, object],
    *,
    partial: bool = False,
    phones: Mapping[str, str] | None = None,
) -> Validation:
    """Check ``values`` against the validator's schema.

    ``partial`` checks only the fields present (a chat collects them one at a time).
    ``phones`` maps phone fields to their region; valid ones come back in E.164 form.
    """
    document = dict(values)
    if validator.validate(document, update=partial):
        normalized = dict(validator.document)
        for field, region in (phones or {}).items():
            if isinstance(normalized.get(field), str):
                normalized[field] = checks.e164(normalized[field], region)
        return Validation(normalized, ())
    worst: dict[str, str] = {}
    for error in validator._errors:  # the structured errors; .errors holds only texts
        field = str(error.field)
        code = _code(field, error)
        if field not in worst or _rank(code) < _rank(worst[field]):
            worst[field] = code
    found = tuple(FieldError(field, code) for field, code in sorted(worst.items()))
    return Validation({}, found)


def _code(field: str, error: Any) -> str:
    if error.code == errors.CUSTOM.code and error.info and error.info[0] in FIELD_CODES:
        return str(error.info[0])  # our rules report their code as the message
    if field == AMOUNT and error.code in _AMOUNT_CODES:
        return _AMOUNT_CODES[error.code]
    for cerberus_code, code in _CODES:
        if error.code == cerberus_code:
            return code
    return "FIELD_INVALID"


def _rank(code: str) -> int:
    return _RANK.get(code, len(_CODES))
