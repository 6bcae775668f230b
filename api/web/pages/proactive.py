"""可纳入主动公开的候选 — the supervisor's list of the same information asked of one agency by
several applicants and disclosed to at least one (《条例》第四十四条).

The page renders the JSON API's own report (:func:`api.routes.proactive.proactive_report`), so
the two cannot disagree. No applicant's name is shown; each case number links to its audit page.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.routes.proactive import proactive_report
from api.web.core import ViewerDep, render, require, with_report
from gkcase.services import repeats
from gkcase.states.machine import Role

router = APIRouter()


@router.get("/supervision/proactive")
def proactive_page(
    request: Request,
    viewer: ViewerDep,
    agency_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    min_applicants: Annotated[int, Query(ge=2, le=1000)] = repeats.MIN_APPLICANTS,
) -> Response:
    require(viewer, Role.SUPERVISOR)
    with with_report(request) as session:
        report = proactive_report(session, viewer.user, agency_id, start, end, min_applicants)
    values = {
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "min_applicants": str(report.min_applicants),
    }
    return render(
        request,
        "supervision_proactive.html",
        viewer,
        title="可纳入主动公开的候选",
        report=report,
        values=values,
        errors={},
    )
