"""Opening an account: consent, a confirmed phone number, personal data, registration, a
passcode, then the identity check (KYC) with a document photo and a selfie.

Registration carries an idempotency key made from the conversation and what was typed, so
a retried turn registers once; the identity documents go to the bank straight from the
media store and are never kept in the conversation's state.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any
from uuid import UUID

import pycountry

from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from integrations.bank.errors import BankError, Conflict, InvalidRequest
from integrations.bank.kyc import (
    KycApplicationStatus,
    KycDocumentKind,
    KycPersonalData,
)
from integrations.bank.referrals import ReferralChannel
from integrations.bank.types import KycStatus

ADULT_AGE = 18
MAX_ATTEMPTS = 3  # the bank's verification attempts (decision 0023)
# The account a new customer gets, by the language they chose (decision 0056).
HOME_CURRENCY = {"cs": "CZK"}
DEFAULT_CURRENCY = "EUR"
# The bots' channels as the bank's referrals name them.
REFERRAL_CHANNELS = {
    "telegram": ReferralChannel.TELEGRAM,
    "viber": ReferralChannel.VIBER,
    "messenger": ReferralChannel.MESSENGER,
    "whatsapp_cloud": ReferralChannel.WHATSAPP,
    "whatsapp_twilio": ReferralChannel.WHATSAPP,
    "webchat": ReferralChannel.WEBCHAT,
}
_FIELD_OUTCOMES = {
    "given_names": "bad_name",
    "surname": "bad_name",
    "date_of_birth": "bad_birth",
    "nationality": "bad_nationality",
    "issuing_country": "bad_country",
    "document_number": "bad_number",
    "document_expiry": "bad_expiry",
}


@action(
    "onboarding_where",
    outcomes=("new", "passcode", "kyc", "retry", "pending", "verified", "exhausted"),
)
async def onboarding_where(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Where this person is on the way to a verified account."""
    customer_id = ctx.turn.customer_id
    if customer_id is None:
        return Outcome("new")
    creds = await ctx.services.credentials.get(customer_id)
    if creds is None or creds.passcode_hash is None:
        return Outcome("passcode")
    customer = await ctx.bank.get_customer(customer_id)
    if customer.kyc_status is KycStatus.VERIFIED:
        return Outcome("verified")
    applications = await ctx.bank.list_kyc_applications(customer_id)
    if any(a.status is KycApplicationStatus.MANUAL_REVIEW for a in applications):
        return Outcome("pending")
    if customer.kyc_status is KycStatus.PENDING or any(
        a.status is KycApplicationStatus.SUBMITTED for a in applications
    ):
        return Outcome("pending")
    attempts = sum(a.attempt is not None for a in applications)
    if attempts >= MAX_ATTEMPTS:
        return Outcome("exhausted")
    if customer.kyc_status is KycStatus.REJECTED or attempts:
        ctx.slots["attempts_left"] = MAX_ATTEMPTS - attempts
        return Outcome("retry")
    return Outcome("kyc")


@action("record_consent")
async def record_consent(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    ctx.record("onboarding_consent", terms=str(args.get("version", "")))
    return Outcome()


@action("register_customer", outcomes=("too_young", "bad_birth", "exists"))
async def register_customer(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Register the customer, open their first account and link this chat to them."""
    born = date.fromisoformat(str(args["birth"]))
    today = ctx.now().date()
    if born >= today or born.year < 1900:
        return Outcome("bad_birth")
    if _age(born, today) < ADULT_AGE:
        ctx.record("onboarding_too_young")
        return Outcome("too_young")
    name = str(args["name"])
    phone = str(args["phone"])
    email = args.get("email")
    email = None if email in (None, "", "skip") else str(email)
    msg = ctx.turn.msg
    key = _key(ctx, "register", msg.channel, msg.user, name, phone, email or "")
    try:
        customer = await ctx.bank.register_customer(
            name, ctx.language, phone=phone, email=email, idempotency_key=key
        )
    except Conflict as error:
        if error.code != "CUSTOMER_EXISTS":
            raise
        ctx.record("onboarding_contact_in_use")
        return Outcome("exists")
    currency = HOME_CURRENCY.get(ctx.language, DEFAULT_CURRENCY)
    await ctx.bank.open_account(customer.id, currency, idempotency_key=f"{key}:account")
    await ctx.services.identities.link(msg.channel, msg.user, customer.id)
    ctx.link_customer(customer.id)
    ctx.record("customer_registered", customer=str(customer.id))
    await _attach_referral(ctx, customer.id)
    return Outcome(data={"id": str(customer.id)})


async def _attach_referral(ctx: ActionContext, customer_id: UUID) -> None:
    """The code this chat started with (a deep link, ``/webchat?ref=``) goes to the new
    customer, with the channel it came through; a code the bank refuses (unknown, a
    program not running) costs the customer nothing but the bonus."""
    code = ctx.state.get("referral")
    if not code:
        return
    channel = REFERRAL_CHANNELS.get(ctx.turn.msg.channel)
    try:
        await ctx.bank.attach_referral_code(customer_id, str(code), channel=channel)
    except BankError as error:
        ctx.record("referral_not_attached", code=error.code)
        return
    ctx.record("referral_attached")


@action("kyc_start")
async def kyc_start(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The customer's draft application (a new one, or the one they left)."""
    application = await ctx.bank.start_kyc_application(ctx.customer_id)
    if not ctx.slots.get("name_on_file"):
        name = ctx.slots.get("name")
        if not name:
            name = (await ctx.bank.get_customer(ctx.customer_id)).full_name
        ctx.slots["name_on_file"] = name
    return Outcome(data={"id": str(application.id)})


@action("country_code", outcomes=("unknown",))
async def country_code(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """A country as ISO alpha-3, from a code (CZ, CZE) or an English name."""
    raw = str(args.get("value") or "").strip()
    if raw == "same" and args.get("same_as"):
        return Outcome(data=str(args["same_as"]))
    found = _country(raw)
    if found is None:
        return Outcome("unknown")
    return Outcome(data=found)


def _country(raw: str) -> str | None:
    if not raw or len(raw) > 60:
        return None
    code = raw.upper()
    found: Any = None
    if code.isascii() and code.isalpha() and len(code) == 2:
        found = pycountry.countries.get(alpha_2=code)
    elif code.isascii() and code.isalpha() and len(code) == 3:
        found = pycountry.countries.get(alpha_3=code)
    if found is None:
        try:
            found = pycountry.countries.lookup(raw)
        except LookupError:
            return None
    return str(found.alpha_3)


@action(
    "kyc_personal_data",
    outcomes=("expired", *sorted(set(_FIELD_OUTCOMES.values()))),
)
async def kyc_personal_data(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The declared personal and document data, on the draft application."""
    expiry = date.fromisoformat(str(args["expiry"]))
    if expiry <= ctx.now().date():
        return Outcome("expired")
    given, surname = split_name(str(args["name"]))
    data = KycPersonalData(
        given_names=given,
        surname=surname,
        date_of_birth=date.fromisoformat(str(args["birth"])),
        nationality=str(args["nationality"]),
        document_kind=KycDocumentKind(str(args["kind"])),
        document_number=str(args["number"]).strip(),
        issuing_country=str(args["country"]),
        document_expiry=expiry,
    )
    try:
        await ctx.bank.set_kyc_personal_data(_application(args), data)
    except InvalidRequest as error:
        if error.code != "KYC_INVALID_PERSONAL_DATA":
            raise
        return Outcome(_FIELD_OUTCOMES.get(str(error.data.get("field")), "bad_number"))
    ctx.record("kyc_personal_data", document_kind=data.document_kind.value)
    return Outcome()


def split_name(full: str) -> tuple[str, str]:
    """Given names and surname of a full name as typed: the surname is the last word."""
    words = full.split()
    if len(words) < 2:
        return full.strip(), full.strip()
    return " ".join(words[:-1]), words[-1]


@action("kyc_upload", outcomes=("refused", "lost"))
async def kyc_upload(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Hand a photo from the media store to the bank; a refusal is explained."""
    media_id = str((args.get("file") or {}).get("media_id", ""))
    media = await ctx.services.media.get(media_id) if media_id else None
    if media is None:
        return Outcome("lost")
    kind = KycDocumentKind(str(args["kind"]))
    try:
        await ctx.bank.upload_kyc_document(_application(args), kind, media.data)
    except InvalidRequest as error:
        if not error.code.startswith("KYC_DOCUMENT_"):
            raise
        _explain(ctx, error)
        ctx.record("kyc_document_refused", kind=kind.value, code=error.code)
        await ctx.services.media.delete(media_id)  # a refused photo is kept nowhere
        return Outcome("refused")
    # The bank keeps its own encrypted copy; an identity photo stays in chat's media no
    # longer than it takes to hand it over.
    await ctx.services.media.delete(media_id)
    ctx.record("kyc_document_uploaded", kind=kind.value)
    return Outcome()


def _explain(ctx: ActionContext, error: BankError) -> None:
    key = f"errors.{error.code}"
    ctx.say(key if ctx.services.catalog.has(key) else "errors.KYC_DOCUMENT_UNREADABLE")


@action("kyc_submit")
async def kyc_submit(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    application = await ctx.bank.submit_kyc_application(_application(args))
    ctx.record("kyc_submitted", attempt=application.attempt)
    return Outcome(data={"status": application.status.value})


def _application(args: dict[str, Any]) -> Any:
    from uuid import UUID

    return UUID(str(args["application"]["id"]))


def _age(born: date, today: date) -> int:
    years = today.year - born.year
    return years - 1 if (today.month, today.day) < (born.month, born.day) else years


def _key(ctx: ActionContext, purpose: str, *parts: str) -> str:
    digest = ctx.services.sealer.sign("\x1f".join(parts).encode(), f"idem:{purpose}")
    return f"{purpose}:{hashlib.sha256(digest).hexdigest()[:48]}"
