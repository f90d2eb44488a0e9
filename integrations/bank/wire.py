"""The REST API's response bodies → the wrapper's types, for ``HttpBank``.

The wrapper's types use the API's field names on purpose (``balance_minor``,
``held_minor``…), so pydantic validates a body straight into them and ignores the
fields flows do not need. A body that does not fit is the server breaking the contract:
``BankUnavailable`` with the code ``UNEXPECTED_RESPONSE``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from integrations.bank.checks import format_cursor
from integrations.bank.errors import BankUnavailable
from integrations.bank.types import Statement

T = TypeVar("T")
UNEXPECTED_RESPONSE = "UNEXPECTED_RESPONSE"


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(kind: type[Any]) -> TypeAdapter[Any]:
    # Building an adapter compiles a validator: once per type, not once per response.
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def _unexpected(what: str) -> BankUnavailable:
    return BankUnavailable(UNEXPECTED_RESPONSE, f"the bank sent an unexpected {what}")


def parse(kind: type[T], body: object) -> T:
    """``body`` (decoded JSON) as a ``kind``, or ``BankUnavailable``."""
    try:
        value: T = _adapter(kind).validate_python(body)
    except ValidationError as exc:
        # The error lists locations and types only: response values may be personal data.
        raise _unexpected(kind.__name__) from exc
    return value


def parse_list(kind: type[T], body: object) -> list[T]:
    """``body`` as a list of ``kind``, or ``BankUnavailable``."""
    if not isinstance(body, list):
        raise _unexpected(f"list of {kind.__name__}")
    return [parse(kind, item) for item in body]


def parse_statement(body: object) -> Statement:
    """A statement page; the API's integer cursor becomes the wrapper's opaque one."""
    if not isinstance(body, dict):
        raise _unexpected("Statement")
    cursor = body.get("next_cursor")
    if cursor is not None and (type(cursor) is not int or cursor < 0):
        raise _unexpected("Statement")
    return parse(Statement, {**body, "next_cursor": format_cursor(cursor)})
