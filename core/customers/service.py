"""Customer commands and queries; personal data is encrypted before it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events, idempotency
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.crypto import Keyring
from core.customers.model import (
    CustomerView,
    KycStatus,
    normalize_email,
    normalize_phone,
    validate_language,
    validate_name,
)
from core.errors import CoreError, NotFound, ValidationFailed
from core.persistence.database import Database
from core.persistence.tables import customers
from core.persistence.types import AnyRow

_NAME, _PHONE, _EMAIL = "customer.full_name", "customer.phone", "customer.email"


# Read on every turn that shows a customer's money; built once (building costs more than
# running it).
_BY_ID = select(customers).where(customers.c.id == bindparam("customer_id"))


class CustomerNotFound(NotFound):
    code = "CUSTOMER_NOT_FOUND"
    default_message = "No such customer."


class CustomerExists(CoreError):
    code = "CUSTOMER_EXISTS"
    http_status = 409
    default_message = "A customer with this phone number or e-mail already exists."


@dataclass(frozen=True, slots=True)
class NewCustomer:
    full_name: str
    language: str = "en"
    phone: str | None = None
    email: str | None = None


class CustomerService:
    def __init__(self, db: Database, clock: Clock, keyring: Keyring) -> None:
        self._db = db
        self._clock = clock
        self._keys = keyring

    async def create(
        self, new: NewCustomer, actor: Actor, *, idempotency_key: str | None = None
    ) -> CustomerView:
        """Register a customer (unverified until KYC decides).

        With an idempotency key, a repeated request returns the customer it first created.
        """
        now = self._clock.now()
        try:
            name = validate_name(new.full_name)
            language = validate_language(new.language)
            phone = normalize_phone(new.phone) if new.phone else None
            email = normalize_email(new.email) if new.email else None
            customer_id = uuid4()
            async with self._db.transaction() as conn:
                if idempotency_key is not None:
                    # Keyed, so the stored fingerprint reveals nothing about the person.
                    fields = self._keys.blind_index(
                        repr((name, language, phone, email)), context="idempotency"
                    )
                    claim = await idempotency.claim(
                        conn,
                        scope=str(actor),
                        key=idempotency_key,
                        command="create_customer",
                        fingerprint_=idempotency.fingerprint("create_customer", {"f": fields}),
                        resource_id=customer_id,
                        at=now,
                    )
                    if not claim.is_new:
                        return self._view(await self._row(conn, claim.resource_id))
                phone_index = self._index(phone, _PHONE)
                email_index = self._index(email, _EMAIL)
                await self._ensure_unique(conn, phone_index, email_index)
                await conn.execute(
                    insert(customers).values(
                        id=customer_id,
                        full_name_enc=self._keys.encrypt(name, context=_NAME),
                        phone_enc=self._encrypt(phone, _PHONE),
                        phone_index=phone_index,
                        email_enc=self._encrypt(email, _EMAIL),
                        email_index=email_index,
                        language=language,
                        kyc_status=KycStatus.UNVERIFIED.value,
                        created_at=now,
                        updated_at=now,
                    )
                )
                await events.record(
                    conn,
                    "customer.registered",
                    customer_id,
                    {"customer_id": str(customer_id)},
                    now,
                )
                await record(conn, now, actor, "create_customer", f"customer:{customer_id}")
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "create_customer", "customer:new", exc)
            raise
        return CustomerView(customer_id, name, phone, email, language, KycStatus.UNVERIFIED, now)

    async def get(self, customer_id: UUID) -> CustomerView:
        async with self._db.read() as conn:
            return self._view(await self._row(conn, customer_id))

    async def _row(self, conn: AsyncConnection, customer_id: UUID) -> AnyRow:
        row = (await conn.execute(_BY_ID, {"customer_id": customer_id})).one_or_none()
        if row is None:
            raise CustomerNotFound(customer_id=str(customer_id))
        return row

    async def find_by_phone(self, phone: str) -> CustomerView:
        """Look a customer up by phone through its keyed hash, never by decrypting all."""
        index = self._index(normalize_phone(phone), _PHONE)
        async with self._db.read() as conn:
            row = (
                await conn.execute(select(customers).where(customers.c.phone_index == index))
            ).one_or_none()
        if row is None:
            raise CustomerNotFound()
        return self._view(row)

    async def set_kyc_status(
        self, customer_id: UUID, status: KycStatus, actor: Actor
    ) -> CustomerView:
        return await self._update(
            customer_id,
            actor,
            "set_kyc_status",
            {"kyc_status": status.value},
            "customer.kyc_changed",
        )

    async def change_contact(
        self,
        customer_id: UUID,
        actor: Actor,
        *,
        phone: str | None = None,
        email: str | None = None,
    ) -> CustomerView:
        """Replace the customer's phone number and/or e-mail (confirmed by the caller).

        A number or address another customer has is ``CUSTOMER_EXISTS``. The outbox gets
        ``customer.contact_changed`` (with which contact, never its value): a new contact
        is how account takeovers start, so the risk rules watch the first payment after
        it, and the customer is told on the old channel too.
        """
        now = self._clock.now()
        target = f"customer:{customer_id}"
        try:
            if phone is None and email is None:
                raise ValidationFailed("give a new phone number or e-mail", field="contact")
            new: dict[str, tuple[str, str | None, str | None]] = {}  # name → column values
            if phone is not None:
                number = normalize_phone(phone)
                new["phone"] = (
                    "phone",
                    self._encrypt(number, _PHONE),
                    self._index(number, _PHONE),
                )
            if email is not None:
                address = normalize_email(email)
                new["email"] = (
                    "email",
                    self._encrypt(address, _EMAIL),
                    self._index(address, _EMAIL),
                )
            async with self._db.transaction() as conn:
                row = await self._row(conn, customer_id)
                changed = [
                    name
                    for name, (column, _, index) in new.items()
                    if index != getattr(row, f"{column}_index")
                ]
                if not changed:
                    return self._view(row)  # the same contact again: nothing changes
                await self._ensure_unique(
                    conn,
                    new["phone"][2] if "phone" in changed else None,
                    new["email"][2] if "email" in changed else None,
                )
                values: dict[str, str | None] = {}
                for name in changed:
                    column, token, index = new[name]
                    values[f"{column}_enc"] = token
                    values[f"{column}_index"] = index
                await conn.execute(
                    update(customers)
                    .where(customers.c.id == customer_id)
                    .values(**values, updated_at=now)
                )
                payload = {"customer_id": str(customer_id), "changed": changed}
                await events.record(conn, "customer.contact_changed", customer_id, payload, now)
                await record(conn, now, actor, "change_contact", target, {"changed": changed})
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "change_contact", target, exc)
            raise
        return await self.get(customer_id)

    async def set_language(self, customer_id: UUID, language: str, actor: Actor) -> CustomerView:
        return await self._update(
            customer_id, actor, "set_language", {"language": validate_language(language)}, None
        )

    async def rotate_encryption(self, actor: Actor, *, batch: int = 500) -> int:
        """Re-encrypt personal data still under an older key; returns rows changed."""
        changed = 0
        after: UUID | None = None
        while True:
            async with self._db.transaction() as conn:
                query = select(customers).order_by(customers.c.id).limit(batch)
                if after is not None:
                    query = query.where(customers.c.id > after)
                rows = (await conn.execute(query.with_for_update())).all()
                for row in rows:
                    values = self._rotated(row)
                    if values:
                        await conn.execute(
                            update(customers).where(customers.c.id == row.id).values(**values)
                        )
                        changed += 1
                if rows:
                    after = rows[-1].id
                await record(
                    conn,
                    self._clock.now(),
                    actor,
                    "rotate_encryption",
                    "customers",
                    {"rows": len(rows)},
                )
            if len(rows) < batch:
                return changed

    # -- helpers ----------------------------------------------------------------------

    async def _update(
        self,
        customer_id: UUID,
        actor: Actor,
        action: str,
        values: dict[str, str],
        event: str | None,
    ) -> CustomerView:
        now = self._clock.now()
        target = f"customer:{customer_id}"
        try:
            async with self._db.transaction() as conn:
                result = await conn.execute(
                    update(customers)
                    .where(customers.c.id == customer_id)
                    .values(**values, updated_at=now)
                )
                if result.rowcount == 0:
                    raise CustomerNotFound(customer_id=str(customer_id))
                if event is not None:
                    await events.record(
                        conn, event, customer_id, {"customer_id": str(customer_id), **values}, now
                    )
                await record(conn, now, actor, action, target, values)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, action, target, exc)
            raise
        return await self.get(customer_id)

    def _rotated(self, row: AnyRow) -> dict[str, str]:
        values: dict[str, str] = {}
        for column, context in (
            ("full_name_enc", _NAME),
            ("phone_enc", _PHONE),
            ("email_enc", _EMAIL),
        ):
            token = getattr(row, column)
            if token is not None and self._keys.needs_rotation(token):
                values[column] = self._keys.rotate(token, context=context)
        return values

    async def _ensure_unique(
        self, conn: AsyncConnection, phone_index: str | None, email_index: str | None
    ) -> None:
        for column, value in (
            (customers.c.phone_index, phone_index),
            (customers.c.email_index, email_index),
        ):
            if (
                value is not None
                and (await conn.execute(select(customers.c.id).where(column == value))).first()
                is not None
            ):
                raise CustomerExists()

    def _index(self, value: str | None, context: str) -> str | None:
        return None if value is None else self._keys.blind_index(value, context=context)

    def _encrypt(self, value: str | None, context: str) -> str | None:
        return None if value is None else self._keys.encrypt(value, context=context)

    def _view(self, row: AnyRow) -> CustomerView:
        def dec(token: object, context: str) -> str | None:
            return None if token is None else self._keys.decrypt(str(token), context=context)

        return CustomerView(
            id=row.id,
            full_name=dec(row.full_name_enc, _NAME) or "",
            phone=dec(row.phone_enc, _PHONE),
            email=dec(row.email_enc, _EMAIL),
            language=row.language,
            kyc_status=KycStatus(row.kyc_status),
            created_at=row.created_at,
        )
