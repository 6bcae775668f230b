"""Letters of a case: what can be issued, preview with the legal lint, slots, issuing, and the
frozen files of an issued letter (HTML, DOCX, PDF) with a check that they still re-render."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.deps import CurrentUser, RowId, SessionDep
from api.routing import ApiRouter
from gkcase.letters.catalogue import CATALOGUE, letter_spec
from gkcase.letters.lint import has_errors
from gkcase.models import Letter, User
from gkcase.services import letters as service
from gkcase.services.cases import NotFound, china_today, get_case

router = ApiRouter(tags=["letters"])

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class FindingOut(BaseModel):
    code: str
    severity: str = Field(description="error（阻止签发）或 warning")
    message: str
    element: str | None = None


class LetterOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "case_id": 7,
                    "kind": "receipt",
                    "title": "政府信息公开申请登记回执",
                    "number": "某发改公开收〔2026〕1号",
                    "issued_on": "2026-03-03",
                    "issued_at": "2026-03-03T02:14:00Z",
                    "template_origin": "builtin",
                    "template_version": 0,
                    "html_sha256": "…",
                    "docx_sha256": "…",
                    "pdf_sha256": "…",
                    "files": {
                        "html": "/api/letters/12.html",
                        "docx": "/api/letters/12.docx",
                        "pdf": "/api/letters/12.pdf",
                    },
                }
            ]
        }
    )

    id: int
    case_id: int
    kind: str
    title: str
    number: str = Field(description="文号")
    issued_on: date
    issued_at: datetime
    template_origin: str
    template_version: int
    html_sha256: str
    docx_sha256: str
    pdf_sha256: str = Field(description="empty when the PDF could not be produced")
    files: dict[str, str]
    findings: list[FindingOut] = []
    void_reason: str | None = Field(
        default=None, description="set when a correction (更正) voided the letter: its reason"
    )


class KindOut(BaseModel):
    kind: str
    title: str
    act: str = Field(description="the action (trigger) that issues it")
    slots: list[dict[str, Any]] = Field(description="what the caseworker may fill in")


class CaseLetters(BaseModel):
    case_id: int
    available: list[KindOut] = Field(
        description="letters still to be issued that can be previewed now (the receipt; the "
        "reply and any disclosure notice while the decision is drafted, reviewed and signed)"
    )
    issued: list[LetterOut]


class PreviewIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"slots": {"guidance": "请写明文件名称或文号"}, "as_of": "2026-03-04"}]
        },
    )

    slots: dict[str, str] = Field(default_factory=dict, description="unsaved slot values to try")
    as_of: date | None = Field(default=None, description="成文日期 (default: today, Beijing)")


class PreviewOut(BaseModel):
    kind: str
    title: str
    html: str
    text: str
    findings: list[FindingOut]
    can_issue: bool = Field(description="no finding of severity error")
    template_origin: str
    template_version: int


class SlotsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"slots": {"guidance": "请写明文件名称或文号"}}]},
    )

    slots: dict[str, Any] = Field(description="slot name → text; merged into what is saved")


class SlotsOut(BaseModel):
    case_id: int
    kind: str
    slots: dict[str, str]
    updated_at: datetime


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"as_of": None}]})

    as_of: date | None = Field(default=None, description="成文日期 (default: today, Beijing)")


class VerifyOut(BaseModel):
    letter_id: int
    number: str
    identical: bool = Field(description="every stored file re-renders byte for byte")
    problems: list[str]


def _findings(findings: Any) -> list[FindingOut]:
    return [FindingOut(**f.as_dict()) for f in findings]


def _letter_out(letter: Letter, voided: dict[int, dict] | None = None) -> LetterOut:
    import json

    correction = (voided or {}).get(letter.id)
    files = {"html": f"/api/letters/{letter.id}.html"}
    if letter.has_docx:
        files["docx"] = f"/api/letters/{letter.id}.docx"
    if letter.has_pdf:
        files["pdf"] = f"/api/letters/{letter.id}.pdf"
    return LetterOut(
        id=letter.id,
        case_id=letter.case_id,
        kind=letter.kind,
        title=CATALOGUE[letter.kind].title,
        number=letter.number,
        issued_on=letter.issued_on,
        issued_at=letter.issued_at,
        template_origin=letter.template_origin,
        template_version=letter.template_version,
        html_sha256=letter.html_sha256,
        docx_sha256=letter.docx_sha256,
        pdf_sha256=letter.pdf_sha256,
        files=files,
        findings=[FindingOut(**f) for f in json.loads(letter.findings or "[]")],
        void_reason=correction["reason"] if correction else None,
    )


def _kind(kind: str) -> str:
    letter_spec(kind)  # 422 validation, field "kind", for an unknown kind
    return kind


def _visible_letter(session: Session, letter_id: int, user: User) -> Letter:
    """A letter of a case the user may see; any other is 'not found'."""
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFound("文书不存在", field="letter_id")
    try:
        get_case(session, letter.case_id, user)
    except NotFound:
        raise NotFound("文书不存在", field="letter_id") from None
    return letter


@router.get(
    "/api/cases/{case_id}/letters",
    response_model=CaseLetters,
    summary="案件的文书（已签发和可出具的）",
)
def case_letters(case_id: RowId, session: SessionDep, user: CurrentUser) -> CaseLetters:
    case = get_case(session, case_id, user)
    available = []
    for kind in service.available_letters(session, case):
        spec = CATALOGUE[kind]
        slots = [
            {"name": s.name, "label": s.label, "required": s.required, "multiline": s.multiline}
            for s in spec.slots
        ]
        act = service.act_of(kind).value
        available.append(KindOut(kind=kind, title=spec.title, act=act, slots=slots))
    voided = service.corrections(session, case)
    issued = [_letter_out(letter, voided) for letter in service.letters_of(session, case)]
    return CaseLetters(case_id=case.id, available=available, issued=issued)


@router.post(
    "/api/cases/{case_id}/letters/{kind}/preview",
    response_model=PreviewOut,
    summary="预览文书（含合法性检查）",
)
def preview(
    case_id: RowId, kind: str, data: PreviewIn, session: SessionDep, user: CurrentUser
) -> PreviewOut:
    result = service.preview(
        session, case_id, _kind(kind), user, slots=data.slots, as_of=data.as_of or china_today()
    )
    return PreviewOut(
        kind=kind,
        title=result.letter.title,
        html=result.letter.html,
        text=result.letter.text,
        findings=_findings(result.findings),
        can_issue=not has_errors(result.findings),
        template_origin=result.template.origin,
        template_version=result.template.version,
    )


@router.put(
    "/api/cases/{case_id}/letters/{kind}/slots",
    response_model=SlotsOut,
    summary="保存文书的填写内容",
)
def save_slots(
    case_id: RowId, kind: str, data: SlotsIn, session: SessionDep, user: CurrentUser
) -> SlotsOut:
    import json

    draft = service.save_slots(session, case_id, _kind(kind), user, data.slots)
    return SlotsOut(
        case_id=draft.case_id, kind=kind, slots=json.loads(draft.slots), updated_at=draft.updated_at
    )


@router.post(
    "/api/cases/{case_id}/letters/{kind}/issue",
    response_model=LetterOut,
    status_code=201,
    summary="取得文书：已出具的原样返回；接收回执在此出具（其他文书随其操作出具）",
    description=(
        "Every letter is issued by the case event it belongs to (docs/letters.md). This returns "
        "the letter of this kind the case has (200), the same however often it is asked; for "
        "`receipt`, which is its own act (`issue_receipt`), it issues it when there is none (201). "
        "Any other kind not yet issued: 409 `letter.issued_by_act`, naming the act."
    ),
    responses={
        200: {"description": "the letter already issued"},
        409: {"description": "the lint found errors (`findings`), or the kind is issued by an act"},
    },
)
def issue(
    case_id: RowId,
    kind: str,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    data: IssueIn | None = None,
) -> LetterOut:
    as_of = (data.as_of if data else None) or china_today()
    letter, created = service.request_letter(session, case_id, _kind(kind), user, as_of=as_of)
    response.status_code = 201 if created else 200
    return _letter_out(letter)


@router.get(
    "/api/letters/{letter_id:int}.{fmt}",
    summary="下载已签发文书（HTML、DOCX或PDF，签发时固化的字节）",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/html": {},
                MEDIA_TYPES["docx"]: {},
                "application/pdf": {},
            }
        }
    },
)
def download(
    letter_id: RowId,
    fmt: Literal["html", "docx", "pdf"] = Path(description="html, docx or pdf"),
    *,
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    letter = _visible_letter(session, letter_id, user)
    if fmt == "html":
        body, sha = letter.html.encode(), letter.html_sha256
    elif fmt == "docx":
        body, sha = letter.docx, letter.docx_sha256
    else:
        body, sha = letter.pdf, letter.pdf_sha256
    if body is None:
        from gkcase.letters.output import PdfUnavailable

        raise PdfUnavailable("该文书签发时未能生成PDF，请下载DOCX或HTML")
    filename = f"{letter.number}.{fmt}"
    fallback = f"letter-{letter.id}.{fmt}"
    return Response(
        content=body,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
            ),
            "X-Content-SHA256": sha,
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/api/letters/{letter_id:int}/verify", response_model=VerifyOut, summary="核验已签发文书"
)
def verify(letter_id: RowId, session: SessionDep, user: CurrentUser) -> VerifyOut:
    letter = _visible_letter(session, letter_id, user)
    check = service.verify_letter(session, letter.id)
    return VerifyOut(
        letter_id=letter.id,
        number=letter.number,
        identical=check.identical,
        problems=list(check.problems),
    )
