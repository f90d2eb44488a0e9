"""What the image service refuses, each with a stable code for its callers."""

from __future__ import annotations


class RenderError(Exception):
    """The root of everything ``render`` refuses; ``code`` is stable, the message is for
    engineers (callers show customers their own localized text)."""

    code = "render_failed"

    def __init__(self, message: str, **data: object) -> None:
        super().__init__(message)
        self.data = data


class SizeRefused(RenderError):
    """An absurd size: a width outside what phones and documents use, or too many lines."""

    code = "render_size_refused"


class InvalidDocument(RenderError):
    """Input that cannot be drawn honestly: balances that do not add up, a bad IBAN, an
    empty name, a QR payload over its format's limit."""

    code = "render_invalid_document"


class OverLimit(RenderError):
    """The picture cannot be made to fit the byte limit it was asked for."""

    code = "render_over_limit"
