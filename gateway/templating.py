"""Jinja2 for the web faces: one environment, the language switch and the date filters.

Pages are Chinese first; ``?lang=en`` (remembered in a ``lang`` cookie) switches to English.
Templates write both texts side by side with ``t("中文", "English")``, so a page never shows a
key instead of a text and a translation sits next to what it translates. Dates are shown as
``2026年12月4日`` in Chinese and ISO in English; data (JSON twins, downloads) stay ISO.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "web" / "templates"
LANGS = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)


def lang_of(request: Request) -> str:
    """The page language: ``?lang=`` first, then the ``lang`` cookie, then Chinese."""
    asked = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return asked if asked in LANGS else "zh"


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def format_date(value: Any, lang: str) -> str:
    """``2026年12月4日`` (zh) or ``2026-12-04`` (en); text that is no date is shown as is."""
    day = _as_date(value)
    if day is None:
        return "" if value is None else str(value)
    return day.isoformat() if lang == "en" else f"{day.year}年{day.month}月{day.day}日"


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    page: str = "",
) -> HTMLResponse:
    """Render ``template`` with the language, the translator and the date filter bound."""
    lang = lang_of(request)

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    body = _env.get_template(template).render(
        request=request,
        lang=lang,
        html_lang=HTML_LANG[lang],
        t=t,
        date=lambda value: format_date(value, lang),
        page=page,
        switch_url=_switch_url(request, "en" if lang == "zh" else "zh"),
        **context,
    )
    response = HTMLResponse(body, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def _switch_url(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = lang
    query = "&".join(f"{k}={_quote(v)}" for k, v in params.items())
    return f"{request.url.path}?{query}"


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
