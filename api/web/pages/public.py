"""公开进度查询 — the public status page: an applicant enters the case number and the lookup
code from the receipt and sees the coarse stage and the reply due date. No login, no
navigation.

The answer is exactly the JSON route's (``api/routes/public.py``): the same lookup, the same
coarse stage, the same rate limit counted in the database, and one message for a wrong number
or a wrong code. After a miss the form comes back empty, so that the page says nothing about
which of the two was wrong.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.routes import public as public_api
from api.web.core import render
from gkcase.errors import GkcaseError, ValidationError
from gkcase.states.payloads import validate_model

router = APIRouter()

_FIELD_NAMES = {"number": "申请编号", "code": "查询码"}


def _page(request: Request, *, status_code: int = 200, **context: object) -> Response:
    return render(
        request,
        "status.html",
        None,
        title="申请办理进度查询",
        status_code=status_code,
        **context,
    )


@router.get("/status")
def status_form(request: Request) -> Response:
    return _page(request)


@router.post("/status")
def look_up(
    request: Request,
    number: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {"number": number, "code": code}
    try:
        query = validate_model(
            public_api.StatusQuery, {"number": number.strip(), "code": code.strip()}
        )
    except ValidationError as exc:
        field = exc.field if exc.field in _FIELD_NAMES else "_"
        message = f"请输入{_FIELD_NAMES[field]}" if exc.message == "不能为空" else exc.message
        return _page(request, values=values, errors={field: message}, status_code=422)
    try:
        found = public_api.status(request, query)
    except public_api.LookupThrottled as exc:
        return _page(request, errors={"_": exc.message}, status_code=429)
    except GkcaseError as exc:  # the one answer for a wrong number or a wrong code
        return _page(request, errors={"_": exc.message}, status_code=404)
    return _page(request, found=found)
