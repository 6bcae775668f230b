"""The annual report's tables 三 and 四 over a generated set of cases with known answers: real
cases registered and moved through the engine with business dates across 2024–2026."""

from __future__ import annotations

from datetime import date as D

import pytest
from sqlmodel import select

from gkcase.db import read_session, unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import Agency, Case, ReportLock, ReportLockFlag
from gkcase.services import annual_report as report
from gkcase.services import cases as svc
from gkcase.services.cases import NotFound
from gkcase.services.org import create_user
from gkcase.states.machine import PermissionDenied, Role
from gkcase.states.outcomes import ReportRow

COLUMNS = ["natural_person", "business", "research", "public_interest", "legal_service", "other"]
NAT, BUS, RES, PI, LEGAL, OTHER, TOTAL = range(7)


def cells(**by_kind):
    """Seven cells (six applicant columns and 总计) from counts by column name."""
    row = [by_kind.get(kind, 0) for kind in COLUMNS]
    return (*row, sum(row))


ZERO = cells()


def register(org, user, kind, arrived, *, channel="in_person", as_of=None, **extra):
    data = {
        "channel": channel,
        "arrived_on": arrived.isoformat(),
        "applicant": {"kind": kind, "name": f"{kind}申请人"},
        "information_requested": "某项目的批复文件",
        **extra,
    }
    with unit_of_work(org.engine) as session:
        agency_id = user.agency_id
        return svc.register(session, agency_id, data, user, as_of=as_of or arrived).case.id


def fire(org, case_id, trigger, user, payload=None, *, on):
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case_id).version
        return svc.fire(session, case_id, trigger, user, payload, version, as_of=on)


class World:
    """The agencies' cases for 2024–2026, each with its expected place in the report."""

    def __init__(self, org):
        self.org = org
        u = org.user
        self.registrar, self.caseworker = u("registrar"), u("caseworker")
        self.head, self.legal = u("office_head"), u("legal_reviewer")
        self.zjw = org.users["other_caseworker"]  # registrar and caseworker at ZJW

    def answer_at_review(self, case_id, outcome, fields, *, on, signed):
        fire(self.org, case_id, "start_review", self.caseworker, on=on)
        payload = {"outcome": outcome, "fields": fields}
        fire(self.org, case_id, "decide_without_handling", self.caseworker, payload, on=on)
        fire(self.org, case_id, "submit_for_signing", self.caseworker, on=on)
        fire(self.org, case_id, "sign", self.head, on=signed)

    def deliver(self, case_id, on):
        payload = {"method": "direct", "delivered_on": on.isoformat(), "recipient": "申请人"}
        fire(self.org, case_id, "deliver", self.caseworker, payload, on=on)

    def remedy(self, case_id, kind, filed, *, result="pending", result_on=None, remedy_id=None):
        payload = {"kind": kind, "filed_on": filed.isoformat(), "result": result}
        if result_on:
            payload["result_on"] = result_on.isoformat()
        if remedy_id:
            payload["remedy_id"] = remedy_id
        on = result_on or filed
        return fire(self.org, case_id, "record_remedy", self.legal, payload, on=on)

    def build(self):
        published = {"access_method": "已在门户网站主动公开"}
        # F: public-interest body, received 2024-12-20, answered 2025-01-06 → 2025 上年结转, （一）
        self.f = register(self.org, self.registrar, "public_interest", D(2024, 12, 20))
        self.answer_at_review(
            self.f, "already_published", published, on=D(2024, 12, 23), signed=D(2025, 1, 6)
        )
        # A: natural person, 2025-03-03, already published → （一）
        self.a = register(self.org, self.registrar, "natural_person", D(2025, 3, 3))
        self.answer_at_review(
            self.a, "already_published", published, on=D(2025, 3, 4), signed=D(2025, 3, 10)
        )
        # B: business, 2025-06-02, not this agency → （四）1; sued directly 2025-09-01, judged
        # (maintained) only on 2026-03-02
        self.b = register(self.org, self.registrar, "business", D(2025, 6, 2))
        fields = {"reasons": "该信息由住建局制作", "responsible_agency": "某市住房和城乡建设局"}
        self.answer_at_review(
            self.b, "not_this_agency", fields, on=D(2025, 6, 3), signed=D(2025, 6, 10)
        )
        self.deliver(self.b, D(2025, 6, 11))
        self.b_suit = self.remedy(self.b, "litigation_direct", D(2025, 9, 1))
        # C: research institute, 2025-12-15, answered 2026-01-08 (petition) → carried over
        self.c = register(self.org, self.registrar, "research", D(2025, 12, 15))
        self.answer_at_review(self.c, "petition", {}, on=D(2025, 12, 16), signed=D(2026, 1, 8))
        # D: law firm, 2025-12-22, withdrew 2025-12-29 → （六）3
        self.d = register(self.org, self.registrar, "legal_service", D(2025, 12, 22))
        payload = {"withdrawn_on": "2025-12-29", "how": "书面撤回"}
        fire(self.org, self.d, "withdraw", self.registrar, payload, on=D(2025, 12, 29))
        # E: natural person, 2025-11-03, no correction → （六）1
        self.e = register(self.org, self.registrar, "natural_person", D(2025, 11, 3))
        fire(self.org, self.e, "start_review", self.caseworker, on=D(2025, 11, 4))
        correction = {
            "items": ["身份证明"],
            "guidance": "请提交身份证复印件",
            "period_workdays": 5,
            "sent_on": "2025-11-04",
            "received_on": "2025-11-04",  # handed to the applicant: the period runs from here
        }
        fire(self.org, self.e, "request_correction", self.caseworker, correction, on=D(2025, 11, 4))
        fire(self.org, self.e, "correction_lapsed", self.caseworker, on=D(2025, 11, 20))
        # H: natural person, 2025-04-01, repeat application → （五）2; review corrected it
        # (2025-07-01), reopened and answered again (needs creation) 2025-07-20: counted once,
        # by its first conclusion.
        self.h = register(self.org, self.registrar, "natural_person", D(2025, 4, 1))
        self.answer_at_review(
            self.h,
            "repeat_application",
            {"previous_case": "FGW-2024-00001"},
            on=D(2025, 4, 2),
            signed=D(2025, 4, 8),
        )
        self.deliver(self.h, D(2025, 4, 9))
        self.remedy(self.h, "review", D(2025, 5, 6), result="corrected", result_on=D(2025, 7, 1))
        reopen = {
            "basis": "review_decision",
            "document_number": "某府复决〔2025〕12号",
            "received_on": "2025-07-03",
        }
        fire(self.org, self.h, "reopen", self.head, reopen, on=D(2025, 7, 3))
        fire(
            self.org,
            self.h,
            "draft_decision",
            self.caseworker,
            {"outcome": "needs_creation", "fields": {"reasons": "需另行制作"}},
            on=D(2025, 7, 10),
        )
        fire(self.org, self.h, "submit_for_signing", self.caseworker, on=D(2025, 7, 10))
        fire(self.org, self.h, "sign", self.head, on=D(2025, 7, 20))
        # An ordinary letter of 2025-12-30 whose receipt was never confirmed: not counted
        self.unconfirmed = register(
            self.org, self.registrar, "natural_person", D(2025, 12, 30), channel="ordinary_letter"
        )
        # G: other, 2026-02-02, still open → 2026 新收 and 结转
        self.g = register(self.org, self.registrar, "other", D(2026, 2, 2))
        # ZJW (a sibling department): J withdrawn at once, K open
        self.j = register(self.org, self.zjw, "natural_person", D(2025, 5, 5))
        payload = {"withdrawn_on": "2025-05-06", "how": "当面撤回"}
        fire(self.org, self.j, "withdraw", self.zjw, payload, on=D(2025, 5, 6))
        self.k = register(self.org, self.zjw, "business", D(2025, 8, 1))
        return self


@pytest.fixture
def world(org):
    return World(org).build()


def live(org, agency, year, scope=report.Scope.OWN):
    with read_session(org.engine) as session:
        return report.live_counts(session, agency, scope, year)


def view(org, user, year, *, agency=None, scope=report.Scope.OWN, fmt=report.ReportFormat.F2021):
    with read_session(org.engine) as session:
        return report.annual_report(
            session,
            user,
            agency_id=agency.id if agency else None,
            year=year,
            scope=scope,
            fmt=fmt,
        )


def test_2025_table_three_cell_by_cell(org, world):
    counts = live(org, org.fgw, 2025)
    t3 = counts.table3
    assert t3["new"] == cells(natural_person=3, business=1, research=1, legal_service=1)
    assert t3["carried_in"] == cells(public_interest=1)
    assert t3[ReportRow.DISCLOSED] == cells(natural_person=1, public_interest=1)
    assert t3[ReportRow.UNABLE_NOT_HELD] == cells(business=1)
    assert t3[ReportRow.NOT_PROCESSED_REPEAT] == cells(natural_person=1)  # H, first conclusion
    assert t3[ReportRow.UNABLE_NEEDS_CREATION] == ZERO  # H's second reply is not a new count
    assert t3[ReportRow.OTHER_NO_CORRECTION] == cells(natural_person=1)
    assert t3[ReportRow.OTHER_MISC] == cells(legal_service=1)
    counted = {
        ReportRow.DISCLOSED,
        ReportRow.UNABLE_NOT_HELD,
        ReportRow.NOT_PROCESSED_REPEAT,
        ReportRow.OTHER_NO_CORRECTION,
        ReportRow.OTHER_MISC,
    }
    assert all(t3[row.value] == ZERO for row in ReportRow if row not in counted)
    assert t3["total"] == cells(natural_person=3, business=1, public_interest=1, legal_service=1)
    assert t3["carried_out"] == cells(research=1)
    assert all(check.ok for check in report.checks(counts)), report.checks(counts)


def test_2025_table_four(org, world):
    t4 = live(org, org.fgw, 2025).table4
    assert t4["review"] == (0, 1, 0, 0, 1)  # H: corrected on 2025-07-01
    assert t4["litigation_direct"] == (0, 0, 0, 1, 1)  # B: pending at the year's end
    assert t4["litigation_after_review"] == (0, 0, 0, 0, 0)


def test_next_year_carries_over_and_results_move_to_their_year(org, world):
    world.remedy(
        world.b,
        "litigation_direct",
        D(2025, 9, 1),
        result="maintained",
        result_on=D(2026, 3, 2),
        remedy_id=_remedy_id(org, world.b),
    )
    y2025, y2026 = live(org, org.fgw, 2025), live(org, org.fgw, 2026)
    assert y2026.table3["carried_in"] == y2025.table3["carried_out"] == cells(research=1)
    assert y2026.table3["new"] == cells(other=1)
    assert y2026.table3[ReportRow.NOT_PROCESSED_PETITION] == cells(research=1)
    assert y2026.table3["total"] == cells(research=1)
    assert y2026.table3["carried_out"] == cells(other=1)
    # the judgment of 2026 counts in 2026; at the end of 2025 the suit was still pending
    assert y2026.table4["litigation_direct"] == (1, 0, 0, 0, 1)
    assert y2025.table4["litigation_direct"] == (0, 0, 0, 1, 1)
    assert y2026.table4["review"] == (0, 0, 0, 0, 0)  # decided in 2025
    assert all(check.ok for check in report.checks(y2026))
    # 2024: F was received and carried over; nothing else existed yet
    y2024 = live(org, org.fgw, 2024)
    assert y2024.table3["new"] == y2024.table3["carried_out"] == cells(public_interest=1)


def _remedy_id(org, case_id):
    from gkcase.models import Remedy

    with read_session(org.engine) as session:
        return session.exec(select(Remedy.id).where(Remedy.case_id == case_id)).one()


def test_2019_format_rolls_up_other_handling(org, world):
    shown = view(org, org.user("office_head"), 2025, fmt=report.ReportFormat.F2019)
    keys = [line.key for line in shown.lines]
    assert "6" in keys and "6.1" not in keys and "6.3" not in keys
    assert len([k for k in keys if k[0].isdigit()]) == 19  # the 2019 format's 19 result rows
    other = next(line for line in shown.lines if line.key == "6")
    assert other.label == "（六）其他处理"
    assert other.cells == cells(natural_person=1, legal_service=1)
    modern = view(org, org.user("office_head"), 2025)
    assert len([line for line in modern.lines if line.key[0].isdigit()]) == 21
    assert [line.label for line in modern.lines][:2] == [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
    ]
    assert modern.lines[-2].label == "（七）总计"
    assert modern.lines[-1].label == "四、结转下年度继续办理"


def test_subtree_adds_the_departments_below(org, world):
    supervisor = org.user("supervisor")
    own_city = view(org, supervisor, 2025)
    assert own_city.live.table3["new"] == ZERO  # the city itself received nothing
    whole = view(org, supervisor, 2025, scope=report.Scope.SUBTREE)
    t3 = whole.live.table3
    assert t3["new"] == cells(natural_person=4, business=2, research=1, legal_service=1)
    assert t3[ReportRow.OTHER_MISC] == cells(natural_person=1, legal_service=1)
    assert t3["carried_out"] == cells(research=1, business=1)
    assert whole.checks_ok
    zjw = view(org, supervisor, 2025, agency=org.zjw)
    assert zjw.live.table3["new"] == cells(natural_person=1, business=1)


def test_who_may_see_a_report(org, world):
    with pytest.raises(PermissionDenied):
        view(org, org.user("caseworker"), 2025)
    with pytest.raises(NotFound):  # a sibling agency does not exist for FGW's office head
        view(org, org.user("office_head"), 2025, agency=org.zjw)
    with pytest.raises(PermissionDenied):
        view(org, org.user("office_head"), 2025, scope=report.Scope.SUBTREE)
    with pytest.raises(NotFound):  # the city lies above FGW: it does not exist for FGW's admin
        view(org, org.user("admin"), 2025, agency=org.city)
    with pytest.raises(ValidationError):
        view(org, org.user("office_head"), 1999)


def lock(org, user, year=2025, *, agency=None, scope=report.Scope.OWN, on=D(2026, 1, 20)):
    with unit_of_work(org.engine) as session:
        return report.lock(
            session,
            user,
            agency_id=agency.id if agency else None,
            year=year,
            scope=scope,
            as_of=on,
        )


def test_the_lock_keeps_the_published_numbers_and_flags_later_edits(org, world):
    head = org.user("office_head")
    before = view(org, head, 2025)
    assert before.lock is None and before.can_lock
    locked = lock(org, head)
    assert len(locked.sha256) == 64
    # A paper application of 2025-12-31, entered late (on 2026-02-03): a later edit of 2025
    late = register(org, world.registrar, "business", D(2025, 12, 31), as_of=D(2026, 2, 3))
    # An ordinary action in 2026 on a 2026 case changes nothing of 2025: not flagged
    fire(org, world.g, "start_review", world.caseworker, on=D(2026, 2, 3))
    after = view(org, head, 2025)
    assert after.lock is not None and after.lock.intact
    assert after.lock.sha256 == locked.sha256 and after.lock.locked_by == head.full_name
    assert after.published == before.live  # the snapshot, not the live numbers
    assert after.live.table3["new"] == cells(
        natural_person=3, business=2, research=1, legal_service=1
    )
    assert [(d.table, d.row, d.column, d.locked, d.live) for d in after.differences] == [
        ("三", "一、本年新收政府信息公开申请数量", "商业企业", 1, 2),
        ("三", "一、本年新收政府信息公开申请数量", "总计", 6, 7),
        ("三", "四、结转下年度继续办理", "商业企业", 0, 1),
        ("三", "四、结转下年度继续办理", "总计", 1, 2),
    ]
    assert [(f.case_id, f.event_seq, f.trigger) for f in after.lock.flags] == [
        (late, 1, "register")
    ]
    assert not after.can_lock
    # the 2026 report of the same agency is not locked and saw no flags
    assert view(org, head, 2026).lock is None


def test_a_reopening_of_a_locked_years_case_is_flagged_but_moves_no_number(org, world):
    head = org.user("office_head")
    lock(org, head)
    reopen = {
        "basis": "judgment",
        "document_number": "（2026）某行初12号",
        "received_on": "2026-03-02",
    }
    fire(org, world.b, "reopen", head, reopen, on=D(2026, 3, 2))
    shown = view(org, head, 2025)
    assert shown.differences == []  # counted by its first conclusion
    assert [(f.case_id, f.trigger) for f in shown.lock.flags] == [(world.b, "reopen")]


def test_a_remedy_result_of_the_next_year_is_not_a_later_edit(org, world):
    head = org.user("office_head")
    lock(org, head)
    world.remedy(
        world.b,
        "litigation_direct",
        D(2025, 9, 1),
        result="maintained",
        result_on=D(2026, 3, 2),
        remedy_id=_remedy_id(org, world.b),
    )
    shown = view(org, head, 2025)
    assert shown.lock.flags == [] and shown.differences == []
    # a review filed back in 2025 but recorded only now does change 2025
    world.remedy(world.a, "review", D(2025, 12, 1))
    shown = view(org, head, 2025)
    assert [f.trigger for f in shown.lock.flags] == ["record_remedy"]
    assert [(d.row, d.column, d.locked, d.live) for d in shown.differences] == [
        ("行政复议", "尚未审结", 0, 1),
        ("行政复议", "总计", 1, 2),
    ]


def test_a_subtree_lock_flags_edits_in_the_departments_below(org, world):
    supervisor = org.user("supervisor")
    lock(org, supervisor, agency=org.city, scope=report.Scope.SUBTREE)
    payload = {"withdrawn_on": "2025-12-31", "how": "书面撤回"}
    fire(org, world.k, "withdraw", world.zjw, payload, on=D(2026, 1, 5))
    shown = view(org, supervisor, 2025, agency=org.city, scope=report.Scope.SUBTREE)
    assert [(f.case_id, f.trigger) for f in shown.lock.flags] == [(world.k, "withdraw")]
    assert {(d.row, d.column) for d in shown.differences} >= {("（六）3.其他", "商业企业")}


def test_who_may_lock(org, world):
    with pytest.raises(PermissionDenied):  # a supervisor locks subtree reports, not an agency's own
        lock(org, org.user("supervisor"), agency=org.fgw)
    with pytest.raises(PermissionDenied):
        lock(org, org.user("caseworker"))
    with pytest.raises(PermissionDenied):  # an office head cannot lock the subtree
        lock(org, org.user("office_head"), scope=report.Scope.SUBTREE)
    with pytest.raises(ValidationError, match="尚未结束"):
        lock(org, org.user("office_head"), year=2026, on=D(2026, 6, 1))
    lock(org, org.user("admin"))
    with pytest.raises(report.ReportLocked):  # once only; nothing removes a lock
        lock(org, org.user("office_head"))
    with read_session(org.engine) as session:
        assert len(session.exec(select(ReportLock)).all()) == 1
        assert session.exec(select(ReportLockFlag)).all() == []


def test_two_people_locking_at_once_the_second_is_refused_cleanly(org, world, monkeypatch):
    lock(org, org.user("admin"))
    monkeypatch.setattr(report, "_lock_row", lambda *args: None)  # both passed the check
    with pytest.raises(report.ReportLocked):  # the unique constraint decides, not a 500
        lock(org, org.user("office_head"))
    with read_session(org.engine) as session:
        assert len(session.exec(select(ReportLock)).all()) == 1


def test_a_tampered_snapshot_is_reported(org, world):
    head = org.user("office_head")
    lock(org, head)
    with unit_of_work(org.engine) as session:
        row = session.exec(select(ReportLock)).one()
        row.snapshot = row.snapshot.replace('"new":[3,', '"new":[4,')
        session.add(row)
    assert view(org, head, 2025).lock.intact is False


def test_the_identities_catch_inconsistent_numbers():
    table3 = {key: [0] * 6 for key in report.TABLE3_KEYS if key != "total"}
    table3["new"][NAT] = 2
    table3[ReportRow.DISCLOSED.value][NAT] = 1
    counts = report.Counts.from_tallies(table3, {p.value: [0] * 4 for p in report.PROCEEDINGS})
    found = {check.name: check for check in report.checks(counts)}
    assert not found["第一项加第二项之和，等于第三项加第四项之和"].ok
    assert "自然人：2+0≠1+0" in found["第一项加第二项之和，等于第三项加第四项之和"].detail
    assert found["（七）总计等于（一）至（六）各项之和"].ok
    broken = report.Counts(
        {**counts.table3, "new": (2, 0, 0, 0, 0, 0, 3)},
        {**counts.table4, "review": (1, 0, 0, 0, 2)},
    )
    found = {check.name: check for check in report.checks(broken)}
    assert not found["总计列等于各类申请人之和"].ok
    assert not found["表四各项总计等于其前四项之和"].ok


def test_affected_years():
    assert report.affected_from(None, {"receipt_date": D(2025, 12, 31)}) == 2025
    signed = {"replied_on": D(2026, 1, 8), "outcome": "petition", "receipt_date": D(2025, 12, 15)}
    unsigned = {"replied_on": None, "outcome": "petition", "receipt_date": D(2025, 12, 15)}
    assert report.affected_from(unsigned, signed) == 2026  # a January reply is not an edit of 2025
    assert report.affected_from(signed, signed) is None


def test_the_agency_tree_is_respected_for_agencies_added_later(org, world):
    with unit_of_work(org.engine) as session:
        from gkcase.services.org import create_agency

        city = session.get(Agency, org.city.id)
        team = create_agency(
            session,
            parent=city,
            code="FGW2",
            name="某市发改二处",
            letter_prefix="某发改二",
            review_body="某市人民政府",
            court="某市某区人民法院",
        )
        registrar = create_user(
            session, username="fgw2_reg", full_name="登记乙", agency=team, roles=[Role.REGISTRAR]
        )
    register(org, registrar, "natural_person", D(2025, 2, 3))
    assert live(org, org.fgw, 2025).table3["new"][TOTAL] == 6
    assert live(org, org.city, 2025, report.Scope.SUBTREE).table3["new"][TOTAL] == 9


def test_the_cli_prints_and_writes_the_report(tmp_path, monkeypatch, capsys):
    from openpyxl import load_workbook
    from sqlmodel import SQLModel

    from gkcase import cli
    from gkcase.db import make_engine
    from gkcase.settings import get_settings
    from tests.services.conftest import make_org

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    World(make_org(engine)).build()
    engine.dispose()
    monkeypatch.setenv("GKCASE_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert cli.main(["report", "annual", "--agency", "fgw", "--year", "2025"]) == 0
        printed = capsys.readouterr().out
        assert "一、本年新收政府信息公开申请数量\t3\t1\t1\t0\t1\t0\t6" in printed
        assert "✓ 第一项加第二项之和，等于第三项加第四项之和" in printed
        xlsx = tmp_path / "r.xlsx"
        args = ["report", "annual", "--agency", "CITY", "--year", "2025", "--subtree"]
        assert cli.main([*args, "--format", "2019", "--xlsx", str(xlsx)]) == 0
        sheet = load_workbook(xlsx).active
        assert sheet["A1"].value == "某市人民政府2025年政府信息公开工作年度报告"
        assert cli.main(["report", "annual", "--agency", "NONE", "--year", "2025"]) == 2
        assert "[validation] --agency" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
