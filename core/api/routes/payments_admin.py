"""Payments for staff: the review queue's decisions, fees, limits, switches, risk rules.

Every change here needs ``bank.admin`` and is audited. (Reading the schedules needs only
``bank.read``: flows show customers what things cost and how much they may send.)
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Response

from core.api.deps import Admin, BankDep, IdempotencyKey, Reader
from core.api.payments_admin_schemas import (
    ApprovalCreate,
    FeeRuleIn,
    LimitRuleIn,
    LimitRuleOut,
    RejectionCreate,
    RiskRulesOut,
    SwitchCreate,
    SwitchOut,
)
from core.api.payments_schemas import FeeRuleOut, PaymentOut
from core.customers.model import KycLevel
from core.payments.fees import FeeRule
from core.payments.limits import LimitRule
from core.payments.model import Operation, SwitchScope, parse_enum

router = APIRouter(tags=["payments administration"])


# -- the review queue ---------------------------------------------------------------------


@router.post("/payments/transfers/{payment_id}/approve", response_model=PaymentOut)
async def approve_transfer(
    payment_id: UUID, body: ApprovalCreate, who: Admin, key: IdempotencyKey, bank: BankDep
) -> PaymentOut:
    """Release a held transfer: the hold is captured with the fee in one entry."""
    payment = await bank.payments.reviews.approve(payment_id, who.actor, key, body.note)
    return PaymentOut.of(payment)


@router.post("/payments/transfers/{payment_id}/reject", response_model=PaymentOut)
async def reject_transfer(
    payment_id: UUID, body: RejectionCreate, who: Admin, key: IdempotencyKey, bank: BankDep
) -> PaymentOut:
    """Refuse a held transfer: the hold is voided and the customer told."""
    payment = await bank.payments.reviews.reject(payment_id, who.actor, key, body.reason)
    return PaymentOut.of(payment)


# -- fees ---------------------------------------------------------------------------------


@router.get("/payments/fees", response_model=list[FeeRuleOut])
async def fee_rules(bank: BankDep, _: Reader) -> list[FeeRuleOut]:
    """Every fee rule in force: staff's and the shipped defaults they did not replace."""
    return [FeeRuleOut.of(v) for v in await bank.payments.fees.rules()]


@router.put("/payments/fees/{operation}/{currency}", response_model=FeeRuleOut)
async def set_fee_rule(
    operation: str, currency: str, body: FeeRuleIn, who: Admin, bank: BankDep
) -> FeeRuleOut:
    """Set the fee of ``operation`` in ``currency`` (``*``: every currency without its own)."""
    rule = FeeRule(
        parse_enum(Operation, operation, "operation"),
        currency if currency == "*" else currency.upper(),
        body.fixed_minor,
        body.percent_bp,
        body.minimum_minor,
        body.maximum_minor,
    )
    return FeeRuleOut.of(await bank.payments.fees.set_rule(rule, who.actor))


@router.delete("/payments/fees/{operation}/{currency}", status_code=204)
async def reset_fee_rule(operation: str, currency: str, who: Admin, bank: BankDep) -> Response:
    """Remove staff's rule; the shipped default applies again."""
    op = parse_enum(Operation, operation, "operation")
    await bank.payments.fees.reset_rule(
        op, currency if currency == "*" else currency.upper(), who.actor
    )
    return Response(status_code=204)


# -- limits -------------------------------------------------------------------------------


@router.get("/payments/limits", response_model=list[LimitRuleOut])
async def limit_rules(bank: BankDep, _: Reader) -> list[LimitRuleOut]:
    return [LimitRuleOut.of(v) for v in await bank.payments.limits.rules()]


@router.put("/payments/limits/{kyc_level}/{currency}", response_model=LimitRuleOut)
async def set_limit_rule(
    kyc_level: str, currency: str, body: LimitRuleIn, who: Admin, bank: BankDep
) -> LimitRuleOut:
    level = parse_enum(KycLevel, kyc_level, "kyc_level")
    rule = LimitRule(level, currency.upper(), body.daily_minor, body.monthly_minor)
    return LimitRuleOut.of(await bank.payments.limits.set_rule(rule, who.actor))


@router.delete("/payments/limits/{kyc_level}/{currency}", status_code=204)
async def reset_limit_rule(kyc_level: str, currency: str, who: Admin, bank: BankDep) -> Response:
    level = parse_enum(KycLevel, kyc_level, "kyc_level")
    await bank.payments.limits.reset_rule(level, currency.upper(), who.actor)
    return Response(status_code=204)


# -- switches -----------------------------------------------------------------------------


@router.get("/payments/switches", response_model=list[SwitchOut])
async def switches(bank: BankDep, _: Reader) -> list[SwitchOut]:
    """Switches in force or scheduled."""
    return [SwitchOut.of(s) for s in await bank.payments.switches.current()]


@router.post("/payments/switches", status_code=201, response_model=SwitchOut)
async def disable_operations(body: SwitchCreate, who: Admin, bank: BankDep) -> SwitchOut:
    """Stop a scope of operations (in one currency or all) for a window, with a reason
    customers will be shown."""
    switch = await bank.payments.switches.disable(
        parse_enum(SwitchScope, body.scope, "scope"),
        body.currency,
        body.reason,
        who.actor,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    return SwitchOut.of(switch)


@router.post("/payments/switches/{switch_id}/lift", response_model=SwitchOut)
async def lift_switch(switch_id: UUID, who: Admin, bank: BankDep) -> SwitchOut:
    return SwitchOut.of(await bank.payments.switches.lift(switch_id, who.actor))


# -- risk rules ---------------------------------------------------------------------------


@router.get("/payments/risk/rules", response_model=RiskRulesOut)
async def risk_rules(bank: BankDep, _: Admin) -> RiskRulesOut:
    config, source = await bank.payments.risk.config()
    return RiskRulesOut(source=source.value, config=config.model_dump(mode="json"))


@router.put("/payments/risk/rules", response_model=RiskRulesOut)
async def set_risk_rules(
    who: Admin, bank: BankDep, config: Annotated[dict[str, Any], Body()]
) -> RiskRulesOut:
    """Replace the risk rules as a whole (the body has the shape ``GET`` returns in
    ``config``); a bad field refuses all of it."""
    saved = await bank.payments.risk.set_config_data(config, who.actor)
    return RiskRulesOut(source="configured", config=saved.model_dump(mode="json"))


@router.delete("/payments/risk/rules", response_model=RiskRulesOut)
async def reset_risk_rules(who: Admin, bank: BankDep) -> RiskRulesOut:
    config = await bank.payments.risk.reset_config(who.actor)
    return RiskRulesOut(source="default", config=config.model_dump(mode="json"))
