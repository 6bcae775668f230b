"""The case detail's ``repeat_candidates`` (Art 36(六)) and GET /api/supervision/proactive
(Art 44): who sees them, what they say, and that no applicant's name leaves in the list."""

from __future__ import annotations

from datetime import date

from gkcase.db import unit_of_work
from gkcase.models import Agency
from gkcase.services.org import create_user
from gkcase.states.machine import Role
from tests.api.conftest import bearer, refused
from tests.services.test_repeats import (
    EIA,
    EIA_AGAIN,
    LI,
    WANG,
    ZHANG,
    answered,
    register,
)

D = date
PERIOD = "from=2026-03-01&to=2026-04-30"


def test_the_caseworker_sees_the_earlier_answer_in_the_case_detail(client, org):
    earlier = answered(org, EIA, ZHANG)
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))
    fresh = register(org, "2024年市财政局部门预算", ZHANG, D(2026, 4, 1))
    response = client.get(f"/api/cases/{again}", headers=bearer(org, "caseworker"))
    assert response.status_code == 200, response.text
    (candidate,) = response.json()["repeat_candidates"]
    assert candidate["case_id"] == earlier and candidate["number"].startswith("FGW-2026-")
    assert (candidate["outcome"], candidate["outcome_label"]) == ("disclosed", "予以公开")
    assert candidate["replied_on"] == "2026-03-10" and candidate["text"] == EIA
    assert 0 < candidate["score"] <= 1
    response = client.get(f"/api/cases/{fresh}", headers=bearer(org, "office_head"))
    assert response.json()["repeat_candidates"] == []


def test_a_supervisor_reads_the_case_without_the_notice_and_other_agencies_not_at_all(client, org):
    answered(org, EIA, ZHANG)
    again = register(org, EIA_AGAIN, ZHANG, D(2026, 4, 1))
    response = client.get(f"/api/cases/{again}", headers=bearer(org, "supervisor"))
    assert response.status_code == 200 and response.json()["repeat_candidates"] is None
    refused(client.get(f"/api/cases/{again}", headers=bearer(org, "zjw_caseworker_1")), 404)


def _cluster_of_three(org):
    cases = [answered(org, EIA, ZHANG)]
    cases.append(register(org, EIA_AGAIN, LI, D(2026, 3, 12)))
    cases.append(register(org, EIA_AGAIN, WANG, D(2026, 3, 13)))
    return cases


def test_proactive_candidates_for_a_supervisor(client, org):
    cases = _cluster_of_three(org)
    response = client.get(f"/api/supervision/proactive?{PERIOD}", headers=bearer(org, "supervisor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["agency_id"], body["from"], body["to"]) == (
        org.city.id,
        "2026-03-01",
        "2026-04-30",
    )
    assert body["min_applicants"] == 3 and "第四十四条" in body["rule"]
    (cluster,) = body["clusters"]
    assert cluster["agency_id"] == org.fgw.id and cluster["applicants"] == 3
    assert cluster["disclosed"] == 1 and cluster["text"] == EIA
    assert [c["case_id"] for c in cluster["cases"]] == cases
    assert cluster["cases"][0]["outcome_label"] == "予以公开"
    for name in ("张三", "李四", "王五", "13812341234"):
        assert name not in response.text
    fewer = client.get(
        f"/api/supervision/proactive?{PERIOD}&min_applicants=4", headers=bearer(org, "supervisor")
    )
    assert fewer.json()["clusters"] == []


def test_proactive_candidates_are_for_supervisors_in_their_subtree(client, org):
    _cluster_of_three(org)
    for who in ("caseworker", "office_head", "admin"):
        refused(
            client.get("/api/supervision/proactive", headers=bearer(org, who)),
            403,
            "auth.permission_denied",
        )
    with unit_of_work(org.engine) as session:
        create_user(
            session,
            username="zjw_supervisor",
            full_name="住建督查",
            agency=session.get(Agency, org.zjw.id),
            roles=[Role.SUPERVISOR],
        )
    zjw = bearer(org, "zjw_supervisor")
    assert client.get(f"/api/supervision/proactive?{PERIOD}", headers=zjw).json()["clusters"] == []
    refused(
        client.get(f"/api/supervision/proactive?agency_id={org.fgw.id}", headers=zjw),
        404,
        "not_found",
        "agency_id",
    )


def test_proactive_parameters_are_checked(client, org):
    supervisor = bearer(org, "supervisor")
    refused(
        client.get("/api/supervision/proactive?from=2026-05-01&to=2026-04-01", headers=supervisor),
        422,
        "validation",
        "to",
    )
    refused(
        client.get("/api/supervision/proactive?min_applicants=1", headers=supervisor),
        422,
        "validation",
        "min_applicants",
    )
    refused(
        client.get("/api/supervision/proactive?from=1900-01-01", headers=supervisor),
        422,
        "validation",
        "from",
    )
