"""Proving who is typing: one-time codes to the phone, the passcode, the second factor.

* A one-time code (6 digits, 10 minutes, 3 tries) confirms a phone number at onboarding
  and serves as the second factor for customers without an authenticator app. Only its
  MAC is kept in the conversation state.
* The passcode (6 digits, argon2) is asked before money moves when the customer has been
  idle for 15 minutes. Five wrong answers in a row lock money actions in this conversation
  until a person unlocks them.
* Step-up: above the configured amount, a TOTP from an authenticator app (pyotp) or a
  one-time code, once per confirmed operation.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from flows.actions.registry import Outcome, action
from flows.context import ActionContext

HASHER = PasswordHasher()
CODE_TRIES = 3
WEAK_PASSCODES = frozenset({"000000", "111111", "123456", "654321", "123123", "121212"})


def _code_mac(ctx: ActionContext, code: str, purpose: str) -> str:
    return ctx.services.sealer.sign(code.encode(), f"otp:{purpose}").hex()


async def _send_code(ctx: ActionContext, to: str, purpose: str) -> None:
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires = ctx.now() + ctx.services.settings.code_ttl
    ctx.state["otp"] = {
        "mac": _code_mac(ctx, code, purpose),
        "purpose": purpose,
        "expires": expires.isoformat(),
        "tries": 0,
    }
    await ctx.services.codes.send_code(to, ctx.text("auth.code_message", code=code))
    ctx.record("code_sent", purpose=purpose)


def _check_code(ctx: ActionContext, code: str, purpose: str) -> str:
    """ok | wrong | expired | exhausted"""
    otp = ctx.state.get("otp")
    if not otp or otp.get("purpose") != purpose:
        return "expired"
    if datetime.fromisoformat(otp["expires"]) <= ctx.now():
        ctx.state.pop("otp", None)
        return "expired"
    if hmac.compare_digest(otp["mac"], _code_mac(ctx, code, purpose)):
        ctx.state.pop("otp", None)
        return "ok"
    otp["tries"] = int(otp["tries"]) + 1
    if otp["tries"] >= CODE_TRIES:
        ctx.state.pop("otp", None)
        return "exhausted"
    return "wrong"


@action("send_phone_code")
async def send_phone_code(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    await _send_code(ctx, str(args["phone"]), "phone")
    return Outcome()


@action("check_phone_code", outcomes=("wrong", "expired", "exhausted"))
async def check_phone_code(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    result = _check_code(ctx, str(args["code"]), "phone")
    if result == "ok":
        ctx.record("phone_confirmed")
    return Outcome(result)


@action("set_passcode", outcomes=("weak", "mismatch"))
async def set_passcode(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    first, second = str(args["passcode"]), str(args["again"])
    if first != second:
        return Outcome("mismatch")
    if first in WEAK_PASSCODES or len(set(first)) == 1:
        return Outcome("weak")
    await ctx.services.credentials.set_passcode(ctx.customer_id, HASHER.hash(first))
    ctx.state.setdefault("auth", {})["at"] = ctx.now().isoformat()
    ctx.record("passcode_set")
    return Outcome()


@action("verify_passcode", outcomes=("wrong", "locked", "no_passcode"))
async def verify_passcode(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    auth = ctx.state.setdefault("auth", {})
    creds = await ctx.services.credentials.get(ctx.customer_id)
    if creds is None or creds.passcode_hash is None:
        return Outcome("no_passcode")
    try:
        HASHER.verify(creds.passcode_hash, str(args["passcode"]))
    except (VerificationError, InvalidHashError):
        auth["failures"] = int(auth.get("failures", 0)) + 1
        ctx.record("passcode_wrong", failures=auth["failures"])
        if auth["failures"] >= ctx.services.settings.max_auth_failures:
            ctx.record("money_locked")
            ctx.say("auth.locked")
            ctx.abort()
            return Outcome("locked")
        left = ctx.services.settings.max_auth_failures - auth["failures"]
        ctx.slots["attempts_left"] = left
        return Outcome("wrong")
    auth["failures"] = 0
    auth["at"] = ctx.now().isoformat()
    ctx.record("passcode_ok")
    return Outcome()


@action("locked_out")
async def locked_out(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    ctx.say("auth.locked")
    ctx.abort()
    return Outcome()


@action("step_up_method", outcomes=("totp", "code", "none"))
async def step_up_method(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    creds = await ctx.services.credentials.get(ctx.customer_id)
    if creds is not None and creds.totp_secret:
        return Outcome("totp")
    customer = await ctx.bank.get_customer(ctx.customer_id)
    if customer.phone:
        await _send_code(ctx, customer.phone, "step_up")
        return Outcome("code")
    if customer.email:
        await _send_code(ctx, customer.email, "step_up")
        return Outcome("code")
    return Outcome("none")


@action("check_step_up", outcomes=("wrong", "expired", "exhausted", "locked"))
async def check_step_up(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    code = str(args["code"])
    method = str(args["method"])
    auth = ctx.state.setdefault("auth", {})
    if method == "totp":
        creds = await ctx.services.credentials.get(ctx.customer_id)
        secret = creds.totp_secret if creds else None
        ok = bool(secret) and pyotp.TOTP(str(secret)).verify(code, valid_window=1)
        result = "ok" if ok else "wrong"
    else:
        result = _check_code(ctx, code, "step_up")
    if result == "ok":
        auth["stepped_up"] = args.get("for_key")
        auth["failures"] = 0
        ctx.record("step_up_ok", method=method)
        return Outcome()
    if result == "wrong":
        auth["failures"] = int(auth.get("failures", 0)) + 1
        if auth["failures"] >= ctx.services.settings.max_auth_failures:
            ctx.record("money_locked")
            ctx.say("auth.locked")
            ctx.abort()
            return Outcome("locked")
    return Outcome(result)


@action("start_totp_enrolment")
async def start_totp_enrolment(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """A new authenticator secret, shown once as a QR code; kept sealed in state until the
    customer proves the app has it."""
    secret = pyotp.random_base32()
    ctx.slots["pending_totp"] = ctx.services.sealer.seal(secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name="Teller", issuer_name="Teller")
    import segno

    qr = segno.make(uri, error="m")
    from io import BytesIO

    out = BytesIO()
    qr.save(out, kind="png", scale=6, border=2)
    await ctx.image(out.getvalue(), ctx.text("settings.totp_scan"), "authenticator.png")
    return Outcome()


@action("finish_totp_enrolment", outcomes=("wrong",))
async def finish_totp_enrolment(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    sealed = ctx.slots.get("pending_totp")
    if not sealed:
        return Outcome("wrong")
    secret = ctx.services.sealer.unseal(str(sealed))
    if not pyotp.TOTP(secret).verify(str(args["code"]), valid_window=1):
        return Outcome("wrong")
    await ctx.services.credentials.set_totp(ctx.customer_id, secret)
    ctx.slots.pop("pending_totp", None)
    ctx.slots.pop("totp", None)
    ctx.record("totp_enrolled")
    return Outcome()
