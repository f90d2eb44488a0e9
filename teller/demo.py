"""``teller demo seed``: a deterministic demo bank to talk to.

The same customers, accounts, balances, history, cards and referral program every time,
created through the bank's own API with fixed idempotency keys, so running it twice
changes nothing. Each demo customer is linked to a web chat user id (``/webchat?user=…``)
and has a passcode; ``seed`` returns the identities that ``teller demo seed`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import UUID

from core.actors import Actor, ActorKind
from core.referrals.model import ProgramKind, ProgramTerms, QualifyingEvent
from flows.actions.auth import HASHER
from flows.ports import CredentialStore, IdentityStore
from flows.service import Conversations
from integrations.bank.api import BankAPI
from integrations.bank.types import Amount, KycStatus
from teller.wiring import Container

DEMO_ACTOR = Actor(ActorKind.STAFF, "demo-seed")
PROGRAM_NAME = "Invite a friend"


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    key: str
    name: str
    language: str
    phone: str
    email: str
    passcode: str
    verified: bool
    accounts: tuple[tuple[str, int], ...]  # currency, opening deposit in minor units
    card: bool


CUSTOMERS = (
    DemoCustomer(
        "anna",
        "Anna Nováková",
        "cs",
        "+420601234567",
        "anna@demo.teller",
        "246810",
        True,
        (("EUR", 125_000), ("CZK", 2_500_000)),
        True,
    ),
    DemoCustomer(
        "ivan",
        "Ivan Petrenko",
        "uk",
        "+380501234567",
        "ivan@demo.teller",
        "135790",
        True,
        (("EUR", 30_000), ("USD", 50_000)),
        True,
    ),
    DemoCustomer(
        "olga",
        "Olga Smirnova",
        "ru",
        "+420602345678",
        "olga@demo.teller",
        "975310",
        True,
        (("CZK", 800_000),),
        True,
    ),
    DemoCustomer(
        "james",
        "James Walker",
        "en",
        "+447911123456",
        "james@demo.teller",
        "864202",
        True,
        (("EUR", 50_000),),
        False,
    ),
    DemoCustomer(
        "petr",
        "Petr Svoboda",
        "cs",
        "+420603456789",
        "petr@demo.teller",
        "192837",
        False,
        (),
        False,
    ),
)
# A little history between demo customers: payer, payee, amount (minor), currency.
HISTORY = (
    ("anna", "ivan", 2_500, "EUR", "Dinner"),
    ("ivan", "anna", 1_000, "EUR", "Coffee"),
    ("anna", "olga", 50_000, "CZK", "Rent share"),
    ("james", "anna", 4_200, "EUR", "Concert tickets"),
)


@cache
def _passcode_hash(passcode: str) -> str:
    """The demo passcodes' hashes, made once per process: argon2 is slow on purpose, and a
    seed in every conversation test would spend most of its time here."""
    return HASHER.hash(passcode)


def webchat_user(key: str) -> str:
    return f"demo-{key}-webchat"


async def seed(container: Container, conversations: Conversations) -> dict[str, Any]:
    """The demo bank, through a running Teller's conversation services."""
    services = conversations.services
    return await seed_with(container, services.bank, services.identities, services.credentials)


async def seed_with(
    container: Container,
    bank: BankAPI,
    identities: IdentityStore,
    credentials: CredentialStore,
) -> dict[str, Any]:
    """The demo bank, created through ``bank``; chat identities and passcodes stored."""
    out: list[dict[str, Any]] = []
    accounts: dict[tuple[str, str], UUID] = {}
    for demo in CUSTOMERS:
        customer = await bank.register_customer(
            demo.name,
            demo.language,
            phone=demo.phone,
            email=demo.email,
            idempotency_key=f"demo:{demo.key}:customer",
        )
        if demo.verified and customer.kyc_status is not KycStatus.VERIFIED:
            customer = await bank.set_kyc_status(customer.id, KycStatus.VERIFIED)
        listed = []
        for currency, opening in demo.accounts:
            account = await bank.open_account(
                customer.id, currency, idempotency_key=f"demo:{demo.key}:account:{currency}"
            )
            await bank.deposit(
                account.id,
                Amount(opening, currency),
                description="Opening deposit",
                idempotency_key=f"demo:{demo.key}:deposit:{currency}",
            )
            accounts[(demo.key, currency)] = account.id
            listed.append({"currency": currency, "iban": account.number})
        card_last4 = None
        if demo.card and demo.accounts:
            card = await bank.issue_card(
                customer.id,
                accounts[(demo.key, demo.accounts[0][0])],
                idempotency_key=f"demo:{demo.key}:card",
            )
            card_last4 = card.last4
        user = webchat_user(demo.key)
        await identities.link("webchat", user, customer.id)
        await credentials.set_passcode(customer.id, _passcode_hash(demo.passcode))
        out.append(
            {
                "key": demo.key,
                "name": demo.name,
                "customer_id": str(customer.id),
                "language": demo.language,
                "verified": demo.verified,
                "phone": demo.phone,
                "passcode": demo.passcode,
                "webchat_user_id": user,
                "webchat_url": f"{container.settings.base_url}/webchat?user={user}",
                "accounts": listed,
                "card_last4": card_last4,
            }
        )
    for n, (payer, payee, minor, currency, note) in enumerate(HISTORY):
        await bank.transfer(
            accounts[(payer, currency)],
            accounts[(payee, currency)],
            Amount(minor, currency),
            description=note,
            idempotency_key=f"demo:history:{n}",
        )
    program = await _program(container)
    return {
        "customers": out,
        "referral_program": program,
        "new_customer_webchat_user_id": "demo-new-webchat",
    }


async def _program(container: Container) -> dict[str, Any]:
    programs = container.bank.referrals.programs
    for existing in await programs.list_programs():
        if existing.terms.name == PROGRAM_NAME:
            return {"id": str(existing.id), "name": PROGRAM_NAME}
    terms = ProgramTerms(
        name=PROGRAM_NAME,
        kind=ProgramKind.REFERRAL,
        qualifying_event=QualifyingEvent.CARD_ISSUED,
        reward_currency="EUR",
        referrer_reward=1_000,
        referee_reward=500,
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        descriptions={
            "en": "Invite a friend: you get €10 and they get €5 when they get their card.",
            "cs": "Pozvěte přítele: vy dostanete 10 € a on 5 €, až získá kartu.",
            "ru": "Пригласите друга: вы получите 10 €, а он — 5 €, когда получит карту.",
            "uk": "Запросіть друга: ви отримаєте 10 €, а він — 5 €, коли отримає картку.",
        },
        code_prefix="DEMO",
    )
    program = await programs.create(terms, DEMO_ACTOR)
    return {"id": str(program.id), "name": PROGRAM_NAME}
