"""救济告知 — the remedy clause a reply must carry, worded once, here.

The clause follows the outcome (:func:`gkcase.states.outcomes.remedy_for`):

* review first (复议前置, 行政复议法 2023 Art 23 ¶1(四) and ¶2): for refusals from 2024-01-01 the
  letter must tell the applicant to apply for administrative review first, within 60 days
  (Art 20), and may not offer litigation as an alternative;
* review or litigation: 60 days for review (行政复议法 Art 20 ¶1) or six months for litigation
  (行政诉讼法 Art 46 ¶1);
* none: procedural notices (补正, 延期) and closures that decide nothing.

The review body and the court come from the agency (行政复议法 Art 24, 25, 27). A reply delivered
over the internet must also name the internet channel for review applications (行政复议法 Art 22
¶2).
"""

from __future__ import annotations

from dataclasses import dataclass

from gkcase.errors import ValidationError
from gkcase.states.outcomes import (
    LITIGATION_PERIOD_MONTHS,
    REVIEW_PERIOD_DAYS,
    RemedyKind,
)

_MONTHS_ZH = {6: "六"}
_DAYS_ZH = {60: "六十"}


@dataclass(frozen=True)
class RemedyClause:
    kind: RemedyKind
    text: str  # the paragraph as it stands in the letter

    @property
    def marker(self) -> str:
        """A phrase only this kind of clause contains: what the lint looks for."""
        return _MARKERS[self.kind]


_MARKERS = {
    RemedyKind.REVIEW_FIRST: "应当先向",
    RemedyKind.REVIEW_OR_LITIGATION: "个月内向",
    RemedyKind.NONE: "",
}


def remedy_clause(
    kind: RemedyKind,
    *,
    review_body: str,
    court: str,
    online_review_channel: str = "",
) -> RemedyClause:
    """The remedy paragraph for ``kind``, naming the agency's review body and court."""
    if kind is RemedyKind.NONE:
        return RemedyClause(kind, "")
    if not review_body.strip():
        raise ValidationError("本机关未设置行政复议机关，无法生成救济告知", field="review_body")
    days = _DAYS_ZH[REVIEW_PERIOD_DAYS]
    online = f"也可以通过{online_review_channel}提交行政复议申请。" if online_review_channel else ""
    if kind is RemedyKind.REVIEW_FIRST:
        text = (
            "如对本答复不服，根据《中华人民共和国行政复议法》第二十三条的规定，"
            f"应当先向{review_body}申请行政复议，自收到本答复之日起{days}日内提出；"
            f"{online}对行政复议决定不服的，可以依法向人民法院提起行政诉讼。"
        )
        return RemedyClause(kind, text)
    if not court.strip():
        raise ValidationError("本机关未设置管辖法院，无法生成救济告知", field="court")
    months = _MONTHS_ZH[LITIGATION_PERIOD_MONTHS]
    text = (
        f"如对本答复不服，可以自收到本答复之日起{days}日内向{review_body}申请行政复议，{online}"
        f"或者自收到本答复之日起{months}个月内向{court}提起行政诉讼。"
    )
    return RemedyClause(kind, text)
