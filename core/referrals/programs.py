"""Programs as data: marketers create, edit, schedule and pause them; promo codes."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID, uuid4

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.errors import CoreError, ValidationFailed
from core.persistence.database import Database
from core.referrals import repository as repo
from core.referrals.codes import new_code, read_code
from core.referrals.errors import (
    CodeExists,
    ProgramEnded,
    ProgramExists,
    ProgramStarted,
    WrongProgramKind,
)
from core.referrals.model import CodeView, Program, ProgramKind, ProgramStatus, ProgramTerms
from core.referrals.tables import referral_codes, referral_programs
from core.referrals.terms import check_terms, fixed_changes

_CODE_ATTEMPTS = 5


class ProgramService:
    """Referral and partner programs: their terms, schedule, pause and promo codes."""

    def __init__(self, db: Database, clock: Clock, currencies: tuple[str, ...]) -> None:
        self._db = db
        self._clock = clock
        self._currencies = currencies

    async def create(self, terms: ProgramTerms, actor: Actor) -> Program:
        """Create a program; it runs from ``starts_at`` (scheduled until then)."""
        now = self._clock.now()
        program_id = uuid4()
        try:
            checked = check_terms(terms, self._currencies)
            try:
                async with self._db.transaction() as conn:
                    await conn.execute(
                        insert(referral_programs).values(
                            id=program_id,
                            **repo.program_values(checked),
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    await repo.write_rates(conn, program_id, checked.cashback)
                    await record(
                        conn,
                        now,
                        actor,
                        "create_program",
                        f"program:{program_id}",
                        _summary(checked),
                    )
            except IntegrityError as exc:  # the unique name, taken meanwhile or before
                raise ProgramExists(name=checked.name) from exc
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "create_program", "program:new", exc)
            raise
        return Program(program_id, checked, now, now)

    async def edit(self, program_id: UUID, terms: ProgramTerms, actor: Actor) -> Program:
        """Replace a program's terms. Once it has started, only its end, caps, texts,
        pause and cashback may change (``PROGRAM_STARTED`` otherwise): customers who
        attached a code were promised the rest."""
        now = self._clock.now()
        target = f"program:{program_id}"
        try:
            checked = check_terms(terms, self._currencies)
            try:
                async with self._db.transaction() as conn:
                    current = await repo.find_program(conn, program_id, lock=True)
                    changed = fixed_changes(current.terms, checked)
                    if changed and current.status(now) is not ProgramStatus.SCHEDULED:
                        raise ProgramStarted(program_id=str(program_id), fields=",".join(changed))
                    await conn.execute(
                        update(referral_programs)
                        .where(referral_programs.c.id == program_id)
                        .values(**repo.program_values(checked), updated_at=now)
                    )
                    await repo.write_rates(conn, program_id, checked.cashback)
                    await record(conn, now, actor, "edit_program", target, _summary(checked))
            except IntegrityError as exc:
                raise ProgramExists(name=checked.name) from exc
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "edit_program", target, exc)
            raise
        return Program(program_id, checked, current.created_at, now)

    async def pause(self, program_id: UUID, actor: Actor) -> Program:
        """Stop the program: no codes attached or handed out, no rewards decided."""
        return await self._set_paused(program_id, True, actor)

    async def resume(self, program_id: UUID, actor: Actor) -> Program:
        return await self._set_paused(program_id, False, actor)

    async def get(self, program_id: UUID) -> Program:
        async with self._db.read() as conn:
            return await repo.find_program(conn, program_id)

    async def list_programs(
        self, *, kind: ProgramKind | None = None, status: ProgramStatus | None = None
    ) -> list[Program]:
        """Programs by start, optionally only of one kind or in one status now."""
        async with self._db.read() as conn:
            programs = await repo.list_programs(conn, kind)
        now = self._clock.now()
        return [p for p in programs if status is None or p.status(now) is status]

    async def add_promo_code(
        self, program_id: UUID, actor: Actor, code: str | None = None
    ) -> CodeView:
        """Add a promo code to a partner program: ``code`` as given, or a generated one."""
        now = self._clock.now()
        target = f"program:{program_id}"
        try:
            wanted = None
            if code is not None:
                wanted = read_code(code)
                if wanted is None:
                    raise ValidationFailed("a code is 4 to 32 letters and digits", field="code")
            async with self._db.transaction() as conn:
                program = await repo.find_program(conn, program_id)
                if program.terms.kind is not ProgramKind.PARTNER:
                    raise WrongProgramKind(
                        program_id=str(program_id), kind=program.terms.kind.value
                    )
                if program.status(now) is ProgramStatus.ENDED:
                    raise ProgramEnded(program_id=str(program_id))
                for _ in range(_CODE_ATTEMPTS):
                    candidate = wanted or new_code(
                        program.terms.code_prefix, program.terms.code_length
                    )
                    try:
                        async with conn.begin_nested():
                            await conn.execute(
                                insert(referral_codes).values(
                                    code=candidate,
                                    program_id=program_id,
                                    owner_id=None,
                                    created_at=now,
                                )
                            )
                    except IntegrityError:
                        if wanted is not None:
                            raise CodeExists(code=wanted) from None
                        continue  # a generated code met an existing one: draw again
                    await record(conn, now, actor, "add_promo_code", target, {"code": candidate})
                    return CodeView(candidate, program, None, now)
                raise RuntimeError("could not draw a free promo code")
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "add_promo_code", target, exc)
            raise

    async def _set_paused(self, program_id: UUID, paused: bool, actor: Actor) -> Program:
        now = self._clock.now()
        action = "pause_program" if paused else "resume_program"
        target = f"program:{program_id}"
        try:
            async with self._db.transaction() as conn:
                current = await repo.find_program(conn, program_id, lock=True)
                await conn.execute(
                    update(referral_programs)
                    .where(referral_programs.c.id == program_id)
                    .values(paused=paused, updated_at=now)
                )
                await record(conn, now, actor, action, target)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, action, target, exc)
            raise
        return replace(current, terms=replace(current.terms, paused=paused), updated_at=now)


def _summary(terms: ProgramTerms) -> dict[str, object]:
    """What the audit log keeps of a program's terms."""
    return {
        "name": terms.name,
        "kind": terms.kind.value,
        "qualifying_event": terms.qualifying_event.value,
        "reward_currency": terms.reward_currency,
        "referrer_reward": terms.referrer_reward,
        "referee_reward": terms.referee_reward,
        "starts_at": terms.starts_at.isoformat(),
        "ends_at": None if terms.ends_at is None else terms.ends_at.isoformat(),
        "paused": terms.paused,
    }
