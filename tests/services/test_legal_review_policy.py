"""法制审核 as an agency policy above the law's floor (docs/policies.md).

The floor, written out by hand: every 不予公开 reply (eight grounds, and 行政查询事项) and 部分公开
(行政复议法 Art 23 puts 不予公开 under review first; legal staff review every refusal), plus any
disclosure over a third party's objection (Art 32, tested in test_letter_acts.py). gkcase's
default adds 信息不存在, 不属于本机关 and the five 不予处理 replies.
"""

from __future__ import annotations

from datetime import date as D

import pytest

from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import Agency
from gkcase.services.org import set_legal_review
from gkcase.states.machine import GuardFailed
from gkcase.states.outcomes import (
    LEGAL_REVIEW_DEFAULT,
    LEGAL_REVIEW_MINIMUM,
    Outcome,
    legal_review_outcomes,
)

from .helpers import fire, register

FLOOR = {
    "partially_disclosed",
    "withheld_state_secret",
    "withheld_prohibited_by_law",
    "withheld_security_stability",
    "withheld_third_party",
    "withheld_internal_affairs",
    "withheld_process_info",
    "withheld_enforcement_file",
    "withheld_admin_query",
}
DEFAULT_EXTRA = {
    "not_exist",
    "not_this_agency",
    "petition",
    "repeat_application",
    "publication",
    "excessive_requests",
    "confirm_or_reissue",
}


def test_the_floor_and_the_default_are_the_law_and_the_documented_policy():
    assert {o.value for o in LEGAL_REVIEW_MINIMUM} == FLOOR
    assert {o.value for o in LEGAL_REVIEW_DEFAULT} == FLOOR | DEFAULT_EXTRA
    # a stored list never narrows below the floor, whatever it says
    assert legal_review_outcomes("") == LEGAL_REVIEW_MINIMUM
    assert legal_review_outcomes("disclosed,no_such") == LEGAL_REVIEW_MINIMUM | {Outcome.DISCLOSED}


def test_a_new_agency_reviews_the_default(org):
    from gkcase.services.org import create_agency

    with unit_of_work(org.engine) as session:
        added = create_agency(
            session,
            parent=session.get(Agency, org.fgw.id),
            code="NEW",
            name="某市新设机关",
            letter_prefix="某新公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
        )
        stored = added.legal_review_outcomes
    assert legal_review_outcomes(stored) == LEGAL_REVIEW_DEFAULT


def _use_default(org):
    with unit_of_work(org.engine) as session:
        set_legal_review(
            session, session.get(Agency, org.fgw.id), [o.value for o in LEGAL_REVIEW_DEFAULT]
        )


NOT_EXIST = {"outcome": "not_exist", "fields": {"search_record": "检索了公文系统和档案室，未找到"}}


def _drafted(org, decision):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 10))
    return case


def test_by_default_a_not_exist_reply_goes_to_legal_review(org):
    _use_default(org)
    case = _drafted(org, NOT_EXIST)
    with pytest.raises(GuardFailed) as caught:
        fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    assert caught.value.message == "该答复须先经法制审核（本机关的法制审核范围）"
    fire(org, case.id, "submit_for_legal_review", "caseworker", as_of=D(2026, 3, 10))


def test_an_agency_may_narrow_to_the_floor_and_widen_but_never_below_it(org):
    with unit_of_work(org.engine) as session:
        agency = session.get(Agency, org.fgw.id)
        set_legal_review(session, agency, sorted(FLOOR))
    case = _drafted(org, NOT_EXIST)
    fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    with unit_of_work(org.engine) as session:
        agency = session.get(Agency, org.fgw.id)
        with pytest.raises(ValidationError) as caught:
            set_legal_review(session, agency, sorted(FLOOR - {"withheld_state_secret"}))
        assert caught.value.field == "legal_review_outcomes"
        assert "属于国家秘密" in caught.value.message
        with pytest.raises(ValidationError):  # engine-set closures are not drafts to review
            set_legal_review(session, agency, sorted(FLOOR | {"closed_other"}))
        set_legal_review(session, agency, sorted(FLOOR | {"disclosed"}))
    disclosed = {"outcome": "disclosed", "fields": {"access_method": "随本答复书提供"}}
    case = _drafted(org, disclosed)
    with pytest.raises(GuardFailed):
        fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
