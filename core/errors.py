"""The root of the core's errors.

Every error the core raises on purpose is a `CoreError`: it carries a stable `code` (part of
the API: the REST layer sends it in `application/problem+json`, flows map it to localized
customer text), the HTTP status it maps to, and structured `data` for the caller.

Messages and data must never hold anything sensitive (card numbers, CVV, PINs, passcodes,
raw customer input): they end up in logs and API responses.
"""

from __future__ import annotations

from typing import ClassVar


class CoreError(Exception):
    """Base class of the core's deliberate errors.

    Subclasses set `code` (a stable, upper-case identifier), `http_status` and a default
    message; callers pass structured details as keyword arguments, kept in `data`.
    """

    code: ClassVar[str] = "CORE_ERROR"
    http_status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be completed."

    def __init__(self, message: str | None = None, **data: object) -> None:
        """Create the error with an optional message and structured, non-sensitive data."""
        self.message: str = message if message is not None else self.default_message
        self.data: dict[str, object] = dict(data)
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ValidationFailed(CoreError):
    """A request or value failed validation."""

    code = "VALIDATION_ERROR"
    http_status = 422
    default_message = "The request is not valid."


class NotFound(CoreError):
    """The requested resource does not exist (or is not visible to the caller)."""

    code = "NOT_FOUND"
    http_status = 404
    default_message = "The requested resource was not found."
