"""The root of the integrations' errors: every adapter translates its vendor's errors to this."""

from __future__ import annotations


class IntegrationError(Exception):
    """Base class of every error an integration raises on purpose."""
