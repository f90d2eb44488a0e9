"""The back office's staff pages (admins): accounts with their roles and status, new
local accounts (the TOTP enrolment shown once), role changes, deactivation.

An admin cannot take away their own admin role or deactivate themselves, so the bank
always keeps the admin who is acting. Deactivating ends the account's sessions at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from backoffice.accounts import AccountError, Record, StaffAccount
from backoffice.context import Backoffice, backoffice
from backoffice.roles import Role
from backoffice.security import Refused, audit, require
from backoffice.sessions import Staff
from backoffice.staff.enrolment import enrolment, password_problems
from backoffice.web import render

router = APIRouter(prefix="/backoffice/staff")
admins = require(Role.ADMIN)
ROLES = list(Role)


async def _account(bo: Backoffice, staff_id: str) -> StaffAccount:
    account = await bo.accounts.get(staff_id[:40])
    if account is None:
        raise Refused(404, "NOT_FOUND", "No such staff account.")
    return account


async def _record(
    bo: Backoffice,
    staff: Staff,
    action: str,
    target: str,
    details: dict[str, object],
    outcome: str = "ok",
) -> None:
    async with bo.db.transaction() as conn:
        await audit(conn, bo, staff, action, target, details, outcome)


def _recorder(bo: Backoffice, staff: Staff, action: str, details: dict[str, object]) -> Record:
    """The change's audit record, written in the change's own transaction."""

    async def record(conn: AsyncConnection, account: StaffAccount) -> None:
        await audit(conn, bo, staff, action, f"staff:{account.id}", details)

    return record


def _chosen_roles(values: list[str]) -> frozenset[Role]:
    return frozenset(Role(v) for v in values if v in Role._value2member_map_)


def _roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(r.value for r in roles))


@router.get("")
async def accounts(request: Request, staff: Annotated[Staff, Depends(admins)]) -> Response:
    found = await backoffice(request).accounts.all()
    return render(request, "staff/list.html", staff, accounts=found)


def _new_form(
    request: Request,
    staff: Staff,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    username: str = "",
    name: str = "",
    roles: frozenset[Role] = frozenset(),
) -> Response:
    return render(
        request,
        "staff/new.html",
        staff,
        status=status,
        errors=errors or [],
        username=username,
        name=name,
        chosen=roles,
        roles=ROLES,
    )


@router.get("/new")
async def new_form(request: Request, staff: Annotated[Staff, Depends(admins)]) -> Response:
    return _new_form(request, staff)


@router.post("/new")
async def create(
    request: Request,
    staff: Annotated[Staff, Depends(admins)],
    username: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
    confirmation: Annotated[str, Form(max_length=500)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    bo = backoffice(request)
    chosen = _chosen_roles(roles or [])
    errors = password_problems(username, password, confirmation)
    if not name.strip():
        errors.append("staff.name_missing")
    if not chosen:
        errors.append("staff.roles_missing")
    created = None
    if not errors:
        try:
            created = await bo.accounts.create(
                username,
                name.strip(),
                chosen,
                password,
                _recorder(
                    bo,
                    staff,
                    "staff_created",
                    {"username": username.strip().lower(), "roles": _roles_text(chosen)},
                ),
            )
        except AccountError as exc:
            errors.append(f"staff.error_{exc.code}")
    if created is None:
        clean = username.strip().lower()[:64]
        await _record(
            bo,
            staff,
            "staff_created",
            f"staff:{clean or '?'}",
            {"username": clean, "problems": ",".join(errors)},
            "rejected:INVALID",
        )
        return _new_form(
            request, staff, status=422, errors=errors, username=username, name=name, roles=chosen
        )
    account = created.account
    # The enrolment is in this answer only: the secret is stored encrypted and never shown
    # again (the page is no-store; reloading it would post the form again and be refused).
    return render(
        request,
        "staff/created.html",
        staff,
        account=account,
        enrolment=enrolment(created.totp_uri),
    )


@router.get("/{staff_id}")
async def account(
    request: Request, staff_id: str, staff: Annotated[Staff, Depends(admins)]
) -> Response:
    found = await _account(backoffice(request), staff_id)
    return render(
        request,
        "staff/account.html",
        staff,
        account=found,
        roles=ROLES,
        message=request.query_params.get("done", ""),
    )


@router.post("/{staff_id}/roles")
async def change_roles(
    request: Request,
    staff_id: str,
    staff: Annotated[Staff, Depends(admins)],
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    bo = backoffice(request)
    target = await _account(bo, staff_id)
    chosen = _chosen_roles(roles or [])
    where = f"staff:{target.id}"
    details: dict[str, object] = {
        "username": target.username,
        "before": _roles_text(target.roles),
        "after": _roles_text(chosen),
    }
    if target.source != "local":
        await _record(bo, staff, "staff_roles_changed", where, details, "rejected:FROM_PROVIDER")
        raise Refused(409, "ROLES_FROM_PROVIDER", "The identity provider decides these roles.")
    if target.id == staff.id and Role.ADMIN not in chosen:
        await _record(bo, staff, "staff_roles_changed", where, details, "rejected:OWN_ADMIN")
        raise Refused(409, "OWN_ADMIN_ROLE", "You cannot remove your own admin role.")
    if not chosen:
        await _record(bo, staff, "staff_roles_changed", where, details, "rejected:NO_ROLES")
        raise Refused(422, "NO_ROLES", "A staff account needs at least one role.")
    await bo.accounts.set_roles(
        target.id, chosen, _recorder(bo, staff, "staff_roles_changed", details)
    )
    if target.id != staff.id:
        # Their open pages were drawn for the old roles: they sign in again.
        await bo.sessions.end_all(target.id)
    return RedirectResponse(f"/backoffice/staff/{target.id}?done=roles", status_code=303)


async def _set_active(request: Request, staff_id: str, staff: Staff, active: bool) -> Response:
    bo = backoffice(request)
    target = await _account(bo, staff_id)
    action = "staff_reactivated" if active else "staff_deactivated"
    where = f"staff:{target.id}"
    details: dict[str, object] = {"username": target.username}
    if target.id == staff.id:
        await _record(bo, staff, action, where, details, "rejected:SELF")
        raise Refused(409, "OWN_ACCOUNT", "You cannot deactivate your own account.")
    await bo.accounts.set_active(target.id, active, _recorder(bo, staff, action, details))
    await bo.sessions.end_all(target.id)
    done = "reactivated" if active else "deactivated"
    return RedirectResponse(f"/backoffice/staff/{target.id}?done={done}", status_code=303)


@router.post("/{staff_id}/deactivate")
async def deactivate(
    request: Request, staff_id: str, staff: Annotated[Staff, Depends(admins)]
) -> Response:
    return await _set_active(request, staff_id, staff, False)


@router.post("/{staff_id}/reactivate")
async def reactivate(
    request: Request, staff_id: str, staff: Annotated[Staff, Depends(admins)]
) -> Response:
    return await _set_active(request, staff_id, staff, True)
