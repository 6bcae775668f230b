"""Earlier applications like this one — the registrar's warning of a possible 重复申请.

Art 36(六) lets the agency decline to handle an application that repeats one it has already
answered; that is the caseworker's decision, later. At registration gkcase only warns: "this
applicant asked for something similar before", listing the earlier cases.

Two parts, kept apart so the scoring can be measured on its own (issue #7):

* :func:`similarity` — a pure score in [0, 1] for two Chinese texts, with no model and no
  network: the Otsuka–Ochiai (set cosine) coefficient of their character bigrams, after
  normalising width, case, whitespace, punctuation, Chinese numerals (二〇二五年 → 2025年) and
  a few boilerplate phrases every application repeats. Identical requests score 1; one request
  that is the other plus as much again scores about 0.7; unrelated requests score near 0.
* :func:`similar_requests` — the earlier cases of the same applicant in an agency (same identity
  number; else same name and the same phone or e-mail) whose requests score at least
  :data:`SIMILAR_THRESHOLD`. It narrows by applicant first (indexed), then scores in Python.
* :func:`same_information` — the stricter judgement 相同政府信息 (Art 36(六), Art 44) needs:
  two requests are the same only if they ask for the same document(s). Years, 文号 and other
  numbers must agree exactly (hard constraints); every content character of each request,
  once politeness, boilerplate and filler words are gone, must be covered by a character
  bigram of the other (so a different project, place, agency or document type is never
  "mostly the same"); and the bigram score of what is left must reach :data:`SAME_THRESHOLD`.
  Its precision and recall are measured on ``tests/data/similar_pairs.jsonl``
  (``benchmarks/similarity_precision.py``; docs/similarity.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from gkcase.models import Applicant, Case
from gkcase.services.cases import identity_key
from gkcase.states.machine import State
from gkcase.states.outcomes import spec

#: The score at or above which two requests are shown as similar. Chosen on hand-made pairs (see
#: tests/services/test_similar.py): the same request re-punctuated or re-spaced (1.0), with one
#: word changed (≈ 0.8–0.9), or with as much again added (≈ 0.7) is caught; two requests about
#: the same project but different documents (≈ 0.5) or different subjects (≈ 0.1) are not.
#: A warning, never a refusal: a false alarm costs the registrar a glance.
SIMILAR_THRESHOLD = 0.6

#: Texts shorter than this (after normalising) are too short for bigrams to mean anything:
#: they are similar only when equal.
MIN_CHARS = 4

#: How many of the applicant's earlier cases are scored at most (the newest).
CANDIDATE_LIMIT = 200

#: Phrases nearly every application contains; they would make any two requests look alike.
BOILERPLATE = (
    "依申请公开",
    "申请公开",
    "请求公开",
    "要求公开",
    "信息公开",
    "政府信息",
    "相关信息",
    "有关信息",
    "相关文件",
    "有关文件",
    "本人",
    "我单位",
    "贵单位",
    "贵机关",
)
_BOILERPLATE = re.compile("|".join(map(re.escape, BOILERPLATE)))


def normalise(text: str) -> str:
    """The text as compared: full-width folded (NFKC), lower case, Chinese numerals of years,
    dates and serial numbers written in digits (二〇二五年 → 2025年), without whitespace,
    punctuation, symbols or boilerplate phrases."""
    folded = fold_numerals(unicodedata.normalize("NFKC", text).lower())
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PSZC")
    return _BOILERPLATE.sub("", kept)


# --- Chinese numerals ------------------------------------------------------------------------

_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "〇○零一二两三四五六七八九十百千"
#: A run of Chinese numerals is a number only where a number is meant: after 第, or before a
#: unit of time or of counting (二〇二五年, 第三季度, 十二号, 二期, 第一批). Elsewhere (统一, 十四五)
#: the characters are words and stay as they are.
_NUMBER_IN_CONTEXT = re.compile(
    rf"(?<=第)[{_NUMERAL}]+|[{_NUMERAL}]+(?=年|月|日|号|期|批|季度|标段|届|次|个|项|宗|户)"
)


def chinese_number(run: str) -> int:
    """二〇二五 → 2025 (digit by digit); 三十七 → 37, 一百零五 → 105 (with units)."""
    if not any(ch in _UNITS for ch in run):
        return int("".join(str(_DIGITS[ch]) for ch in run))
    total, digit = 0, 0
    for ch in run:
        if ch in _UNITS:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
        else:
            digit = _DIGITS[ch]
    return total + digit


def fold_numerals(text: str) -> str:
    """Chinese numerals that are numbers, in Arabic digits (see :data:`_NUMBER_IN_CONTEXT`)."""
    return _NUMBER_IN_CONTEXT.sub(lambda m: str(chinese_number(m.group())), text)


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of a normalised text (a one-character text is its own gram)."""
    if len(text) < 2:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def similarity(a: str, b: str) -> float:
    """How alike two requests are, in [0, 1]: |A ∩ B| / √(|A|·|B|) over character bigrams."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    if min(len(na), len(nb)) < MIN_CHARS:
        return 1.0 if na == nb else 0.0
    ga, gb = bigrams(na), bigrams(nb)
    return len(ga & gb) / math.sqrt(len(ga) * len(gb))


# --- the same information (相同政府信息) ------------------------------------------------------

#: The bigram score two requests' contents must reach, besides the hard constraints and the
#: coverage check, to be the same information. A floor against degenerate texts: on
#: tests/data/similar_pairs.jsonl any value from 0.3 to 0.7 gives the same judgements
#: (``benchmarks/similarity_precision.py``; docs/similarity.md has the sweep).
SAME_THRESHOLD = 0.5

#: The earliest and latest year read as a year (a four-digit number outside is a number).
_YEARS = range(1949, 2101)

#: Citations of the Regulation itself: every application may quote it, none asks for it.
_CITATION = re.compile(
    r"(根据|依据|依照|按照)?《(中华人民共和国)?(政府信息公开条例|条例)》"
    r"(第\d+条)?(第\d+款)?(第\d+项)?(的?规定)?"
)
#: 文号 — issuer code, year in brackets, serial: 某环审〔2025〕12号 (any bracket style).
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fff]{0,12})[〔\[【(（［](\d{4})[〕\]】)）］]第?(\d+)号")
#: Numbers: digits, with a decimal part.
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: Contact details and identity numbers sometimes typed into the request; they say who asks,
#: not what is asked for.
_PERSONAL = re.compile(r"(?<!\d)(1[3-9]\d{9}|\d{17}[\dxX])(?!\d)")

#: Long forms and their usual short forms, so a request and its paraphrase share their words.
SYNONYMS = (
    ("环境影响评价", "环评"),
    ("环境影响报告", "环评报告"),
    ("国有土地上房屋征收", "房屋征收"),
    ("补偿安置方案", "补偿方案"),
    ("征收补偿安置", "征收补偿"),
    ("招标投标", "招投标"),
    ("年度报告", "年报"),
    ("年度", "年"),
    ("人民政府", "政府"),
    ("街道办事处", "街道办"),
    ("办公室", "办"),
    ("统计数据", "数据"),
    ("行政处罚", "处罚"),
    ("号文件", "号"),
    ("号文", "号"),
    ("批复文件", "批复"),
    ("的批复", "批复"),
)
#: Words that ask, greet, thank or qualify, and say nothing about which document is asked for.
FILLER_WORDS = (
    "政府信息公开",
    "依申请公开",
    "信息公开",
    "政府信息",
    "此致敬礼",
    "此致",
    "敬礼",
    "您好",
    "你好",
    "谢谢",
    "感谢",
    "特此申请",
    "特此",
    "恳请",
    "烦请",
    "敬请",
    "麻烦",
    "请求",
    "申请",
    "要求",
    "希望",
    "能否",
    "可否",
    "是否",
    "可以",
    "能够",
    "需要",
    "予以",
    "给予",
    "提供",
    "公开",
    "获取",
    "查阅",
    "复制",
    "了解",
    "一份",
    "贵单位",
    "贵机关",
    "贵部门",
    "贵中心",
    "贵局",
    "贵委",
    "贵办",
    "贵厅",
    "贵院",
    "贵府",
    "贵司",
    "贵处",
    "贵所",
    "你局",
    "你单位",
    "本人",
    "我单位",
    "我公司",
    "本公司",
    "我们",
    "关于",
    "有关",
    "相关",
    "全部",
    "所有",
    "完整",
    "具体",
    "详细",
    "内容",
    "文件",
    "文本",
    "材料",
    "资料",
    "信息",
    "情况",
    "副本",
    "复印件",
    "扫描件",
    "电子版",
    "纸质版",
    "原文",
    "全文",
    "以上",
    "上述",
    "如下",
    "对应",
    "以及",
    "政府",
    # what was done with the document or the application, not which document it is
    "特申请",
    "作出",
    "出具",
    "制发",
    "印发",
    "发布",
    "核发",
    "办理",
    "提出",
    "提交",
    "所提",
    "文号",
    "编号",
    "当事人",
)
#: Single characters that join, point or ask (的、之、及、和、与、等、或、并、该、其、我、请、对、于、向、望).
FILLER_CHARS = "的之及和与等或并该其我请对于向望"
_FILLER = re.compile("|".join(map(re.escape, FILLER_WORDS)) + f"|[{FILLER_CHARS}]")
#: Characters that may stay uncovered: digits (the numbers are compared on their own) and the
#: units that go with them.
_IGNORED_RESIDUE = frozenset("0123456789.年月日号第")


@dataclass(frozen=True)
class RequestProfile:
    """What :func:`judge` compares of one request: its content and its hard facts."""

    content: str  # normalised, without citations, boilerplate or filler
    grams: frozenset[str]
    years: frozenset[int]
    numbers: frozenset[str]  # every other number, as written without leading zeros
    doc_numbers: frozenset[tuple[str, int, int]]  # (issuer code's last characters, year, serial)


@dataclass(frozen=True)
class Judgement:
    """Whether two requests ask for the same information, with the score and the reason."""

    same: bool
    score: float  # the bigram score of the two contents
    reason: str  # in Chinese: why they are, or the first reason they are not


def profile(text: str) -> RequestProfile:
    """A request reduced to what decides whether it asks for the same information."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = fold_numerals("".join(ch for ch in folded if unicodedata.category(ch)[0] != "Z"))
    folded = _CITATION.sub("", _PERSONAL.sub("", folded))
    docs = set()
    for issuer, year, serial in _DOC_NUMBER.findall(folded):
        issuer = _FILLER.sub("", "".join(ch for ch in issuer if "\u4e00" <= ch <= "\u9fff"))
        docs.add((issuer[-3:], int(year), int(serial)))
    # Punctuation, spaces and brackets go, but keep numbers apart: 〔2025〕12号 is 2025 and 12.
    kept = "".join(
        ch if unicodedata.category(ch)[0] not in "PSZC" or ch == "." else "|" for ch in folded
    )
    kept = re.sub(r"(?<!\d)\.|\.(?!\d)", "|", kept)
    for long, short in SYNONYMS:
        kept = kept.replace(long, short)
    years: set[int] = set()
    numbers: set[str] = set()
    for match in _NUMBER.finditer(kept):
        value = match.group()
        whole = int(value.split(".")[0])
        if "." not in value and len(value) == 4 and whole in _YEARS:
            years.add(whole)
        else:
            numbers.add(value.lstrip("0") or "0")
    content = _FILLER.sub("", kept.replace("|", ""))
    return RequestProfile(
        content, bigrams(content), frozenset(years), frozenset(numbers), frozenset(docs)
    )


def mask_personal_numbers(text: str) -> str:
    """``text`` with mobile and identity numbers replaced by ``***`` (for lists shown to people
    who need the request, not the applicant)."""
    return _PERSONAL.sub("***", text)


def _uncovered(content: str, other: str, other_grams: frozenset[str]) -> str:
    """The characters of ``content`` in no bigram the other request has. A character standing
    alone between numbers (the 市 of 3月12日市第8次) has no bigram to share: it counts as
    covered when the other request has it anywhere."""
    left = []
    for i, ch in enumerate(content):
        if ch in _IGNORED_RESIDUE:
            continue
        if content[max(i - 1, 0) : i + 1] in other_grams or content[i : i + 2] in other_grams:
            continue
        before = content[i - 1] if i else ""
        after = content[i + 1] if i + 1 < len(content) else ""
        alone = all(not n or n in _IGNORED_RESIDUE for n in (before, after))
        if alone and ch in other:
            continue
        left.append(ch)
    return "".join(left)


#: An administrative organ's name: 市教育局, 区人民政府办公室, 市发展改革委员会 …
_ORGAN = re.compile(r"[省市区县镇乡][\u4e00-\u9fff]{1,10}?(委员会|局|厅|委|办)")


def _share_document_number(a: RequestProfile, b: RequestProfile) -> bool:
    """Both requests name the same 文号 (same year and serial, compatible issuer codes)."""
    return any(
        (year, serial) == (year_b, serial_b)
        and (issuer_a.endswith(issuer_b) or issuer_b.endswith(issuer_a))
        for issuer_a, year, serial in a.doc_numbers
        for issuer_b, year_b, serial_b in b.doc_numbers
    )


def _issuers_differ(a: RequestProfile, b: RequestProfile) -> tuple[int, int] | None:
    """A 文号 (year, serial) both requests name, but with different issuer codes."""
    for issuer_a, year, serial in a.doc_numbers:
        for issuer_b, year_b, serial_b in b.doc_numbers:
            if (year, serial) != (year_b, serial_b) or not issuer_a or not issuer_b:
                continue
            if not (issuer_a.endswith(issuer_b) or issuer_b.endswith(issuer_a)):
                return year, serial
    return None


def content_score(a: RequestProfile, b: RequestProfile) -> float:
    """The set cosine of two contents' bigrams (equal short contents score 1)."""
    if not a.content or not b.content:
        return 0.0
    if min(len(a.content), len(b.content)) < MIN_CHARS:
        return 1.0 if a.content == b.content else 0.0
    return len(a.grams & b.grams) / math.sqrt(len(a.grams) * len(b.grams))


def judge(
    a: str | RequestProfile, b: str | RequestProfile, *, threshold: float = SAME_THRESHOLD
) -> Judgement:
    """Whether requests ``a`` and ``b`` ask for the same information (相同政府信息).

    In order: the years must be the same set, then the other numbers (文号 serials, 期, 标段,
    house numbers, amounts…), then a 文号 both name must have the same issuer; every content
    character of each must be covered by the other's bigrams; and the content score must reach
    ``threshold``.
    """
    pa = a if isinstance(a, RequestProfile) else profile(a)
    pb = b if isinstance(b, RequestProfile) else profile(b)
    score = round(content_score(pa, pb), 3)
    if pa.years != pb.years:
        return Judgement(False, score, f"年份不同：{_listed(pa.years)} / {_listed(pb.years)}")
    if pa.numbers != pb.numbers:
        return Judgement(False, score, f"数字不同：{_listed(pa.numbers)} / {_listed(pb.numbers)}")
    clash = _issuers_differ(pa, pb)
    if clash is not None:
        return Judgement(False, score, f"〔{clash[0]}〕{clash[1]}号的发文机关代字不同")
    if not pa.content or not pb.content:
        return Judgement(False, score, "申请内容为空")
    content_a, content_b, grams_a, grams_b = pa.content, pb.content, pa.grams, pb.grams
    if _share_document_number(pa, pb):
        # The 文号 names the document; naming its issuing organ as well changes nothing.
        content_a, content_b = _ORGAN.sub("", content_a), _ORGAN.sub("", content_b)
        grams_a, grams_b = bigrams(content_a), bigrams(content_b)
    extra_a = _uncovered(content_a, content_b, grams_b)
    extra_b = _uncovered(content_b, content_a, grams_a)
    if extra_a or extra_b:
        return Judgement(False, score, f"内容不同：「{extra_a}」/「{extra_b}」")
    if score < threshold:
        return Judgement(False, score, f"文字相似度 {score:.2f} 低于 {threshold:.2f}")
    return Judgement(True, score, "年份、文号、数字一致，内容相同")


def same_information(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` ask for the same information (see :func:`judge`)."""
    return judge(a, b).same


def _listed(values: frozenset) -> str:
    return "、".join(str(v) for v in sorted(values, key=str)) or "无"


# --- the query ---------------------------------------------------------------------------------


class ApplicantLike(Protocol):
    """What identifies an applicant (``gkcase.services.cases.ApplicantIn`` has it)."""

    name: str
    id_type: str
    id_number: str
    phone: str
    email: str


@dataclass(frozen=True)
class SimilarCase:
    """An earlier case of the same applicant with a similar request."""

    case_id: int
    number: str
    arrived_on: date | None
    receipt_date: date | None
    state: str
    state_label: str
    outcome_label: str | None
    text: str
    score: float


def applicant_condition(applicant: ApplicantLike) -> ColumnElement[bool] | None:
    """Same identity number; failing that, same name and the same phone or e-mail."""
    key = identity_key(applicant.id_type or "", applicant.id_number or "")
    if key:
        return Applicant.identity_key == key
    name = (applicant.name or "").strip()
    contacts = []
    if (applicant.phone or "").strip():
        contacts.append(Applicant.phone == applicant.phone.strip())
    if (applicant.email or "").strip():
        contacts.append(Applicant.email == applicant.email.strip())
    if not name or not contacts:
        return None  # a name alone says too little about who is asking
    return and_(Applicant.name == name, or_(*contacts))


def _label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state


def _outcome_label(outcome: str | None) -> str | None:
    if not outcome:
        return None
    try:
        return spec(outcome).label
    except (KeyError, ValueError):
        return outcome


def similar_requests(
    session: Session,
    agency_id: int,
    applicant: ApplicantLike,
    text: str,
    limit: int = 5,
    *,
    threshold: float = SIMILAR_THRESHOLD,
    exclude_case_id: int | None = None,
) -> list[SimilarCase]:
    """The applicant's earlier cases in ``agency_id`` whose request is like ``text``, most
    similar first (newest first among equals)."""
    if not normalise(text):
        return []
    who = applicant_condition(applicant)
    if who is None:
        return []
    statement = (
        select(
            Case.id,
            Case.number,
            Case.arrived_on,
            Case.receipt_date,
            Case.state,
            Case.outcome,
            Case.information_requested,
        )
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(Case.agency_id == agency_id, who)
        .order_by(col(Case.id).desc())
        .limit(CANDIDATE_LIMIT)
    )
    if exclude_case_id is not None:
        statement = statement.where(Case.id != exclude_case_id)
    found = []
    for case_id, number, arrived, receipt, state, outcome, earlier in session.exec(statement):
        score = similarity(text, earlier)
        if score >= threshold:
            found.append(
                SimilarCase(
                    case_id,
                    number,
                    arrived,
                    receipt,
                    state,
                    _label(state),
                    _outcome_label(outcome),
                    earlier,
                    round(score, 3),
                )
            )
    found.sort(key=lambda s: (-s.score, -s.case_id))
    return found[:limit]
