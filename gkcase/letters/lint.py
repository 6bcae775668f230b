"""法律审查提示 — the legal lint: what is wrong with a letter before it is signed.

Every finding has a stable code, a severity and a Chinese message a caseworker can act on. An
``error`` blocks signing a reply (the engine refuses); a ``warning`` asks for a look.

Checks:

* ``missing_element`` — a legally required element of the kind is absent (catalogue);
* ``legal_basis`` — the outcome's articles are not all cited;
* ``ground_reasons`` — a withheld part has no ground or no reasons, or its reasons are not in the
  text (Art 36(三), Art 37: 说明理由);
* ``responsible_agency`` — 不属于本机关 without the responsible agency (Art 36(五));
* ``remedy_mismatch`` / ``remedy_missing`` / ``remedy_extra`` — the remedy clause does not fit the
  outcome (review first for refusals since 2024-01-01; none on procedural notices);
* ``date_mismatch`` — a date in the text that the clock did not produce;
* ``unfilled_slot`` — a required slot is empty, or a placeholder (××、XXX、【】、____) is left;
* ``personal_data`` — a third party's name or contact, an identity number or a mobile number in a
  letter to the applicant.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from gkcase.calendar.zh import zh_date
from gkcase.letters.catalogue import LetterSpec, Recipient
from gkcase.letters.elements import lookup, missing_elements
from gkcase.letters.remedy import RemedyClause
from gkcase.states.outcomes import OUTCOMES, Outcome, OutcomeGroup, RemedyKind


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    element: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "element": self.element,
        }


_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_PLACEHOLDER = re.compile(r"×{2,}|X{3,}|x{3,}|【[^】]*】|_{3,}|＿{2,}|〇〇|（请填写[^）]*）")
_PERIOD_WORDS = ("期限", "届满", "前答复", "之前", "以前", "截止")


def lint(
    spec: LetterSpec,
    context: Mapping[str, Any],
    text: str,
    *,
    known_dates: Iterable[date] = (),
    third_parties: Iterable[str] = (),
) -> list[Finding]:
    """Every finding for a rendered letter of ``spec`` (``text`` is its plain text).

    ``known_dates`` are dates the case legitimately mentions besides the context's (e.g. an
    earlier case's reply date); ``third_parties`` are names and contacts of consulted third
    parties, which must not appear in a letter to the applicant.
    """
    findings: list[Finding] = []
    for element in missing_elements(spec, context, text):
        if element.id == "remedy":
            continue  # _remedy() says precisely what is wrong with it
        findings.append(
            Finding("missing_element", Severity.ERROR, f"缺少必备内容：{element.label}", element.id)
        )
    findings += _decision(spec, context, text)
    findings += _remedy(spec, context, text)
    findings += _dates(context, text, known_dates)
    findings += _slots(spec, context, text)
    if spec.recipient is Recipient.APPLICANT:
        findings += _personal_data(text, third_parties)
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def _decision(spec: LetterSpec, context: Mapping[str, Any], text: str) -> list[Finding]:
    decision = context.get("decision") or {}
    if not decision.get("outcome"):
        return []
    outcome = Outcome(decision["outcome"])
    findings = []
    for article in OUTCOMES[outcome].legal_basis:
        bare = article.removeprefix("《条例》")
        if bare not in text:
            findings.append(
                Finding("legal_basis", Severity.ERROR, f"未引用法律依据：{article}", "legal_basis")
            )
    if OUTCOMES[outcome].group in (OutcomeGroup.WITHHELD, OutcomeGroup.PARTIAL):
        grounds = decision.get("fields", {}).get("grounds") or []
        if not grounds:
            findings.append(
                Finding("ground_reasons", Severity.ERROR, "不予公开须写明依据和理由", "grounds")
            )
        for index, ground in enumerate(grounds, start=1):
            part = ground.get("part") or f"第{index}项"
            if not str(ground.get("reasons", "")).strip():
                findings.append(
                    Finding(
                        "ground_reasons", Severity.ERROR, f"{part}不予公开未说明理由", "grounds"
                    )
                )
            elif str(ground["reasons"]) not in text:
                findings.append(
                    Finding(
                        "ground_reasons",
                        Severity.ERROR,
                        f"{part}不予公开的理由未写入文书",
                        "grounds",
                    )
                )
            if ground.get("citation") and ground["citation"].split("》")[-1] not in text:
                findings.append(
                    Finding(
                        "ground_reasons",
                        Severity.ERROR,
                        f"{part}未引用不予公开的依据：{ground['citation']}",
                        "grounds",
                    )
                )
    if outcome is Outcome.NOT_THIS_AGENCY:
        agency = str(decision.get("fields", {}).get("responsible_agency", "")).strip()
        if not agency or agency not in text:
            findings.append(
                Finding(
                    "responsible_agency",
                    Severity.ERROR,
                    "不属于本机关负责公开的，须写明负责公开的行政机关（第三十六条第（五）项）",
                    "responsible_agency",
                )
            )
    return findings


def _remedy(spec: LetterSpec, context: Mapping[str, Any], text: str) -> list[Finding]:
    review_first = RemedyClause(RemedyKind.REVIEW_FIRST, "").marker
    either = RemedyClause(RemedyKind.REVIEW_OR_LITIGATION, "").marker
    has_first, has_either = review_first in text, either in text
    if not spec.remedy:
        if has_first or has_either:
            return [
                Finding(
                    "remedy_extra",
                    Severity.WARNING,
                    "程序性告知不必载明复议、诉讼救济途径",
                    "remedy",
                )
            ]
        return []
    expected = RemedyKind((context.get("remedy") or {}).get("kind", RemedyKind.NONE.value))
    if expected is RemedyKind.NONE:
        return []
    if not has_first and not has_either:
        return [Finding("remedy_missing", Severity.ERROR, "缺少救济途径告知", "remedy")]
    if expected is RemedyKind.REVIEW_FIRST and (has_either or not has_first):
        return [
            Finding(
                "remedy_mismatch",
                Severity.ERROR,
                "不予公开的答复须告知先申请行政复议（行政复议法第二十三条），"
                "不得告知可直接提起行政诉讼",
                "remedy",
            )
        ]
    if expected is RemedyKind.REVIEW_OR_LITIGATION and has_first and not has_either:
        return [
            Finding(
                "remedy_mismatch",
                Severity.ERROR,
                "该答复不属于复议前置情形，应告知可申请行政复议或者提起行政诉讼",
                "remedy",
            )
        ]
    return []


def _context_dates(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, str):
        found.update(m.group(0) for m in _DATE.finditer(value))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key != "slots":
                found |= _context_dates(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= _context_dates(item)
    return found


def _dates(context: Mapping[str, Any], text: str, known: Iterable[date]) -> list[Finding]:
    allowed = _context_dates({k: v for k, v in context.items() if k != "slots"})
    allowed |= {zh_date(d) for d in known}
    findings = []
    for match in _DATE.finditer(text):
        written = match.group(0)
        if written in allowed:
            continue
        around = text[max(0, match.start() - 12) : match.end() + 12]
        is_period = any(word in around for word in _PERIOD_WORDS)
        findings.append(
            Finding(
                "date_mismatch",
                Severity.ERROR if is_period else Severity.WARNING,
                f"文中日期“{written}”不是系统计算或登记的日期"
                + ("，期限须与法定期限一致" if is_period else "，请核对"),
                "date",
            )
        )
    return findings


def _slots(spec: LetterSpec, context: Mapping[str, Any], text: str) -> list[Finding]:
    findings = []
    slots = context.get("slots") or {}
    for slot in spec.slots:
        if slot.required and not str(slots.get(slot.name, "")).strip():
            findings.append(
                Finding("unfilled_slot", Severity.ERROR, f"尚未填写：{slot.label}", slot.name)
            )
    for match in _PLACEHOLDER.finditer(text):
        findings.append(
            Finding("unfilled_slot", Severity.ERROR, f"文中有未替换的占位内容“{match.group(0)}”")
        )
    return findings


def _personal_data(text: str, third_parties: Iterable[str]) -> list[Finding]:
    findings = []
    for value in third_parties:
        if value and value.strip() and value.strip() in text:
            findings.append(
                Finding(
                    "personal_data",
                    Severity.ERROR,
                    f"致申请人的文书中出现了第三方的信息“{value.strip()}”",
                    "third_party",
                )
            )
    for match in _ID_NUMBER.finditer(text):
        findings.append(
            Finding(
                "personal_data",
                Severity.ERROR,
                f"文书中出现了身份证件号码“{match.group(0)[:4]}…”，请删除",
                "id_number",
            )
        )
    for match in _MOBILE.finditer(text):
        findings.append(
            Finding(
                "personal_data",
                Severity.WARNING,
                f"文书中出现了手机号码“{match.group(0)[:3]}…”，请确认是否必要",
                "phone",
            )
        )
    return findings


__all__ = ["Finding", "Severity", "has_errors", "lint", "lookup"]
