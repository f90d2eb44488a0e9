"""The heap a process builds while it starts, kept out of the garbage collector's way.

Starting Teller leaves a few million long-lived objects (SQLAlchemy's tables and compiled
statements, FastAPI's routes, pydantic's schemas, the flows and their texts). CPython's
oldest-generation collection walks all of them, and it ran every few seconds under load,
stopping the event loop for 150–300 ms each time: the webhook benchmark's end-to-end p99
was those pauses (20–50 ms with the collector off, 290–320 ms with it on). ``gc.freeze``
moves what exists at start-up to a permanent generation the collector does not walk;
objects made afterwards are collected as before.
"""

from __future__ import annotations

import gc


class FrozenHeap:
    """Frozen until :meth:`close` (at shutdown), when the objects of the start-up become
    collectable again: a test process starts and stops many apps and must not keep their
    garbage."""

    def close(self) -> None:
        gc.unfreeze()


def frozen_startup_heap() -> FrozenHeap:
    gc.freeze()
    return FrozenHeap()
