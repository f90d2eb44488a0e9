"""Rendering pages: one Jinja2 environment over ``backoffice/templates`` (each area has
its own folder), autoescaped, with the staff member's language, CSRF token and menu in
every page. Pages are never cached and never framed: they show personal data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from backoffice.navigation import sections_for
from backoffice.sessions import LANGUAGES, Staff
from backoffice.texts import text

TEMPLATES = Path(__file__).with_name("templates")

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def render(
    request: Request,
    template: str,
    staff: Staff | None,
    *,
    status: int = 200,
    language: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` for ``staff`` (None on the sign-in page)."""
    lang = language or (staff.language if staff else "en")

    def t(key: str, **values: object) -> str:
        return text(lang, key, **values)

    html = environment.get_template(template).render(
        request=request,
        staff=staff,
        t=t,
        lang=lang,
        languages=LANGUAGES,
        csrf=staff.csrf if staff else "",
        sections=sections_for(staff.roles) if staff else [],
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
