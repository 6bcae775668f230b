"""Requests for information already asked for: two notices, both candidates for a person to decide.

* :func:`repeat_candidates` — for the caseworker: the same applicant already asked this agency
  for the same information and was answered. 《条例》第三十六条第（六）项: 行政机关已就申请人提出的
  政府信息公开申请作出答复、申请人重复申请公开相同政府信息的，告知申请人不予重复处理. The case page
  lists the earlier cases; whether this is a repeat is the caseworker's decision.
* :func:`proactive_candidates` — for the supervisor: several applicants asked one agency for the
  same information and it was disclosed to at least one of them. 《条例》第四十四条: 多个申请人就
  相同政府信息向同一行政机关提出公开申请，且该政府信息属于可以公开的，行政机关可以纳入主动公开的范围.

"The same information" is :func:`gkcase.services.similar.judge` (years, 文号 and numbers as hard
constraints, then the content); "the same applicant" is
:func:`gkcase.services.similar.applicant_condition` (identity number, else name and phone or
e-mail). Pure service: no HTTP. docs/similarity.md describes both, with their policies.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from gkcase.errors import ValidationError
from gkcase.models import Agency, Applicant, Case, User
from gkcase.services.similar import (
    CANDIDATE_LIMIT,
    SAME_THRESHOLD,
    RequestProfile,
    applicant_condition,
    judge,
    mask_personal_numbers,
    profile,
)
from gkcase.states.machine import Role, State
from gkcase.states.outcomes import Outcome, OutcomeGroup, spec

#: States in which a case has been answered (答复已签发): replied, delivered, archived.
ANSWERED_STATES = (State.REPLIED.value, State.DELIVERED.value, State.ARCHIVED.value)
#: Outcomes that are not an answer: the application lapsed or was withdrawn (其他处理).
NOT_ANSWERS = tuple(o.value for o in Outcome if spec(o).group is OutcomeGroup.OTHER)
#: Outcomes that show the information can be disclosed (Art 44: 属于可以公开的).
DISCLOSED = (Outcome.DISCLOSED.value, Outcome.PARTIAL.value)
#: Art 44's "多个申请人": how many different applicants make a cluster, by default.
MIN_APPLICANTS = 3
#: The rule the caseworker's notice cites.
REPEAT_RULE = (
    "《条例》第三十六条第（六）项：行政机关已就申请人提出的政府信息公开申请作出答复、"
    "申请人重复申请公开相同政府信息的，告知申请人不予重复处理。"
)
#: The rule the supervisor's list cites.
PROACTIVE_RULE = (
    "《条例》第四十四条：多个申请人就相同政府信息向同一行政机关提出公开申请，"
    "且该政府信息属于可以公开的，行政机关可以纳入主动公开的范围。"
)
#: Roles that handle an agency's cases and so see the caseworker's notice.
HANDLING_ROLES = frozenset(
    {Role.REGISTRAR.value, Role.CASEWORKER.value, Role.LEGAL_REVIEWER.value, Role.OFFICE_HEAD.value}
)


def _answered() -> tuple[Any, ...]:
    return (
        col(Case.state).in_(ANSWERED_STATES),
        col(Case.outcome).is_not(None),
        col(Case.outcome).not_in(NOT_ANSWERS),
        col(Case.replied_on).is_not(None),
    )


def _outcome_label(outcome: str | None) -> str:
    try:
        return spec(outcome).label if outcome else ""
    except (KeyError, ValueError):
        return outcome or ""


def handles_cases(user: User, agency_id: int) -> bool:
    """Whether ``user`` handles ``agency_id``'s cases (its registrars, caseworkers, legal
    reviewers and office heads — not a supervisor reading from above, not the public)."""
    return user.agency_id == agency_id and bool(user.role_set & HANDLING_ROLES)


# --- 不予重复处理 candidates (Art 36(六)) ---------------------------------------------------------


@dataclass(frozen=True)
class RepeatCandidate:
    """An earlier, answered case of the same applicant asking for the same information."""

    case_id: int
    number: str
    outcome: str
    outcome_label: str
    replied_on: date
    score: float
    reason: str
    text: str


def repeat_candidates(
    session: Session, case: Case, limit: int = 5, *, applicant: Applicant | None = None
) -> list[RepeatCandidate]:
    """The same applicant's earlier cases in ``case``'s agency that asked for the same
    information and were answered (signed) on or before ``case`` was received, newest reply
    first. Only while ``case`` is open: the notice is for deciding it. ``applicant`` is the
    case's applicant when the caller has it already."""
    if not State(case.state).is_open:
        return []
    if applicant is None or applicant.id != case.applicant_id:
        applicant = session.get(Applicant, case.applicant_id)
    who = applicant_condition(applicant) if applicant is not None else None
    if who is None:
        return []
    received = case.receipt_date or case.arrived_on
    statement = (
        select(Case.id, Case.number, Case.outcome, Case.replied_on, Case.information_requested)
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(Case.agency_id == case.agency_id, Case.id != case.id, who, *_answered())
        .order_by(col(Case.replied_on).desc(), col(Case.id).desc())
        .limit(CANDIDATE_LIMIT)
    )
    if received is not None:
        statement = statement.where(col(Case.replied_on) <= received)
    mine = profile(case.information_requested)
    found = []
    for case_id, number, outcome, replied_on, text in session.exec(statement):
        verdict = judge(mine, text)
        if verdict.same:
            found.append(
                RepeatCandidate(
                    case_id,
                    number,
                    outcome,
                    _outcome_label(outcome),
                    replied_on,
                    verdict.score,
                    verdict.reason,
                    text,
                )
            )
    return found[:limit]


# --- 主动公开 candidates (Art 44) ------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterCase:
    """One application in a cluster (no applicant's name: the list is for supervisors)."""

    case_id: int
    number: str
    state: str
    state_label: str
    outcome: str | None
    outcome_label: str
    replied_on: date | None


@dataclass(frozen=True)
class ProactiveCluster:
    """Applications from several applicants to one agency for the same information."""

    agency_id: int
    agency_name: str
    text: str  # the request as one disclosed case put it (numbers that look personal masked)
    applicants: int
    disclosed: int
    already_published: bool  # a member was answered 已主动公开: check before publishing again
    cases: list[ClusterCase]


@dataclass
class _Row:
    case_id: int
    number: str
    agency_id: int
    state: str
    outcome: str | None
    replied_on: date | None
    text: str
    who: tuple
    profile: RequestProfile

    @property
    def disclosed(self) -> bool:
        return self.outcome in DISCLOSED and self.state in ANSWERED_STATES


def _who(applicant_id: int, key: str, name: str, phone: str, email: str) -> tuple:
    """Who asked, for counting different applicants: as :func:`applicant_condition` matches."""
    if key:
        return ("id", key)
    if name.strip() and phone.strip():
        return ("phone", name.strip(), phone.strip())
    if name.strip() and email.strip():
        return ("email", name.strip(), email.strip())
    return ("row", applicant_id)


def proactive_candidates(
    session: Session,
    agency: Agency,
    start: date,
    end: date,
    min_applicants: int = MIN_APPLICANTS,
) -> list[ProactiveCluster]:
    """Clusters of applications received in ``[start, end]`` by one agency of ``agency``'s
    subtree (already checked to be in the caller's scope), from at least ``min_applicants``
    different applicants, asking for the same information, at least one of them answered
    予以公开 or 部分公开. Most applicants first.

    Cost: one query for the period's cases; then, per agency, the cases are blocked by their
    hard facts (years and numbers must be equal for two requests to match) and, within a block,
    only pairs sharing one of the rarest bigrams of each (prefix filtering, exact for the
    cosine bound :data:`SAME_THRESHOLD`) are judged — not all pairs.
    """
    if end < start:
        raise ValidationError("结束日期不能早于开始日期", field="to")
    if not 2 <= min_applicants <= 1000:
        raise ValidationError("申请人数须在 2–1000 之间", field="min_applicants")
    received = func.coalesce(Case.receipt_date, Case.arrived_on)
    subtree = select(Agency.id).where(col(Agency.path).startswith(agency.path))
    rows = session.exec(
        select(
            Case.id,
            Case.number,
            Case.agency_id,
            Case.state,
            Case.outcome,
            Case.replied_on,
            Case.information_requested,
            Applicant.id,
            Applicant.identity_key,
            Applicant.name,
            Applicant.phone,
            Applicant.email,
        )
        .join(Applicant, Applicant.id == Case.applicant_id)
        .where(col(Case.agency_id).in_(subtree), received >= start, received <= end)
        .order_by(Case.id)
    ).all()
    by_agency: dict[int, list[_Row]] = defaultdict(list)
    for case_id, number, agency_id, state, outcome, replied, text, *who in rows:
        by_agency[agency_id].append(
            _Row(
                case_id, number, agency_id, state, outcome, replied, text, _who(*who), profile(text)
            )
        )
    names = dict(
        session.exec(
            select(Agency.id, func.coalesce(func.nullif(Agency.short_name, ""), Agency.name)).where(
                col(Agency.id).in_(list(by_agency))
            )
        ).all()
    )
    clusters = []
    for agency_id, cases in by_agency.items():
        if not any(c.disclosed for c in cases):
            continue
        for group in _groups(cases):
            if not any(c.disclosed for c in group):
                continue
            applicants = len({c.who for c in group})
            if applicants < min_applicants:
                continue
            clusters.append(_cluster(agency_id, names.get(agency_id, ""), group, applicants))
    clusters.sort(key=lambda c: (-c.applicants, -c.disclosed, c.cases[0].number))
    return clusters


def _groups(cases: list[_Row]) -> list[list[_Row]]:
    """The cases joined by "same information" (connected components), blocked and filtered."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        if c.profile.content:
            blocks[(c.profile.years, c.profile.numbers)].append(i)
    parent = list(range(len(cases)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in blocks.values():
        if len(members) < 2:
            continue
        # Requests identical once normalised are the same information: join them at once and
        # compare only one of them with the rest.
        first: dict[tuple, int] = {}
        for i in members:
            p = cases[i].profile
            j = first.setdefault((p.content, p.doc_numbers), i)
            if j != i:
                parent[root(i)] = root(j)
        distinct = list(first.values())
        df = Counter(g for i in distinct for g in cases[i].profile.grams)
        index: dict[str, list[int]] = defaultdict(list)
        for i in distinct:
            grams = sorted(cases[i].profile.grams, key=lambda g: (df[g], g))
            # cos ≥ t ⇒ |A ∩ B| ≥ t²·|A| (and ·|B|): the pair shares one of these grams
            keep = len(grams) - math.ceil(SAME_THRESHOLD**2 * len(grams)) + 1
            prefix = grams[:keep]
            seen = {j for g in prefix for j in index[g]}
            for j in seen:
                if root(i) != root(j) and judge(cases[i].profile, cases[j].profile).same:
                    parent[root(i)] = root(j)
            for g in prefix:
                index[g].append(i)
    grouped: dict[int, list[_Row]] = defaultdict(list)
    for i, c in enumerate(cases):
        grouped[root(i)].append(c)
    return [g for g in grouped.values() if len(g) > 1]


def _cluster(
    agency_id: int, agency_name: str, group: list[_Row], applicants: int
) -> ProactiveCluster:
    disclosed = [c for c in group if c.disclosed]
    shown = min(disclosed, key=lambda c: (len(c.text), c.case_id)).text
    return ProactiveCluster(
        agency_id=agency_id,
        agency_name=agency_name,
        text=mask_personal_numbers(shown),
        applicants=applicants,
        disclosed=len(disclosed),
        already_published=any(c.outcome == Outcome.ALREADY_PUBLISHED.value for c in group),
        cases=[
            ClusterCase(
                c.case_id,
                c.number,
                c.state,
                State(c.state).label,
                c.outcome,
                _outcome_label(c.outcome),
                c.replied_on,
            )
            for c in sorted(group, key=lambda c: c.case_id)
        ],
    )


__all__ = [
    "ANSWERED_STATES",
    "DISCLOSED",
    "MIN_APPLICANTS",
    "PROACTIVE_RULE",
    "REPEAT_RULE",
    "ClusterCase",
    "ProactiveCluster",
    "RepeatCandidate",
    "handles_cases",
    "proactive_candidates",
    "repeat_candidates",
]
