"""This package's errors, under one root."""

from __future__ import annotations


class ClassifierError(Exception):
    """The root of the classifier's errors."""


class NotTrained(ClassifierError):
    """Asked to rank before ``fit`` or ``load``."""


class ModelFileError(ClassifierError):
    """A model file that is missing, torn, foreign or from another format version."""
