"""Editing the texts of flows per language: pick a key, see each language's text, publish
an override after the checks ``teller flows check`` makes (flows.text_overrides), or
withdraw it. The running catalog takes a published text at once; a refused one changes
nothing and says why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.context import Backoffice, backoffice, conversations
from backoffice.roles import Role
from backoffice.security import Refused, audit, require
from backoffice.sessions import Staff
from backoffice.texts import text
from backoffice.web import render
from flows.catalog import DEFAULT_LANGUAGE, LANGUAGES, Catalog
from flows.service import Conversations
from flows.text_overrides import (
    Refusal,
    button_keys,
    check_override,
    load_overrides,
    publish,
    withdraw,
)

router = APIRouter(prefix="/texts")

Marketer = Annotated[Staff, Depends(require(Role.MARKETER))]
Bo = Annotated[Backoffice, Depends(backoffice)]
Chats = Annotated[Conversations, Depends(conversations)]
PAGE = 50  # keys listed at most


def known(catalog: Catalog, key: str) -> str:
    if catalog.original(DEFAULT_LANGUAGE, key) is None:
        raise Refused(404, "NOT_FOUND", "No such text.")
    return key


def explain(staff: Staff, refusal: Refusal) -> str:
    key = f"marketing.text_problem.{refusal.problem.value}"
    return text(
        staff.language,
        key,
        limit=refusal.limit,
        expected=", ".join("{" + n + "}" for n in refusal.expected) or "—",
        found=", ".join("{" + n + "}" for n in refusal.found) or "—",
    )


@router.get("")
async def keys(request: Request, staff: Marketer, chats: Chats, q: str = "") -> Response:
    catalog = chats.services.catalog
    wanted = q.strip().lower()[:100]
    every = sorted(catalog.keys(DEFAULT_LANGUAGE))
    found = [
        k
        for k in every
        if not wanted
        or wanted in k.lower()
        or wanted in (catalog.template(DEFAULT_LANGUAGE, k) or "").lower()
    ]
    rows = [(k, catalog.template(DEFAULT_LANGUAGE, k) or "") for k in found[:PAGE]]
    return render(
        request,
        "marketing/texts.html",
        staff,
        q=q[:100],
        rows=rows,
        more=max(0, len(found) - PAGE),
    )


async def key_page(
    request: Request,
    staff: Staff,
    bo: Backoffice,
    chats: Conversations,
    key: str,
    *,
    status: int = 200,
    problems: dict[str, list[str]] | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    catalog = chats.services.catalog
    published = {(o.language, o.key): o for o in await load_overrides(bo.db) if o.key == key}
    languages = [
        {
            "code": lang,
            "current": (typed or {}).get(lang, catalog.template(lang, key) or ""),
            "original": catalog.original(lang, key) or "",
            "override": published.get((lang, key)),
            "problems": (problems or {}).get(lang, []),
        }
        for lang in LANGUAGES
    ]
    return render(request, "marketing/text.html", staff, status=status, key=key, entries=languages)


@router.get("/{key}")
async def show(request: Request, key: str, staff: Marketer, bo: Bo, chats: Chats) -> Response:
    return await key_page(request, staff, bo, chats, known(chats.services.catalog, key))


@router.post("/{key}")
async def publish_text(
    request: Request,
    key: str,
    staff: Marketer,
    bo: Bo,
    chats: Chats,
    language: Annotated[str, Form(max_length=8)] = "",
    value: Annotated[str, Form(alias="text", max_length=20_000)] = "",
) -> Response:
    catalog = chats.services.catalog
    known(catalog, key)
    refusals = check_override(catalog, button_keys(chats.services.flows), language, key, value)
    target = f"text:{language}:{key}"
    if refusals:
        async with bo.db.transaction() as conn:
            codes = [r.problem.value for r in refusals]
            await audit(conn, bo, staff, "publish_text", target, {"problems": codes}, "refused")
        if language not in LANGUAGES:
            raise Refused(404, "NOT_FOUND", "No such language.")
        return await key_page(
            request,
            staff,
            bo,
            chats,
            key,
            status=422,
            problems={language: [explain(staff, r) for r in refusals]},
            typed={language: value},
        )
    async with bo.db.transaction() as conn:
        await publish(conn, language, key, value, staff.username, bo.clock())
        await audit(conn, bo, staff, "publish_text", target, {"length": len(value)})
    catalog.override(language, key, value)
    return RedirectResponse(f"/backoffice/marketing/texts/{key}", status_code=303)


@router.post("/{key}/withdraw")
async def withdraw_text(
    key: str,
    staff: Marketer,
    bo: Bo,
    chats: Chats,
    language: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    catalog = chats.services.catalog
    known(catalog, key)
    if language not in LANGUAGES:
        raise Refused(404, "NOT_FOUND", "No such language.")
    async with bo.db.transaction() as conn:
        if await withdraw(conn, language, key):
            await audit(conn, bo, staff, "withdraw_text", f"text:{language}:{key}")
    catalog.override(language, key, None)
    return RedirectResponse(f"/backoffice/marketing/texts/{key}", status_code=303)
