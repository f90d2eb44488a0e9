"""Staff accounts: local ones (argon2id password and a mandatory TOTP second factor) for
the embedded default, and accounts that an OpenID Connect provider vouches for.

A local sign-in needs the password and a current TOTP code; a code is accepted once (the
time step is remembered), so a code seen over a shoulder cannot be replayed. The TOTP
secret is stored encrypted with the bank's keyring.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from backoffice.roles import Role, parse_roles
from backoffice.store import staff as staff_table
from core.crypto import Keyring
from core.persistence.database import Database

# Called inside a change's own transaction, so its audit record commits with it or not at all.
Record = Callable[[AsyncConnection, "StaffAccount"], Awaitable[None]]

TOTP_CONTEXT = "backoffice-totp"
TOTP_ISSUER = "Teller back office"
MIN_PASSWORD = 12
_hasher = PasswordHasher()
# Spent on unknown usernames too, so timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class StaffAccount:
    id: str
    username: str
    name: str
    roles: frozenset[Role]
    source: str
    active: bool


@dataclass(frozen=True, slots=True)
class Created:
    account: StaffAccount
    totp_uri: str  # otpauth://… for the staff member's authenticator app, shown once


def _account(r: Row[Any]) -> StaffAccount:
    return StaffAccount(
        str(r.id),
        str(r.username),
        str(r.name),
        parse_roles(str(r.roles)),
        str(r.source),
        bool(r.active),
    )


def _roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(r.value for r in roles))


class StaffAccounts:
    def __init__(self, db: Database, keyring: Keyring, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._keyring = keyring
        self._now = clock

    async def create(
        self,
        username: str,
        name: str,
        roles: frozenset[Role],
        password: str,
        record: Record | None = None,
    ) -> Created:
        """A local account; returns the TOTP enrolment URI (shown once, never stored
        in the clear)."""
        username = username.strip().lower()
        if (
            not username
            or len(username) > 64
            or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
        ):
            raise AccountError("INVALID_USERNAME", "letters, digits, dots, dashes, underscores")
        if len(password) < MIN_PASSWORD:
            raise AccountError(
                "WEAK_PASSWORD", f"the password needs at least {MIN_PASSWORD} characters"
            )
        if not roles:
            raise AccountError("NO_ROLES", "a staff account needs at least one role")
        secret = pyotp.random_base32()
        now = self._now()
        account = StaffAccount(str(uuid.uuid4()), username, name, roles, "local", True)
        async with self._db.transaction() as conn:
            if await self._by_username(conn, username) is not None:
                raise AccountError("USERNAME_TAKEN", "that username is taken")
            await conn.execute(
                insert(staff_table).values(
                    id=account.id,
                    username=username,
                    name=name,
                    roles=_roles_text(roles),
                    source="local",
                    password_hash=_hasher.hash(password),
                    totp_secret=self._keyring.encrypt(secret, context=TOTP_CONTEXT),
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            if record is not None:
                await record(conn, account)
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)
        return Created(account, uri)

    async def verify(self, username: str, password: str, code: str) -> StaffAccount | None:
        """The account when password and TOTP code are right (and the code unused)."""
        username = username.strip().lower()
        async with self._db.transaction() as conn:
            row = await self._by_username(conn, username)
            if row is None or row.source != "local" or not row.active:
                _spend(password)
                return None
            try:
                _hasher.verify(str(row.password_hash), password)
            except (VerificationError, InvalidHashError):
                return None
            secret = self._keyring.decrypt(str(row.totp_secret), context=TOTP_CONTEXT)
            step = _matching_step(secret, code.strip(), self._now())
            if step is None or (row.last_totp_step is not None and step <= row.last_totp_step):
                return None
            values: dict[str, object] = {"last_totp_step": step}
            if _hasher.check_needs_rehash(str(row.password_hash)):
                values["password_hash"] = _hasher.hash(password)
            await conn.execute(
                update(staff_table).where(staff_table.c.id == row.id).values(**values)
            )
            return _account(row)

    async def vouched(
        self, subject: str, username: str, name: str, roles: frozenset[Role]
    ) -> StaffAccount:
        """An account an identity provider signed in: created or updated with the roles
        the provider gives now (the provider is the source of truth for them)."""
        now = self._now()
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"oidc:{subject}"))
        async with self._db.transaction() as conn:
            row = (await conn.execute(select(staff_table).where(staff_table.c.id == key))).first()
            if row is None:
                await conn.execute(
                    insert(staff_table).values(
                        id=key,
                        username=_sso_username(username),
                        name=name,
                        roles=_roles_text(roles),
                        source="oidc",
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
            else:
                await conn.execute(
                    update(staff_table)
                    .where(staff_table.c.id == key)
                    .values(name=name, roles=_roles_text(roles), updated_at=now)
                )
            row = (await conn.execute(select(staff_table).where(staff_table.c.id == key))).one()
            return _account(row)

    async def get(self, staff_id: str) -> StaffAccount | None:
        async with self._db.read() as conn:
            row = (
                await conn.execute(select(staff_table).where(staff_table.c.id == staff_id))
            ).first()
        return None if row is None else _account(row)

    async def all(self) -> list[StaffAccount]:
        async with self._db.read() as conn:
            rows = (await conn.execute(select(staff_table).order_by(staff_table.c.username))).all()
        return [_account(r) for r in rows]

    async def set_roles(
        self, staff_id: str, roles: frozenset[Role], record: Record | None = None
    ) -> None:
        if not roles:
            raise AccountError("NO_ROLES", "a staff account needs at least one role")
        await self._change(staff_id, record, roles=_roles_text(roles))

    async def set_active(self, staff_id: str, active: bool, record: Record | None = None) -> None:
        await self._change(staff_id, record, active=active)

    async def _change(self, staff_id: str, record: Record | None, **values: object) -> None:
        async with self._db.transaction() as conn:
            done = await conn.execute(
                update(staff_table)
                .where(staff_table.c.id == staff_id)
                .values(updated_at=self._now(), **values)
            )
            if done.rowcount == 0:
                raise AccountError("NO_SUCH_STAFF", "no such staff account")
            if record is not None:
                row = (
                    await conn.execute(select(staff_table).where(staff_table.c.id == staff_id))
                ).one()
                await record(conn, _account(row))

    @staticmethod
    async def _by_username(conn: AsyncConnection, username: str) -> Row[Any] | None:
        return (
            await conn.execute(select(staff_table).where(staff_table.c.username == username))
        ).first()


def _sso_username(username: str) -> str:
    # Provider usernames live beside local ones: suffix them so they cannot collide.
    return f"{username.strip().lower()[:40]}@sso"


def _spend(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose code ``code`` is, allowing one step of clock drift."""
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None
