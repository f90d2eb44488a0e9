"""Actions: the Python side of ``call`` steps, registered by name.

An action gets the :class:`~flows.context.ActionContext` and the step's evaluated
``args`` and returns an :class:`Outcome`: its name picks the next step through the step's
``on`` map (``ok`` by default), its ``data`` is saved in the step's ``save`` slot, and it
may add replies (a picture, a receipt). Bank errors need no handling here: the engine turns
a ``BankError`` into the outcome named by its stable code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.context import ActionContext

OK = "ok"


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str = OK
    data: Any = None


ActionFn = Callable[["ActionContext", dict[str, Any]], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    fn: ActionFn
    money: bool = False  # moves money: the passcode must be fresh, step-up above the limit
    amount_arg: str | None = None  # the argument whose amount step-up compares
    outcomes: tuple[str, ...] = field(default=())  # outcomes besides ok and bank codes


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str,
    *,
    money: bool = False,
    amount_arg: str | None = None,
    outcomes: tuple[str, ...] = (),
) -> Callable[[ActionFn], ActionFn]:
    def register(fn: ActionFn) -> ActionFn:
        if name in ACTIONS:
            raise ValueError(f"action {name!r} is registered twice")
        ACTIONS[name] = ActionSpec(name, fn, money, amount_arg, outcomes)
        return fn

    return register
