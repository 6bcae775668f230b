"""登录 / 退出 — signing in and out of the UI, and the home page that sends each role to its
own first page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from api.deps import SESSION_COOKIE, engine_of
from api.web.core import ViewerDep, read_form, redirect, render, safe_next
from api.web.core import home_for as home_path
from gkcase.db import unit_of_work
from gkcase.errors import GkcaseError
from gkcase.services import auth

router = APIRouter()


@router.get("/")
def home(viewer: ViewerDep) -> Response:
    return redirect(home_path(viewer))


@router.get("/login")
def login_form(
    request: Request, next: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    return render(request, "login.html", title="登录", next=safe_next(next, ""), values={})


@router.post("/login")
def log_in(
    request: Request,
    username: Annotated[str, Form(max_length=60)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = {"username": username}
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "请输入用户名"
    if not password:
        errors["password"] = "请输入密码"
    if errors:
        return render(
            request,
            "login.html",
            title="登录",
            next=safe_next(next, ""),
            values=values,
            errors=errors,
            status_code=422,
        )
    client = request.client.host if request.client else ""
    try:
        with unit_of_work(engine_of(request)) as session:
            done = auth.log_in(session, username, password, client=client)
    except GkcaseError as exc:
        if isinstance(exc, auth.NotAuthenticated):
            with unit_of_work(engine_of(request)) as session:
                auth.record_failure(session, username, client=client)
        status = 429 if isinstance(exc, auth.LoginThrottled) else 401
        return render(
            request,
            "login.html",
            title="登录",
            next=safe_next(next, ""),
            values=values,
            errors={"_": exc.message},
            status_code=status,
        )
    response = redirect(safe_next(next, "/"))
    response.set_cookie(
        SESSION_COOKIE,
        done.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path="/",
    )
    return response


@router.post("/logout")
async def log_out(request: Request, viewer: ViewerDep) -> Response:
    await read_form(request, viewer)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with unit_of_work(engine_of(request)) as session:
            auth.log_out(session, token)
    response = redirect("/login", "已退出登录")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
