"""Refusals on the UI's pages: a signed-out visitor goes to the login page; anything else is a
page in the layout that says what was refused and why (in Chinese), with the stable code."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from api.deps import SESSION_COOKIE, engine_of
from api.web.core import Viewer, redirect, render, viewer_of
from gkcase.db import read_session
from gkcase.errors import GkcaseError
from gkcase.services import auth

_TITLES = {
    401: "请先登录",
    403: "无权操作",
    404: "未找到",
    409: "无法办理",
    422: "输入有误",
    429: "操作过于频繁",
}


def _viewer_if_any(request: Request) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        with read_session(engine_of(request)) as session:
            return viewer_of(session, auth.from_session_token(session, token))
    except GkcaseError:
        return None


def page(request: Request, status: int, message: str, code: str = "") -> Response:
    return render(
        request,
        "error.html",
        _viewer_if_any(request),
        status_code=status,
        title=_TITLES.get(status, "出错了"),
        message=message,
        code=code or f"http.{status}",
    )


def refusal(request: Request, exc: GkcaseError, status: int) -> Response:
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/login?next={quote(target, safe='')}", exc.message)
    return page(request, status, exc.message, exc.code)
