"""Letters of a case: context, preview with the legal lint, slots, issuing, overrides, checks.

Issuing freezes a letter: its 文号 is allocated once, and the rendered HTML, DOCX and PDF, the
variables and the template version are stored with their SHA-256. :func:`verify_letter` renders it
again from what was stored and says whether every file comes out byte for byte, or why not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

import gkcase
from gkcase.calendar.clock import Channel
from gkcase.errors import GkcaseError, ValidationError
from gkcase.fees import FeeBasis, per_item_fee, per_page_fee
from gkcase.letters import context as ctx
from gkcase.letters.catalogue import CATALOGUE, LetterSpec, letter_spec
from gkcase.letters.elements import missing_elements
from gkcase.letters.lint import Finding, Severity, has_errors, lint
from gkcase.letters.render import RenderedLetter, builtin_source, render_letter
from gkcase.models import (
    Agency,
    Applicant,
    ApplicantType,
    Case,
    CaseEvent,
    Consultation,
    FeeNotice,
    Letter,
    LetterDraft,
    LetterTemplate,
    User,
)
from gkcase.models.letter import LETTER_LISTED
from gkcase.services.cases import NotFound, get_case, next_number
from gkcase.states.machine import Role
from gkcase.states.outcomes import OUTCOMES, Outcome


class LetterNotReady(GkcaseError):
    """The letter's lint found errors: it may not be issued."""

    code = "letter.lint_errors"

    def __init__(self, findings: list[Finding]) -> None:
        errors = [f for f in findings if f.severity == "error"]
        super().__init__("文书存在问题，不能签发：" + "；".join(f.message for f in errors))
        self.findings = findings


def _sha(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


# --- which letters a case can have ----------------------------------------------------------

#: The trigger after which each notice can be issued.
_AFTER = {
    "correction_notice": "request_correction",
    "reasons_request": "request_reasons",
    "extension_notice": "extend",
    "deferral_notice": "defer",
    "third_party_consultation": "consult",
    "co_producer_consultation": "consult",
    "third_party_disclosure_notice": "consultation_done",
    "fee_notice": "issue_fee_notice",
}


def _events(session: Session, case: Case) -> list[tuple[str, dict[str, Any]]]:
    rows = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.seq))
    )
    return [(e.trigger, json.loads(e.payload)) for e in rows]


def _last(events: list[tuple[str, dict]], trigger: str) -> dict[str, Any] | None:
    for name, payload in reversed(events):
        if name == trigger:
            return payload
    return None


def available_letters(session: Session, case: Case) -> list[str]:
    """The kinds that can be issued for the case now, from what has happened to it."""
    events = _events(session, case)
    kinds = []
    if case.receipt_date is not None and case.reply_due is not None:
        kinds.append("receipt")  # it states the reply due date, so only while there is one
    for kind, trigger in _AFTER.items():
        if _last(events, trigger) is None:
            continue
        if kind in ("third_party_consultation", "co_producer_consultation"):
            wanted = kind.removesuffix("_consultation")
            if not any(c.kind == wanted for c in _consultations(session, case)):
                continue
        if kind == "third_party_disclosure_notice" and not _objecting_third_party(session, case):
            continue
        kinds.append(kind)
    if case.outcome:
        kinds.append(OUTCOMES[Outcome(case.outcome)].reply_letter)
    return kinds


def _consultations(session: Session, case: Case) -> list[Consultation]:
    return list(
        session.exec(
            select(Consultation).where(Consultation.case_id == case.id).order_by(Consultation.id)
        )
    )


def _objecting_third_party(session: Session, case: Case) -> Consultation | None:
    objecting = [
        c
        for c in _consultations(session, case)
        if c.kind == "third_party" and c.opinion == "object"
    ]
    return objecting[-1] if objecting else None


# --- the context ------------------------------------------------------------------------------


def _notice(
    session: Session, case: Case, spec: LetterSpec, events: list[tuple[str, dict]]
) -> tuple[dict, dict]:
    """The kind's own facts (``notice.*``) and the slots' defaults, from the case's events."""
    kind = spec.kind
    if kind == "correction_notice":
        p = _last(events, "request_correction") or {}
        items = list(p.get("items", []))
        notice = {
            "items": items,
            "items_text": "；".join(items),
            "period_workdays": p.get("period_workdays"),
            "period_due": _date(p.get("period_due")),
            "consequence": ctx.CORRECTION_CONSEQUENCE,
        }
        return notice, {"guidance": p.get("guidance", "")}
    if kind == "reasons_request":
        p = _last(events, "request_reasons") or {}
        return {"basis": ctx.ART35_BASIS}, {"matters": p.get("matters", "")}
    if kind == "extension_notice":
        p = _last(events, "extend") or {}
        notice = {
            "workdays": p.get("workdays"),
            "approval": ctx.EXTENSION_APPROVAL,
            "approved_on": _date(p.get("approved_on")),
        }
        return notice, {"reason": p.get("reason", "")}
    if kind == "deferral_notice":
        p = _last(events, "defer") or {}
        return {"basis": ctx.ART35_BASIS}, {"reason": p.get("reason", "")}
    if kind in ("third_party_consultation", "co_producer_consultation"):
        wanted = kind.removesuffix("_consultation")
        rows = [c for c in _consultations(session, case) if c.kind == wanted]
        row = rows[-1]
        notice = {
            "party_name": row.party_name,
            "window": ctx.CONSULTATION_WINDOW,
            "window_due": row.window_due,
            "silence": ctx.SILENCE[wanted],
        }
        return notice, {"matters": row.matters}
    if kind == "third_party_disclosure_notice":
        row = _objecting_third_party(session, case)
        return {"party_name": row.party_name, "basis": ctx.ART32_BASIS}, {}
    if kind == "fee_notice":
        fee = session.exec(
            select(FeeNotice).where(FeeNotice.case_id == case.id).order_by(col(FeeNotice.id).desc())
        ).first()
        basis = FeeBasis(fee.basis)
        quote = (
            per_item_fee(fee.quantity, fee.earlier_quantity)
            if basis is FeeBasis.PER_ITEM
            else per_page_fee(fee.quantity)
        )
        notice = {
            "basis": ctx.FEE_BASIS,
            "standard": basis.standard_zh,
            "arithmetic": quote.arithmetic_zh(),
            "amount": f"{quote.total}元",
            "window_due": fee.window_due,
            "consequence": ctx.FEE_CONSEQUENCE,
        }
        return notice, {}
    if kind == "closing_no_correction":
        p = _last(events, "request_correction") or {}
        return {"notice_date": _date(p.get("sent_on"))}, {}
    if kind == "closing_fee_unpaid":
        p = _last(events, "issue_fee_notice") or {}
        return {"notice_date": _date(p.get("sent_on"))}, {}
    return {}, {}


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def context_for(
    session: Session,
    case: Case,
    spec: LetterSpec,
    *,
    number: str,
    issued_on: date,
    slots: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    agency = session.get(Agency, case.agency_id)
    applicant = session.get(Applicant, case.applicant_id)
    events = _events(session, case)
    notice, slot_defaults = _notice(session, case, spec, events)
    draft = session.exec(
        select(LetterDraft).where(LetterDraft.case_id == case.id, LetterDraft.kind == spec.kind)
    ).first()
    saved = json.loads(draft.slots) if draft else {}
    outcome = case.outcome if spec.outcomes else None
    return ctx.build_context(
        spec,
        agency={
            "name": agency.name,
            "short_name": agency.short_name,
            "address": agency.address,
            "postcode": agency.postcode,
            "phone": agency.phone,
            "email": agency.email,
            "review_body": agency.review_body,
            "court": agency.court,
        },
        case={
            "number": case.number,
            # the status-page code is a secret of the applicant's: only the receipt carries it
            "lookup_code": case.lookup_code if spec.kind == "receipt" else "",
            "receipt_date": case.receipt_date,
            "arrived_on": case.arrived_on,
            "channel": Channel(case.channel).label,
            "information_requested": case.information_requested,
            "form_requested": case.form_requested,
            "delivery_requested": case.delivery_requested,
        },
        applicant={
            "name": applicant.name,
            "kind": ApplicantType(applicant.kind).label,
            "address": applicant.address,
            "postcode": applicant.postcode,
        },
        letter={"number": number, "date": issued_on, "date_value": issued_on},
        clock={"reply_due": case.reply_due},
        outcome=outcome,
        decision_fields=json.loads(case.decision) if outcome else None,
        notice=notice,
        slots=slot_defaults | saved | dict(slots or {}),
    )


def _known_dates(session: Session, case: Case) -> list[date]:
    """Dates the case's own record holds: a letter may mention any of them."""
    found = [
        d for d in (case.arrived_on, case.signed_for_on, case.confirmed_on, case.replied_on) if d
    ]
    for _trigger, payload in _events(session, case):
        for value in payload.values():
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                try:
                    found.append(date.fromisoformat(value))
                except ValueError:
                    continue
    return found


def _third_parties(session: Session, case: Case) -> list[str]:
    values = []
    for row in _consultations(session, case):
        if row.kind == "third_party":
            values += [row.party_name, row.party_contact]
    return [v for v in values if v]


# --- templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateInUse:
    source: str
    origin: str  # builtin / agency
    version: int
    sha256: str


def template_in_use(session: Session, agency_id: int, kind: str) -> TemplateInUse:
    spec = letter_spec(kind)
    row = session.exec(
        select(LetterTemplate)
        .where(LetterTemplate.agency_id == agency_id, LetterTemplate.kind == kind)
        .order_by(col(LetterTemplate.version).desc())
    ).first()
    if row is None:
        source = builtin_source(spec)
        return TemplateInUse(source, "builtin", 0, _sha(source))
    return TemplateInUse(row.source, "agency", row.version, row.sha256)


def save_template(
    session: Session, agency_id: int, kind: str, source: str, actor: User, note: str = ""
) -> LetterTemplate:
    """Save an agency's override as a new version, after checking it renders and keeps every
    legally required element (rendered against a complete sample context)."""
    spec = letter_spec(kind)
    if Role.ADMIN.value not in actor.role_set or actor.agency_id != agency_id:
        from gkcase.states.machine import PermissionDenied

        raise PermissionDenied("只有本机关的系统管理员可以修改文书模板")
    sample = ctx.sample_context(spec)
    rendered = render_letter(spec, sample, source)  # TemplateProblem on any template error
    missing = missing_elements(spec, sample, rendered.text)
    if missing:
        raise ValidationError(
            "模板缺少必备内容：" + "、".join(e.label for e in missing),
            field="source",
            code="letter.template_incomplete",
        )
    latest = template_in_use(session, agency_id, kind)
    row = LetterTemplate(
        agency_id=agency_id,
        kind=kind,
        version=(latest.version + 1) if latest.origin == "agency" else 1,
        source=source,
        sha256=_sha(source),
        note=note,
        created_at=_now(),
        created_by=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def _template_source(session: Session, agency_id: int, kind: str, origin: str, version: int) -> str:
    if origin == "builtin":
        return builtin_source(letter_spec(kind))
    row = session.exec(
        select(LetterTemplate).where(
            LetterTemplate.agency_id == agency_id,
            LetterTemplate.kind == kind,
            LetterTemplate.version == version,
        )
    ).one()
    return row.source


# --- preview, slots, issue --------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    letter: RenderedLetter
    findings: list[Finding]
    context: dict[str, Any]
    template: TemplateInUse


def _check_kind(session: Session, case: Case, kind: str) -> LetterSpec:
    spec = letter_spec(kind)
    if kind not in available_letters(session, case):
        raise ValidationError(f"该案件目前不能出具「{spec.title}」", field="kind")
    return spec


def preview(
    session: Session,
    case_id: int,
    kind: str,
    actor: User,
    *,
    slots: Mapping[str, Any] | None = None,
    as_of: date,
) -> Preview:
    case = get_case(session, case_id, actor)
    spec = _check_kind(session, case, kind)
    agency = session.get(Agency, case.agency_id)
    number = f"{agency.letter_prefix}{spec.code}〔{as_of.year}〕　号"
    context = context_for(session, case, spec, number=number, issued_on=as_of, slots=slots)
    template = template_in_use(session, case.agency_id, kind)
    rendered = render_letter(spec, context, template.source)
    findings = lint(
        spec,
        context,
        rendered.text,
        known_dates=_known_dates(session, case),
        third_parties=_third_parties(session, case),
    )
    return Preview(rendered, findings, context, template)


def save_slots(
    session: Session, case_id: int, kind: str, actor: User, slots: Mapping[str, Any]
) -> LetterDraft:
    case = get_case(session, case_id, actor)
    if case.agency_id != actor.agency_id:
        raise NotFound("案件不存在", field="case_id")
    spec = _check_kind(session, case, kind)
    known = {slot.name for slot in spec.slots}
    for name, value in slots.items():
        if name not in known:
            raise ValidationError("该文书没有这一可填写项", field=f"slots.{name}")
        if not isinstance(value, str) or len(value) > 8000:
            raise ValidationError("应为不超过8000字的文字", field=f"slots.{name}")
    draft = session.exec(
        select(LetterDraft).where(LetterDraft.case_id == case.id, LetterDraft.kind == kind)
    ).first() or LetterDraft(case_id=case.id, kind=kind, updated_at=_now())
    merged = json.loads(draft.slots or "{}") | dict(slots)
    draft.slots = json.dumps(merged, ensure_ascii=False, sort_keys=True)
    draft.updated_at, draft.updated_by = _now(), actor.id
    session.add(draft)
    session.flush()
    return draft


def issue(session: Session, case_id: int, kind: str, actor: User, *, as_of: date) -> Letter:
    """Allocate the 文号, render, lint (errors refuse), produce the files and freeze them."""
    from gkcase.letters.output import print_letter

    case = get_case(session, case_id, actor)
    if case.agency_id != actor.agency_id:
        raise NotFound("案件不存在", field="case_id")
    spec = _check_kind(session, case, kind)
    agency = session.get(Agency, case.agency_id)
    template = template_in_use(session, case.agency_id, kind)
    # Render and lint with a provisional number first: a refused letter consumes no number.
    trial = preview(session, case_id, kind, actor, as_of=as_of)
    if has_errors(trial.findings):
        raise LetterNotReady(trial.findings)
    seq = next_number(session, agency.id, as_of.year, f"letter:{spec.code}")
    number = f"{agency.letter_prefix}{spec.code}〔{as_of.year}〕{seq}号"
    context = context_for(session, case, spec, number=number, issued_on=as_of)
    rendered = render_letter(spec, context, template.source)
    findings = lint(
        spec,
        context,
        rendered.text,
        known_dates=_known_dates(session, case),
        third_parties=_third_parties(session, case),
    )
    if has_errors(findings):
        raise LetterNotReady(findings)
    printed = print_letter(rendered, context)
    docx, pdf = printed.docx, printed.pdf
    if printed.pdf_problem is not None:  # the letter stands; its PDF can be made where fonts exist
        findings.append(Finding("pdf_unavailable", Severity.WARNING, printed.pdf_problem))
    letter = Letter(
        case_id=case.id,
        agency_id=agency.id,
        kind=kind,
        number=number,
        issued_on=as_of,
        issued_at=_now(),
        issued_by=actor.id,
        template_origin=template.origin,
        template_version=template.version,
        template_sha256=template.sha256,
        variables=_canonical(context),
        html=rendered.html,
        html_sha256=_sha(rendered.html),
        text=rendered.text,
        docx=docx,
        docx_sha256=_sha(docx),
        pdf=pdf,
        pdf_sha256=_sha(pdf) if pdf is not None else "",
        findings=json.dumps([f.as_dict() for f in findings], ensure_ascii=False),
        gkcase_version=gkcase.__version__,
    )
    session.add(letter)
    session.flush()
    return letter


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class LetterCheck:
    identical: bool
    problems: tuple[str, ...]


def verify_letter(session: Session, letter_id: int) -> LetterCheck:
    """Render an issued letter again from what was stored; say whether the bytes match."""
    from gkcase.letters.output import print_pdf, to_docx

    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound("文书不存在", field="letter_id")
    problems = []
    if _sha(letter.html) != letter.html_sha256:
        problems.append("存储的HTML与其哈希值不符，记录可能被改动")
    if letter.docx is not None and _sha(letter.docx) != letter.docx_sha256:
        problems.append("存储的DOCX与其哈希值不符，记录可能被改动")
    if letter.pdf is not None and _sha(letter.pdf) != letter.pdf_sha256:
        problems.append("存储的PDF与其哈希值不符，记录可能被改动")
    spec = CATALOGUE[letter.kind]
    source = _template_source(
        session, letter.agency_id, letter.kind, letter.template_origin, letter.template_version
    )
    if _sha(source) != letter.template_sha256:
        problems.append("签发所用的内置模板已随软件升级而改变，无法逐字节重现")
        return LetterCheck(False, tuple(problems))
    context = json.loads(letter.variables)
    rendered = render_letter(spec, context, source)
    if _sha(rendered.html) != letter.html_sha256:
        problems.append("重新生成的HTML与签发时不同")
    if letter.docx is not None and _sha(to_docx(rendered, context)) != letter.docx_sha256:
        problems.append("重新生成的DOCX与签发时不同")
    if letter.pdf is not None and _sha(print_pdf(rendered)) != letter.pdf_sha256:
        problems.append("重新生成的PDF与签发时不同（PDF组件或字体版本可能已变化）")
    if letter.gkcase_version != gkcase.__version__ and problems:
        problems.append(f"签发时的系统版本为{letter.gkcase_version}，当前为{gkcase.__version__}")
    return LetterCheck(not problems, tuple(problems))


def letters_of(session: Session, case: Case) -> list[Letter]:
    """The case's issued letters in order, without their bodies (``LETTER_LISTED``): a case
    page lists them, and reading each letter's files for that cost more than the rest of it."""
    statement = (
        select(Letter)
        .where(Letter.case_id == case.id)
        .order_by(col(Letter.id))
        .options(*LETTER_LISTED)
    )
    return list(session.exec(statement))
