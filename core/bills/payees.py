"""Saved payees: a biller and a customer's details for it, under a name of their own.

The details and the name are encrypted with the Keyring; the list shows them masked. A
keyed hash of (customer, biller, details) — the *target* — finds a payee's payments, and
keeps a customer from saving the same details twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.bills import repository as repo
from core.bills.catalogue import Catalogue
from core.bills.errors import BillerNotFound, BillFieldsInvalid, PayeeExists, PayeeNotFound
from core.bills.model import PayeeView, masked_fields
from core.clock import Clock
from core.crypto import Keyring
from core.customers.service import CustomerNotFound
from core.errors import CoreError, ValidationFailed
from core.persistence.database import Database
from core.persistence.tables import customers
from core.persistence.types import AnyRow

NAME_CONTEXT = "bills.payee.name"
FIELDS_CONTEXT = "bills.payee.fields"
MAX_NAME = 60


def target_index(
    keys: Keyring, customer_id: UUID, biller_id: str, fields: Mapping[str, str]
) -> str:
    """The keyed hash naming "these details at this biller, for this customer"."""
    text = json.dumps([str(customer_id), biller_id, sorted(fields.items())])
    return keys.blind_index(text, context="bills.target")


def check_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise ValidationFailed(f"a name of 1 to {MAX_NAME} printable characters", field="name")
    return name


class Payees:
    """Save, list, rename and delete a customer's payees."""

    def __init__(self, db: Database, clock: Clock, keyring: Keyring, catalogue: Catalogue) -> None:
        self._db, self._clock, self._keys, self._catalogue = db, clock, keyring, catalogue

    async def save(
        self,
        customer_id: UUID,
        biller_id: str,
        fields: Mapping[str, object],
        name: str,
        actor: Actor,
    ) -> PayeeView:
        """Keep ``fields`` for ``biller_id`` under ``name``; :class:`PayeeExists` if the
        customer saved these details already."""
        now, target, payee_id = self._clock.now(), f"customer:{customer_id}", uuid4()
        try:
            label = check_name(name)
            biller = self._catalogue.get(biller_id)
            validation = biller.validate(fields, with_amount=False)
            if not validation.ok:
                raise BillFieldsInvalid(biller_id=biller.id, errors=validation.codes())
            values = {k: str(v) for k, v in validation.values.items()}
            index = target_index(self._keys, customer_id, biller.id, values)
            try:
                async with self._db.transaction() as conn:
                    await ensure_customer(conn, customer_id)
                    existing = await repo.payee_by_target(conn, customer_id, index)
                    if existing is not None:
                        raise PayeeExists(payee_id=str(existing.id))
                    await repo.insert_payee(
                        conn,
                        {
                            "id": payee_id,
                            "customer_id": customer_id,
                            "biller_id": biller.id,
                            "name_enc": self._keys.encrypt(label, context=NAME_CONTEXT),
                            "fields_enc": self._keys.encrypt(
                                json.dumps(values), context=FIELDS_CONTEXT
                            ),
                            "fields_masked": masked_fields(biller, values),
                            "target_index": index,
                            "created_at": now,
                            "updated_at": now,
                        },
                    )
                    details = {"payee_id": str(payee_id), "biller_id": biller.id}
                    await record(conn, now, actor, "save_bill_payee", target, details)
            except IntegrityError as exc:  # the same details saved at the same moment
                raise PayeeExists() from exc
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "save_bill_payee", target, exc)
            raise
        return await self.view(customer_id, payee_id)

    async def get(self, customer_id: UUID, payee_id: UUID) -> AnyRow:
        """The payee's row (for its target); :class:`PayeeNotFound` if not the customer's."""
        async with self._db.read() as conn:
            return await repo.payee(conn, customer_id, payee_id)

    async def view(self, customer_id: UUID, payee_id: UUID) -> PayeeView:
        return self._view(await self.get(customer_id, payee_id))

    async def of_customer(self, customer_id: UUID) -> list[PayeeView]:
        """The customer's payees, oldest first (an unknown customer has none)."""
        async with self._db.read() as conn:
            await ensure_customer(conn, customer_id)
            return [self._view(row) for row in await repo.payees(conn, customer_id)]

    async def details(self, customer_id: UUID, payee_id: UUID) -> tuple[str, dict[str, str]]:
        """The biller and the field values, decrypted, to pay the payee."""
        row = await self.get(customer_id, payee_id)
        fields = json.loads(self._keys.decrypt(row.fields_enc, context=FIELDS_CONTEXT))
        return row.biller_id, fields

    async def rename(
        self, customer_id: UUID, payee_id: UUID, name: str, actor: Actor
    ) -> PayeeView:
        now, target = self._clock.now(), f"customer:{customer_id}"
        try:
            label = check_name(name)
            async with self._db.transaction() as conn:
                changed = await repo.update_payee(
                    conn,
                    customer_id,
                    payee_id,
                    name_enc=self._keys.encrypt(label, context=NAME_CONTEXT),
                    updated_at=now,
                )
                if not changed:
                    raise PayeeNotFound(payee_id=str(payee_id))
                details = {"payee_id": str(payee_id)}
                await record(conn, now, actor, "rename_bill_payee", target, details)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "rename_bill_payee", target, exc)
            raise
        return await self.view(customer_id, payee_id)

    async def delete(self, customer_id: UUID, payee_id: UUID, actor: Actor) -> PayeeView:
        """Forget the payee (returned as it was); payments made to it stay as they were."""
        now, target = self._clock.now(), f"customer:{customer_id}"
        try:
            async with self._db.transaction() as conn:
                row = await repo.payee(conn, customer_id, payee_id)
                if not await repo.delete_payee(conn, customer_id, payee_id):
                    raise PayeeNotFound(payee_id=str(payee_id))
                details = {"payee_id": str(payee_id)}
                await record(conn, now, actor, "delete_bill_payee", target, details)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "delete_bill_payee", target, exc)
            raise
        return self._view(row)

    def _view(self, row: AnyRow) -> PayeeView:
        try:
            biller_name = self._catalogue.get(row.biller_id).name
        except BillerNotFound:
            biller_name = row.biller_id
        return PayeeView(
            id=row.id,
            customer_id=row.customer_id,
            biller_id=row.biller_id,
            biller_name=biller_name,
            name=self._keys.decrypt(row.name_enc, context=NAME_CONTEXT),
            fields=dict(row.fields_masked),
            created_at=row.created_at,
        )


async def ensure_customer(conn: AsyncConnection, customer_id: UUID) -> None:
    """:class:`CustomerNotFound` unless the customer exists."""
    found = await conn.execute(select(customers.c.id).where(customers.c.id == customer_id))
    if found.first() is None:
        raise CustomerNotFound(customer_id=str(customer_id))
