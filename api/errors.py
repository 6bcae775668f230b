"""Every refusal as a 4xx with a stable code, the field at fault and a Chinese message.

The body is always ``{"code": …, "field": …, "message": …}`` (plus ``findings`` for a letter the
lint refused, ``actor``/``at`` for a stale case). Anything a client sends gets a 4xx: pydantic's
request validation becomes 422 with a Chinese message; a GkcaseError is mapped by its code.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.routing import refusal_before_validation
from gkcase.errors import GkcaseError
from gkcase.states.payloads import _MESSAGES

STATUS = {
    "not_found": 404,
    "auth.not_authenticated": 401,
    "auth.permission_denied": 403,
    "auth.csrf": 403,
    "auth.throttled": 429,
    "case.stale": 409,
    "report.locked": 409,
    "case.illegal_transition": 409,
    "case.precondition": 409,
    "letter.lint_errors": 409,
    "letter.issued_by_act": 409,
    "letter.pdf_unavailable": 503,
}


def error_body(exc: GkcaseError) -> dict:
    body: dict = {"code": exc.code, "field": exc.field, "message": exc.message}
    findings = getattr(exc, "findings", None)
    if findings:
        body["findings"] = [f.as_dict() for f in findings]
    if exc.code == "case.stale":
        body["actor"] = getattr(exc, "actor", "")
        at = getattr(exc, "at", None)
        body["at"] = at.isoformat() if at else None
    return body


def status_of(exc: GkcaseError) -> int:
    return STATUS.get(
        exc.code,
        422 if exc.code.startswith(("validation", "clock.", "calendar.", "letter.")) else 400,
    )


def install(app: FastAPI) -> None:
    """JSON errors for the API; the web UI's pages get the same refusals as HTML pages."""
    from api.web import errors as page_errors
    from api.web import is_page

    @app.exception_handler(GkcaseError)
    async def gkcase_error(request: Request, exc: GkcaseError) -> Response:
        if is_page(request):
            return page_errors.refusal(request, exc, status_of(exc))
        return JSONResponse(error_body(exc), status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> Response:
        # Who is asking is settled before what they sent (api/routing.py).
        refusal = await refusal_before_validation(request)
        if refusal is not None:
            return await gkcase_error(request, refusal)
        err = exc.errors()[0] if exc.errors() else {"loc": (), "type": "", "msg": "请求无效"}
        location = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        message = _MESSAGES.get(err.get("type", ""), str(err.get("msg", "请求无效")))
        body = {"code": "validation", "field": ".".join(location) or None, "message": message}
        if is_page(request):
            return page_errors.page(request, 422, f"{body['field'] or '请求'}：{message}")
        return JSONResponse(body, status_code=422)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(_request: Request, _exc: Exception) -> JSONResponse:
        # Inputs are bounded where they are declared; this is the net under them, so that a
        # number the database cannot hold is the client's error (422), never a 500.
        body = {"code": "validation", "field": None, "message": "数值超出允许范围"}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "没有这个地址", 405: "不支持这种请求方法"}
        if is_page(request):
            return page_errors.page(
                request, exc.status_code, messages.get(exc.status_code, str(exc.detail))
            )
        body = {
            "code": f"http.{exc.status_code}",
            "field": None,
            "message": messages.get(exc.status_code, str(exc.detail)),
        }
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
