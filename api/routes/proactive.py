"""督查: candidates for proactive disclosure (主动公开, 《条例》第四十四条) — the same information
asked of one agency by several applicants and disclosed to at least one.

Supervisors only, over their own agency's subtree (another agency is "not found",
:func:`gkcase.services.supervision.in_scope`). No applicant's name or contact is returned: a
cluster says how many different applicants asked, and which cases.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.deps import CurrentUser, ReportSessionDep
from api.routing import ApiRouter
from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.errors import ValidationError
from gkcase.models import Agency, User
from gkcase.services import repeats, supervision
from gkcase.services.cases import china_today
from gkcase.states.machine import PermissionDenied, Role

router = ApiRouter(prefix="/api/supervision", tags=["supervision"])

AgencyId = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="机关（默认本机关；含其下级机关）")
]
Start = Annotated[date | None, Query(alias="from", description="收到申请之日自（默认当年1月1日）")]
End = Annotated[date | None, Query(alias="to", description="收到申请之日至（默认今天）")]
MinApplicants = Annotated[
    int,
    Query(ge=2, le=1000, description="至少多少个不同申请人（默认3）"),
]


class ClusterCaseOut(BaseModel):
    case_id: int
    number: str
    state: str
    state_label: str
    outcome: str | None
    outcome_label: str
    replied_on: date | None


class ClusterOut(BaseModel):
    agency_id: int
    agency_name: str
    text: str = Field(description="一件予以公开案件的申请内容（疑似手机号、身份证号已隐去）")
    applicants: int = Field(description="不同申请人数")
    disclosed: int = Field(description="其中予以公开或部分公开的案件数")
    already_published: bool = Field(description="有案件按「已主动公开」答复，请先核实")
    cases: list[ClusterCaseOut]


class ProactiveOut(BaseModel):
    agency_id: int
    agency_name: str
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")
    min_applicants: int
    rule: str
    clusters: list[ClusterOut]


def proactive_report(
    session: Session,
    user: User,
    agency_id: int | None,
    start: date | None,
    end: date | None,
    min_applicants: int,
) -> ProactiveOut:
    """The clusters for a supervisor (the web page renders the same)."""
    if Role.SUPERVISOR.value not in user.role_set:
        raise PermissionDenied("须由督查人员查看")
    for value, name in ((start, "from"), (end, "to")):
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(f"日期须在{MIN_YEAR}年至{MAX_YEAR}年之间", field=name)
    today = china_today()
    start, end = start or date(today.year, 1, 1), end or today
    home = session.get(Agency, user.agency_id)
    agency = supervision.in_scope(session, home, agency_id)
    found = repeats.proactive_candidates(session, agency, start, end, min_applicants)
    return ProactiveOut(
        agency_id=agency.id,
        agency_name=agency.short_name or agency.name,
        start=start,
        end=end,
        min_applicants=min_applicants,
        rule=repeats.PROACTIVE_RULE,
        clusters=[ClusterOut.model_validate(c, from_attributes=True) for c in found],
    )


@router.get(
    "/proactive",
    response_model=ProactiveOut,
    response_model_by_alias=True,
    summary="可纳入主动公开的候选（第四十四条）",
)
def proactive(
    session: ReportSessionDep,
    user: CurrentUser,
    agency_id: AgencyId = None,
    start: Start = None,
    end: End = None,
    min_applicants: MinApplicants = repeats.MIN_APPLICANTS,
) -> ProactiveOut:
    return proactive_report(session, user, agency_id, start, end, min_applicants)
