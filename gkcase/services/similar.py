"""Earlier applications like this one — the registrar's warning of a possible 重复申请.

Art 36(六) lets the agency decline to handle an application that repeats one it has already
answered; that is the caseworker's decision, later. At registration gkcase only warns: "this
applicant asked for something similar before", listing the earlier cases.

Two parts, kept apart so the scoring can be measured on its own (issue #7):

* :func:`similarity` — a pure score in [0, 1] for two Chinese texts, with no model and no
  network: the Otsuka–Ochiai (set cosine) coefficient of their character bigrams, after
  normalising width, case, whitespace, punctuation and a few boilerplate phrases every
  application repeats. Identical requests score 1; one request that is the other plus as much
  again scores about 0.7; unrelated requests score near 0.
* :func:`similar_requests` — the earlier cases of the same applicant in an agency (same identity
  number; else same name and the same phone or e-mail) whose requests score at least
  :data:`SIMILAR_THRESHOLD`. It narrows by applicant first (indexed), then scores in Python.
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
from gkcase.services.cases import _identity_key
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
    """The text as compared: full-width folded (NFKC), lower case, without whitespace,
    punctuation, symbols or boilerplate phrases."""
    folded = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PSZC")
    return _BOILERPLATE.sub("", kept)


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


def _applicant_condition(applicant: ApplicantLike) -> ColumnElement[bool] | None:
    """Same identity number; failing that, same name and the same phone or e-mail."""
    key = _identity_key(applicant.id_type or "", applicant.id_number or "")
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
    who = _applicant_condition(applicant)
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
