"""证据材料包 — a case's complete record as one ZIP, for 行政复议 and 行政诉讼
(:mod:`gkcase.services.bundle`; what is in it: docs/evidence-bundle.md).

The bundle holds the applicant's personal data unmasked, because the review body or court needs
it, so it is for the people who answer for the case: the agency's caseworkers, legal reviewers and
office heads, and supervisors of the agency or one above it (403 for anyone else in sight of the
case, 404 for another agency's case). Building one changes nothing and is not recorded: the
engine has no log of reads or exports yet.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Response

from api.deps import CurrentUser, SessionDep
from api.routes.cases import CaseId
from api.routing import ApiRouter
from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.errors import ValidationError
from gkcase.services import bundle as service
from gkcase.services.cases import china_today, get_case

router = ApiRouter(tags=["cases"])


@router.get(
    "/api/cases/{case_id}/bundle.zip",
    summary="下载证据材料包（行政复议、诉讼用）",
    response_class=Response,
    responses={
        200: {
            "content": {"application/zip": {}},
            "description": "ZIP：目录PDF、各项材料和 manifest.json",
        },
        403: {"description": "无权下载（材料包含申请人完整个人信息）"},
        404: {"description": "案件不存在或不在本机关"},
        503: {"description": "本机不能生成PDF（letter.pdf_unavailable）"},
    },
)
def download_bundle(
    case_id: CaseId,
    session: SessionDep,
    user: CurrentUser,
    as_of: Annotated[
        date | None, Query(description="材料截至日期，ZIP内文件的日期（默认北京时间今天）")
    ] = None,
) -> Response:
    if as_of is not None and not MIN_YEAR <= as_of.year <= MAX_YEAR:
        raise ValidationError(f"日期须在{MIN_YEAR}年至{MAX_YEAR}年之间", field="as_of")
    day = as_of or china_today()
    data = service.build_bundle(session, case_id, user, day)
    filename = service.bundle_filename(get_case(session, case_id, user), day)
    return Response(
        content=data,
        media_type="application/zip",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"bundle-{case_id}.zip\"; filename*=UTF-8''{quote(filename)}"
            ),
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            "Cache-Control": "private, no-store",
        },
    )
