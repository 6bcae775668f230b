"""The evidence bundle (证据材料包) for 行政复议 and 行政诉讼: one case walked through correction,
consultation, a partial disclosure with grounds, a legal-review return and approval, 签发,
delivery and a review application; then its ZIP opened and checked file by file.

Building a bundle prints PDFs, so these tests need WeasyPrint's system libraries and a CJK font;
where they are missing the tests skip, except under CI (``CI`` set) or with
``GKCASE_REQUIRE_PDF=1``, where missing PDF support is a failure (as in tests/letters).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import re
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import date as D

import pytest
from sqlalchemy import update
from sqlmodel import SQLModel, select

from gkcase.db import make_engine, read_session, unit_of_work
from gkcase.letters.output import PdfUnavailable, pdf_available
from gkcase.models import CaseEvent, Letter, User
from gkcase.services import bundle
from gkcase.services import letters as letter_service
from gkcase.services.cases import NotFound
from gkcase.services.org import create_user
from gkcase.states.machine import PermissionDenied, Role

from .conftest import BACKENDS, make_org
from .helpers import fire, register

AS_OF = D(2026, 4, 21)
AT = datetime(2026, 4, 21, 2, 30, tzinfo=UTC)  # 10:30 in Beijing
APPLICANT = {
    "kind": "natural_person",
    "name": "王五",
    "id_type": "居民身份证",
    "id_number": "11010119900307002X",
    "phone": "13812341234",
    "address": "某市东湖区解放路128号502室",
}
GROUNDS = [
    {"ground": "third_party", "reasons": "报价属第三方商业秘密，第三方不同意公开", "part": "报价"},
    {"ground": "process_info", "reasons": "评审过程记录属过程性信息", "part": "评审记录"},
]


def _pdf_required() -> bool:
    return any(
        os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")
        for name in ("CI", "GKCASE_REQUIRE_PDF")
    )


@pytest.fixture(scope="module")
def pdf_support():
    ok, reason = pdf_available()
    if not ok:
        if _pdf_required():
            pytest.fail(f"PDF output is required here (CI / GKCASE_REQUIRE_PDF): {reason}")
        pytest.skip(f"WeasyPrint/CJK font missing: apt-get install fonts-noto-cjk ({reason})")


def _issue(org, case_id, kind, role, on):
    """The case's letter of ``kind``: a notice its act issued, or the receipt issued now."""
    with unit_of_work(org.engine) as session:
        letter, _ = letter_service.request_letter(session, case_id, kind, org.user(role), as_of=on)
        return letter.id


def walked_case(org):
    """A partial disclosure with every kind of record; returns the case id."""
    case = register(org, arrived_on="2026-03-02", applicant=APPLICANT)
    cid = case.id
    fire(org, cid, "start_review", "caseworker", as_of=D(2026, 3, 3))
    correction = {"items": ["请写明所需文件的年份"], "guidance": "请补充文件名称或文号"}
    fire(org, cid, "request_correction", "caseworker", correction, as_of=D(2026, 3, 4))
    _issue(org, cid, "correction_notice", "caseworker", D(2026, 3, 4))
    fire(
        org,
        cid,
        "correction_received",
        "registrar",
        {"received_on": "2026-03-10"},
        as_of=D(2026, 3, 10),
    )
    fire(org, cid, "accept", "caseworker", as_of=D(2026, 3, 11))
    consult = {
        "kind": "third_party",
        "party_name": "某某科技有限公司",
        "party_contact": "0000-7654321",
        "matters": "拟公开的合同含贵公司报价",
        "sent_on": "2026-03-12",
        "party_received_on": "2026-03-13",
    }
    stored = fire(org, cid, "consult", "caseworker", consult, as_of=D(2026, 3, 13))
    _issue(org, cid, "third_party_consultation", "caseworker", D(2026, 3, 13))
    done = {
        "consultation_id": json.loads(stored.event.payload)["consultation_id"],
        "opinion": "object",
        "opinion_received_on": "2026-03-25",
        "summary": "报价属商业秘密，不同意公开",
    }
    fire(org, cid, "consultation_done", "caseworker", done, as_of=D(2026, 3, 25))
    decision = {
        "outcome": "partially_disclosed",
        "fields": {"access_method": "提供合同文本（隐去报价部分）复印件", "grounds": GROUNDS[:1]},
    }
    fire(org, cid, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 26))
    fire(org, cid, "submit_for_legal_review", "caseworker", as_of=D(2026, 3, 26))
    fire(
        org,
        cid,
        "return_draft",
        "legal_reviewer",
        {"comments": "请逐项说明不予公开的内容"},
        as_of=D(2026, 3, 27),
    )
    decision["fields"]["grounds"] = GROUNDS
    fire(org, cid, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 30))
    fire(org, cid, "submit_for_legal_review", "caseworker", as_of=D(2026, 3, 30))
    fire(org, cid, "approve", "legal_reviewer", {"comments": "依据充分"}, as_of=D(2026, 3, 31))
    fire(org, cid, "sign", "office_head", {"signed_on": "2026-04-01"}, as_of=D(2026, 4, 1))
    delivery = {
        "method": "post",
        "posted_on": "2026-04-01",
        "delivered_on": "2026-04-03",
        "tracking_number": "1234567890123",
        "recipient": "王五",
        "proof": "邮政回执扫描件",
    }
    fire(org, cid, "deliver", "registrar", delivery, as_of=D(2026, 4, 3))
    remedy = {
        "kind": "review",
        "filed_on": "2026-04-20",
        "body": "某市人民政府",
        "reference": "某府复〔2026〕8号",
    }
    fire(org, cid, "record_remedy", "legal_reviewer", remedy, as_of=D(2026, 4, 20))
    return cid


def build(org, case_id, role="legal_reviewer", *, at=AT):
    with read_session(org.engine) as session:
        viewer = org.user(role) if isinstance(role, str) else role
        return bundle.build_bundle(session, case_id, viewer, AS_OF, generated_at=at)


def entries(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}, [
            (info.filename, info.date_time) for info in archive.infolist()
        ]


def pdf_text(data):
    from pypdf import PdfReader

    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


@pytest.fixture
def walked(org, pdf_support):
    return walked_case(org)


@contextmanager
def _engine(backend, folder):
    """An engine of its own (as tests/services/conftest.py's ``engine``), for one module."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'bundle.db'}")
        SQLModel.metadata.create_all(engine)
        yield engine
        engine.dispose()
        return
    url = os.environ["GKCASE_TEST_DATABASE_URL"]
    schema = f"gktest_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(url, schema=schema)
    SQLModel.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@dataclass
class Built:
    """The walked case's bundle, opened, with what the database holds to compare it with."""

    data: bytes
    files: dict[str, bytes]
    stamps: list[tuple[str, tuple]]
    letters: list[Letter]
    events: list[CaseEvent]
    again: bytes  # built again by the same person at the same time
    by_caseworker: bytes


@pytest.fixture(scope="module", params=BACKENDS)
def built(request, tmp_path_factory, pdf_support):
    """One walked case and its bundle per backend, shared by the tests that only read them."""
    with _engine(request.param, tmp_path_factory.mktemp("bundle")) as engine:
        org = make_org(engine)
        case_id = walked_case(org)
        data = build(org, case_id)
        files, stamps = entries(data)
        with unit_of_work(engine) as session:  # rows stay readable after the block
            letters = list(session.exec(select(Letter).order_by(Letter.id)))
            events = list(session.exec(select(CaseEvent).order_by(CaseEvent.seq)))
        again, other = build(org, case_id), build(org, case_id, "caseworker")
        yield Built(data, files, stamps, letters, events, again, other)


EXPECTED = [
    "00-index.pdf",
    "01-application.pdf",
    "02-letter-01-correction_notice.docx",
    "02-letter-01-correction_notice.html",
    "02-letter-01-correction_notice.pdf",
    "02-letter-02-third_party_consultation.docx",
    "02-letter-02-third_party_consultation.html",
    "02-letter-02-third_party_consultation.pdf",
    "02-letter-03-reply_partially_disclosed.docx",
    "02-letter-03-reply_partially_disclosed.html",
    "02-letter-03-reply_partially_disclosed.pdf",
    "03-deliveries.pdf",
    "04-consultations.pdf",
    "05-approvals.pdf",
    "06-decision.pdf",
    "07-fees.pdf",
    "08-remedies.pdf",
    "09-events.csv",
    "09-events.json",
    "manifest.json",
]


def test_entries_in_record_order_with_fixed_timestamps(built):
    assert [name for name, _ in built.stamps] == EXPECTED
    assert {stamp for _, stamp in built.stamps} == {(2026, 4, 21, 0, 0, 0)}
    assert all(built.files[n].startswith(b"%PDF") for n in EXPECTED if n.endswith(".pdf"))


def test_manifest_lists_every_other_file_with_its_hash_and_size(built):
    files = built.files
    manifest = json.loads(files["manifest.json"])
    assert manifest["case_number"] == "FGW-2026-00001"
    assert manifest["generated_at"] == "2026-04-21T02:30:00+00:00"
    assert "法制审核人员甲" in manifest["generated_by"]
    listed = {f["name"]: f for f in manifest["files"]}
    assert sorted(listed) == EXPECTED[:-1]
    for name, item in listed.items():
        assert item["sha256"] == hashlib.sha256(files[name]).hexdigest(), name
        assert item["size"] == len(files[name])


def test_issued_letters_are_the_frozen_bytes(built):
    assert [x.kind for x in built.letters] == [
        "correction_notice",
        "third_party_consultation",
        "reply_partially_disclosed",
    ]
    for n, letter in enumerate(built.letters, start=1):
        stem = f"02-letter-{n:02d}-{letter.kind}"
        assert hashlib.sha256(built.files[f"{stem}.html"]).hexdigest() == letter.html_sha256
        assert built.files[f"{stem}.docx"] == letter.docx
        assert built.files[f"{stem}.pdf"] == letter.pdf


def test_index_names_every_item_the_applicant_and_a_passed_check(built):
    files = built.files
    text = pdf_text(files["00-index.pdf"])
    assert "FGW-2026-00001" in text and "某市发展和改革委员会" in text
    # full personal data: this is for the review body or court
    assert "11010119900307002X" in text and "13812341234" in text
    assert "某市东湖区解放路128号502室" in text
    for name in EXPECTED[1:-1]:
        assert name in text, name
        assert hashlib.sha256(files[name]).hexdigest() in text, name
    for title in ("政府信息公开申请（登记记录）", "送达记录", "征求意见记录", "收费记录"):
        assert title in text
    for letter in built.letters:
        assert letter.number in text
    assert "校验结果：通过" in text and "共16条事件" in text
    assert "一致" in text and "不一致" not in text
    assert "法制审核人员甲（legal_reviewer，法制审核人员）" in text
    assert "2026-04-2110:30:00" in text  # generated at, Beijing time


def test_application_delivery_consultation_and_remedy_records(built):
    files = built.files
    application = pdf_text(files["01-application.pdf"])
    for fact in ("当面提交", "2026年3月2日", "2025年某项目的环境影响评价批复文件", "王五"):
        assert fact in application, fact
    deliveries = pdf_text(files["03-deliveries.pdf"])
    for fact in ("邮寄送达", "1234567890123", "2026年4月1日", "2026年4月3日", "邮政回执扫描件"):
        assert fact in deliveries, fact
    consultations = pdf_text(files["04-consultations.pdf"])
    for fact in ("某某科技有限公司", "拟公开的合同含贵公司报价", "不同意公开", "2026年4月3日"):
        assert fact in consultations, fact
    assert "报价属商业秘密，不同意公开" in consultations
    remedies = pdf_text(files["08-remedies.pdf"])
    assert "行政复议" in remedies and "某府复〔2026〕8号" in remedies
    assert "本案未收取信息处理费" in pdf_text(files["07-fees.pdf"])


def test_approvals_show_every_return_the_approval_and_the_signature(built):
    text = pdf_text(built.files["05-approvals.pdf"])
    assert "请逐项说明不予公开的内容" in text and "所审稿次第1稿" in text
    assert "依据充分" in text and "所审稿次第2稿" in text
    assert text.count("法制审核人员甲") == 2
    reply = built.letters[-1]
    assert "公开工作机构负责人甲" in text and reply.number in text
    assert reply.html_sha256 in text


def test_decision_gives_each_ground_with_its_reasons_and_article(built):
    text = pdf_text(built.files["06-decision.pdf"])
    assert "第1稿" in text and "第2稿" in text
    for ground in GROUNDS:
        assert ground["reasons"] in text and ground["part"] in text
    assert "《条例》第十五条、第三十二条" in text and "《条例》第十六条第二款" in text
    assert "过程性信息" in text and "可以不予公开" in text  # the article's own rule


def test_event_log_has_every_field_and_the_hash_chain(built):
    logged = json.loads(built.files["09-events.json"])
    assert len(logged) == len(built.events) == 16
    assert set(logged[0]) == set(CaseEvent.__table__.columns.keys())
    for row, event in zip(logged, built.events, strict=True):
        assert (row["seq"], row["hash"], row["prev_hash"]) == (
            event.seq,
            event.hash,
            event.prev_hash,
        )
        assert row["payload"] == event.payload and row["trigger"] == event.trigger
    assert all(a["hash"] == b["prev_hash"] for a, b in itertools.pairwise(logged))
    text = built.files["09-events.csv"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["hash"] for r in rows] == [r["hash"] for r in logged]
    assert rows[-1]["trigger"] == "record_remedy"


def test_event_hashes_can_be_recomputed_from_the_json_and_the_key(built):
    """The recipe docs/evidence-bundle.md gives, with the standard library and the audit key."""
    import base64
    import hmac
    import os

    keys = dict(entry.split(":", 1) for entry in os.environ["GKCASE_AUDIT_KEYS"].split(";"))
    prev = "0" * 64
    for row in json.loads(built.files["09-events.json"]):
        body = {
            "case_id": row["case_id"],
            "seq": row["seq"],
            "trigger": row["trigger"],
            "from": row["from_state"],
            "to": row["to_state"],
            "actor_id": row["actor_id"],
            "actor_name": row["actor_name"],
            "on": row["on"],
            "at": row["at"],
            "payload": row["payload"],
            "reason": row["reason"],
            "changes": row["changes"],
            "prev": row["prev_hash"],
            "key": row["key_id"],
        }
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        secret = base64.b64decode(keys[row["key_id"]])
        assert row["prev_hash"] == prev
        expected = hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()
        assert expected == row["hash"], row["seq"]
        prev = row["hash"]


def test_the_same_case_at_the_same_time_gives_the_same_bundle(built):
    assert built.again == built.data
    assert entries(built.again)[0] == built.files
    other = entries(built.by_caseworker)[0]  # another person generated it: only the index
    changed = {name for name in built.files if other[name] != built.files[name]}
    assert changed == {"00-index.pdf", "manifest.json"}


def test_a_tampered_event_makes_the_index_say_the_check_failed(org, pdf_support):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 4))
    assert "校验结果：通过" in pdf_text(entries(build(org, case.id))[0]["00-index.pdf"])
    with unit_of_work(org.engine) as session:
        table = CaseEvent.__table__
        session.connection().execute(
            update(table)
            .where(table.c.case_id == case.id, table.c.seq == 2)
            .values(reason="篡改的内容")
        )
    text = pdf_text(entries(build(org, case.id))[0]["00-index.pdf"])
    assert "校验结果：未通过" in text and "第2条事件内容已被改动" in text
    assert "校验结果：通过" not in text


def test_an_altered_letter_and_a_missing_pdf_show_in_the_index(org, walked):
    with unit_of_work(org.engine) as session:
        first, second, _reply = session.exec(select(Letter).order_by(Letter.id)).all()
        first.html = first.html.replace("补正", "补证", 1)
        second.pdf, second.pdf_sha256 = None, ""
        session.add_all([first, second])
    files, _ = entries(build(org, walked))
    text = pdf_text(files["00-index.pdf"])
    assert "不一致" in text
    assert "以下文件与签发时记录的哈希值不一致：02-letter-01-correction_notice.html" in text
    # a letter issued without a PDF gets one printed from its frozen HTML, marked so
    assert files["02-letter-02-third_party_consultation.pdf"].startswith(b"%PDF")
    assert "签发时未生成PDF" in text


def test_a_supervisor_above_the_agency_may_build_it(org, pdf_support):
    case = register(org)
    files, _ = entries(build(org, case.id, "supervisor"))
    assert "督查甲（supervisor，督查人员）" in pdf_text(files["00-index.pdf"])


@pytest.mark.parametrize("role", ["registrar", "admin"])
def test_registrar_and_admin_are_refused(org, role):
    case = register(org)
    with pytest.raises(PermissionDenied, match="完整个人信息"):
        build(org, case.id, role)


def test_another_agency_does_not_see_the_case(org):
    case = register(org)
    with pytest.raises(NotFound):
        build(org, case.id, "other_caseworker")


def test_a_supervisor_of_a_sibling_agency_is_not_found(org):
    case = register(org)
    with unit_of_work(org.engine) as session:
        sibling = create_user(
            session,
            username="zjw_sup",
            full_name="住建督查",
            agency=org.zjw,
            roles=[Role.SUPERVISOR],
        )
    with pytest.raises(NotFound):
        build(org, case.id, sibling)


def test_may_build_bundle_matches_the_rule(org):
    case = register(org)
    with read_session(org.engine) as session:
        users = {u.username: u for u in session.exec(select(User))}
        allowed = {name for name, u in users.items() if bundle.may_build_bundle(session, case, u)}
    assert allowed == {"caseworker", "legal_reviewer", "office_head", "supervisor"}


def test_without_pdf_support_the_bundle_is_refused_naming_the_package(org, monkeypatch):
    from gkcase.letters import output

    case = register(org)
    monkeypatch.setattr(output, "pdf_available", lambda: (False, "无法生成PDF：缺少字体"))
    with pytest.raises(PdfUnavailable, match="缺少字体"):
        build(org, case.id)


def test_the_command_line_writes_the_bundle_and_checks_as(
    tmp_path, monkeypatch, capsys, pdf_support
):
    import gkcase.db
    from gkcase.cli import main
    from gkcase.settings import get_settings

    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GKCASE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        engine = gkcase.db.get_engine()
        SQLModel.metadata.create_all(engine)
        case = register(make_org(engine))
        out = tmp_path / "bundle.zip"
        args = ["case", "bundle", case.number, "-o", str(out), "--on", "2026-04-21"]
        assert main([*args, "--as", "office_head"]) == 0
        printed = capsys.readouterr().out
        assert hashlib.sha256(out.read_bytes()).hexdigest() in printed
        files, stamps = entries(out.read_bytes())
        assert stamps[0] == ("00-index.pdf", (2026, 4, 21, 0, 0, 0))
        assert "公开工作机构负责人甲" in json.loads(files["manifest.json"])["generated_by"]
        assert main(args) == 0  # the operator at the server, named as such
        assert (
            "命令行操作"
            in json.loads(entries(out.read_bytes())[0]["manifest.json"])["generated_by"]
        )
        out.unlink()
        assert main([*args, "--as", "registrar"]) == 2
        assert "[auth.permission_denied]" in capsys.readouterr().err and not out.exists()
        assert main(["case", "bundle", "FGW-1999-00009", "-o", str(out)]) == 2
        assert "[not_found] NUMBER" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
        for engine in gkcase.db._engines.values():
            engine.dispose()
        gkcase.db._engines.clear()
