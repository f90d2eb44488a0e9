"""The relay from the bank's events to customers' chats.

A core event subscriber (so it runs wherever the bank's jobs run: ``teller serve``'s
in-process runner, ``teller worker``, or procrastinate) that turns committed domain events
into notifications through flows' outbox: money received, a card payment declined, the
KYC decision, a referral reward, a transfer's review approved or rejected, a top-up's
result. Each event notifies once (its id is the de-duplication key).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from core.jobs import Event, Jobs, Subscriber
from flows.catalog import Catalog
from flows.notify import Notifier
from flows.ports import Transactions
from flows.store.sql import SqlConversationStore, SqlIdentityStore, SqlOutbox
from flows.text_overrides import apply_overrides
from integrations.bank.api import BankAPI
from integrations.bank.errors import BankError

TYPES = frozenset(
    {
        "transfer.completed",
        "transfer.rejected",
        "card.declined",
        "kyc.decided",
        "referral.rewarded",
        "topup.completed",
        "topup.failed",
        "bill.completed",
        "bill.rejected",
    }
)


OVERRIDES_MAX_AGE = 10.0  # seconds a notification may use texts read before


class ChatNotifications:
    def __init__(
        self,
        notifier: Notifier,
        bank: BankAPI,
        answered_within: timedelta = timedelta(seconds=4),
        texts: tuple[Transactions, Catalog] | None = None,
    ) -> None:
        self._notifier = notifier
        self._bank = bank
        # Where marketers' published texts come from, and the catalog they go over; read
        # again when older than OVERRIDES_MAX_AGE (they may be published in another process).
        self._texts = texts
        self._texts_read = -OVERRIDES_MAX_AGE
        # A bill payment the biller settled within this time was answered in the chat
        # itself (the flow waits that long); later results arrive as notifications.
        self._answered_within = answered_within

    @classmethod
    def build(
        cls,
        db: Transactions,
        bank: BankAPI,
        now: Callable[[], datetime],
        answered_within: timedelta = timedelta(seconds=4),
    ) -> ChatNotifications:
        catalog = Catalog.load()
        notifier = Notifier(
            SqlOutbox(db, now),
            SqlIdentityStore(db, now),
            SqlConversationStore(db, now),
            catalog,
            now,
        )
        return cls(notifier, bank, answered_within, texts=(db, catalog))

    async def _fresh_texts(self) -> None:
        if self._texts is None or time.monotonic() - self._texts_read < OVERRIDES_MAX_AGE:
            return
        await apply_overrides(*self._texts)
        self._texts_read = time.monotonic()

    def jobs(self) -> Jobs:
        return Jobs(subscribers=[Subscriber("chat-notifications", TYPES, self.handle)])

    async def handle(self, event: Event) -> None:
        await self._fresh_texts()
        p = event.payload
        once = f"event:{event.id}"
        notify = self._notifier.notify
        if event.type == "transfer.completed":
            amount = (int(p["amount"]), str(p["currency"]))
            await notify(
                UUID(p["recipient_customer_id"]),
                "notify.money_received",
                money={"amount": amount},
                buttons=(("menu.balance", "flow:balance"),),
                dedupe=once + ":payee",
            )
            if await self._was_reviewed(p["payment_id"]):
                await notify(
                    UUID(p["customer_id"]),
                    "notify.review_approved",
                    money={"amount": amount},
                    dedupe=once + ":payer",
                )
        elif event.type == "transfer.rejected":
            await notify(
                UUID(p["customer_id"]),
                "notify.review_rejected",
                money={"amount": (int(p["amount"]), str(p["currency"]))},
                buttons=(("common.talk_to_person", "cmd:operator"),),
                dedupe=once,
            )
        elif event.type == "card.declined":
            await notify(
                UUID(p["customer_id"]),
                "notify.card_declined",
                money={"amount": (int(p["amount"]), str(p["currency"]))},
                values={"merchant": str(p.get("merchant_name", ""))[:60]},
                localized={"reason": _decline_reason(str(p.get("reason", "")))},
                buttons=(("menu.cards", "flow:cards"),),
                dedupe=once,
            )
        elif event.type == "kyc.decided":
            decision = str(p["decision"])
            if decision == "more_documents":  # the reviewer's words, then a way to answer
                await notify(
                    UUID(p["customer_id"]),
                    "notify.kyc_more_documents",
                    values={"message": str(p.get("message", ""))[:500]},
                    buttons=(("kyc_documents.send", "flow:kyc_documents"),),
                    dedupe=once,
                )
                return
            buttons: tuple[tuple[str, str], ...] = ()
            if decision == "verified":
                buttons = (("intents.get_card", "flow:get_card"),)
            elif decision == "rejected":
                buttons = (("common.talk_to_person", "cmd:operator"),)
            await notify(
                UUID(p["customer_id"]), f"notify.kyc_{decision}", buttons=buttons, dedupe=once
            )
        elif event.type == "referral.rewarded":
            await notify(
                UUID(p["customer_id"]),
                "notify.referral_reward",
                money={"amount": (int(p["amount"]), str(p["currency"]))},
                dedupe=once,
            )
        elif event.type in ("topup.completed", "topup.failed"):
            done = event.type == "topup.completed"
            key = "notify.topup_succeeded" if done else "notify.topup_failed"
            await notify(
                UUID(p["customer_id"]),
                key,
                money={"amount": (int(p["amount"]), str(p["currency"]))},
                dedupe=once,
            )

        elif event.type in ("bill.completed", "bill.rejected"):
            await self._bill(event, once)

    async def _bill(self, event: Event, once: str) -> None:
        try:
            payment = await self._bank.get_bill_payment(UUID(event.payload["payment_id"]))
        except BankError:
            return
        took = (payment.finished_at or payment.created_at) - payment.created_at
        if took < self._answered_within:
            return  # the customer saw the result in the conversation
        paid = event.type == "bill.completed"
        await self._notifier.notify(
            payment.customer_id,
            "notify.bill_paid" if paid else "notify.bill_rejected",
            money={"amount": (payment.amount_minor, payment.currency)},
            values={"biller": payment.biller_name},
            dedupe=once,
        )

    async def _was_reviewed(self, payment_id: str) -> bool:
        try:
            transfer = await self._bank.get_transfer(UUID(payment_id))
        except BankError:
            return False
        return transfer.hold_id is not None


# Why a card payment was declined, in words customers understand (core.cards.rules).
DECLINE_REASONS = frozenset(
    {
        "card_blocked_lost",
        "card_blocked_stolen",
        "card_expired",
        "wrong_expiry",
        "card_locked",
        "online_disabled",
        "atm_disabled",
        "wrong_currency",
        "wrong_cvv",
        "pin_required",
        "wrong_pin",
        "pin_blocked",
        "transaction_limit",
        "daily_limit",
        "insufficient_funds",
        "account_unavailable",
    }
)


def _decline_reason(reason: str) -> str:
    return f"declines.{reason}" if reason in DECLINE_REASONS else "declines.other"
