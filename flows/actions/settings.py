"""The customer's settings kept with the conversation: whether Teller sends notifications.

Language, the authenticator app and the passcode have their own flows and actions
(``language``, ``auth``); this module holds what only settings need.
"""

from __future__ import annotations

from typing import Any

from flows.actions.registry import Outcome, action
from flows.context import ActionContext


def notifications_on(state: dict[str, Any]) -> bool:
    """Whether the customer wants notifications here (on unless they turned them off)."""
    return bool(state.get("notifications", True))


def _state(ctx: ActionContext) -> dict[str, Any]:
    on = notifications_on(ctx.state)
    return {"on": on, "state": ctx.text("settings.on" if on else "settings.off")}


@action("notifications_state")
async def notifications_state(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    return Outcome(data=_state(ctx))


@action("set_notifications")
async def set_notifications(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    on = str(args.get("value")) == "on"
    ctx.state["notifications"] = on
    ctx.record("notifications_set", on=on)
    return Outcome(data=_state(ctx))
