"""Logging in and out (browser sessions), and the caller's own identity."""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CSRF_HEADER, SESSION_COOKIE, CallerDep, SessionDep, engine_of
from api.routing import ApiRouter
from gkcase.db import unit_of_work
from gkcase.services import auth

router = ApiRouter(prefix="/api/auth", tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"username": "fgw_caseworker", "password": "demo-password"}]
        },
    )

    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


class Me(BaseModel):
    id: int
    username: str
    full_name: str
    agency_id: int
    roles: list[str]
    csrf_token: str = Field(default="", description=f"send it as {CSRF_HEADER} on writes")


@router.post("/login", response_model=Me, summary="登录（设置会话Cookie）")
def login(data: LoginIn, request: Request, response: Response) -> Me:
    client = request.client.host if request.client else ""
    # Units of work of its own: a failure is recorded after the failed attempt is rolled back.
    try:
        with unit_of_work(engine_of(request)) as session:
            done = auth.log_in(session, data.username, data.password, client=client)
    except auth.NotAuthenticated:
        with unit_of_work(engine_of(request)) as session:
            auth.record_failure(session, data.username, client=client)
        raise
    response.set_cookie(
        SESSION_COOKIE,
        done.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path="/",
    )
    user = done.user
    return Me(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        agency_id=user.agency_id,
        roles=sorted(user.role_set),
        csrf_token=done.csrf_token,
    )


@router.post("/logout", status_code=204, summary="退出登录")
def logout(request: Request, response: Response, session: SessionDep, caller: CallerDep) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.log_out(session, token)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=Me, summary="当前用户")
def me(caller: CallerDep) -> Me:
    user = caller.user
    return Me(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        agency_id=user.agency_id,
        roles=sorted(user.role_set),
        csrf_token=caller.csrf_token,
    )


class OwnTokenIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "统计脚本"}]}
    )

    name: str = Field(min_length=1, max_length=100, description="what it is for")


class OwnToken(BaseModel):
    id: int
    name: str
    token: str = Field(description="the bearer token: shown this once, never stored")


@router.post("/tokens", response_model=OwnToken, status_code=201, summary="为自己创建API令牌")
def own_token(data: OwnTokenIn, session: SessionDep, caller: CallerDep) -> OwnToken:
    """A bearer token that acts as the caller, and only the caller (an admin revokes it)."""
    user = caller.user
    row, token = auth.issue_api_token(session, name=data.name.strip(), user=user, issued_by=user)
    return OwnToken(id=row.id, name=row.name, token=token)
