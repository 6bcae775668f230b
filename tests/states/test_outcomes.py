"""The outcome taxonomy: report rows, specs, remedies and decision validation."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from datetime import date, datetime

import pytest

from gkcase.errors import ValidationError
from gkcase.states.outcomes import (
    OUTCOMES,
    REVIEW_FIRST_FROM,
    DecisionField,
    Outcome,
    OutcomeGroup,
    RemedyKind,
    ReportRow,
    ReportRow2019,
    WithholdingGround,
    remedy_for,
    report_row_2019,
    spec,
    validate_decision,
)

G = OutcomeGroup

# Table 三「本年度办理结果」, 2021 format, as printed (legal-reference §8.1), without （七）总计.
TABLE_2021 = [
    (G.DISCLOSED, "（一）予以公开"),
    (G.PARTIAL, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    (G.WITHHELD, "1.属于国家秘密"),
    (G.WITHHELD, "2.其他法律行政法规禁止公开"),
    (G.WITHHELD, "3.危及“三安全一稳定”"),
    (G.WITHHELD, "4.保护第三方合法权益"),
    (G.WITHHELD, "5.属于三类内部事务信息"),
    (G.WITHHELD, "6.属于四类过程性信息"),
    (G.WITHHELD, "7.属于行政执法案卷"),
    (G.WITHHELD, "8.属于行政查询事项"),
    (G.UNABLE, "1.本机关不掌握相关政府信息"),
    (G.UNABLE, "2.没有现成信息需要另行制作"),
    (G.UNABLE, "3.补正后申请内容仍不明确"),
    (G.NOT_PROCESSED, "1.信访举报投诉类申请"),
    (G.NOT_PROCESSED, "2.重复申请"),
    (G.NOT_PROCESSED, "3.要求提供公开出版物"),
    (G.NOT_PROCESSED, "4.无正当理由大量反复申请"),
    (G.NOT_PROCESSED, "5.要求行政机关确认或重新出具已获取信息"),
    (G.OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    (G.OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    (G.OTHER, "3.其他"),
]

WITHHELD = [o for o in Outcome if spec(o).group is G.WITHHELD]
REFUSALS = [Outcome.PARTIAL, *WITHHELD]  # 不予公开 and 部分公开


# --- report rows ------------------------------------------------------------------------------


def test_2021_rows_are_the_21_leaves_of_table_3_in_order_with_exact_labels():
    assert len(ReportRow) == 21
    assert [(row.group, row.table_label) for row in ReportRow] == TABLE_2021


def test_row_values_are_the_table_positions():
    assert ReportRow("3.1") is ReportRow.WITHHELD_STATE_SECRET
    assert ReportRow.UNABLE_STILL_UNCLEAR.item == 3
    assert ReportRow.DISCLOSED.item is None
    assert ReportRow.PARTIAL.label == "部分公开（区分处理的，只计这一情形，不计其他情形）"
    for group_number, group in enumerate(OutcomeGroup, start=1):
        rows = [row for row in ReportRow if row.group is group]
        assert all(row.value.split(".")[0] == str(group_number) for row in rows)
        if len(rows) > 1:
            assert [row.item for row in rows] == list(range(1, len(rows) + 1))


def test_groups_have_the_official_headings():
    assert [f"{g.heading}{g.label}" for g in OutcomeGroup] == [
        "（一）予以公开",
        "（二）部分公开",
        "（三）不予公开",
        "（四）无法提供",
        "（五）不予处理",
        "（六）其他处理",
    ]


def test_2019_format_is_2021_with_other_handling_as_one_row():
    assert len(ReportRow2019) == 19
    for row in ReportRow:
        row_2019 = report_row_2019(row)
        if row.group is G.OTHER:
            assert row_2019 is ReportRow2019.OTHER
        else:
            assert row_2019.value == row.value
            assert row_2019.table_label == row.table_label
            assert row_2019.group is row.group
    assert ReportRow2019.OTHER.table_label == "（六）其他处理"
    assert ReportRow2019.OTHER.group is G.OTHER
    assert {report_row_2019(row) for row in ReportRow} == set(ReportRow2019)
    assert [r.value for r in ReportRow2019] == [
        *(r.value for r in ReportRow if r.group is not G.OTHER),
        "6",
    ]


# --- outcomes and their specs -----------------------------------------------------------------


def test_every_outcome_has_a_spec_in_order():
    assert list(OUTCOMES) == list(Outcome)
    for outcome, outcome_spec in OUTCOMES.items():
        assert outcome_spec.outcome is outcome
        assert spec(outcome) is outcome_spec
        assert spec(outcome.value) is outcome_spec
        assert outcome.label == outcome_spec.label


def test_outcomes_are_read_only():
    with pytest.raises(TypeError):
        OUTCOMES[Outcome.DISCLOSED] = OUTCOMES[Outcome.PARTIAL]  # type: ignore[index]
    with pytest.raises(FrozenInstanceError):
        spec(Outcome.DISCLOSED).legal_review_required = True  # type: ignore[misc]


def test_unknown_outcome_is_a_validation_error():
    with pytest.raises(ValidationError) as caught:
        spec("granted")
    assert caught.value.field == "outcome"


def test_outcome_values_are_stable_snake_case_and_unique():
    values = [o.value for o in Outcome]
    assert len(set(values)) == len(values)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", v) for v in values)


def test_every_report_row_is_reached_and_only_the_two_split_rows_have_two_outcomes():
    by_row: dict[ReportRow, list[Outcome]] = {}
    for outcome_spec in OUTCOMES.values():
        by_row.setdefault(outcome_spec.report_row, []).append(outcome_spec.outcome)
    assert set(by_row) == set(ReportRow)
    assert by_row[ReportRow.DISCLOSED] == [Outcome.ALREADY_PUBLISHED, Outcome.DISCLOSED]
    assert by_row[ReportRow.UNABLE_NOT_HELD] == [Outcome.NOT_EXIST, Outcome.NOT_THIS_AGENCY]
    assert all(
        len(outcomes) == 1
        for row, outcomes in by_row.items()
        if row not in (ReportRow.DISCLOSED, ReportRow.UNABLE_NOT_HELD)
    )


@pytest.mark.parametrize(
    ("outcome", "basis"),
    [
        (Outcome.ALREADY_PUBLISHED, "《条例》第三十六条第（一）项"),
        (Outcome.DISCLOSED, "《条例》第三十六条第（二）项"),
        (Outcome.PARTIAL, "《条例》第三十七条"),
        (Outcome.WITHHELD_STATE_SECRET, "《条例》第十四条"),
        (Outcome.WITHHELD_THIRD_PARTY, "《条例》第十五条、第三十二条"),
        (Outcome.WITHHELD_INTERNAL_AFFAIRS, "《条例》第十六条第一款"),
        (Outcome.WITHHELD_ENFORCEMENT_FILE, "《条例》第十六条第二款"),
        (Outcome.NOT_EXIST, "《条例》第三十六条第（四）项"),
        (Outcome.NOT_THIS_AGENCY, "《条例》第三十六条第（五）项"),
        (Outcome.NEEDS_CREATION, "《条例》第三十八条"),
        (Outcome.STILL_UNCLEAR, "《条例》第三十条"),
        (Outcome.PETITION, "《条例》第三十九条第一款"),
        (Outcome.REPEAT_APPLICATION, "《条例》第三十六条第（六）项"),
        (Outcome.PUBLICATION, "《条例》第三十九条第二款"),
        (Outcome.EXCESSIVE, "《条例》第三十五条"),
        (Outcome.CLOSED_NO_CORRECTION, "《条例》第三十条"),
        (Outcome.CLOSED_FEE_UNPAID, "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"),
    ],
)
def test_legal_basis(outcome, basis):
    assert basis in spec(outcome).legal_basis


def test_group_and_row_agree_with_the_outcome_family():
    for outcome, outcome_spec in OUTCOMES.items():
        assert outcome_spec.group is outcome_spec.report_row.group
        if outcome.name.startswith("WITHHELD_"):
            assert outcome_spec.group is G.WITHHELD
            assert outcome_spec.report_row.name == outcome.name
        if outcome.name.startswith("CLOSED_"):
            assert outcome_spec.group is G.OTHER


def test_every_refusal_on_arts_14_to_16_cites_art_36_3_and_its_ground():
    for outcome in WITHHELD:
        outcome_spec = spec(outcome)
        assert outcome_spec.ground is not None
        assert outcome_spec.ground.outcome is outcome
        assert outcome_spec.ground.citation in outcome_spec.legal_basis
        if outcome is not Outcome.WITHHELD_ADMIN_QUERY:
            assert outcome_spec.legal_basis[0] == "《条例》第三十六条第（三）项"
            assert outcome_spec.reply_letter == "reply_withheld"


def test_withholding_grounds_map_one_to_one_onto_refusal_outcomes():
    assert [g.outcome for g in WithholdingGround if g.outcome is not None] == WITHHELD
    assert WithholdingGround.NOT_GOVERNMENT_INFO.outcome is None
    assert WithholdingGround.NOT_GOVERNMENT_INFO.citation == "《条例》第三十七条"
    assert {
        g.citation
        for g in (
            WithholdingGround.STATE_SECRET,
            WithholdingGround.PROHIBITED_BY_LAW,
            WithholdingGround.SECURITY_STABILITY,
        )
    } == {"《条例》第十四条"}
    assert all(spec(o).ground is None for o in Outcome if o not in WITHHELD)
    assert "UNCONFIRMED" in (WithholdingGround.__doc__ or "")


def test_legal_staff_review_exactly_the_refusals():
    assert {o for o in Outcome if spec(o).legal_review_required} == set(REFUSALS)


def test_only_other_handling_closes_without_a_reply_and_with_a_closing_notice():
    closing = {o for o in Outcome if spec(o).closes_without_reply}
    assert closing == {o for o in Outcome if spec(o).group is G.OTHER}
    assert spec(Outcome.CLOSED_NO_CORRECTION).reply_letter == "closing_no_correction"
    assert spec(Outcome.CLOSED_FEE_UNPAID).reply_letter == "closing_fee_unpaid"
    for outcome_spec in OUTCOMES.values():
        prefix = "closing_" if outcome_spec.closes_without_reply else "reply_"
        assert re.fullmatch(prefix + r"[a-z]+(_[a-z]+)*", outcome_spec.reply_letter)


def test_letters_differ_where_the_replies_differ():
    letters = {o: spec(o).reply_letter for o in Outcome}
    assert letters[Outcome.ALREADY_PUBLISHED] != letters[Outcome.DISCLOSED]
    assert letters[Outcome.NOT_EXIST] != letters[Outcome.NOT_THIS_AGENCY]
    shared = [o for o in Outcome if letters[o] == "reply_withheld"]
    assert shared == [o for o in WITHHELD if o is not Outcome.WITHHELD_ADMIN_QUERY]
    others = [letters[o] for o in Outcome if o not in shared]
    assert len(set(others)) == len(others)


def test_every_decision_field_is_used_and_documented():
    used = set()
    for outcome_spec in OUTCOMES.values():
        assert not set(outcome_spec.required_fields) & set(outcome_spec.optional_fields)
        used |= set(outcome_spec.required_fields) | set(outcome_spec.optional_fields)
    assert used == set(DecisionField)
    for field in DecisionField:
        assert re.search(rf"^\s+{field.value}\s", DecisionField.__doc__ or "", re.MULTILINE)
        assert field.label


@pytest.mark.parametrize(
    ("outcome", "required"),
    [
        (Outcome.ALREADY_PUBLISHED, ("access_method",)),
        (Outcome.DISCLOSED, ("access_method",)),
        (Outcome.PARTIAL, ("access_method", "grounds")),
        (Outcome.WITHHELD_THIRD_PARTY, ("grounds",)),
        (Outcome.WITHHELD_ADMIN_QUERY, ("grounds", "special_regime")),
        (Outcome.NOT_EXIST, ("search_record",)),
        (Outcome.NOT_THIS_AGENCY, ("reasons", "responsible_agency")),
        (Outcome.REPEAT_APPLICATION, ("previous_case",)),
        (Outcome.PETITION, ()),
        (Outcome.PUBLICATION, ()),
        (Outcome.EXCESSIVE, ("explanation_request", "reasons")),
        (Outcome.CLOSED_NO_CORRECTION, ("correction_notice",)),
        (Outcome.CLOSED_FEE_UNPAID, ("fee_notice",)),
    ],
)
def test_required_fields(outcome, required):
    assert spec(outcome).required_fields == required


def test_optional_fields_the_regulation_says_may_be_given():
    assert spec(Outcome.NOT_THIS_AGENCY).optional_fields == ("responsible_agency_contact",)
    assert spec(Outcome.PETITION).optional_fields == ("proper_channel",)
    assert spec(Outcome.PUBLICATION).optional_fields == ("access_method",)


# --- remedies ---------------------------------------------------------------------------------

BEFORE = date(2023, 12, 31)


@pytest.mark.parametrize("outcome", REFUSALS)
def test_refusals_go_to_review_first_from_2024(outcome):
    assert remedy_for(outcome, BEFORE) is RemedyKind.REVIEW_OR_LITIGATION
    assert remedy_for(outcome, date(2024, 1, 1)) is RemedyKind.REVIEW_FIRST
    assert remedy_for(outcome, date(2026, 3, 2)) is RemedyKind.REVIEW_FIRST


@pytest.mark.parametrize("outcome", [o for o in Outcome if o not in REFUSALS])
def test_other_decisions_offer_review_or_litigation_on_both_sides_of_2024(outcome):
    expected = (
        RemedyKind.NONE if outcome is Outcome.CLOSED_OTHER else RemedyKind.REVIEW_OR_LITIGATION
    )
    assert remedy_for(outcome, BEFORE) is expected
    assert remedy_for(outcome, REVIEW_FIRST_FROM) is expected


def test_remedy_clauses_cite_their_articles():
    assert "《中华人民共和国行政复议法》第二十三条第二款" in RemedyKind.REVIEW_FIRST.legal_basis
    assert "《中华人民共和国行政诉讼法》第四十六条第一款" in (
        RemedyKind.REVIEW_OR_LITIGATION.legal_basis
    )
    assert RemedyKind.NONE.legal_basis == ()


@pytest.mark.parametrize("bad", [datetime(2024, 1, 1, 9), "2024-01-01", None, date(2019, 5, 14)])
def test_remedy_needs_a_decision_date_under_the_2019_regulation(bad):
    with pytest.raises(ValidationError) as caught:
        remedy_for(Outcome.DISCLOSED, bad)
    assert caught.value.field == "decided_on"


# --- validating a decision --------------------------------------------------------------------

SAMPLE_VALUES = {
    DecisionField.ACCESS_METHOD: "随本告知书附送电子版",
    DecisionField.SEARCH_RECORD: "检索了发文系统与档案室",
    DecisionField.RESPONSIBLE_AGENCY: "某市自然资源和规划局",
    DecisionField.RESPONSIBLE_AGENCY_CONTACT: "0000-12345678",
    DecisionField.REASONS: "理由如下",
    DecisionField.SPECIAL_REGIME: "依《不动产登记暂行条例》向不动产登记机构申请查询",
    DecisionField.PREVIOUS_CASE: "2025-0001",
    DecisionField.PROPER_CHANNEL: "12345热线",
    DecisionField.CORRECTION_NOTICE: "补正〔2025〕1号",
    DecisionField.EXPLANATION_REQUEST: "说明〔2025〕1号",
    DecisionField.FEE_NOTICE: "收费〔2025〕1号",
}


def complete(outcome: Outcome) -> dict[str, object]:
    """A decision with every required field filled in, grounds matching the outcome."""
    outcome_spec = spec(outcome)
    fields: dict[str, object] = {f: SAMPLE_VALUES.get(f) for f in outcome_spec.required_fields}
    if DecisionField.GROUNDS in outcome_spec.required_fields:
        ground = outcome_spec.ground or WithholdingGround.THIRD_PARTY
        fields["grounds"] = [
            {"ground": ground.value, "reasons": "涉及个人隐私", "part": "身份证号"}
        ]
    return fields


@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_complete_decision_is_accepted(outcome):
    validate_decision(outcome, complete(outcome))
    validate_decision(outcome.value, complete(outcome))


REQUIRED = [(o, f) for o in Outcome for f in spec(o).required_fields]


@pytest.mark.parametrize(("outcome", "field"), REQUIRED)
@pytest.mark.parametrize("hole", ["absent", None, "  ", []])
def test_each_missing_required_field_is_named(outcome, field, hole):
    fields = complete(outcome)
    if hole == "absent":
        del fields[field]
    else:
        fields[field] = hole
    with pytest.raises(ValidationError) as caught:
        validate_decision(outcome, fields)
    assert caught.value.field == field
    assert DecisionField(field).label in caught.value.message


@pytest.mark.parametrize("outcome", [o for o in Outcome if spec(o).required_fields])
def test_the_first_missing_field_is_named(outcome):
    with pytest.raises(ValidationError) as caught:
        validate_decision(outcome, {})
    assert caught.value.field == spec(outcome).required_fields[0]


def test_optional_fields_may_be_left_out():
    validate_decision(Outcome.PETITION, {})
    validate_decision(Outcome.PUBLICATION, {"access_method": None})
    validate_decision(Outcome.NOT_THIS_AGENCY, {"reasons": "职责", "responsible_agency": "某局"})


def test_fields_must_be_a_mapping():
    with pytest.raises(ValidationError) as caught:
        validate_decision(Outcome.DISCLOSED, [("access_method", "邮寄")])  # type: ignore[arg-type]
    assert caught.value.field == "fields"


def grounds_error(outcome: Outcome, grounds: object) -> ValidationError:
    fields = complete(outcome)
    fields["grounds"] = grounds
    with pytest.raises(ValidationError) as caught:
        validate_decision(outcome, fields)
    return caught.value


def entry(ground: WithholdingGround, reasons: object = "理由", part: object = "第2页") -> dict:
    return {"ground": ground.value, "reasons": reasons, "part": part}


def test_partial_disclosure_may_withhold_what_is_not_government_information():
    fields = complete(Outcome.PARTIAL)
    fields["grounds"] = [
        entry(WithholdingGround.NOT_GOVERNMENT_INFO, "系内部征求意见的个人意见"),
        entry(WithholdingGround.THIRD_PARTY, "涉及个人隐私", "联系电话"),
    ]
    validate_decision(Outcome.PARTIAL, fields)


@pytest.mark.parametrize("outcome", WITHHELD)
def test_a_refusal_never_cites_not_government_information(outcome):
    grounds = [entry(spec(outcome).ground), entry(WithholdingGround.NOT_GOVERNMENT_INFO)]
    assert grounds_error(outcome, grounds).field == "grounds.1.ground"


@pytest.mark.parametrize("outcome", WITHHELD)
def test_a_refusal_cites_its_own_ground(outcome):
    other = next(g for g in WithholdingGround if g.outcome not in (None, outcome))
    error = grounds_error(outcome, [entry(other)])
    assert error.field == "grounds"
    assert spec(outcome).ground.citation in error.message


def test_a_refusal_may_cite_further_grounds_beside_its_own():
    fields = complete(Outcome.WITHHELD_ENFORCEMENT_FILE)
    fields["grounds"] = [
        entry(WithholdingGround.ENFORCEMENT_FILE, "属于行政处罚案卷", None),
        entry(WithholdingGround.THIRD_PARTY, "涉及当事人个人信息", None),
    ]
    validate_decision(Outcome.WITHHELD_ENFORCEMENT_FILE, fields)


@pytest.mark.parametrize("outcome", REFUSALS)
@pytest.mark.parametrize("reasons", [None, "", "   ", 42])
def test_every_withheld_part_needs_reasons(outcome, reasons):
    ground = spec(outcome).ground or WithholdingGround.PROCESS_INFO
    grounds = [entry(ground), entry(ground, reasons=reasons)]
    assert grounds_error(outcome, grounds).field == "grounds.1.reasons"


@pytest.mark.parametrize("part", [None, "", "  "])
def test_partial_disclosure_names_each_withheld_part(part):
    grounds = [entry(WithholdingGround.PROCESS_INFO, part=part)]
    assert grounds_error(Outcome.PARTIAL, grounds).field == "grounds.0.part"


def test_a_whole_refusal_need_not_name_a_part():
    fields = complete(Outcome.WITHHELD_STATE_SECRET)
    fields["grounds"] = [{"ground": "state_secret", "reasons": "经定密为秘密级"}]
    validate_decision(Outcome.WITHHELD_STATE_SECRET, fields)


@pytest.mark.parametrize("ground", ["secret", None, 14])
def test_an_unknown_ground_is_refused(ground):
    grounds = [{"ground": ground, "reasons": "理由", "part": "全部"}]
    assert grounds_error(Outcome.PARTIAL, grounds).field == "grounds.0.ground"


@pytest.mark.parametrize(
    ("grounds", "field"),
    [
        ("国家秘密", "grounds"),
        ({"ground": "state_secret", "reasons": "理由"}, "grounds"),
        (["state_secret"], "grounds.0"),
        ([entry(WithholdingGround.STATE_SECRET, part=3)], "grounds.0.part"),
    ],
)
def test_grounds_have_the_documented_shape(grounds, field):
    assert grounds_error(Outcome.WITHHELD_STATE_SECRET, grounds).field == field
