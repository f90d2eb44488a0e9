"""The root of what ``nlu`` raises on purpose."""

from __future__ import annotations


class NluError(Exception):
    """Understanding failed for a reason the caller can act on."""


class NluUnavailable(NluError):
    """The NLU server (Rasa) did not answer; flows fall back to buttons."""


class ModelMissing(NluError):
    """No trained model where one was expected: run ``teller nlu train``."""
