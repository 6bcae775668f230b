"""An audit trail that survives a database administrator (gkcase/audit.py; docs/engine.md).

Each attack is made as someone with write access to the database but not to the key would make
it, with the project's own formulas where they help the attacker, and each must be caught: a
chain recomputed without the key, the last event deleted and the case row fixed, a derived
column rewritten, a whole case deleted, a letter's file altered, an anchor edited.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
from datetime import date as D

import pytest
from sqlalchemy import text
from sqlmodel import select

from gkcase import audit
from gkcase.backup import check_database
from gkcase.db import read_session, unit_of_work
from gkcase.errors import GkcaseError
from gkcase.models import Case, CaseEvent, Letter
from gkcase.services import cases as svc
from gkcase.settings import get_settings

from .helpers import fire, register

DISCLOSED = {"outcome": "disclosed", "fields": {"access_method": "随本答复书以电子邮件方式提供"}}


@pytest.fixture
def signed(org):
    """A case answered: received, reviewed, handled, drafted, signed — its reply issued."""
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "draft_decision", "caseworker", DISCLOSED, as_of=D(2026, 3, 10))
    fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 11))
    with read_session(org.engine) as session:
        check = svc.verify(session, case.id)
        assert check.ok, check.problems
        return session.get(Case, case.id)


def _sql(org, statement, **params):
    with unit_of_work(org.engine) as session:
        session.execute(text(statement), params)


def _problems(org, case_id, **options):
    with read_session(org.engine) as session:
        result = svc.verify(session, case_id, **options)
    assert not result.ok
    return result.problems


def _events(org, case_id):
    with read_session(org.engine) as session:
        rows = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        ).all()
        for row in rows:
            session.expunge(row)
        return rows


def test_every_event_is_signed_with_the_current_key_and_the_case_row_sealed(org, signed):
    events = _events(org, signed.id)
    assert {e.key_id for e in events} == {"t1"}  # tests/conftest.py: t0, then t1 (current)
    body = svc._json(svc._event_body(events[0]) | {"key": "t1"}).encode()
    import hmac

    expected = hmac.new(bytes([2]) * 32, body, hashlib.sha256).hexdigest()
    assert events[0].hash == expected  # an HMAC under the key, not a plain hash
    assert signed.chain_seal.startswith("t1:")


def test_a_chain_recomputed_without_the_key_is_caught(org, signed):
    # The attacker edits an event and recomputes every hash after it the only way they can:
    # the plain SHA-256 of events from before keys, or an HMAC under a key they guess.
    events = _events(org, signed.id)
    prev = events[1].prev_hash
    for event in events[1:]:
        if event.seq == 2:
            event.reason = "改过的理由"
        event.prev_hash, event.key_id = prev, ""
        event.hash = prev = hashlib.sha256(svc._json(svc._event_body(event)).encode()).hexdigest()
        _sql(
            org,
            "UPDATE case_event SET reason = :r, prev_hash = :p, hash = :h, key_id = '' "
            "WHERE id = :i",
            r=event.reason,
            p=event.prev_hash,
            h=event.hash,
            i=event.id,
        )
    _sql(org, "UPDATE gk_case SET last_event_hash = :h WHERE id = :c", h=prev, c=signed.id)
    problems = _problems(org, signed.id, files=False)
    assert "审计链：第2条事件没有密钥签名（在已签名的事件之后）" in problems
    assert "签章：案件记录的签章与其事件链不符（事件被删除或整条链被改写）" in problems


def test_a_forged_hmac_under_a_guessed_key_is_caught(org, signed):
    event = _events(org, signed.id)[1]
    event.reason = "改过的理由"
    forged = audit.AuditKey("t1", b"guessed" * 6)
    fake = forged.mac(svc._json(svc._event_body(event) | {"key": "t1"}).encode())
    _sql(
        org,
        "UPDATE case_event SET reason = :r, hash = :h WHERE id = :i",
        r=event.reason,
        h=fake,
        i=event.id,
    )
    assert "审计链：第2条事件内容已被改动" in _problems(org, signed.id, files=False)


def test_the_last_event_deleted_and_the_case_row_fixed_is_caught(org, signed):
    events = _events(org, signed.id)
    last, before = events[-1], events[-2]
    _sql(org, "DELETE FROM letter WHERE case_id = :c", c=signed.id)
    _sql(org, "DELETE FROM case_event WHERE id = :i", i=last.id)
    _sql(
        org,
        "UPDATE gk_case SET event_count = :n, last_event_hash = :h, state = :s, replied_on = NULL "
        "WHERE id = :c",
        n=before.seq,
        h=before.hash,
        s=before.to_state,
        c=signed.id,
    )
    problems = _problems(org, signed.id)
    assert problems == ("签章：案件记录的签章与其事件链不符（事件被删除或整条链被改写）",)


@pytest.mark.parametrize(
    ("column", "value", "label"),
    [
        ("outcome", "'not_exist'", "办理结果"),
        ("state", "'archived'", "状态"),
        ("draft_version", "7", "稿次"),
        ("replied_on", "NULL", "签发日期"),
        ("reply_due", "'2026-12-31'", "答复期限"),
    ],
)
def test_a_derived_column_rewritten_directly_is_caught(org, signed, column, value, label):
    _sql(org, f"UPDATE gk_case SET {column} = {value} WHERE id = :c", c=signed.id)
    assert f"案件字段：「{label}」与事件记录不符" in _problems(org, signed.id, files=False)


def test_a_letter_file_altered_is_caught_with_or_without_its_recorded_hash(org, signed):
    with read_session(org.engine) as session:
        letter = session.exec(select(Letter).where(Letter.case_id == signed.id)).one()
        letter_id, number, html = letter.id, letter.number, letter.html
    altered = html.replace("随本答复书以电子邮件方式提供", "不予提供")
    _sql(org, "UPDATE letter SET html = :h WHERE id = :i", h=altered, i=letter_id)
    expected = f"文书：第6条事件出具的{number}的HTML文件已被改动"
    assert expected in _problems(org, signed.id)
    # the row's hash "fixed" to match: it no longer matches what the event recorded
    sha = hashlib.sha256(altered.encode()).hexdigest()
    _sql(org, "UPDATE letter SET html_sha256 = :s WHERE id = :i", s=sha, i=letter_id)
    assert f"文书：第6条事件出具的{number}的记录与事件所记不符" in _problems(org, signed.id)


def test_a_letter_slipped_in_outside_any_event_is_caught(org, signed):
    with unit_of_work(org.engine) as session:
        letter = session.exec(select(Letter).where(Letter.case_id == signed.id)).one()
        copy = Letter(**{**letter.model_dump(exclude={"id"}), "number": "某发改公开答〔2026〕99号"})
        session.add(copy)
    assert "文书：某发改公开答〔2026〕99号未由任何办理事件出具，不在审计链中" in _problems(
        org, signed.id, files=False
    )


def test_a_case_deleted_whole_is_caught_against_the_anchor(org, signed, tmp_path):
    other = register(org)
    with read_session(org.engine) as session:
        anchor = audit.write_anchor(svc.anchor_heads(session), tmp_path)
    assert anchor.heads[signed.id] == (signed.number, signed.event_count, signed.last_event_hash)
    assert check_database(org.engine, anchor_path=anchor.path).ok
    for table in ("letter", "case_event"):
        _sql(org, f"DELETE FROM {table} WHERE case_id = :c", c=signed.id)
    _sql(org, "DELETE FROM gk_case WHERE id = :c", c=signed.id)
    check = check_database(org.engine, anchor_path=anchor.path)
    assert not check.ok
    assert f"锚点：案件{signed.number}在" in check.failure_text()
    assert "现已不存在" in check.failure_text()
    assert other.number not in check.failure_text()  # the case left alone still verifies


def test_a_chain_rewritten_back_past_the_anchor_is_caught(org, signed, tmp_path):
    with read_session(org.engine) as session:
        anchor = audit.write_anchor(svc.anchor_heads(session), tmp_path)
    _sql(
        org,
        "UPDATE case_event SET hash = :h WHERE case_id = :c AND seq = 6",
        h="0" * 64,
        c=signed.id,
    )
    with read_session(org.engine) as session:
        problems = svc.verify(session, signed.id, files=False, anchor=anchor).problems
    assert any(p.startswith(f"锚点：案件{signed.number}的事件链与") for p in problems)


def test_an_edited_anchor_is_refused(org, signed, tmp_path):
    import gzip

    with read_session(org.engine) as session:
        anchor = audit.write_anchor(svc.anchor_heads(session), tmp_path)
    body = json.loads(gzip.decompress(anchor.path.read_bytes()))
    body["heads"] = [h for h in body["heads"] if h[0] != signed.id]  # hide the case
    anchor.path.write_bytes(gzip.compress(audit.canonical(body)))
    with pytest.raises(GkcaseError) as caught:
        audit.read_anchor(anchor.path)
    assert caught.value.code == "audit.anchor" and "已被改动" in caught.value.message


def test_events_under_a_rotated_key_still_verify_and_an_unknown_key_is_named(org, monkeypatch):
    keys = {n: base64.b64encode(bytes([n]) * 32).decode() for n in (1, 2, 9)}
    monkeypatch.setenv("GKCASE_AUDIT_KEYS", f"t0:{keys[1]}")
    get_settings.cache_clear()
    case = register(org)  # under t0
    monkeypatch.setenv("GKCASE_AUDIT_KEYS", f"t0:{keys[1]};t1:{keys[2]}")
    get_settings.cache_clear()
    fire(org, case.id, "start_review", "caseworker")  # under t1
    assert [e.key_id for e in _events(org, case.id)] == ["t0", "t1"]
    with read_session(org.engine) as session:
        assert svc.verify(session, case.id).ok
    monkeypatch.setenv("GKCASE_AUDIT_KEYS", f"t9:{keys[9]}")  # the old keys lost
    get_settings.cache_clear()
    problems = _problems(org, case.id, files=False)
    assert "审计链：第1条事件审计密钥「t0」不在密钥环中，无法核验" in problems
    get_settings.cache_clear()


def test_without_keys_configured_a_key_file_is_made_for_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("GKCASE_AUDIT_KEYS", raising=False)
    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        ring = audit.key_ring()
        path = tmp_path / "var" / "audit.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert re.fullmatch(r"k\d{8}[0-9a-f]{4}", ring.current.id)
        assert len(ring.current.secret) == 32
        assert audit.key_ring() == ring  # read again, not made again
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "没有审计密钥"),
        ("k 1:" + base64.b64encode(b"x" * 32).decode(), "编号「k 1」无效"),
        ("k1:not base64!", "不是有效的 base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "过短"),
    ],
)
def test_bad_keys_are_refused_with_a_reason(text, message):
    with pytest.raises(audit.AuditKeyError) as caught:
        audit.parse_keys(text)
    assert message in caught.value.message and caught.value.code == "audit.key"


def _a_letter(session, case_id, number):
    """A bare letter row, as an old version wrote one outside any event."""
    from datetime import UTC, datetime

    row = Letter(
        case_id=case_id,
        agency_id=session.get(Case, case_id).agency_id,
        kind="receipt",
        number=number,
        issued_on=D(2026, 3, 2),
        issued_at=datetime(2026, 3, 2, tzinfo=UTC),
        template_origin="builtin",
        template_version=0,
        template_sha256="0" * 64,
        variables="{}",
        html="<p>回执</p>",
        html_sha256=hashlib.sha256("<p>回执</p>".encode()).hexdigest(),
        text="回执",
    )
    session.add(row)
    session.flush()
    return row.id


def test_a_chain_from_before_keys_is_sealed_once_and_protected_from_then_on(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker")
    # as an old database has it: plain SHA-256 events, no seal
    prev = svc.GENESIS
    for event in _events(org, case.id):
        event.prev_hash, event.key_id = prev, ""
        event.hash = prev = hashlib.sha256(svc._json(svc._event_body(event)).encode()).hexdigest()
        _sql(
            org,
            "UPDATE case_event SET prev_hash = :p, hash = :h, key_id = '' WHERE id = :i",
            p=event.prev_hash,
            h=event.hash,
            i=event.id,
        )
    _sql(
        org,
        "UPDATE gk_case SET last_event_hash = :h, chain_seal = '' WHERE id = :c",
        h=prev,
        c=case.id,
    )
    assert _problems(org, case.id) == ("签章：案件记录没有密钥签章",)
    # a letter issued outside any event, as the old version allowed
    with unit_of_work(org.engine) as session:
        old = _a_letter(session, case.id, "某发改公开收〔2026〕1号")
    with unit_of_work(org.engine) as session:
        assert svc.seal_unsealed(session) == 1
        assert session.get(Case, case.id).legacy_letters == str(old)
    with read_session(org.engine) as session:
        assert svc.verify(session, case.id).ok
    fire(org, case.id, "accept", "caseworker")  # new events are keyed, chained to the old
    with read_session(org.engine) as session:
        assert svc.verify(session, case.id).ok
    with unit_of_work(org.engine) as session:  # a letter slipped in after the upgrade is caught
        _a_letter(session, case.id, "某发改公开收〔2026〕9号")
    assert "文书：某发改公开收〔2026〕9号未由任何办理事件出具，不在审计链中" in _problems(
        org, case.id, files=False
    )
    _sql(org, "DELETE FROM letter WHERE number = :n", n="某发改公开收〔2026〕9号")
    _sql(org, "UPDATE gk_case SET legacy_letters = '' WHERE id = :c", c=case.id)  # hide the old
    assert "签章：案件记录的签章与其事件链不符（事件被删除或整条链被改写）" in _problems(
        org, case.id, files=False
    )
    _sql(org, "UPDATE gk_case SET legacy_letters = :l WHERE id = :c", l=str(old), c=case.id)
    # a keyed chain whose seal is removed is never sealed again
    _sql(org, "UPDATE gk_case SET chain_seal = '' WHERE id = :c", c=case.id)
    with unit_of_work(org.engine) as session:
        assert svc.seal_unsealed(session) == 0
    assert _problems(org, case.id) == ("签章：案件记录没有密钥签章",)
