"""The rules of an admin's rate override, pure: which windows, rates and reasons are valid."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from core.errors import ValidationFailed
from core.fx.commands import SetRateOverride
from core.fx.model import check_pair, check_rate
from core.fx.views import OverrideView

MAX_OVERRIDE_WINDOW = timedelta(days=92)


def check_aware(value: datetime, field: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed("times need a time zone", field=field)


def check_reason(reason: str) -> None:
    if not reason.strip() or len(reason) > 200 or not reason.isprintable():
        raise ValidationFailed("a reason of 1 to 200 printable characters", field="reason")


def new_override(
    cmd: SetRateOverride,
    *,
    override_id: UUID,
    currencies: tuple[str, ...],
    by: str,
    now: datetime,
) -> OverrideView:
    """The override ``cmd`` asks for, or the reason it may not be: two of the bank's
    currencies, a sane rate, a window of at most 92 days that ends in the future."""
    base, quote = check_pair(cmd.base_currency, cmd.quote_currency, currencies)
    check_rate(cmd.rate)
    check_aware(cmd.valid_from, "valid_from")
    check_aware(cmd.valid_until, "valid_until")
    if not cmd.valid_from < cmd.valid_until or cmd.valid_until <= now:
        raise ValidationFailed(
            "the window must end after it starts, in the future", field="valid_until"
        )
    if cmd.valid_until - cmd.valid_from > MAX_OVERRIDE_WINDOW:
        raise ValidationFailed("an override lasts at most 92 days", field="valid_until")
    check_reason(cmd.reason)
    return OverrideView(
        id=override_id,
        base_currency=base.code,
        quote_currency=quote.code,
        rate=cmd.rate,
        valid_from=cmd.valid_from,
        valid_until=cmd.valid_until,
        reason=cmd.reason,
        created_by=by,
        created_at=now,
        cancelled_at=None,
    )
