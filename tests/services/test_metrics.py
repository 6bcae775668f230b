"""督查指标: replies, on-time and extension rates, median working days to reply and open counts
for a period, by agency, department and caseworker — on a known set of cases driven through the
services — and the CSV/XLSX exports read back.

Dates are on the 2026 calendar (清明 Apr 4–6 off). Working days to reply are counted in
(receipt date, reply date].
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import pytest
from openpyxl import load_workbook

from gkcase.cli import main
from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import Agency, Case
from gkcase.services import cases as svc
from gkcase.services import metrics as mx
from gkcase.services import supervision as sv
from gkcase.services.org import create_agency, create_user
from gkcase.states.machine import Role
from tests.services.conftest import cli_database

D = date
START, END = D(2026, 3, 9), D(2026, 4, 30)
AS_OF = D(2026, 4, 20)
PUBLISHED = {
    "outcome": "already_published",
    "fields": {"access_method": "已在本机关门户网站主动公开"},
}
APPLICANT = {"kind": "natural_person", "name": "王小明", "id_type": "居民身份证"}


def fire(org, case_id, trigger, user, payload=None, *, on):
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case_id).version
        return svc.fire(session, case_id, trigger, user, payload, version, as_of=on).case


def received(org, agency, arrived, *, worker=None, registrar=None):
    """A case received on ``arrived`` (in person), assigned to ``worker`` when given, in review."""
    registrar = registrar or org.user("registrar")
    application = {
        "channel": "in_person",
        "arrived_on": arrived.isoformat(),
        "applicant": {**APPLICANT, "phone": "13800138000"},
        "information_requested": "2025年某项目的环境影响评价批复文件",
    }
    with unit_of_work(org.engine) as session:
        case_id = svc.register(session, agency.id, application, registrar, as_of=arrived).case.id
    if worker is not None:
        fire(org, case_id, "assign", registrar, {"assignee_id": worker.id}, on=arrived)
    fire(org, case_id, "start_review", worker or org.user("caseworker"), on=arrived)
    return case_id


def signed(org, agency, arrived, on, *, worker=None, head=None, registrar=None, extend_on=None):
    """Received on ``arrived``, answered 'already published' and signed on ``on``; extended by
    20 working days on ``extend_on`` (while handling) when given."""
    case_id = received(org, agency, arrived, worker=worker, registrar=registrar)
    by = worker or org.user("caseworker")
    head = head or org.user("office_head")
    if extend_on is None:
        fire(org, case_id, "decide_without_handling", by, PUBLISHED, on=arrived)
    else:
        fire(org, case_id, "accept", by, on=arrived)
        extension = {"workdays": 20, "approved_on": extend_on.isoformat(), "reason": "需要检索档案"}
        fire(org, case_id, "extend", head, extension, on=extend_on)
        fire(org, case_id, "draft_decision", by, PUBLISHED, on=extend_on)
    fire(org, case_id, "submit_for_signing", by, on=on)
    fire(org, case_id, "sign", head, on=on)
    return case_id


@dataclass
class Period:
    org: object
    section: Agency  # 价格科, under FGW
    zjw_head: object
    section_worker: object
    cases: dict


@pytest.fixture
def period(org):
    return build_period(org)


def build_period(org):
    """Replies in [Mar 9, Apr 30] (received Mon Mar 2, due Mon Mar 30 unless extended):

    | case | agency | caseworker | signed | on time | extended | working days |
    |---|---|---|---|---|---|---|
    | a1 | FGW | 承办人甲 | Mar 9 | yes | | 5 |
    | a2 | FGW | 承办人甲 | Apr 1 | no | | 22 |
    | a3 | FGW | 承办人甲 | Apr 10 | yes (due Apr 28) | yes | 28 |
    | a4 | FGW | nobody | Mar 27 | yes | | 19 |
    | b1 | ZJW | 住建承办人 | Mar 31 | no | | 21 |
    | c1 | 价格科 | 价格科承办人 | Mar 16 | yes | | 10 |

    and outside it: a0 (FGW, signed Mar 5); open: e1 (FGW, 承办人甲, handling, overdue on Apr 20).
    """
    with unit_of_work(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        zjw = session.get(Agency, org.zjw.id)
        section = create_agency(
            session,
            parent=fgw,
            code="FGW-JG",
            name="某市发展和改革委员会价格监督科",
            short_name="价格科",
            letter_prefix="某发改价公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
        )
        section_worker = create_user(
            session,
            username="jg_worker",
            full_name="价格科承办人",
            agency=section,
            roles=[Role.CASEWORKER, Role.REGISTRAR, Role.OFFICE_HEAD],
        )
        zjw_head = create_user(
            session,
            username="zjw_head",
            full_name="住建负责人",
            agency=zjw,
            roles=[Role.OFFICE_HEAD],
        )
        session.flush()
        session.expunge_all()
    worker = org.user("caseworker")
    zjw_worker = org.user("other_caseworker")
    m2 = D(2026, 3, 2)
    cases = {
        "a0": signed(org, org.fgw, m2, D(2026, 3, 5), worker=worker),
        "a1": signed(org, org.fgw, m2, D(2026, 3, 9), worker=worker),
        "a2": signed(org, org.fgw, m2, D(2026, 4, 1), worker=worker),
        "a3": signed(org, org.fgw, m2, D(2026, 4, 10), worker=worker, extend_on=D(2026, 3, 20)),
        "a4": signed(org, org.fgw, m2, D(2026, 3, 27)),
        "b1": signed(
            org, org.zjw, m2, D(2026, 3, 31), worker=zjw_worker, head=zjw_head, registrar=zjw_worker
        ),
        "c1": signed(
            org,
            section,
            m2,
            D(2026, 3, 16),
            worker=section_worker,
            head=section_worker,
            registrar=section_worker,
        ),
    }
    cases["e1"] = received(org, org.fgw, m2, worker=worker)
    fire(org, cases["e1"], "accept", worker, on=m2)
    return Period(org, section, zjw_head, section_worker, cases)


def report(org, agency=None, by="agency", **kwargs):
    with unit_of_work(org.engine) as session:
        target = session.get(Agency, (agency or org.city).id)
        found = mx.metrics(session, target, start=START, end=END, as_of=AS_OF, by=by, **kwargs)
        session.expunge_all()
    return found


def test_the_clock_facts_the_metrics_rest_on(period):
    with unit_of_work(period.org.engine) as session:
        due = {k: session.get(Case, v).reply_due for k, v in period.cases.items()}
    assert due["a1"] == due["a2"] == due["b1"] == D(2026, 3, 30)
    assert due["a3"] == D(2026, 4, 28)  # Mar 30 + 20 working days (Apr 4–6 off)


def test_by_agency(period):
    org = period.org
    found = report(org)
    rows = {row.key: row for row in found.rows}
    assert set(rows) == {org.fgw.id, org.zjw.id, period.section.id}  # the city has no cases
    fgw = rows[org.fgw.id]
    assert (fgw.replies, fgw.on_time, fgw.late, fgw.extended) == (4, 3, 1, 1)
    assert (fgw.on_time_rate, fgw.extension_rate) == (0.75, 0.25)
    assert fgw.median_workdays == 20.5  # 5, 19, 22, 28
    assert (fgw.open, fgw.overdue) == (1, 1)  # e1
    zjw = rows[org.zjw.id]
    assert (zjw.replies, zjw.on_time, zjw.on_time_rate, zjw.median_workdays) == (1, 0, 0.0, 21)
    section = rows[period.section.id]
    assert (section.replies, section.on_time_rate, section.median_workdays) == (1, 1.0, 10)
    total = found.total
    assert (total.replies, total.on_time, total.extended) == (6, 4, 1)
    assert total.median_workdays == 20  # 5, 10, 19, 21, 22, 28
    assert total.on_time_rate == pytest.approx(4 / 6)
    # tree order: each agency followed by its own subtree
    assert [row.name for row in found.rows] == [
        "某市发展和改革委员会",
        "价格科",
        "某市住房和城乡建设局",
    ]


def test_by_department_rolls_each_child_up_with_its_subtree(period):
    org = period.org
    found = report(org, by="department")
    assert [row.key for row in found.rows] == [org.fgw.id, org.zjw.id]  # no 本级 row: no cases
    fgw, zjw = found.rows
    assert (fgw.replies, fgw.on_time, fgw.extended) == (5, 4, 1)
    assert (fgw.on_time_rate, fgw.extension_rate) == (0.8, 0.2)
    assert fgw.median_workdays == 19  # 5, 10, 19, 22, 28
    assert (zjw.replies, zjw.late) == (1, 1)
    inside = report(org, org.fgw, by="department")
    own, section = inside.rows
    assert own.name == "某市发展和改革委员会（本级）"
    assert (own.replies, own.median_workdays) == (4, 20.5)
    assert (section.key, section.replies) == (period.section.id, 1)
    assert inside.total.replies == 5


def test_by_caseworker(period):
    org = period.org
    found = report(org, by="caseworker")
    rows = {row.name: row for row in found.rows}
    assert set(rows) == {"承办人甲", "住建承办人", "价格科承办人", mx.UNASSIGNED}
    mine = rows["承办人甲"]
    assert (mine.replies, mine.on_time, mine.extended, mine.median_workdays) == (3, 2, 1, 22)
    assert mine.on_time_rate == pytest.approx(2 / 3)
    assert mine.extension_rate == pytest.approx(1 / 3)
    assert (mine.open, mine.overdue) == (1, 1)
    assert mine.agency == "某市发展和改革委员会"
    nobody = rows[mx.UNASSIGNED]
    assert (nobody.key, nobody.replies, nobody.median_workdays) == (None, 1, 19)
    assert found.rows[-1].key is None  # the unassigned row comes last
    assert found.total.replies == 6


def test_the_period_counts_by_reply_date(period):
    org = period.org
    with unit_of_work(org.engine) as session:
        city = session.get(Agency, org.city.id)
        march5 = mx.metrics(session, city, start=D(2026, 3, 5), end=D(2026, 3, 5), as_of=AS_OF)
        empty = mx.metrics(session, city, start=D(2026, 6, 1), end=D(2026, 6, 30), as_of=AS_OF)
    assert march5.total.replies == 1 and march5.total.median_workdays == 3  # Mar 3, 4, 5
    assert empty.total.replies == 0
    assert empty.total.on_time_rate is None and empty.total.median_workdays is None
    assert empty.total.open == 1  # the open counts are as of the day, whatever the period


def test_open_counts_match_the_dashboard_and_the_risk_override(period):
    org = period.org
    with unit_of_work(org.engine) as session:
        city = session.get(Agency, org.city.id)
        board = sv.breakdown(session, city, as_of=D(2026, 3, 25))
        early = mx.metrics(session, city, start=START, end=END, as_of=D(2026, 3, 25))
        wide = mx.metrics(
            session, city, start=START, end=END, as_of=D(2026, 3, 25), risk_workdays=10
        )
    # On Wed Mar 25 e1 (due Mon Mar 30) has 3 working days left: at risk with the default 3.
    assert early.risk_workdays == 3
    assert (early.total.open, early.total.at_risk) == (board.total.open, board.total.at_risk)
    assert early.total.at_risk == 1
    assert wide.risk_workdays == 10 and wide.total.at_risk == 1
    with unit_of_work(org.engine) as session:
        city = session.get(Agency, org.city.id)
        none = mx.metrics(
            session, city, start=START, end=END, as_of=D(2026, 3, 25), risk_workdays=2
        )
    assert none.total.at_risk == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": D(2026, 4, 1), "end": D(2026, 3, 1)}, "to"),
        ({"start": D(2020, 1, 1), "end": D(2026, 3, 1)}, "to"),
        ({"by": "weekday"}, "by"),
        ({"risk_workdays": -1}, "risk_workdays"),
    ],
)
def test_bad_parameters_name_the_field(org, kwargs, field):
    params = {"start": START, "end": END, "as_of": AS_OF, **kwargs}
    with unit_of_work(org.engine) as session, pytest.raises(ValidationError) as caught:
        mx.metrics(session, session.get(Agency, org.city.id), **params)
    assert caught.value.field == field


# --- exports ----------------------------------------------------------------------------------


def test_metrics_csv_has_a_bom_and_reads_back(period):
    found = report(period.org, by="department")
    data = mx.metrics_csv(found)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["名称", "答复件数", "按时答复", "超期答复", "按时答复率"]
    by_name = {row[0]: row for row in rows[1:]}
    fgw = by_name["某市发展和改革委员会"]
    assert fgw[1:8] == ["5", "4", "1", "80.0%", "1", "20.0%", "19"]
    total = by_name["合计"]
    assert total[1:8] == ["6", "4", "2", "66.7%", "1", "16.7%", "20"]
    assert rows[-1][0] == "合计"


def test_metrics_xlsx_numbers_are_numbers_and_rates_percentages(period):
    found = report(period.org, by="caseworker")
    sheet = load_workbook(io.BytesIO(mx.metrics_xlsx(found))).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["名称", "机关", "答复件数"]
    assert all(cell.font.bold for cell in sheet[1])
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    mine = rows["承办人甲"]
    assert mine[1].value == "某市发展和改革委员会"
    assert mine[2].value == 3 and isinstance(mine[2].value, int)
    rate = mine[header.index("按时答复率")]
    assert rate.value == pytest.approx(2 / 3) and rate.number_format == "0.0%"
    assert mine[header.index("延期率")].value == pytest.approx(1 / 3)
    assert mine[header.index("办理用时中位数（工作日）")].value == 22
    assert rows["合计"][2].value == 6


def _lapse_report(org):
    with unit_of_work(org.engine) as session:
        city = session.get(Agency, org.city.id)
        found = sv.lapses(session, city, as_of=AS_OF, start=D(2026, 1, 1), end=AS_OF)
        return mx.lapse_rows(session, found)


def test_lapses_export_without_personal_data(period):
    org = period.org
    # a2, signed Apr 1, never delivered: by Apr 20 a lapse (12 working days > 5).
    rows = _lapse_report(org)
    with unit_of_work(org.engine) as session:
        a2 = session.get(Case, period.cases["a2"]).number
    mine = [r for r in rows if r.number == a2]
    assert [(r.rule, r.caseworker, r.agency) for r in mine] == [
        (sv.UNDELIVERED, "承办人甲", "某市发展和改革委员会")
    ]
    data = mx.lapses_csv(rows)
    text = data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["案件编号", "机关", "承办人", "问题", "应办日期", "实际日期"]
    line = next(row for row in table if row[0] == a2)
    assert line[1:5] == ["某市发展和改革委员会", "承办人甲", "答复已签发未送达", "2026-04-09"]
    sheet = load_workbook(io.BytesIO(mx.lapses_xlsx(rows))).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert cells[a2][4].value.date() == D(2026, 4, 9)
    assert cells[a2][4].number_format == "yyyy-mm-dd"
    assert len(table) - 1 == sheet.max_row - 1 == len(rows)
    everything = text + "".join(str(c.value) for row in sheet.iter_rows() for c in row)
    for personal in ("王小明", "13800138000", "环境影响评价"):
        assert personal not in everything


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """The CLI's configured database (SQLite) holding the organisation and the period's cases."""
    with cli_database(tmp_path, monkeypatch, build_period) as built:
        yield built


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


CLI_PERIOD = ("--agency", "city", "--from", "2026-03-09", "--to", "2026-04-30")


def test_cli_prints_the_table(configured, capsys):
    args = ("supervision", "metrics", *CLI_PERIOD, "--by", "department", "--as-of", "2026-04-20")
    code, out, err = run(capsys, *args)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("某市人民政府 2026-03-09 至 2026-04-30（按部门")
    assert "某市发展和改革委员会  5  4  80.0%  20.0%  19  1  1  0  0" in lines
    assert lines[-1] == "合计  6  4  66.7%  16.7%  20  1  1  0  0"


def test_cli_exports(configured, capsys, tmp_path):
    target = tmp_path / "m.xlsx"
    code, out, err = run(capsys, "supervision", "metrics", *CLI_PERIOD, "--xlsx", str(target))
    assert code == 0, err
    assert out == f"已导出 3 行到 {target}\n"
    sheet = load_workbook(target).active
    assert sheet[sheet.max_row][0].value == "合计" and sheet[sheet.max_row][1].value == 6
    target = tmp_path / "m.csv"
    code, _, err = run(capsys, "supervision", "metrics", *CLI_PERIOD, "--csv", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (
            ("--agency", "NOPE", "--from", "2026-03-09", "--to", "2026-04-30"),
            "validation",
            "--agency",
        ),
        (
            ("--agency", "CITY", "--from", "2026-03-32", "--to", "2026-04-30"),
            "validation",
            "--from",
        ),
        (("--agency", "CITY", "--from", "2026-04-30", "--to", "2026-03-09"), "validation", "to"),
        ((*CLI_PERIOD, "--csv", "a.csv", "--xlsx", "a.xlsx"), "validation", "--csv/--xlsx"),
        ((*CLI_PERIOD, "--csv", "/nonexistent/dir/a.csv"), "validation", "--csv"),
    ],
)
def test_cli_errors_are_one_line(configured, capsys, args, code, field):
    status, out, err = run(capsys, "supervision", "metrics", *args)
    assert status == 2 and out == ""
    assert err.startswith(f"gkcase: [{code}] {field}：") and err.count("\n") == 1


def test_a_reply_is_on_time_by_its_delivery_the_posting_date_for_mail(org):
    """国办公开办函〔2016〕235号 times a reply by its delivery: signed in time but posted after
    the due date is late; delivered in person by the due date is on time; not yet delivered,
    the signing date stands in. Received Mon Mar 2, due Mon Mar 30."""
    worker = org.user("caseworker")
    posted_late = signed(org, org.fgw, D(2026, 3, 2), D(2026, 3, 27), worker=worker)
    fire(
        org,
        posted_late,
        "deliver",
        worker,
        {
            "method": "post",
            "posted_on": "2026-03-31",
            "delivered_on": "2026-04-02",
            "tracking_number": "EMS0001",
        },
        on=D(2026, 4, 2),
    )
    handed_over = signed(org, org.fgw, D(2026, 3, 2), D(2026, 3, 27), worker=worker)
    fire(
        org,
        handed_over,
        "deliver",
        worker,
        {"method": "direct", "delivered_on": "2026-03-30", "recipient": "王小明"},
        on=D(2026, 3, 30),
    )
    signed(org, org.fgw, D(2026, 3, 2), D(2026, 3, 30), worker=worker)  # not delivered yet
    with unit_of_work(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        report = mx.metrics(session, fgw, start=START, end=END, as_of=AS_OF)
        on_time = sv.on_time_rate(session, fgw, start=START, end=END)
    assert (report.total.replies, report.total.on_time) == (3, 2)
    assert (on_time.total.replied, on_time.total.on_time) == (3, 2)
