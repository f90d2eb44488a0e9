"""The back office's audit pages: the log, searched and paged, and the chains' check.

Auditors and admins read; nothing here changes the bank. Reading is itself recorded
(``backoffice.audit_searched`` with the filters, ``backoffice.audit_verified`` with the
result): who looked into the log, and when, is part of the log (decision 0088).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from backoffice.audit.search import Page, Query, search
from backoffice.context import backoffice
from backoffice.roles import Role
from backoffice.security import audit, require
from backoffice.sessions import Staff
from backoffice.web import is_htmx, render
from core.audit.verify import AuditReport, verify_chain

router = APIRouter(prefix="/backoffice/audit")
readers = require(Role.AUDITOR, Role.ADMIN)
TARGET = "audit_log"
OUTCOMES = ("", "ok", "rejected")


def _text(request: Request, name: str, limit: int = 80) -> str:
    return request.query_params.get(name, "").strip()[:limit]


def _moment(value: str) -> datetime | None:
    """A ``datetime-local`` field (read as UTC), or None when empty or malformed."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _query(request: Request) -> tuple[Query, dict[str, str]]:
    """The search from the page's query string, and the fields as typed (to show again)."""
    fields = {
        name: _text(request, name)
        for name in ("actor", "action", "target", "outcome", "since", "until")
    }
    before = _text(request, "before", 20)
    query = Query(
        actor=fields["actor"],
        action=fields["action"],
        target=fields["target"],
        outcome=fields["outcome"],
        since=_moment(fields["since"]),
        until=_moment(fields["until"]),
        before=int(before) if before.isdigit() else None,
    )
    return query, fields


def _older_link(fields: dict[str, str], page: Page) -> str:
    if page.older is None:
        return ""
    kept = {k: v for k, v in fields.items() if v}
    return "/backoffice/audit?" + urlencode({**kept, "before": page.older})


@router.get("")
async def log(request: Request, staff: Annotated[Staff, Depends(readers)]) -> Response:
    bo = backoffice(request)
    query, fields = _query(request)
    async with bo.db.transaction() as conn:
        page = await search(conn, query)
        # Recorded after the search: the page shows the log as it was when asked.
        await audit(conn, bo, staff, "audit_searched", TARGET, query.details())
    newest = "/backoffice/audit?" + urlencode({k: v for k, v in fields.items() if v})
    return render(
        request,
        "audit/log.html",
        staff,
        page=page,
        fields=fields,
        outcomes=OUTCOMES,
        older=_older_link(fields, page),
        newest=newest if query.before is not None else "",
        report=None,
    )


@router.post("/verify")
async def verify(request: Request, staff: Annotated[Staff, Depends(readers)]) -> Response:
    """Walk every chain now (slow on a big log: it reads every record)."""
    bo = backoffice(request)
    async with bo.db.read() as conn:
        report = await verify_chain(conn)
    async with bo.db.transaction() as conn:
        await audit(conn, bo, staff, "audit_verified", TARGET, _summary(report))
    if is_htmx(request):
        return render(request, "audit/chain.html", staff, report=report)
    _, fields = _query(request)
    async with bo.db.read() as conn:
        page = await search(conn, Query())
    return render(
        request,
        "audit/log.html",
        staff,
        page=page,
        fields=fields,
        outcomes=OUTCOMES,
        older=_older_link(fields, page),
        newest="",
        report=report,
    )


def _summary(report: AuditReport) -> dict[str, object]:
    summary: dict[str, object] = {
        "records": report.records,
        "chains": report.chains,
        "problems": len(report.problems),
    }
    if report.problems:
        summary["first_problem"] = report.problems[0][:200]
    return summary
