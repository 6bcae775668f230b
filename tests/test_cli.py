"""The gkcase command, run as a person would, against a fresh embedded database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import gkcase.db
from gkcase.cli import main
from gkcase.settings import get_settings

EXAMPLE = Path(__file__).parents[1] / "docs" / "examples" / "arrangement-2026.toml"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GKCASE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()
    for engine in gkcase.db._engines.values():
        engine.dispose()
    gkcase.db._engines.clear()


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_is_workday_prints_true_or_false(capsys):
    assert run(capsys, "calendar", "is-workday", "2026-10-10") == (0, "true\n", "")  # 调休上班
    assert run(capsys, "calendar", "is-workday", "2026-10-07") == (0, "false\n", "")  # 国庆节
    assert run(capsys, "calendar", "is-workday", "2026-10-09") == (0, "true\n", "")


def test_add_workdays_prints_the_iso_date(capsys):
    assert run(capsys, "calendar", "add-workdays", "2026-09-28", "5") == (0, "2026-10-10\n", "")
    assert run(capsys, "calendar", "add-workdays", "2026-10-12", "-1") == (0, "2026-10-10\n", "")


def test_between_counts_working_days(capsys):
    # (2026-09-30, 2026-10-12]: 10-08, 10-09, 10-10 (调休上班), 10-12
    assert run(capsys, "calendar", "between", "2026-09-30", "2026-10-12") == (0, "4\n", "")


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        (("calendar", "is-workday", "2026-13-01"), "validation", "DATE"),
        (("calendar", "is-workday", "yesterday"), "validation", "DATE"),
        (("calendar", "add-workdays", "2026-09-28", "five"), "validation", "N"),
        (("calendar", "add-workdays", "2026-09-28", "10001"), "validation", "n"),
        (("calendar", "add-workdays", "1999-12-31", "1"), "calendar.out_of_range", "date"),
        (
            ("calendar", "explain", "2026-03-02", "--extend", "21:2026-03-20"),
            "clock.extension_cap",
            "extensions",
        ),
        (
            (
                "calendar",
                "explain",
                "2026-03-02",
                "--extend",
                "12:2026-03-20",
                "--extend",
                "9:2026-03-25",
            ),
            "clock.extension_cap",
            "extensions",
        ),
        (("calendar", "explain", "2019-05-14"), "clock.before_regulation", "receipt"),
        (
            ("calendar", "explain", "2026-03-02", "--pause", "holiday:2026-03-03"),
            "validation",
            "--pause",
        ),
        (("calendar", "status", "--from", "2030", "--to", "2020"), "validation", "--from/--to"),
        (("calendar", "mark", "2026-07-20", "--name", "停工"), "validation", "--closed/--working"),
    ],
)
def test_bad_input_prints_one_line_and_exits_2(capsys, args, code, field):
    status, out, err = run(capsys, *args)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"gkcase: [{code}] {field}：")


def test_usage_errors_are_one_line_too(capsys):
    status, _, err = run(capsys, "calendar", "add-workdays")
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("gkcase: [usage]")


def test_explain_derives_the_reply_due_date(capsys):
    status, out, _ = run(
        capsys,
        "calendar",
        "explain",
        "2026-09-10",
        "--correction-requested",
        "2026-09-14",
        "--correction-received",
        "2026-09-18",
        "--pause",
        "third_party:2026-10-12:2026-10-30",
        "--extend",
        "20:2026-11-02",
    )
    assert status == 0
    assert "收到补正后的申请" in out
    assert "征求第三方意见" in out
    assert "延长答复期限20个工作日" in out
    assert out.rstrip().endswith(
        "答复期限届满：2026年12月9日（星期三），第40个工作日（20个工作日加延长20个工作日）"
    )


def test_explain_as_json(capsys):
    status, out, _ = run(capsys, "calendar", "explain", "2026-12-15", "--json")
    data = json.loads(out)
    assert status == 0
    assert data["kind"] == "reply"
    assert data["provisional"] is True  # runs into 2027, not yet announced
    assert data["steps"][0]["kind"] == "start"


def test_load_then_status_shows_the_loaded_notice(capsys, tmp_path):
    status, out, _ = run(capsys, "calendar", "load", str(EXAMPLE))
    assert status == 0 and "已导入 2026 年节假日安排" in out
    status, out, _ = run(capsys, "calendar", "load", str(EXAMPLE))
    assert status == 0 and "未作改动" in out
    status, out, _ = run(capsys, "calendar", "status", "--from", "2026", "--to", "2027")
    lines = out.splitlines()
    assert lines[0].startswith("2026 official") and "已导入" in lines[0]
    assert lines[1].startswith("2027 estimated")


def test_a_contradictory_file_loads_nothing(capsys, tmp_path):
    bad = tmp_path / "2027.json"
    bad.write_text(
        json.dumps(
            {
                "year": 2027,
                "title": "x",
                "holiday": [
                    {"name": "元旦", "off_from": "2027-01-01"},
                    {
                        "name": "春节",
                        "off_from": "2027-02-05",
                        "off_to": "2027-02-11",
                        "workdays": ["2027-02-10"],
                    },
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    status, _, err = run(capsys, "calendar", "load", str(bad))
    assert status == 2 and "calendar.bad_arrangement" in err
    _, out, _ = run(capsys, "calendar", "status", "--from", "2027", "--to", "2027")
    assert out.startswith("2027 estimated")


def test_mark_and_unmark(capsys):
    status, out, _ = run(capsys, "calendar", "mark", "2026-07-20", "--closed", "--name", "台风停工")
    assert status == 0 and "没有在办案件受此影响" in out  # what it recomputed (none here)
    assert run(capsys, "calendar", "is-workday", "2026-07-20")[1] == "false\n"
    assert "台风停工" in run(capsys, "calendar", "day", "2026-07-20")[1]
    assert run(capsys, "calendar", "unmark", "2026-07-20")[0] == 0
    assert run(capsys, "calendar", "is-workday", "2026-07-20")[1] == "true\n"
    status, _, err = run(capsys, "calendar", "unmark", "2026-07-20")
    assert status == 2 and "calendar.no_mark" in err


def test_demo_sets_up_the_embedded_database(capsys, data_dir):
    status, out, _ = run(capsys, "demo", "--no-serve")
    assert status == 0
    assert (data_dir / "gkcase.db").exists()
    assert "答复期限届满：2026年3月16日（星期一），第20个工作日" in out


def test_the_installed_command_exits_non_zero_on_bad_input(tmp_path):
    script = Path(sys.executable).with_name("gkcase")
    result = subprocess.run(
        [str(script), "calendar", "is-workday", "2026-02-30"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("gkcase: [validation] DATE：")


# --- demo data and cases ----------------------------------------------------------------------

DEMO_CASES = 46


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    """A database seeded once for this module; each test gets its own copy."""
    from gkcase import demo
    from gkcase.db import make_engine

    path = tmp_path_factory.mktemp("template") / "gkcase.db"
    engine = make_engine(f"sqlite:///{path}")
    demo.seed(engine, cases=DEMO_CASES, seed=11)
    engine.dispose()
    return path


@pytest.fixture
def seeded(demo_template, data_dir):
    import shutil

    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_template, data_dir / "gkcase.db")
    return data_dir / "gkcase.db"


def _rows(path, sql):
    import sqlite3

    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_demo_data_seeds_then_refuses_to_seed_again(capsys, data_dir):
    status, out, _ = run(capsys, "demo-data", "--cases", "5", "--seed", "3")
    assert status == 0
    assert "10 个机关" in out and "5 件申请" in out
    status, out, err = run(capsys, "demo-data", "--cases", "5")
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("gkcase: [demo.not_empty] 数据库中已有 5 件案件")
    status, out, _ = run(capsys, "demo-data", "--cases", "7", "--force")
    assert status == 0 and "7 件申请" in out


@pytest.mark.parametrize("count", ["-1", "many", "5001"])
def test_demo_data_refuses_a_bad_count(capsys, count):
    status, _, err = run(capsys, "demo-data", "--cases", count)
    assert status == 2 and err.startswith("gkcase: [validation] --cases：")


def test_demo_seeds_only_an_empty_database(capsys, data_dir):
    status, out, _ = run(capsys, "demo", "--cases", "3", "--no-serve")
    assert status == 0
    assert "【演示数据】已生成" in out and "3 件申请" in out
    assert "答复期限届满：2026年3月16日（星期一），第20个工作日" in out
    status, out, _ = run(capsys, "demo", "--cases", "9", "--no-serve")
    assert status == 0
    assert "未重新生成" in out and "3 件申请" in out


def test_case_list_prints_one_line_per_case(capsys, seeded):
    status, out, _ = run(capsys, "case", "list")
    lines = out.splitlines()
    assert status == 0 and len(lines) == DEMO_CASES
    numbers = {n for (n,) in _rows(seeded, "SELECT number FROM gk_case")}
    assert {line.split()[0] for line in lines} == numbers


def test_case_list_filters(capsys, seeded):
    _, out, _ = run(capsys, "case", "list", "--agency", "fgw")
    assert out and all(line.startswith("FGW-") for line in out.splitlines())
    _, out, _ = run(capsys, "case", "list", "--state", "archived")
    assert out and all("  已归档  " in line for line in out.splitlines())
    _, out, _ = run(capsys, "case", "list", "--state", "征求意见中")
    assert len(out.splitlines()) == 1
    _, out, _ = run(capsys, "case", "list", "--overdue")
    assert out and all("（逾期）" in line for line in out.splitlines())
    _, out, err = run(capsys, "case", "list", "--overdue", "--on", "2025-01-01")
    assert out == "" and "没有符合条件的案件" in err


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("case", "list", "--state", "lost"), "--state"),
        (("case", "list", "--agency", "NOPE"), "--agency"),
        (("case", "list", "--on", "2026-02-30"), "--on"),
        (("case", "show", "FGW-1999-00001"), "NUMBER"),
        (("case", "show", "FGW-2025-00001", "--as", "nobody"), "--as"),
    ],
)
def test_case_commands_refuse_bad_input_in_one_line(capsys, seeded, args, field):
    status, out, err = run(capsys, *args)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and f"] {field}：" in err


def test_case_show_never_prints_personal_data_unmasked(capsys, seeded):
    from gkcase.privacy import mask_address, mask_id_number, mask_phone

    rows = _rows(
        seeded,
        "SELECT c.number, a.id_number, a.phone, a.address FROM gk_case c "
        "JOIN applicant a ON a.id = c.applicant_id",
    )
    assert len(rows) == DEMO_CASES
    for number, id_number, phone, address in rows:
        status, out, _ = run(capsys, "case", "show", number)
        assert status == 0
        assert f"案件 {number}" in out
        for secret, masked in (
            (id_number, mask_id_number(id_number)),
            (phone, mask_phone(phone)),
            (address, mask_address(address)),
        ):
            if secret:
                assert secret not in out
                assert masked in out


def test_case_show_explains_the_clock_lists_events_and_actions(capsys, seeded):
    (number,) = _rows(seeded, "SELECT number FROM gk_case WHERE state = 'awaiting_fee'")[0]
    status, out, _ = run(capsys, "case", "show", number)
    assert status == 0
    assert "（待缴费）" in out
    assert "期限计算：" in out and "等待缴纳信息处理费，答复期限暂停计算" in out
    events = [line for line in out.splitlines() if line.startswith("    ")]
    assert events[0].split()[0] == "1" and "登记申请" in events[0] and "—→已登记" in events[0]
    assert any("发出收费通知" in line and "办理中→待缴费" in line for line in events)
    agency = number.split("-")[0].lower()
    assert f"可执行操作（{agency}_caseworker" in out or f"{agency}_caseworker2" in out
    assert "✓ 已缴费" in out
    assert "✗ 逾期未缴费，视为放弃：缴费期限尚未届满" in out
    assert "事件链校验：通过（5 条事件）" in out


def test_case_show_as_another_user(capsys, seeded):
    (number,) = _rows(seeded, "SELECT number FROM gk_case WHERE state = 'signing'")[0]
    agency = number.split("-")[0].lower()
    _, out, _ = run(capsys, "case", "show", number, "--as", f"{agency}_office_head")
    assert f"可执行操作（{agency}_office_head" in out and "✓ 签发" in out
    _, out, _ = run(capsys, "case", "show", number, "--as", "admin")
    assert "可执行操作（admin" in out and out.rstrip().splitlines()[-2] == "  无"


# --- the audit trail (gkcase verify, the daily anchor) -----------------------------------------


def test_verify_passes_then_names_each_kind_of_tampering_in_chinese(capsys, seeded, data_dir):
    status, out, _ = run(capsys, "verify")
    assert status == 0 and f"审计链校验通过：{DEMO_CASES} 件案件" in out
    # the daily digest anchors every chain head outside the database
    status, _, err = run(capsys, "digest", "--print")
    assert status == 0 and "审计锚点：" in err
    [anchor] = (data_dir / "anchors").glob("anchor-*.json.gz")
    (signed, number), (deleted, gone) = _rows(
        seeded,
        "SELECT id, number FROM gk_case WHERE replied_on IS NOT NULL ORDER BY id LIMIT 2",
    )
    import sqlite3

    with sqlite3.connect(seeded) as connection:
        connection.execute("UPDATE gk_case SET outcome = 'not_exist' WHERE id = ?", (signed,))
        for table in ("letter", "consultation", "fee_notice", "delivery", "remedy", "letter_draft"):
            connection.execute(f"DELETE FROM {table} WHERE case_id = ?", (deleted,))
        connection.execute("DELETE FROM case_event WHERE case_id = ?", (deleted,))
        connection.execute("DELETE FROM gk_case WHERE id = ?", (deleted,))
    status, out, err = run(capsys, "verify", "--no-files")
    assert status == 2 and out == ""
    assert err.startswith("gkcase: [backup.chain_broken] 2 件案件的审计链校验未通过")
    assert f"{number}：案件字段：「办理结果」与事件记录不符" in err
    assert f"锚点：案件{gone}在" in err and "现已不存在" in err
    status, _, err = run(capsys, "init", "--verify")
    assert status == 2 and "「办理结果」与事件记录不符" in err
    status, _, err = run(capsys, "verify", "--case", number, "--anchor", str(anchor))
    assert status == 1 and f"{number}：案件字段：「办理结果」与事件记录不符" in err
