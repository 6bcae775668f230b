"""Issuing letters: 文号 allocation, freezing and re-rendering, the lint gate on 签发, overrides."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date as D

import pytest
from sqlalchemy import text
from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.render import TemplateProblem, builtin_source
from gkcase.models import Case, Letter
from gkcase.services import cases
from gkcase.services import letters as service
from gkcase.states.machine import GuardFailed, PermissionDenied, Trigger

from .helpers import fire, register

DISCLOSED = {"outcome": "disclosed", "fields": {"access_method": "随本答复书以电子邮件方式提供"}}


def _to_signing(org, decision=DISCLOSED):
    case = register(org)  # received Mon 2026-03-02
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 10))
    fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    return case


def _letters(org, case_id):
    with unit_of_work(org.engine) as session:
        return list(session.exec(select(Letter).where(Letter.case_id == case_id)))


def test_signing_issues_and_freezes_the_reply(org):
    case = _to_signing(org)
    fired = fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 11))
    stored = json.loads(fired.event.payload)
    [letter] = _letters(org, case.id)
    assert letter.kind == "reply_disclosed"
    [entry] = stored["letters"]  # the event records the letter it issued: in the hash chain
    assert letter.number == "某发改公开答〔2026〕1号" == entry["number"]
    assert (entry["letter_id"], entry["kind"], entry["issued_on"]) == (
        letter.id,
        "reply_disclosed",
        "2026-03-11",
    )
    assert letter.issued_on == D(2026, 3, 11)
    assert (letter.template_origin, letter.template_version) == ("builtin", 0)
    assert "随本答复书以电子邮件方式提供" in letter.text and "六十日内" in letter.text
    assert letter.docx and letter.docx_sha256 and letter.html_sha256 == entry["html_sha256"]
    assert (letter.docx_sha256, letter.pdf_sha256) == (entry["docx_sha256"], entry["pdf_sha256"])
    assert json.loads(letter.variables)["letter"]["number"] == letter.number
    with unit_of_work(org.engine) as session:
        check = service.verify_letter(session, letter.id)
    assert check.identical, check.problems


def test_a_reply_with_lint_errors_cannot_even_be_submitted_and_nothing_is_written(org):
    # An identity number in the decision text: personal data in a letter to the applicant. The
    # lint runs at every step, so the draft stops where the caseworker acts, not at 签发.
    leaky = {
        "outcome": "disclosed",
        "fields": {"access_method": "请凭身份证110105194912310021到本机关领取"},
    }
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "draft_decision", "caseworker", leaky, as_of=D(2026, 3, 10))
    with pytest.raises(GuardFailed) as caught:
        fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    assert caught.value.code == "case.precondition"
    assert "身份证件号码" in caught.value.message
    with unit_of_work(org.engine) as session:
        blocked = dict(cases.permitted(session, session.get(Case, case.id), org.user("caseworker")))
        assert "身份证件号码" in blocked[Trigger.SUBMIT_FOR_SIGNING]
        stored = session.get(Case, case.id)
        assert (stored.state, stored.replied_on) == ("drafting", None)
        assert session.exec(select(Letter)).all() == []
        # the refused letter consumed no number: the next one is still No. 1
        counters = session.execute(text("SELECT kind, value FROM counter")).all()
    assert ("letter:答", 1) not in counters


def test_letter_numbers_run_per_agency_year_and_kind(org):
    first, second = _to_signing(org), _to_signing(org)
    with unit_of_work(org.engine) as session:
        receipt, created = service.request_letter(
            session, first.id, "receipt", org.user("registrar"), as_of=D(2026, 3, 11)
        )
        assert created
    fire(org, first.id, "sign", "office_head", as_of=D(2026, 3, 11))
    fire(org, second.id, "sign", "office_head", as_of=D(2026, 3, 11))
    numbers = sorted(letter.number for c in (first, second) for letter in _letters(org, c.id))
    assert numbers == [
        "某发改公开收〔2026〕1号",
        "某发改公开答〔2026〕1号",
        "某发改公开答〔2026〕2号",
    ]
    assert receipt.kind == "receipt" and "查询码" in receipt.text


def test_concurrent_issues_get_unique_consecutive_numbers(org):
    cases = [register(org) for _ in range(6)]
    barrier = threading.Barrier(3)

    def issue_receipts(batch):
        barrier.wait()
        numbers = []
        for case in batch:
            with unit_of_work(org.engine) as session:
                letter, _ = service.request_letter(
                    session, case.id, "receipt", org.user("registrar"), as_of=D(2026, 3, 2)
                )
                numbers.append(letter.number)
        return numbers

    with ThreadPoolExecutor(3) as pool:
        batches = list(pool.map(issue_receipts, [cases[0:2], cases[2:4], cases[4:6]]))
    numbers = sorted(n for batch in batches for n in batch)
    assert numbers == sorted(f"某发改公开收〔2026〕{i}号" for i in range(1, 7))


def test_a_tampered_letter_is_reported(org):
    case = _to_signing(org)
    fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 11))
    [letter] = _letters(org, case.id)
    with unit_of_work(org.engine) as session:
        session.execute(
            text("UPDATE letter SET html = html || ' ' WHERE id = :i"), {"i": letter.id}
        )
    with unit_of_work(org.engine) as session:
        check = service.verify_letter(session, letter.id)
    assert not check.identical
    assert any("HTML与其哈希值不符" in p for p in check.problems)


OVERRIDE = builtin_source(CATALOGUE["reply_disclosed"]).replace("经审查，", "经本机关审查，")


def test_an_override_is_versioned_used_and_the_issued_letter_keeps_its_version(org):
    admin = org.user("admin")
    with unit_of_work(org.engine) as session:
        first = service.save_template(session, org.fgw.id, "reply_disclosed", OVERRIDE, admin)
        second = service.save_template(
            session,
            org.fgw.id,
            "reply_disclosed",
            OVERRIDE.replace("本机关审查", "认真审查"),
            admin,
        )
    assert (first.version, second.version) == (1, 2)
    case = _to_signing(org)
    fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 11))
    [letter] = _letters(org, case.id)
    assert (letter.template_origin, letter.template_version) == ("agency", 2)
    assert "经认真审查" in letter.text
    with unit_of_work(org.engine) as session:  # a later version does not change an issued letter
        service.save_template(session, org.fgw.id, "reply_disclosed", OVERRIDE, admin)
    with unit_of_work(org.engine) as session:
        assert service.verify_letter(session, letter.id).identical


def test_an_override_that_drops_a_required_element_is_refused(org):
    without_remedy = OVERRIDE.replace("<p>{{ remedy.text }}</p>", "")
    assert without_remedy != OVERRIDE
    with unit_of_work(org.engine) as session, pytest.raises(ValidationError) as caught:
        service.save_template(
            session, org.fgw.id, "reply_disclosed", without_remedy, org.user("admin")
        )
    assert caught.value.code == "letter.template_incomplete"
    assert "救济告知" in caught.value.message


@pytest.mark.parametrize(
    "source",
    [
        "{{ no_such_variable }}",
        "{% if %}",
        "{{ ''.__class__.__mro__ }}",
        "{% include '/etc/passwd' %}",
    ],
)
def test_an_override_that_cannot_render_is_refused(org, source):
    with unit_of_work(org.engine) as session, pytest.raises(TemplateProblem):
        service.save_template(session, org.fgw.id, "reply_disclosed", source, org.user("admin"))


def test_only_the_agencys_admin_saves_templates(org):
    with unit_of_work(org.engine) as session, pytest.raises(PermissionDenied):
        service.save_template(
            session, org.fgw.id, "reply_disclosed", OVERRIDE, org.user("caseworker")
        )


def test_a_case_page_lists_its_letters_without_reading_their_files(org):
    """A letter's body (HTML, text, variables, DOCX, PDF: ~0.3 MB with the PDF's font) is read
    by a download, a verification or a bundle, never by a list of letters; a session that listed
    a letter can still read its body afterwards."""
    import re

    from sqlalchemy import event

    from gkcase.db import read_session
    from gkcase.models.letter import LETTER_BODY
    from gkcase.services import cases

    case = _to_signing(org)
    with unit_of_work(org.engine) as session:
        service.request_letter(
            session, case.id, "receipt", org.user("registrar"), as_of=D(2026, 3, 11)
        )
    fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 11))
    whole = {letter.id: letter for letter in _letters(org, case.id)}
    assert len(whole) == 2

    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(org.engine, "before_cursor_execute", seen)
    try:
        with read_session(org.engine) as session:
            page = cases.case_page(session, case.id, org.user("caseworker"), D(2026, 3, 12))
            listed = service.letters_of(session, page.case)
            on_page = page.records[Letter]
            assert [x.id for x in listed] == [x.id for x in on_page] == sorted(whole)
            for letter in (*listed, *on_page):
                stored = whole[letter.id]
                assert (letter.number, letter.kind) == (stored.number, stored.kind)
                assert letter.has_docx is (stored.docx is not None) is True
                assert letter.has_pdf is (stored.pdf is not None)
            listings = [
                s for s in statements if re.search(r"\bFROM letter\b", s) and "letter.id" in s
            ]
            # The same session may go on to read a listed letter's body: loaded then, not refused.
            reply = next(x for x in listed if x.kind == "reply_disclosed")
            assert session.get(Letter, reply.id).html == whole[reply.id].html
            assert service.verify_letter(session, reply.id).identical
    finally:
        event.remove(org.engine, "before_cursor_execute", seen)
    assert len(listings) == 2, statements
    for statement in listings:
        assert "letter.number" in statement
        for column in LETTER_BODY:
            assert not re.search(rf"\bletter\.{column}\b", statement), (column, statement)
