"""One worker thread per API request.

FastAPI runs every sync dependency, a sync endpoint, and the validation of a sync endpoint's
return value each in a worker thread of its own. For a case read that was three hops from the
event loop to a thread and back (the caller's look-up, the endpoint, the response); for a change,
five (the unit of work begun, the caller, the endpoint, the response, the commit). A hop costs
more than the work of a small request, and at 300 reads/s on two cores they were a sixth of the
workers' CPU (docs/performance.md, "HTTP load").

An :class:`ApiRouter` wraps each plain ``def`` endpoint so that one hop does it all: the
database session opened (read-only for GET, a unit of work otherwise, as ``SessionDep`` would),
the caller found (as ``CallerDep``, ``CurrentUser`` and ``AdminUser`` would), the endpoint run,
the unit of work committed or rolled back, and the return value validated against the route's
response model and serialized to JSON. The endpoints keep their signatures; the API's schema is
the same (tests/api/test_routing.py).

What stays on the event loop is what needs no database: the request's fields parsed and checked,
and its credentials read off it — a request that presents none is refused before anything else.
A request that presents credentials *and* malformed fields is the one case that needs care:
FastAPI reports the fields (422) before the endpoint's thread would have found the credentials
wrong; :func:`refusal_before_validation` checks them first, so a stranger still gets 401, a
caller without the CSRF token 403, a non-administrator 403, and never a description of what a
valid request would look like.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import update_wrapper
from typing import Annotated, Any, get_args, get_origin

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import ResponseValidationError
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from starlette.responses import Response

from api.deps import (
    _SAFE,
    Credentials,
    admin_only,
    caller_of,
    credentials_of,
    engine_of,
    get_caller,
    get_session,
    get_user,
    require_admin,
)
from gkcase.db import read_session, unit_of_work
from gkcase.errors import GkcaseError
from gkcase.services import auth

#: What each way of asking for the caller is given, from the caller.
_FROM_CALLER: dict[Callable[..., Any], Callable[[auth.Caller], Any]] = {
    get_caller: lambda caller: caller,
    get_user: lambda caller: caller.user,
    require_admin: lambda caller: admin_only(caller.user),
}

# The wrapper's own parameters; FastAPI fills them by their annotations, never by these names.
_REQUEST = "gk_request_"
_CREDENTIALS = "gk_credentials_"
_UNCHECKED = "gk_unchecked_credentials"


@dataclass
class _Plan:
    """How one endpoint's parameters are filled in its thread, and its response made."""

    endpoint: Callable[..., Any]
    session: list[str] = field(default_factory=list)  # parameters given the session
    caller: dict[str, Callable[[auth.Caller], Any]] = field(default_factory=dict)
    response: str | None = None  # the parameter given FastAPI's sub-response, if any
    request: str = _REQUEST  # the parameter given the request (the endpoint's own, if it has one)
    admin: bool = False  # whether a parameter asks for an administrator
    adapter: TypeAdapter | None = None  # the response model, when the answer is plain JSON
    dump: dict[str, Any] = field(default_factory=dict)
    status_code: int = 200

    async def credentials(self, request: Request) -> Credentials:
        """The request's credentials, read on the event loop (401 when there are none); kept on
        the request until its thread has checked them, for :func:`refusal_before_validation`."""
        credentials = credentials_of(request)
        setattr(request.state, _UNCHECKED, (credentials, self.admin))
        return credentials

    def run(self, **values: Any) -> Any:
        request: Request = (
            values[self.request] if self.request != _REQUEST else values.pop(_REQUEST)
        )
        credentials: Credentials | None = values.pop(_CREDENTIALS, None)
        if self.session or credentials is not None:
            opener = read_session if request.method in _SAFE else unit_of_work
            # A failed commit leaves the block as an error: the client never sees a 2xx for a
            # change that was not saved (as SessionDep's "function" scope guarantees).
            with opener(engine_of(request)) as session:
                for name in self.session:
                    values[name] = session
                if credentials is not None:
                    caller = caller_of(session, credentials)
                    for name, given in self.caller.items():
                        values[name] = given(caller)
                    delattr(request.state, _UNCHECKED)
                content = self.endpoint(**values)
        else:
            content = self.endpoint(**values)
        return self.respond(content, values.get(self.response) if self.response else None)

    def respond(self, content: Any, sub: Response | None) -> Any:
        """The JSON answer, validated and serialized here rather than in a further hop; anything
        else (a Response, or a route without a model) is left for FastAPI as it was."""
        if self.adapter is None or isinstance(content, Response):
            return content
        try:
            value = self.adapter.validate_python(content, from_attributes=True)
        except PydanticValidationError as exc:
            raise ResponseValidationError(exc.errors(include_url=False), body=content) from None
        status = sub.status_code if sub is not None and sub.status_code else self.status_code
        body = self.adapter.dump_json(value, **self.dump) if _body_allowed(status) else b""
        response = Response(body, status_code=status, media_type="application/json")
        if sub is not None:
            response.headers.raw.extend(sub.headers.raw)
        return response


def _body_allowed(status: int) -> bool:
    return not (status < 200 or status in (204, 205, 304))


def _dependency(annotation: Any) -> Callable[..., Any] | None:
    if get_origin(annotation) is Annotated:
        for marker in get_args(annotation)[1:]:
            if hasattr(marker, "dependency"):
                return marker.dependency
    return None


class ApiRouter(APIRouter):
    """An ``APIRouter`` whose plain ``def`` endpoints each run in one worker thread."""

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not _plain_def(endpoint):
            return super().add_api_route(path, endpoint, **kwargs)
        plan, wrapper = _wrap(endpoint)
        super().add_api_route(path, wrapper, **kwargs)
        route = self.routes[-1]
        plan.status_code = route.status_code or 200
        model = route.response_model
        if model is not None and isinstance(route.response_class, DefaultPlaceholder):
            plan.adapter = TypeAdapter(model)
            plan.dump = {
                "include": route.response_model_include,
                "exclude": route.response_model_exclude,
                "by_alias": route.response_model_by_alias,
                "exclude_unset": route.response_model_exclude_unset,
                "exclude_defaults": route.response_model_exclude_defaults,
                "exclude_none": route.response_model_exclude_none,
            }
        return None


def _plain_def(endpoint: Callable[..., Any]) -> bool:
    return not (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
        or not inspect.isfunction(endpoint)
    )


def _wrap(endpoint: Callable[..., Any]) -> tuple[_Plan, Callable[..., Any]]:
    """The plan for ``endpoint`` and the function FastAPI is given instead: the same parameters
    less the session and the caller, plus the request and its credentials (first, so that a
    request without any is refused before any other dependency runs)."""
    signature = inspect.signature(endpoint, eval_str=True)
    plan = _Plan(endpoint)
    kept: list[inspect.Parameter] = []
    for name, parameter in signature.parameters.items():
        dependency = _dependency(parameter.annotation)
        if dependency is get_session:
            plan.session.append(name)
            continue
        if dependency in _FROM_CALLER:
            plan.caller[name] = _FROM_CALLER[dependency]
            plan.admin = plan.admin or dependency is require_admin
            continue
        if isinstance(parameter.annotation, type) and issubclass(parameter.annotation, Response):
            plan.response = name
        if parameter.annotation is Request:  # FastAPI gives the request to one parameter only
            plan.request = name
        kept.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))
    own = []
    if plan.request == _REQUEST:
        own.append(inspect.Parameter(_REQUEST, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
    if plan.caller:
        own.append(
            inspect.Parameter(
                _CREDENTIALS,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[Credentials, Depends(plan.credentials)],
            )
        )

    def wrapper(**values: Any) -> Any:
        return plan.run(**values)

    update_wrapper(wrapper, endpoint)
    wrapper.__signature__ = signature.replace(parameters=[*own, *kept])  # type: ignore[attr-defined]
    return plan, wrapper


async def refusal_before_validation(request: Request) -> GkcaseError | None:
    """For a request whose fields FastAPI found malformed before its thread ran: the refusal its
    credentials earn (unknown, revoked, no CSRF token, not an administrator), if any — which
    the client gets instead of the 422. ``None`` when they are good or none were read."""
    unchecked = getattr(request.state, _UNCHECKED, None)
    if unchecked is None:
        return None
    credentials, admin = unchecked

    def check() -> None:
        with read_session(engine_of(request)) as session:
            caller = caller_of(session, credentials)
            if admin:
                admin_only(caller.user)

    try:
        await run_in_threadpool(check)
    except GkcaseError as refusal:
        return refusal
    return None
