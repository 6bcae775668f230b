"""Who may fire what, from where: every (trigger × state × role), against a table written here.

The expected permissions below are written out by hand from design.md (who does what) and the
Regulation, not read from ``machine.RULES``: a change to the rule table that is not also a change
of policy shows up here as a failing combination.

- registrar (登记员): enters and confirms applications (Art 31), records what arrives later
  (a correction, a payment), delivery and archiving, withdrawals; assigns caseworkers.
- caseworker (承办人): review (补正 once, Art 30; Art 35 reasons), handling (consultation Arts
  32/34, fee notices 109号), drafting, delivery, archiving, withdrawals.
- legal reviewer (法制审核): approves or returns refusals and partial refusals; reopens a case a
  review decision or judgment sends back, records remedies (table 四).
- office head (公开工作机构负责人): extensions (Art 33 ¶2: 经政府信息公开工作机构负责人同意),
  Art 35 deferral, signing (签发) and sending a draft back; starts reviews and assigns.
- supervisor (督查) and admin fire nothing: they read and administer.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import pytest

from gkcase.states import machine
from gkcase.states.machine import (
    CaseFacts,
    GuardFailed,
    IllegalTransition,
    PermissionDenied,
    Role,
    State,
    Trigger,
)

S, T = State, Trigger
REG, CW, LEGAL, HEAD = Role.REGISTRAR, Role.CASEWORKER, Role.LEGAL_REVIEWER, Role.OFFICE_HEAD

# Not yet answered or closed: the states an applicant may withdraw from.
OPEN = (
    S.RECEIVED,
    S.REGISTERED,
    S.REVIEWING,
    S.AWAITING_CORRECTION,
    S.HANDLING,
    S.CONSULTING,
    S.AWAITING_FEE,
    S.DRAFTING,
    S.LEGAL_REVIEW,
    S.SIGNING,
)
# A decision is still being prepared: an extension (Art 33 ¶2) can still be granted.
PREPARING = (S.HANDLING, S.CONSULTING, S.AWAITING_FEE, S.DRAFTING, S.LEGAL_REVIEW, S.SIGNING)
# Answered or closed: a review or a lawsuit may be brought against the decision.
FINISHED = (S.REPLIED, S.DELIVERED, S.CLOSED, S.ARCHIVED)

# trigger: {source state: destination (None: the case stays where it is)}, and the roles.
EXPECTED: dict[Trigger, tuple[dict[State, State | None], frozenset[Role]]] = {
    T.CONFIRM: ({S.RECEIVED: S.REGISTERED}, frozenset({REG})),
    T.ASSIGN: (dict.fromkeys((*OPEN, S.REPLIED, S.DELIVERED)), frozenset({REG, HEAD})),
    T.START_REVIEW: ({S.REGISTERED: S.REVIEWING}, frozenset({CW, HEAD})),
    T.REQUEST_CORRECTION: ({S.REVIEWING: S.AWAITING_CORRECTION}, frozenset({CW})),
    T.CORRECTION_RECEIVED: ({S.AWAITING_CORRECTION: S.REVIEWING}, frozenset({REG, CW})),
    T.CORRECTION_LAPSED: ({S.AWAITING_CORRECTION: S.CLOSED}, frozenset({CW})),
    # Art 30: after a late notice the agency answers the original application in time
    T.CONTINUE_WITHOUT_CORRECTION: ({S.AWAITING_CORRECTION: S.REVIEWING}, frozenset({CW})),
    T.REQUEST_REASONS: ({S.REVIEWING: None, S.HANDLING: None}, frozenset({CW})),
    # Art 35: the caseworker who asked records the explanation and what the agency found of it
    # (it may arrive while a consultation runs or a fee is awaited: found walking the UI)
    T.RECORD_EXPLANATION: (
        dict.fromkeys((S.REVIEWING, S.HANDLING, S.CONSULTING, S.AWAITING_FEE)),
        frozenset({CW}),
    ),
    # whoever posts or hands out notices records their receipt, at any point before the reply
    T.RECORD_NOTICE_RECEIPT: (dict.fromkeys(OPEN), frozenset({REG, CW})),
    T.ACCEPT: ({S.REVIEWING: S.HANDLING}, frozenset({CW})),
    T.DECIDE_WITHOUT_HANDLING: ({S.REVIEWING: S.DRAFTING}, frozenset({CW})),
    T.CONSULT: ({S.HANDLING: S.CONSULTING, S.CONSULTING: S.CONSULTING}, frozenset({CW})),
    # the last open consultation ends: back to handling (the facts below have one open)
    T.CONSULTATION_DONE: ({S.CONSULTING: S.HANDLING}, frozenset({CW})),
    T.ISSUE_FEE_NOTICE: ({S.HANDLING: S.AWAITING_FEE}, frozenset({CW})),
    T.FEE_PAID: ({S.AWAITING_FEE: S.HANDLING}, frozenset({REG, CW})),
    T.FEE_LAPSED: ({S.AWAITING_FEE: S.CLOSED}, frozenset({CW})),
    T.EXTEND: (dict.fromkeys(PREPARING), frozenset({HEAD})),
    T.DEFER: ({S.HANDLING: None}, frozenset({HEAD})),
    # drafted in handling; revised in drafting (after 退回重拟 from signing, or before submitting)
    T.DRAFT_DECISION: ({S.HANDLING: S.DRAFTING, S.DRAFTING: S.DRAFTING}, frozenset({CW})),
    T.SUBMIT_FOR_LEGAL_REVIEW: ({S.DRAFTING: S.LEGAL_REVIEW}, frozenset({CW})),
    T.SUBMIT_FOR_SIGNING: ({S.DRAFTING: S.SIGNING}, frozenset({CW})),
    T.APPROVE: ({S.LEGAL_REVIEW: S.SIGNING}, frozenset({LEGAL})),
    T.RETURN_DRAFT: ({S.LEGAL_REVIEW: S.HANDLING}, frozenset({LEGAL})),
    T.SEND_BACK: ({S.SIGNING: S.DRAFTING}, frozenset({HEAD})),
    T.SIGN: ({S.SIGNING: S.REPLIED}, frozenset({HEAD})),
    T.DELIVER: ({S.REPLIED: S.DELIVERED}, frozenset({REG, CW})),
    T.ARCHIVE: ({S.DELIVERED: S.ARCHIVED, S.CLOSED: S.ARCHIVED}, frozenset({REG, CW})),
    T.WITHDRAW: (dict.fromkeys(OPEN, S.CLOSED), frozenset({REG, CW})),
    # a review decision or judgment may order a new reply once the case has left the office
    T.REOPEN: (
        {S.DELIVERED: S.HANDLING, S.CLOSED: S.HANDLING, S.ARCHIVED: S.HANDLING},
        frozenset({HEAD, LEGAL}),
    ),
    T.RECORD_REMEDY: (dict.fromkeys(FINISHED), frozenset({LEGAL, HEAD})),
    # the receipt (Art 31) is handed out by whoever registers or handles the application
    T.ISSUE_RECEIPT: (dict.fromkeys(OPEN), frozenset({REG, CW})),
    # a letter already issued is corrected (voided and issued again) only by the office head
    T.CORRECT_LETTER: (dict.fromkeys(State), frozenset({HEAD})),
}

# letter kind: the act that issues it (docs/letters.md). A reply is issued by 签发 only.
LETTER_ACTS: dict[str, Trigger] = {
    "receipt": T.ISSUE_RECEIPT,
    "correction_notice": T.REQUEST_CORRECTION,  # Art 30
    "reasons_request": T.REQUEST_REASONS,  # Art 35
    "extension_notice": T.EXTEND,  # Art 33 ¶2: approval and notice, one act
    "deferral_notice": T.DEFER,  # Art 35
    "third_party_consultation": T.CONSULT,  # Art 32
    "co_producer_consultation": T.CONSULT,  # Art 34
    "other_agency_consultation": T.CONSULT,  # Art 33 ¶3: secrecy review, coordination
    "third_party_disclosure_notice": T.SIGN,  # Art 32: with the reply that discloses
    "fee_notice": T.ISSUE_FEE_NOTICE,  # 109号
    "closing_no_correction": T.CORRECTION_LAPSED,
    "closing_fee_unpaid": T.FEE_LAPSED,
    "closing_other": T.WITHDRAW,
    **{
        kind: T.SIGN
        for kind in (
            "reply_already_published",
            "reply_disclosed",
            "reply_partially_disclosed",
            "reply_withheld",
            "reply_special_regime",
            "reply_not_exist",
            "reply_not_this_agency",
            "reply_needs_creation",
            "reply_still_unclear",
            "reply_petition",
            "reply_repeat_application",
            "reply_publication",
            "reply_excessive_requests",
            "reply_confirm_or_reissue",
        )
    },
}

AS_OF = date(2026, 6, 1)
# Facts under which every guard of every trigger passes, except where two triggers' guards
# contradict each other: those triggers get their own (GOOD_FOR below).
GOOD = CaseFacts(
    as_of=AS_OF,
    correction_requested=False,
    correction_period_due=date(2026, 5, 29),  # over: a lapse may be recorded
    reasons_requested=False,
    open_consultations=0,
    fee_notice_issued=False,
    fee_window_due=date(2026, 5, 29),  # over
    extension_workdays=0,
    reply_due=date(2026, 6, 30),  # still running
    decision_drafted=True,
    decision_problem=None,
    legal_review_required=False,
    legal_approved=True,
    delivered=True,
    letters_issued=True,
    notices_awaiting_receipt=1,
)
GOOD_FOR = {
    # Art 35: reasons asked for, explained, found reasonable
    T.DEFER: dataclasses.replace(GOOD, reasons_requested=True, explanation="reasonable"),
    T.RECORD_EXPLANATION: dataclasses.replace(GOOD, reasons_requested=True),
    T.CONTINUE_WITHOUT_CORRECTION: dataclasses.replace(GOOD, correction_late=True),
    T.SUBMIT_FOR_LEGAL_REVIEW: dataclasses.replace(GOOD, legal_review_required=True),
    T.CONSULTATION_DONE: dataclasses.replace(GOOD, open_consultations=1),
}


def _issues(trigger: Trigger, kind: str) -> bool:
    """Whether the act's rule lists the kind among its letters (a reply: REPLY, under 签发)."""
    named = {name for rule in machine.RULES_BY_TRIGGER[trigger] for name in rule.letters}
    return kind in named or (kind.startswith("reply_") and machine.REPLY in named)


def good_facts(trigger: Trigger) -> CaseFacts:
    return GOOD_FOR.get(trigger, GOOD)


def test_the_table_covers_every_trigger_state_and_role():
    assert set(EXPECTED) == set(Trigger)
    assert len(Trigger) == 33 and len(State) == 14 and len(Role) == 6
    for _sources, roles in EXPECTED.values():
        assert roles <= {REG, CW, LEGAL, HEAD}  # supervisor and admin fire nothing


@pytest.mark.parametrize(
    ("trigger", "state", "role"),
    list(itertools.product(Trigger, State, Role)),
    ids=lambda v: v.value,
)
def test_permission_matrix(trigger, state, role):
    sources, roles = EXPECTED[trigger]
    facts = good_facts(trigger)
    if state not in sources:
        with pytest.raises(IllegalTransition) as caught:
            machine.check(state, trigger, [role], facts)
        assert state.label in caught.value.message
    elif role not in roles:
        with pytest.raises(PermissionDenied) as caught:
            machine.check(state, trigger, [role], facts)
        who = caught.value.message.split("须由", 1)[1]  # the roles that may, named
        assert all(r.label in who for r in roles) and role.label not in who
    else:
        machine.check(state, trigger, [role], facts)
        dest = sources[state]
        assert machine.fire(state, trigger, [role], facts) == (state if dest is None else dest)
        assert trigger in machine.permitted_events(state, [role], facts)


def test_every_letter_kind_has_exactly_its_act():
    from gkcase.letters.catalogue import CATALOGUE

    assert set(LETTER_ACTS) == set(CATALOGUE)
    for kind, act in LETTER_ACTS.items():
        assert [t for t in Trigger if _issues(t, kind)] == [act], kind
    # a correction issues the corrected letter's own kind again, whatever it is
    assert machine.RULES_BY_TRIGGER[T.CORRECT_LETTER][0].letters == (machine.SAME_KIND,)


@pytest.mark.parametrize(
    ("kind", "state", "role"),
    list(itertools.product(sorted(LETTER_ACTS), State, Role)),
    ids=lambda v: getattr(v, "value", v),
)
def test_letter_matrix(kind, state, role):
    """A letter is issued from a state by a role exactly when its act may be fired there by
    that role: no second way to issue it (the letters service only serves the act)."""
    act = LETTER_ACTS[kind]
    sources, roles = EXPECTED[act]
    facts = good_facts(act)
    may = state in sources and role in roles
    issuing = [t for t in machine.permitted_events(state, [role], facts) if _issues(t, kind)]
    assert issuing == ([act] if may else [])


def test_the_roles_of_a_user_add_up():
    # A user with several roles may do what any one of them may (a small office's head who is
    # also its registrar); supervisor and admin add nothing.
    facts = GOOD
    for state in State:
        alone = {
            role: set(machine.permitted_events(state, [role], facts))
            for role in (REG, CW, LEGAL, HEAD)
        }
        together = set(machine.permitted_events(state, [REG, HEAD], facts))
        assert together == alone[REG] | alone[HEAD]
        assert machine.permitted_events(state, [Role.SUPERVISOR, Role.ADMIN], facts) == []
        assert set(machine.permitted_events(state, list(Role), facts)) == set().union(
            *alone.values()
        )


def test_consultation_done_stays_in_consulting_while_another_is_open():
    two_open = dataclasses.replace(GOOD, open_consultations=2)
    assert machine.fire(S.CONSULTING, T.CONSULTATION_DONE, [CW], two_open) is S.CONSULTING
    one_open = dataclasses.replace(GOOD, open_consultations=1)
    assert machine.fire(S.CONSULTING, T.CONSULTATION_DONE, [CW], one_open) is S.HANDLING


# --- guards: the law's preconditions, each with its Chinese reason -------------------------

R = dataclasses.replace
GUARD_CASES = [
    # (id, state, trigger, role, facts, reason)
    (
        "once_only_correction",
        S.REVIEWING,
        T.REQUEST_CORRECTION,
        CW,
        R(GOOD, correction_requested=True),
        "补正告知只能发出一次（第三十条：一次性告知）",
    ),
    (
        "correction_period_not_over",
        S.AWAITING_CORRECTION,
        T.CORRECTION_LAPSED,
        CW,
        R(GOOD, correction_period_due=AS_OF),  # the last day of the period is still in it
        "补正期限尚未届满，不能按视为放弃处理",
    ),
    (
        "correction_notice_receipt_not_recorded",
        S.AWAITING_CORRECTION,
        T.CORRECTION_LAPSED,
        CW,
        R(GOOD, correction_period_due=None),
        "补正告知书的送达日期尚未登记，补正期限尚未起算，不能按视为放弃处理",
    ),
    (
        "no_abandonment_after_a_late_notice",
        S.AWAITING_CORRECTION,
        T.CORRECTION_LAPSED,
        CW,
        R(GOOD, correction_late=True),  # the period is over, but the notice was late
        "补正告知晚于第七个工作日发出，不能视为放弃申请；请按原申请继续办理（第三十条）",
    ),
    (
        "continue_only_after_a_late_notice",
        S.AWAITING_CORRECTION,
        T.CONTINUE_WITHOUT_CORRECTION,
        CW,
        R(GOOD, correction_late=False),
        "补正告知按时发出：待申请人补正，或补正期限届满后按视为放弃处理",
    ),
    (
        "explanation_needs_a_request",
        S.REVIEWING,
        T.RECORD_EXPLANATION,
        CW,
        R(GOOD, reasons_requested=False),
        "尚未要求申请人说明理由",
    ),
    (
        "explanation_recorded_once",
        S.HANDLING,
        T.RECORD_EXPLANATION,
        CW,
        R(GOOD, reasons_requested=True, explanation="none"),
        "申请人的说明理由已登记",
    ),
    (
        "deferral_needs_reasonable_explanation",
        S.HANDLING,
        T.DEFER,
        HEAD,
        R(GOOD, reasons_requested=True, explanation="unreasonable"),
        "延迟答复须在申请人说明理由、本机关认为理由合理后确定（第三十五条）",
    ),
    (
        "deferral_not_before_the_explanation",
        S.HANDLING,
        T.DEFER,
        HEAD,
        R(GOOD, reasons_requested=True, explanation=None),
        "延迟答复须在申请人说明理由、本机关认为理由合理后确定（第三十五条）",
    ),
    (
        "notice_receipt_needs_a_notice",
        S.AWAITING_FEE,
        T.RECORD_NOTICE_RECEIPT,
        REG,
        R(GOOD, notices_awaiting_receipt=0),
        "没有待登记送达的告知书或征求意见书",
    ),
    (
        "reasons_asked_once",
        S.HANDLING,
        T.REQUEST_REASONS,
        CW,
        R(GOOD, reasons_requested=True),
        "已要求申请人说明理由",
    ),
    (
        "deferral_needs_reasons_first",
        S.HANDLING,
        T.DEFER,
        HEAD,
        R(GOOD, reasons_requested=False),
        "延迟答复须先要求申请人说明理由（第三十五条）",
    ),
    (
        "one_fee_notice",
        S.HANDLING,
        T.ISSUE_FEE_NOTICE,
        CW,
        R(GOOD, fee_notice_issued=True),
        "该申请已发出过收费通知",
    ),
    (
        "fee_notice_within_reply_period",
        S.HANDLING,
        T.ISSUE_FEE_NOTICE,
        CW,
        R(GOOD, reply_due=date(2026, 5, 29)),
        "答复期限已届满，不能再作此处理",
    ),
    (
        "extension_within_reply_period",
        S.DRAFTING,
        T.EXTEND,
        HEAD,
        R(GOOD, reply_due=date(2026, 5, 29)),
        "答复期限已届满，不能再作此处理",
    ),
    (
        "fee_window_not_over",
        S.AWAITING_FEE,
        T.FEE_LAPSED,
        CW,
        R(GOOD, fee_window_due=AS_OF),
        "缴费期限尚未届满，不能按视为放弃处理",
    ),
    (
        "extension_cap",
        S.HANDLING,
        T.EXTEND,
        HEAD,
        R(GOOD, extension_workdays=20),
        "已延长20个工作日，不能再延长（第三十三条第二款）",
    ),
    (
        "no_open_consultation",
        S.HANDLING,
        T.DRAFT_DECISION,
        CW,
        R(GOOD, open_consultations=1),
        "尚有征求意见未结束",
    ),
    (
        "decision_not_drafted",
        S.DRAFTING,
        T.SUBMIT_FOR_SIGNING,
        CW,
        R(GOOD, decision_drafted=False),
        "尚未拟定答复决定",
    ),
    (
        "decision_incomplete",
        S.LEGAL_REVIEW,
        T.APPROVE,
        LEGAL,
        R(GOOD, legal_review_required=True, decision_problem="答复决定不完整：须填写理由说明"),
        "答复决定不完整：须填写理由说明",
    ),
    (
        "needs_legal_review",
        S.DRAFTING,
        T.SUBMIT_FOR_LEGAL_REVIEW,
        CW,
        R(GOOD, legal_review_required=False),
        "该答复无须法制审核，请直接提交签发",
    ),
    (
        "no_legal_review_needed",
        S.DRAFTING,
        T.SUBMIT_FOR_SIGNING,
        CW,
        R(GOOD, legal_review_required=True),
        "该答复须先经法制审核（本机关的法制审核范围）",
    ),
    (
        "legal_approval",
        S.SIGNING,
        T.SIGN,
        HEAD,
        R(GOOD, legal_review_required=True, legal_approved=False),
        "该答复未经法制审核同意，不能签发",
    ),
    (
        "receipt_date_known",
        S.REGISTERED,
        T.ISSUE_RECEIPT,
        REG,
        R(GOOD, reply_due=None),
        "收到申请之日或答复期限尚未确定，不能出具接收回执",
    ),
    (
        "receipt_not_yet_issued",
        S.HANDLING,
        T.ISSUE_RECEIPT,
        CW,
        R(GOOD, receipt_issued=True),
        "接收回执已出具；如有错误，请由负责人更正",
    ),
    (
        "a_letter_issued",
        S.DELIVERED,
        T.CORRECT_LETTER,
        HEAD,
        R(GOOD, letters_issued=False),
        "本案尚无已出具的文书",
    ),
    (
        "reply_letter_clean_submit",
        S.DRAFTING,
        T.SUBMIT_FOR_SIGNING,
        CW,
        R(GOOD, letter_problem="文书存在问题：「政府信息公开申请答复书」缺少救济告知"),
        "文书存在问题：「政府信息公开申请答复书」缺少救济告知",
    ),
    (
        "reply_letter_clean_review",
        S.DRAFTING,
        T.SUBMIT_FOR_LEGAL_REVIEW,
        CW,
        R(GOOD, legal_review_required=True, letter_problem="文书存在问题：未填写理由"),
        "文书存在问题：未填写理由",
    ),
    (
        "reply_letter_clean_approve",
        S.LEGAL_REVIEW,
        T.APPROVE,
        LEGAL,
        R(GOOD, letter_problem="文书存在问题：未填写理由"),
        "文书存在问题：未填写理由",
    ),
    (
        "reply_letter_clean_sign",
        S.SIGNING,
        T.SIGN,
        HEAD,
        R(GOOD, letter_problem="文书存在问题：未填写理由"),
        "文书存在问题：未填写理由",
    ),
    (
        "delivery_recorded",
        S.DELIVERED,
        T.ARCHIVE,
        REG,
        R(GOOD, delivered=False),
        "尚无送达记录，不能归档",
    ),
]


@pytest.mark.parametrize(
    ("state", "trigger", "role", "facts", "reason"),
    [case[1:] for case in GUARD_CASES],
    ids=[case[0] for case in GUARD_CASES],
)
def test_each_guard_blocks_with_its_reason(state, trigger, role, facts, reason):
    machine.check(state, trigger, [role], good_facts(trigger))  # allowed with good facts
    with pytest.raises(GuardFailed) as caught:
        machine.check(state, trigger, [role], facts)
    assert caught.value.message == reason
    assert caught.value.code == "case.precondition"
    # the UI shows the same reason on the disabled button
    assert (trigger, reason) in machine.available_events(state, [role], facts)
    assert trigger not in machine.permitted_events(state, [role], facts)


def test_every_guard_of_the_rule_table_is_exercised():
    for name in {g.__name__ for rule in machine.RULES for g in rule.guards}:
        guard = getattr(machine, name)
        assert any(guard(case[4]) == case[5] for case in GUARD_CASES), name


@pytest.mark.parametrize(
    ("facts", "allowed"),
    [
        (R(GOOD, correction_period_due=date(2026, 5, 31)), True),  # the day after
        (R(GOOD, correction_period_due=AS_OF), False),
    ],
)
def test_correction_lapse_boundary(facts, allowed):
    reason = machine.correction_period_over(facts)
    assert (reason is None) is allowed


def test_reply_period_boundary():
    # The due date itself is inside the period (ends 24:00, 民法典 Art 203): still allowed.
    assert machine.within_reply_period(R(GOOD, reply_due=AS_OF)) is None
    assert machine.within_reply_period(R(GOOD, reply_due=None)) is None  # paused: no due date
    assert machine.within_reply_period(R(GOOD, reply_due=date(2026, 5, 31))) is not None


def test_extension_cap_boundary():
    assert machine.extension_left(R(GOOD, extension_workdays=19)) is None
    assert machine.extension_left(R(GOOD, extension_workdays=20)) is not None


def test_available_events_lists_blocked_actions_with_reasons():
    facts = R(GOOD, correction_requested=True)
    events = dict(machine.available_events(S.REVIEWING, [CW], facts))
    assert events == {
        T.ISSUE_RECEIPT: None,
        T.REQUEST_CORRECTION: "补正告知只能发出一次（第三十条：一次性告知）",
        T.REQUEST_REASONS: None,
        T.RECORD_EXPLANATION: "尚未要求申请人说明理由",
        T.RECORD_NOTICE_RECEIPT: None,  # GOOD has a notice awaiting its receipt
        T.ACCEPT: None,
        T.DECIDE_WITHOUT_HANDLING: None,
        T.WITHDRAW: None,
    }
    assert machine.permitted_events(S.REVIEWING, [CW], facts) == [
        T.ISSUE_RECEIPT,
        T.REQUEST_REASONS,
        T.RECORD_NOTICE_RECEIPT,
        T.ACCEPT,
        T.DECIDE_WITHOUT_HANDLING,
        T.WITHDRAW,
    ]
    # a refusal awaiting signature, not approved: the head sees sign disabled with its reason
    unapproved = R(GOOD, legal_review_required=True, legal_approved=False)
    head = dict(machine.available_events(S.SIGNING, [HEAD], unapproved))
    assert head[T.SIGN] == "该答复未经法制审核同意，不能签发"
    assert head[T.SEND_BACK] is None and head[T.EXTEND] is None
    # roles with nothing to do see nothing, not disabled buttons
    assert machine.available_events(S.SIGNING, [Role.SUPERVISOR], unapproved) == []
    assert machine.available_events(S.ARCHIVED, [CW], GOOD) == []
