"""The case state machine: states, triggers, who may fire them and the law's preconditions.

Everything about "who may do what, when" is declared once, in :data:`RULES`, a table to read top to
bottom. The web UI and the API ask :func:`permitted_events`; they never decide for themselves.

Who may act (roles) and whether the case's facts allow it (guards) are kept apart, as the
workflow literature recommends: a guard is a rule of law or of data (one correction notice only;
no signature without legal approval), a role check is policy. Guards look only at
:class:`CaseFacts`, a plain snapshot the service layer builds, so this module stays pure.

The machine itself is a single shared :class:`transitions.Machine` with no auto transitions and
invalid triggers raising; each firing runs its event on a throw-away model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from transitions import Machine, MachineError

from gkcase.calendar.clock import EXTENSION_CAP_WORKDAYS
from gkcase.errors import GkcaseError


class State(StrEnum):
    """Where a case stands (登记 → 审核 → 办理 → 答复 → 送达 → 归档, Art 45)."""

    RECEIVED = "received"  # 已收到，收到日期待确认 (Art 31)
    REGISTERED = "registered"  # 已登记
    REVIEWING = "reviewing"  # 审核中
    AWAITING_CORRECTION = "awaiting_correction"  # 待补正 (Art 30)
    HANDLING = "handling"  # 办理中
    CONSULTING = "consulting"  # 征求意见中 (Art 32, 34)
    AWAITING_FEE = "awaiting_fee"  # 待缴费 (109号)
    DRAFTING = "drafting"  # 拟稿中
    LEGAL_REVIEW = "legal_review"  # 法制审核中
    SIGNING = "signing"  # 待签发
    REPLIED = "replied"  # 已答复（已签发）
    DELIVERED = "delivered"  # 已送达
    CLOSED = "closed"  # 已终结，未作答复（视为放弃、撤回）
    ARCHIVED = "archived"  # 已归档

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Not yet answered or closed: the reply clock concerns it."""
        return self in OPEN_STATES


_STATE_LABELS = {
    State.RECEIVED: "待确认收到",
    State.REGISTERED: "已登记",
    State.REVIEWING: "审核中",
    State.AWAITING_CORRECTION: "待补正",
    State.HANDLING: "办理中",
    State.CONSULTING: "征求意见中",
    State.AWAITING_FEE: "待缴费",
    State.DRAFTING: "拟稿中",
    State.LEGAL_REVIEW: "法制审核中",
    State.SIGNING: "待签发",
    State.REPLIED: "已答复",
    State.DELIVERED: "已送达",
    State.CLOSED: "已终结",
    State.ARCHIVED: "已归档",
}

OPEN_STATES = frozenset(
    {
        State.RECEIVED,
        State.REGISTERED,
        State.REVIEWING,
        State.AWAITING_CORRECTION,
        State.HANDLING,
        State.CONSULTING,
        State.AWAITING_FEE,
        State.DRAFTING,
        State.LEGAL_REVIEW,
        State.SIGNING,
    }
)
#: States from which a decision is still being prepared: an extension can be granted in these.
WORKING_STATES = (
    State.HANDLING,
    State.CONSULTING,
    State.AWAITING_FEE,
    State.DRAFTING,
    State.LEGAL_REVIEW,
    State.SIGNING,
)
FINISHED_STATES = (State.REPLIED, State.DELIVERED, State.CLOSED, State.ARCHIVED)


class Role(StrEnum):
    REGISTRAR = "registrar"  # 登记员
    CASEWORKER = "caseworker"  # 承办人
    LEGAL_REVIEWER = "legal_reviewer"  # 法制审核人员
    OFFICE_HEAD = "office_head"  # 政府信息公开工作机构负责人
    SUPERVISOR = "supervisor"  # 督查
    ADMIN = "admin"  # 系统管理员

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


#: The roles a service account (an integration: the portal's online form registers applications,
#: a statistics feed reads) may hold. Handling, reviewing, signing and administering are acts a
#: person is accountable for, never a system.
SERVICE_ACCOUNT_ROLES = frozenset({Role.REGISTRAR, Role.SUPERVISOR})

_ROLE_LABELS = {
    Role.REGISTRAR: "登记员",
    Role.CASEWORKER: "承办人",
    Role.LEGAL_REVIEWER: "法制审核人员",
    Role.OFFICE_HEAD: "公开工作机构负责人",
    Role.SUPERVISOR: "督查人员",
    Role.ADMIN: "系统管理员",
}


class Trigger(StrEnum):
    CONFIRM = "confirm"
    ISSUE_RECEIPT = "issue_receipt"
    START_REVIEW = "start_review"
    ASSIGN = "assign"
    REQUEST_CORRECTION = "request_correction"
    CORRECTION_RECEIVED = "correction_received"
    CORRECTION_LAPSED = "correction_lapsed"
    CONTINUE_WITHOUT_CORRECTION = "continue_without_correction"
    REQUEST_REASONS = "request_reasons"
    RECORD_EXPLANATION = "record_explanation"
    RECORD_NOTICE_RECEIPT = "record_notice_receipt"
    ACCEPT = "accept"
    DECIDE_WITHOUT_HANDLING = "decide_without_handling"
    CONSULT = "consult"
    CONSULTATION_DONE = "consultation_done"
    ISSUE_FEE_NOTICE = "issue_fee_notice"
    FEE_PAID = "fee_paid"
    FEE_LAPSED = "fee_lapsed"
    EXTEND = "extend"
    DEFER = "defer"
    DRAFT_DECISION = "draft_decision"
    SUBMIT_FOR_LEGAL_REVIEW = "submit_for_legal_review"
    SUBMIT_FOR_SIGNING = "submit_for_signing"
    APPROVE = "approve"
    RETURN_DRAFT = "return_draft"
    SEND_BACK = "send_back"
    SIGN = "sign"
    DELIVER = "deliver"
    ARCHIVE = "archive"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    RECORD_REMEDY = "record_remedy"
    CORRECT_LETTER = "correct_letter"

    @property
    def label(self) -> str:
        return RULES_BY_TRIGGER[self][0].label


# --- the facts guards look at --------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the guards need to know about a case, gathered by the service layer."""

    as_of: date
    correction_requested: bool = False
    #: the 补正 notice went out after the 7th working day: no restart, no 视为放弃 (Art 30)
    correction_late: bool = False
    #: the end of the applicant's correction period, counted from the recorded receipt of the
    #: notice; None while the receipt is not recorded (the period has not started)
    correction_period_due: date | None = None
    reasons_requested: bool = False
    #: the end of the Art 35 explanation period from the recorded receipt of the request
    explanation_due: date | None = None
    #: what the agency found of the applicant's explanation: reasonable / unreasonable / none
    explanation: str | None = None
    #: notices whose receipt is not recorded yet (their periods wait for it)
    notices_awaiting_receipt: int = 0
    open_consultations: int = 0
    fee_notice_issued: bool = False
    #: the end of the payment window from the recorded receipt of the fee notice
    fee_window_due: date | None = None
    extension_workdays: int = 0
    reply_due: date | None = None
    decision_drafted: bool = False
    decision_problem: str | None = None  # why the drafted decision is not complete, if it is not
    legal_review_required: bool = False
    legal_approved: bool = False
    delivered: bool = False
    receipt_issued: bool = False
    letters_issued: bool = False
    letter_problem: str | None = None  # the drafted reply's blocking lint findings, if any


Guard = Callable[[CaseFacts], str | None]  # None: allowed; else the reason, in Chinese


def once_only_correction(facts: CaseFacts) -> str | None:
    # Art 30: 一次性告知申请人作出补正
    if facts.correction_requested:
        return "补正告知只能发出一次（第三十条：一次性告知）"
    return None


def correction_period_over(facts: CaseFacts) -> str | None:
    # Art 30: 申请人无正当理由逾期不补正的，视为放弃申请 — only after a timely notice, and only once
    # the period granted, counted from the applicant's receipt of the notice, has run out.
    if facts.correction_late:
        return "补正告知晚于第七个工作日发出，不能视为放弃申请；请按原申请继续办理（第三十条）"
    if facts.correction_period_due is None:
        return "补正告知书的送达日期尚未登记，补正期限尚未起算，不能按视为放弃处理"
    if facts.as_of <= facts.correction_period_due:
        return "补正期限尚未届满，不能按视为放弃处理"
    return None


def correction_notice_was_late(facts: CaseFacts) -> str | None:
    # Art 30: a timely notice restarts the period on the corrected application; a late one does
    # not, so the agency answers the original application within the original period.
    if not facts.correction_late:
        return "补正告知按时发出：待申请人补正，或补正期限届满后按视为放弃处理"
    return None


def reasons_not_yet_requested(facts: CaseFacts) -> str | None:
    if facts.reasons_requested:
        return "已要求申请人说明理由"
    return None


def explanation_awaited(facts: CaseFacts) -> str | None:
    if not facts.reasons_requested:
        return "尚未要求申请人说明理由"
    if facts.explanation is not None:
        return "申请人的说明理由已登记"
    return None


def explanation_found_reasonable(facts: CaseFacts) -> str | None:
    # Art 35: 认为申请理由合理，但是无法在规定期限内答复的，可以确定延迟答复的合理期限
    if not facts.reasons_requested:
        return "延迟答复须先要求申请人说明理由（第三十五条）"
    if facts.explanation != "reasonable":
        return "延迟答复须在申请人说明理由、本机关认为理由合理后确定（第三十五条）"
    return None


def a_notice_awaiting_receipt(facts: CaseFacts) -> str | None:
    if not facts.notices_awaiting_receipt:
        return "没有待登记送达的告知书或征求意见书"
    return None


def one_fee_notice(facts: CaseFacts) -> str | None:
    if facts.fee_notice_issued:
        return "该申请已发出过收费通知"
    return None


def within_reply_period(facts: CaseFacts) -> str | None:
    # 109号: 收费通知应当在政府信息公开申请处理期限内发出; Art 33: 延期须在期限内告知
    if facts.reply_due is not None and facts.as_of > facts.reply_due:
        return "答复期限已届满，不能再作此处理"
    return None


def fee_window_over(facts: CaseFacts) -> str | None:
    # 109号: 逾期未缴纳的视为放弃申请 — counted from the applicant's receipt of the notice
    if facts.fee_notice_issued and facts.fee_window_due is None:
        return "收费通知书的送达日期尚未登记，缴费期限尚未起算，不能按视为放弃处理"
    if facts.fee_window_due is None or facts.as_of <= facts.fee_window_due:
        return "缴费期限尚未届满，不能按视为放弃处理"
    return None


def extension_left(facts: CaseFacts) -> str | None:
    # Art 33 ¶2: 延长的期限最长不得超过20个工作日
    if facts.extension_workdays >= EXTENSION_CAP_WORKDAYS:
        return f"已延长{EXTENSION_CAP_WORKDAYS}个工作日，不能再延长（第三十三条第二款）"
    return None


def no_open_consultation(facts: CaseFacts) -> str | None:
    if facts.open_consultations:
        return "尚有征求意见未结束"
    return None


def decision_complete(facts: CaseFacts) -> str | None:
    if not facts.decision_drafted:
        return "尚未拟定答复决定"
    return facts.decision_problem


def reply_letter_clean(facts: CaseFacts) -> str | None:
    # The reply must be one the office head can sign: its legal lint's errors block every step.
    return facts.letter_problem


def needs_legal_review(facts: CaseFacts) -> str | None:
    if not facts.legal_review_required:
        return "该答复无须法制审核，请直接提交签发"
    return None


def no_legal_review_needed(facts: CaseFacts) -> str | None:
    if facts.legal_review_required:
        return "该答复须先经法制审核（本机关的法制审核范围）"
    return None


def legal_approval(facts: CaseFacts) -> str | None:
    if facts.legal_review_required and not facts.legal_approved:
        return "该答复未经法制审核同意，不能签发"
    return None


def receipt_date_known(facts: CaseFacts) -> str | None:
    # The receipt states the Art 31 receipt date and the reply due date.
    if facts.reply_due is None:
        return "收到申请之日或答复期限尚未确定，不能出具接收回执"
    return None


def a_letter_issued(facts: CaseFacts) -> str | None:
    if not facts.letters_issued:
        return "本案尚无已出具的文书"
    return None


def receipt_not_yet_issued(facts: CaseFacts) -> str | None:
    if facts.receipt_issued:
        return "接收回执已出具；如有错误，请由负责人更正"
    return None


def delivery_recorded(facts: CaseFacts) -> str | None:
    if not facts.delivered:
        return "尚无送达记录，不能归档"
    return None


def last_consultation(facts: CaseFacts) -> bool:
    """Routing, not a guard: the consultation that ends is the last one open."""
    return facts.open_consultations <= 1


# --- the table ------------------------------------------------------------------------------

R, C, L, H = Role.REGISTRAR, Role.CASEWORKER, Role.LEGAL_REVIEWER, Role.OFFICE_HEAD
S = State
_OPEN = tuple(sorted(OPEN_STATES, key=list(State).index))


@dataclass(frozen=True)
class Rule:
    trigger: Trigger
    sources: tuple[State, ...]
    dest: State | None  # None: the case stays where it is (an internal transition)
    roles: frozenset[Role]
    label: str
    guards: tuple[Guard, ...] = ()
    route: Callable[[CaseFacts], bool] | None = None  # with several rules for one trigger
    letters: tuple[str, ...] = ()  # the letters (文书) this act issues; REPLY: the outcome's reply


#: In :attr:`Rule.letters`, the reply letter of the decided outcome (one per outcome, outcomes.py).
REPLY = "reply"
#: In :attr:`Rule.letters`, the letter being corrected, issued again (更正).
SAME_KIND = "same_kind"


def _rule(
    trigger: Trigger,
    sources: Iterable[State] | State,
    dest: State | None,
    roles: Iterable[Role],
    label: str,
    *guards: Guard,
    route: Callable[[CaseFacts], bool] | None = None,
    letters: Iterable[str] = (),
) -> Rule:
    src = (sources,) if isinstance(sources, State) else tuple(sources)
    return Rule(trigger, src, dest, frozenset(roles), label, guards, route, tuple(letters))


T = Trigger
# fmt: off
RULES: tuple[Rule, ...] = (
    # 登记 registration
    _rule(T.CONFIRM, S.RECEIVED, S.REGISTERED, [R], "确认收到申请"),
    _rule(T.ASSIGN, (*_OPEN, S.REPLIED, S.DELIVERED), None, [R, H], "指定承办人"),
    _rule(T.START_REVIEW, S.REGISTERED, S.REVIEWING, [C, H], "开始审核"),
    # 审核 review
    _rule(T.ISSUE_RECEIPT, _OPEN, None, [R, C], "出具接收回执", receipt_date_known,
          receipt_not_yet_issued, letters=["receipt"]),
    _rule(T.REQUEST_CORRECTION, S.REVIEWING, S.AWAITING_CORRECTION, [C], "告知补正",
          once_only_correction, letters=["correction_notice"]),
    _rule(T.CORRECTION_RECEIVED, S.AWAITING_CORRECTION, S.REVIEWING, [R, C], "收到补正"),
    _rule(T.CORRECTION_LAPSED, S.AWAITING_CORRECTION, S.CLOSED, [C], "逾期未补正，视为放弃",
          correction_period_over, letters=["closing_no_correction"]),
    _rule(T.CONTINUE_WITHOUT_CORRECTION, S.AWAITING_CORRECTION, S.REVIEWING, [C],
          "按原申请继续办理（补正告知逾期）", correction_notice_was_late),
    _rule(T.REQUEST_REASONS, (S.REVIEWING, S.HANDLING), None, [C], "要求说明理由",
          reasons_not_yet_requested, letters=["reasons_request"]),
    # the explanation arrives while the case is handled: in a consultation or awaiting a fee too
    _rule(T.RECORD_EXPLANATION, (S.REVIEWING, S.HANDLING, S.CONSULTING, S.AWAITING_FEE), None,
          [C], "登记说明理由", explanation_awaited),
    # the applicant's (or a consulted party's) receipt of a notice: its period runs from it
    _rule(T.RECORD_NOTICE_RECEIPT, _OPEN, None, [R, C], "登记告知书送达",
          a_notice_awaiting_receipt),
    _rule(T.ACCEPT, S.REVIEWING, S.HANDLING, [C], "受理办理"),
    _rule(T.DECIDE_WITHOUT_HANDLING, S.REVIEWING, S.DRAFTING, [C], "直接拟定答复"),
    # 办理 handling
    _rule(T.CONSULT, (S.HANDLING, S.CONSULTING), S.CONSULTING, [C], "征求意见",
          letters=["third_party_consultation", "co_producer_consultation",
                   "other_agency_consultation"]),
    _rule(T.CONSULTATION_DONE, S.CONSULTING, S.HANDLING, [C], "征求意见结束",
          route=last_consultation),
    _rule(T.CONSULTATION_DONE, S.CONSULTING, S.CONSULTING, [C], "征求意见结束"),
    _rule(T.ISSUE_FEE_NOTICE, S.HANDLING, S.AWAITING_FEE, [C], "发出收费通知",
          one_fee_notice, within_reply_period, letters=["fee_notice"]),
    _rule(T.FEE_PAID, S.AWAITING_FEE, S.HANDLING, [R, C], "已缴费"),
    _rule(T.FEE_LAPSED, S.AWAITING_FEE, S.CLOSED, [C], "逾期未缴费，视为放弃", fee_window_over,
          letters=["closing_fee_unpaid"]),
    _rule(T.EXTEND, WORKING_STATES, None, [H], "延长答复期限", extension_left,
          within_reply_period, letters=["extension_notice"]),  # Art 33 ¶2: approval + notice
    _rule(T.DEFER, S.HANDLING, None, [H], "确定延迟答复期限", explanation_found_reasonable,
          letters=["deferral_notice"]),
    _rule(T.DRAFT_DECISION, (S.HANDLING, S.DRAFTING), S.DRAFTING, [C], "拟定答复",
          no_open_consultation),
    # 答复 reply
    _rule(T.SUBMIT_FOR_LEGAL_REVIEW, S.DRAFTING, S.LEGAL_REVIEW, [C], "提交法制审核",
          decision_complete, needs_legal_review, reply_letter_clean),
    _rule(T.SUBMIT_FOR_SIGNING, S.DRAFTING, S.SIGNING, [C], "提交签发", decision_complete,
          no_legal_review_needed, reply_letter_clean),
    _rule(T.APPROVE, S.LEGAL_REVIEW, S.SIGNING, [L], "法制审核同意", decision_complete,
          reply_letter_clean),
    _rule(T.RETURN_DRAFT, S.LEGAL_REVIEW, S.HANDLING, [L], "退回修改"),
    _rule(T.SEND_BACK, S.SIGNING, S.DRAFTING, [H], "退回重拟"),
    _rule(T.SIGN, S.SIGNING, S.REPLIED, [H], "签发", decision_complete, legal_approval,
          reply_letter_clean, letters=[REPLY, "third_party_disclosure_notice"]),
    # 送达、归档 delivery and archiving
    _rule(T.DELIVER, S.REPLIED, S.DELIVERED, [R, C], "登记送达"),
    _rule(T.ARCHIVE, S.DELIVERED, S.ARCHIVED, [R, C], "归档", delivery_recorded),
    _rule(T.ARCHIVE, S.CLOSED, S.ARCHIVED, [R, C], "归档"),
    _rule(T.WITHDRAW, _OPEN, S.CLOSED, [R, C], "申请人撤回申请", letters=["closing_other"]),
    _rule(T.REOPEN, (S.DELIVERED, S.CLOSED, S.ARCHIVED), S.HANDLING, [H, L],
          "重新办理（复议决定或判决责令重新答复）"),
    _rule(T.RECORD_REMEDY, FINISHED_STATES, None, [L, H], "登记行政复议或诉讼"),
    # 更正 a letter already issued: voided with a reason, issued again; both stay in the history
    _rule(T.CORRECT_LETTER, tuple(State), None, [H], "更正已出具的文书", a_letter_issued,
          letters=[SAME_KIND]),
)
# fmt: on

RULES_BY_TRIGGER: dict[Trigger, list[Rule]] = {}
for _r in RULES:
    RULES_BY_TRIGGER.setdefault(_r.trigger, []).append(_r)


def rules_for(trigger: Trigger, state: State) -> list[Rule]:
    return [r for r in RULES_BY_TRIGGER.get(trigger, ()) if state in r.sources]


# --- errors ---------------------------------------------------------------------------------


class IllegalTransition(GkcaseError):
    code = "case.illegal_transition"


class PermissionDenied(GkcaseError):
    code = "auth.permission_denied"


class GuardFailed(GkcaseError):
    """The law or the case's data does not allow the action now."""

    code = "case.precondition"


# --- the machine ----------------------------------------------------------------------------


class _Flow:
    """The throw-away model a firing hands to the shared machine."""

    def __init__(self, state: State) -> None:
        self.state = state.value


def _machine_transitions() -> list[dict]:
    result = []
    for rule in RULES:
        conditions = []
        if rule.route is not None:
            route = rule.route
            conditions.append(lambda event, route=route: route(event.kwargs["facts"]))
        for source in rule.sources:
            result.append(
                {
                    "trigger": rule.trigger.value,
                    "source": source.value,
                    "dest": rule.dest.value if rule.dest else None,
                    "conditions": conditions,
                }
            )
    return result


_machine = Machine(
    model=None,
    states=[s.value for s in State],
    transitions=_machine_transitions(),
    initial=State.RECEIVED.value,
    auto_transitions=False,
    send_event=True,
    ignore_invalid_triggers=False,
)


def check(state: State, trigger: Trigger, roles: Iterable[Role], facts: CaseFacts) -> None:
    """Raise the first reason ``trigger`` cannot be fired now; return quietly if it can."""
    candidates = rules_for(trigger, state)
    if not candidates:
        raise IllegalTransition(f"案件处于「{state.label}」状态，不能「{_trigger_label(trigger)}」")
    rule = _route(candidates, facts)
    if not rule.roles & set(roles):
        who = "、".join(r.label for r in sorted(rule.roles, key=list(Role).index))
        raise PermissionDenied(f"「{rule.label}」须由{who}操作")
    for guard in rule.guards:
        reason = guard(facts)
        if reason:
            raise GuardFailed(reason)


def fire(state: State, trigger: Trigger, roles: Iterable[Role], facts: CaseFacts) -> State:
    """Check, then move: the state the case is in after ``trigger``."""
    check(state, trigger, roles, facts)
    flow = _Flow(state)
    # The shared machine's event moves the throw-away model; the machine itself is not changed
    # (no add_model/remove_model, which rebinds every trigger), so no lock is needed.
    try:
        _machine.events[trigger.value].trigger(flow, facts=facts)
    except MachineError as exc:  # pragma: no cover - check() has ruled this out
        raise IllegalTransition(str(exc)) from exc
    return State(flow.state)


def permitted_events(state: State, roles: Iterable[Role], facts: CaseFacts) -> list[Trigger]:
    """The triggers these roles may fire on a case in ``state`` with ``facts``, now."""
    return [t for t, reason in available_events(state, roles, facts) if reason is None]


def available_events(
    state: State, roles: Iterable[Role], facts: CaseFacts
) -> list[tuple[Trigger, str | None]]:
    """Every trigger these roles could fire from ``state``, with the reason it is blocked now
    (``None`` when it is not) — for a UI that shows a disabled button with its reason."""
    roles = set(roles)
    result = []
    for trigger in Trigger:
        candidates = rules_for(trigger, state)
        if not candidates:
            continue
        rule = _route(candidates, facts)
        if not rule.roles & roles:
            continue
        reason = next((r for g in rule.guards if (r := g(facts))), None)
        result.append((trigger, reason))
    return result


def rule_for(state: State, trigger: Trigger, facts: CaseFacts) -> Rule:
    """The rule ``trigger`` fires by from ``state`` (after :func:`check` has passed)."""
    return _route(rules_for(trigger, state), facts)


def _route(candidates: list[Rule], facts: CaseFacts) -> Rule:
    for rule in candidates:
        if rule.route is None or rule.route(facts):
            return rule
    return candidates[-1]


def _trigger_label(trigger: Trigger) -> str:
    return RULES_BY_TRIGGER[trigger][0].label


def mermaid() -> str:
    """The machine as a Mermaid state diagram, drawn from :data:`RULES` by `transitions`."""
    from transitions.extensions import GraphMachine

    class _Model:
        pass

    model = _Model()
    transitions = [
        {**t, "conditions": [], "dest": t["dest"] or t["source"]}
        for t in _machine_transitions()
        # internal transitions (assign, extend, …) would clutter the picture: listed in docs
        if t["dest"] is not None
    ]
    GraphMachine(
        model=model,
        states=[s.value for s in State],
        transitions=transitions,
        initial=State.RECEIVED.value,
        auto_transitions=False,
        graph_engine="mermaid",
        title="gkcase 案件状态",
    )
    drawn = model.get_graph().draw(None)  # type: ignore[attr-defined]
    # transitions writes the title as bare front matter; Mermaid expects a `title:` key.
    return drawn.replace("---\ngkcase 案件状态\n---", "---\ntitle: gkcase 案件状态\n---", 1)
