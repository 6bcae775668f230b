"""The statutory clock: receipt dates (Art 31), the reply period (Arts 30, 33, 35) and the
shorter periods. Every expected date is counted by hand from the State Council notices; the
comments show the count.

Calendar facts used (2026 notice): 元旦 1/1–1/3 off, Sun 1/4 上班; 春节 2/15–2/23 off, Sat 2/14 and
Sat 2/28 上班; 清明节 4/4–4/6 off; 劳动节 5/1–5/5 off, Sat 5/9 上班; 端午节 6/19–6/21 off; 中秋节
9/25–9/27 off; 国庆节 10/1–10/7 off, Sun 9/20 and Sat 10/10 上班. 2026-03-02 is a Monday.
"""

from __future__ import annotations

from datetime import date

import pytest

from gkcase.calendar.clock import (
    Channel,
    ClockPause,
    ClockPolicy,
    DeadlineKind,
    Deferral,
    Extension,
    PauseKind,
    ReplyClockFacts,
    StepKind,
    consultation_deadline,
    correction_notice_deadline,
    correction_period_deadline,
    fee_payment_deadline,
    receipt_date,
    reply_deadline,
    reply_due,
)
from gkcase.errors import ClockError, ValidationError

MON_0302 = date(2026, 3, 2)
# 20 working days after Mon 3/2: 3/3–3/6 (4), 3/9–3/13 (9), 3/16–3/20 (14), 3/23–3/27 (19), 3/30.
DUE_0302 = date(2026, 3, 30)


def _reply(calendar, facts, policy=None):
    """reply_deadline, checked against reply_due (the bulk path must give the same date)."""
    deadline = reply_deadline(calendar, facts, policy)
    assert reply_due(calendar, facts, policy) == deadline.due
    assert deadline.kind is DeadlineKind.REPLY
    assert deadline.calendar_version == calendar.version
    return deadline


def _third_party(start, end=None, latest_end=None, note=""):
    return ClockPause(PauseKind.THIRD_PARTY, start, end, latest_end, note)


# --- receipt date (Art 31) ------------------------------------------------------------------


@pytest.mark.parametrize("channel", [Channel.IN_PERSON, Channel.ORAL])
def test_receipt_in_person_or_oral_is_the_day_handed_in(channel):
    result = receipt_date(channel, arrived_on=date(2026, 3, 3))
    assert result.day == date(2026, 3, 3)
    assert result.needs is None and result.needs_field is None
    assert "第三十一条第一项" in result.rule


def test_receipt_by_signed_mail_is_the_day_signed_for():
    result = receipt_date(
        Channel.SIGNED_MAIL, arrived_on=date(2026, 3, 3), signed_for_on=date(2026, 3, 4)
    )
    assert result.day == date(2026, 3, 4)
    assert "签收之日" in result.rule
    assert "第三十一条第二项" in result.rule


def test_receipt_by_ordinary_letter_is_the_day_confirmed():
    result = receipt_date(
        Channel.ORDINARY_LETTER, arrived_on=date(2026, 3, 3), confirmed_on=date(2026, 3, 5)
    )
    assert result.day == date(2026, 3, 5)
    assert "确认之日为收到申请之日" in result.rule
    assert "第三十一条第二项" in result.rule


@pytest.mark.parametrize(
    ("channel", "label"), [(Channel.INTERNET, "互联网"), (Channel.FAX, "传真")]
)
def test_receipt_by_internet_or_fax_is_the_day_both_sides_confirm(channel, label):
    result = receipt_date(channel, arrived_on=date(2026, 3, 3), confirmed_on=date(2026, 3, 6))
    assert result.day == date(2026, 3, 6)
    assert label in result.rule
    assert "双方确认之日" in result.rule
    assert "第三十一条第三项" in result.rule


def test_receipt_channel_may_be_given_as_its_value():
    assert receipt_date("fax", confirmed_on=date(2026, 3, 6)).day == date(2026, 3, 6)
    with pytest.raises(ValueError):
        receipt_date("pigeon", arrived_on=date(2026, 3, 6))


@pytest.mark.parametrize(
    ("channel", "facts", "field"),
    [
        (Channel.IN_PERSON, {}, "arrived_on"),
        (Channel.ORAL, {"confirmed_on": date(2026, 3, 3)}, "arrived_on"),
        (Channel.SIGNED_MAIL, {"arrived_on": date(2026, 3, 3)}, "signed_for_on"),
        (Channel.ORDINARY_LETTER, {"arrived_on": date(2026, 3, 3)}, "confirmed_on"),
        (Channel.INTERNET, {"arrived_on": date(2026, 3, 3)}, "confirmed_on"),
        (Channel.FAX, {"signed_for_on": date(2026, 3, 3)}, "confirmed_on"),
    ],
    ids=lambda v: v.value if isinstance(v, Channel) else None,
)
def test_receipt_missing_facts_says_what_is_needed(channel, facts, field):
    result = receipt_date(channel, **facts)
    assert result.day is None
    assert result.needs_field == field
    assert result.needs
    assert result.rule


@pytest.mark.parametrize("channel", [Channel.ORDINARY_LETTER, Channel.INTERNET, Channel.FAX])
def test_confirmation_before_arrival_is_refused(channel):
    with pytest.raises(ValidationError) as caught:
        receipt_date(channel, arrived_on=date(2026, 3, 5), confirmed_on=date(2026, 3, 4))
    assert caught.value.field == "confirmed_on"


def test_confirmation_on_the_day_of_arrival_is_accepted():
    result = receipt_date(
        Channel.ORDINARY_LETTER, arrived_on=date(2026, 3, 5), confirmed_on=date(2026, 3, 5)
    )
    assert result.day == date(2026, 3, 5)


def test_signing_for_mail_before_it_arrived_is_refused():
    with pytest.raises(ValidationError) as caught:
        receipt_date(
            Channel.SIGNED_MAIL, arrived_on=date(2026, 3, 5), signed_for_on=date(2026, 3, 4)
        )
    assert caught.value.field == "signed_for_on"


# --- the plain reply period ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("receipt", "due"),
    [
        pytest.param(MON_0302, DUE_0302, id="plain-march"),
        # Tue 2/10: 2/11–2/13 (3), Sat 2/14 (4), 2/24–2/27 (8), Sat 2/28 (9), 3/2–3/6 (14),
        # 3/9–3/13 (19), Mon 3/16 (20).
        pytest.param(date(2026, 2, 10), date(2026, 3, 16), id="across-spring-festival"),
        # Sat 2/14 is a make-up working day, but the receipt day is not counted: day one is
        # Tue 2/24; 2/24–2/27 (4), Sat 2/28 (5), 3/2–3/6 (10), 3/9–3/13 (15), 3/16–3/20 (20).
        pytest.param(date(2026, 2, 14), date(2026, 3, 20), id="receipt-on-makeup-day"),
        # Tue 2/17 (正月初一, a holiday): day one is also Tue 2/24 → Fri 3/20.
        pytest.param(date(2026, 2, 17), date(2026, 3, 20), id="receipt-on-holiday"),
        # Tue 9/15: 9/16–9/18 (3), Sun 9/20 (4), 9/21–9/24 (8), 9/28–9/30 (11), 10/8–10/9 (13),
        # Sat 10/10 (14), 10/12–10/16 (19), Mon 10/19 (20).
        pytest.param(date(2026, 9, 15), date(2026, 10, 19), id="across-national-day"),
    ],
)
def test_reply_due_20_working_days_after_receipt(calendar, receipt, due):
    deadline = _reply(calendar, ReplyClockFacts(receipt))
    assert deadline.due == due
    assert deadline.workdays == 20
    assert deadline.remaining_workdays == 0
    assert deadline.provisional is False


def test_receipt_on_a_makeup_day_starts_counting_after_the_spring_festival(calendar):
    deadline = _reply(calendar, ReplyClockFacts(date(2026, 2, 14)))
    day_one = next(s for s in deadline.steps if s.kind is StepKind.DAY_ONE)
    assert day_one.first == date(2026, 2, 24)
    assert "第1个工作日：2026年2月24日（星期二）" in deadline.explain()
    assert "收到申请之日：2026年2月14日（星期六），当日不计入" in deadline.explain()


def test_receipt_before_the_2019_regulation_is_refused(calendar):
    with pytest.raises(ClockError) as caught:
        reply_deadline(calendar, ReplyClockFacts(date(2019, 5, 14)))
    assert caught.value.code == "clock.before_regulation"
    assert caught.value.field == "receipt"
    with pytest.raises(ClockError) as caught:
        correction_notice_deadline(calendar, date(2019, 5, 14))
    assert caught.value.code == "clock.before_regulation"


def test_receipt_on_the_day_the_regulation_took_effect(calendar):
    # Wed 2019-05-15: 5/16–5/17 (2), 5/20–5/24 (7), 5/27–5/31 (12), 6/3–6/6 (16);
    # Fri 6/7 端午节; 6/10–6/13 (20).
    assert _reply(calendar, ReplyClockFacts(date(2019, 5, 15))).due == date(2019, 6, 13)


# --- correction (补正, Art 30) ---------------------------------------------------------------


def test_waiting_for_correction_has_no_due_date(calendar):
    facts = ReplyClockFacts(MON_0302, correction_requested_on=date(2026, 3, 5))
    deadline = _reply(calendar, facts)
    assert deadline.due is None
    assert deadline.remaining_workdays == 20
    assert deadline.steps[-1].kind is StepKind.WAITING
    assert "等待申请人补正" in deadline.explain()
    assert "2026年3月5日发出补正告知书" in deadline.explain()


def test_correction_restarts_the_period_in_full(calendar):
    # Corrected application received Fri 3/20: 3/23–3/27 (5), 3/30–4/3 (10); 4/4–4/6 清明节;
    # 4/7–4/10 (14), 4/13–4/17 (19), Mon 4/20 (20).
    facts = ReplyClockFacts(
        MON_0302,
        correction_requested_on=date(2026, 3, 5),
        correction_received_on=date(2026, 3, 20),
    )
    deadline = _reply(calendar, facts)
    assert deadline.due == date(2026, 4, 20)
    text = deadline.explain()
    assert "2026年3月20日（星期五）收到补正后的申请，答复期限自该日重新计算" in text
    assert "第1个工作日：2026年3月23日（星期一）" in text
    assert "不计：2026年4月4日至4月6日 清明节" in text


def test_pause_over_before_the_restart_is_ignored(calendar):
    facts = ReplyClockFacts(
        MON_0302,
        correction_requested_on=date(2026, 3, 5),
        correction_received_on=date(2026, 3, 20),
        pauses=(_third_party(date(2026, 3, 6), date(2026, 3, 13)),),
    )
    assert _reply(calendar, facts).due == date(2026, 4, 20)


def test_pause_running_across_the_restart_counts_from_the_restart(calendar):
    # Restart Fri 3/20; pause 3/16–3/25 → working days 3/23, 3/24, 3/25 not counted; 20 from
    # Wed 3/25: 3/26, 3/27 (2), 3/30–4/3 (7), 4/7–4/10 (11), 4/13–4/17 (16), 4/20–4/23 (20).
    facts = ReplyClockFacts(
        MON_0302,
        correction_requested_on=date(2026, 3, 5),
        correction_received_on=date(2026, 3, 20),
        pauses=(_third_party(date(2026, 3, 16), date(2026, 3, 25)),),
    )
    assert _reply(calendar, facts).due == date(2026, 4, 23)


def test_correction_facts_out_of_order_are_refused(calendar):
    with pytest.raises(ClockError) as caught:
        reply_deadline(
            calendar, ReplyClockFacts(MON_0302, correction_received_on=date(2026, 3, 20))
        )
    assert caught.value.field == "correction_requested_on"
    with pytest.raises(ClockError) as caught:
        reply_deadline(
            calendar,
            ReplyClockFacts(
                MON_0302,
                correction_requested_on=date(2026, 3, 10),
                correction_received_on=date(2026, 3, 9),
            ),
        )
    assert caught.value.field == "correction_received_on"


# --- pauses (Art 33 ¶3) -----------------------------------------------------------------------


def test_third_party_pause(calendar):
    # Receipt Mon 3/2; pause (3/10, 3/24]: counted before it 3/3–3/6, 3/9, 3/10 = 6; paused
    # 3/11–3/13, 3/16–3/20, 3/23, 3/24 = 10; 14 more after Tue 3/24: 3/25–3/27 (3),
    # 3/30–4/3 (8), 4/7–4/10 (12), 4/13, 4/14 (14).
    facts = ReplyClockFacts(MON_0302, pauses=(_third_party(date(2026, 3, 10), date(2026, 3, 24)),))
    deadline = _reply(calendar, facts)
    assert deadline.due == date(2026, 4, 14)
    assert (
        "2026年3月10日至3月24日征求第三方意见，其间10个工作日不计入答复期限（第三十三条第三款）"
        in deadline.explain()
    )


def test_co_producer_pause_covering_a_makeup_saturday(calendar):
    # Receipt Wed 5/6; pause (Fri 5/8, Fri 5/15]: counted 5/7, 5/8 = 2; paused Sat 5/9 (上班) and
    # 5/11–5/15 = 6; 18 more: 5/18–5/22 (5), 5/25–5/29 (10), 6/1–6/5 (15), 6/8–6/10 (18).
    pause = ClockPause(PauseKind.CO_PRODUCER, date(2026, 5, 8), date(2026, 5, 15), note="函")
    deadline = _reply(calendar, ReplyClockFacts(date(2026, 5, 6), pauses=(pause,)))
    assert deadline.due == date(2026, 6, 10)
    text = deadline.explain()
    assert "征求共同制作机关意见，其间6个工作日不计入答复期限（第三十三条第三款）（函）" in text


def test_overlapping_pauses_are_merged_not_double_counted(calendar):
    # (3/10, 3/20] and (3/16, 3/24] together are (3/10, 3/24]: 10 working days, not 8 + 6.
    facts = ReplyClockFacts(
        MON_0302,
        pauses=(
            ClockPause(PauseKind.CO_PRODUCER, date(2026, 3, 16), date(2026, 3, 24)),
            _third_party(date(2026, 3, 10), date(2026, 3, 20)),
        ),
    )
    deadline = _reply(calendar, facts)
    assert deadline.due == date(2026, 4, 14)
    pauses = [s for s in deadline.steps if s.kind is StepKind.PAUSE]
    assert len(pauses) == 1
    assert (pauses[0].first, pauses[0].last) == (date(2026, 3, 10), date(2026, 3, 24))
    assert "征求第三方意见、征求共同制作机关意见，其间10个工作日" in pauses[0].text


def test_adjacent_pauses_add_up(calendar):
    # (3/10, 3/17] + (3/17, 3/24] = (3/10, 3/24] → the same 4/14.
    facts = ReplyClockFacts(
        MON_0302,
        pauses=(
            _third_party(date(2026, 3, 10), date(2026, 3, 17)),
            ClockPause(PauseKind.CO_PRODUCER, date(2026, 3, 17), date(2026, 3, 24)),
        ),
    )
    assert _reply(calendar, facts).due == date(2026, 4, 14)


def test_pause_starting_after_the_due_date_has_no_effect(calendar):
    for start in (date(2026, 3, 31), DUE_0302):
        facts = ReplyClockFacts(MON_0302, pauses=(_third_party(start, date(2026, 4, 10)),))
        deadline = _reply(calendar, facts)
        assert deadline.due == DUE_0302, start
        assert not [s for s in deadline.steps if s.kind is StepKind.PAUSE]


def test_pause_starting_the_day_before_the_due_date_moves_it(calendar):
    # Pause (Fri 3/27, Tue 3/31]: 3/30, 3/31 not counted; the 20th becomes Wed 4/1.
    facts = ReplyClockFacts(MON_0302, pauses=(_third_party(date(2026, 3, 27), date(2026, 3, 31)),))
    assert _reply(calendar, facts).due == date(2026, 4, 1)


def test_open_pause_has_no_due_but_remaining_and_projection(calendar):
    # Open since Tue 3/10 (6 working days used, 14 left); latest end Tue 3/31; 14 from there:
    # 4/1–4/3 (3), 4/7–4/10 (7), 4/13–4/17 (12), 4/20, 4/21 (14).
    facts = ReplyClockFacts(
        MON_0302, pauses=(_third_party(date(2026, 3, 10), latest_end=date(2026, 3, 31)),)
    )
    deadline = _reply(calendar, facts)
    assert deadline.due is None
    assert deadline.remaining_workdays == 14
    assert deadline.paused_since == date(2026, 3, 10)
    assert deadline.projected_due == date(2026, 4, 21)
    text = deadline.explain()
    assert "2026年3月10日起征求第三方意见，答复期限暂停计算" in text
    assert "答复期限暂停中，尚余14个工作日" in text
    assert "2026年4月21日（星期二）" in text


def test_open_pause_without_a_latest_end_has_no_projection(calendar):
    facts = ReplyClockFacts(MON_0302, pauses=(_third_party(date(2026, 3, 10)),))
    deadline = _reply(calendar, facts)
    assert (deadline.due, deadline.projected_due) == (None, None)
    assert deadline.remaining_workdays == 14


@pytest.mark.parametrize("order", ["open-first", "closed-first"])
def test_open_pause_merged_with_a_closed_one_keeps_its_projection(calendar, order):
    # Closed (3/12, 3/16] lies inside the open pause from 3/10 (latest end 3/31): the union is
    # still open from 3/10 with latest end 3/31, so the projection is 4/21 as above.
    open_pause = _third_party(date(2026, 3, 10), latest_end=date(2026, 3, 31))
    closed = ClockPause(PauseKind.CO_PRODUCER, date(2026, 3, 12), date(2026, 3, 16))
    if order == "closed-first":
        open_pause = _third_party(date(2026, 3, 14), latest_end=date(2026, 3, 31))
        closed = ClockPause(PauseKind.CO_PRODUCER, date(2026, 3, 10), date(2026, 3, 16))
    deadline = _reply(calendar, ReplyClockFacts(MON_0302, pauses=(open_pause, closed)))
    assert deadline.due is None
    assert deadline.paused_since == date(2026, 3, 10)
    assert deadline.projected_due == date(2026, 4, 21)


def test_fee_pause_is_honoured_by_default(calendar):
    fee = ClockPause(PauseKind.FEE, date(2026, 3, 10), date(2026, 3, 24))
    deadline = _reply(calendar, ReplyClockFacts(MON_0302, pauses=(fee,)))
    assert deadline.due == date(2026, 4, 14)  # as the third-party pause above
    assert "等待缴纳信息处理费" in deadline.explain()
    assert "国办函〔2020〕109号" in deadline.explain()


def test_fee_pause_is_ignored_when_the_policy_says_so(calendar):
    fee = ClockPause(PauseKind.FEE, date(2026, 3, 10), date(2026, 3, 24))
    policy = ClockPolicy(fee_window_pauses_clock=False)
    deadline = _reply(calendar, ReplyClockFacts(MON_0302, pauses=(fee,)), policy)
    assert deadline.due == DUE_0302
    assert "信息处理费" not in deadline.explain()
    # a consultation pause is still honoured under that policy
    both = ReplyClockFacts(
        MON_0302, pauses=(fee, _third_party(date(2026, 3, 10), date(2026, 3, 24)))
    )
    assert _reply(calendar, both, policy).due == date(2026, 4, 14)


@pytest.mark.parametrize(
    ("pause", "field"),
    [
        (_third_party(date(2026, 3, 1), date(2026, 3, 5)), "pauses.0.start"),
        (_third_party(date(2026, 3, 10), date(2026, 3, 9)), "pauses.0.end"),
        (_third_party(date(2026, 3, 10), latest_end=date(2026, 3, 9)), "pauses.0.latest_end"),
    ],
    ids=["before-receipt", "end-before-start", "latest-end-before-start"],
)
def test_impossible_pauses_are_refused(calendar, pause, field):
    with pytest.raises(ClockError) as caught:
        reply_deadline(calendar, ReplyClockFacts(MON_0302, pauses=(pause,)))
    assert caught.value.field == field


# --- extensions (Art 33 ¶2) -------------------------------------------------------------------

# 40 working days after Mon 3/2: the 20th is Mon 3/30; 3/31–4/3 (24), 4/7–4/10 (28),
# 4/13–4/17 (33), 4/20–4/24 (38), 4/27, 4/28 (40).
DUE_0302_PLUS_20 = date(2026, 4, 28)


def test_extension_of_20_working_days(calendar):
    facts = ReplyClockFacts(
        MON_0302, extensions=(Extension(20, date(2026, 3, 20), approved_by="张科长"),)
    )
    deadline = _reply(calendar, facts)
    assert deadline.due == DUE_0302_PLUS_20
    assert deadline.workdays == 40
    text = deadline.explain()
    assert "经政府信息公开工作机构负责人（张科长）同意，延长答复期限20个工作日" in text
    assert (
        "答复期限届满：2026年4月28日（星期二），第40个工作日（20个工作日加延长20个工作日）" in text
    )


def test_two_extensions_of_10_add_up_to_20(calendar):
    facts = ReplyClockFacts(
        MON_0302, extensions=(Extension(10, date(2026, 3, 20)), Extension(10, date(2026, 4, 10)))
    )
    assert _reply(calendar, facts).due == DUE_0302_PLUS_20


@pytest.mark.parametrize("days", [(21,), (11, 10), (10, 5, 6)], ids=["21", "11+10", "10+5+6"])
def test_extensions_over_20_in_total_are_refused(calendar, days):
    facts = ReplyClockFacts(
        MON_0302, extensions=tuple(Extension(n, date(2026, 3, 20)) for n in days)
    )
    with pytest.raises(ClockError) as caught:
        reply_deadline(calendar, facts)
    assert caught.value.code == "clock.extension_cap"
    assert caught.value.field == "extensions"
    assert "21" in caught.value.message


def test_extension_of_zero_days_or_approved_before_receipt_is_refused(calendar):
    with pytest.raises(ClockError) as caught:
        reply_deadline(calendar, ReplyClockFacts(MON_0302, extensions=(Extension(0, MON_0302),)))
    assert caught.value.field == "extensions.0.workdays"
    with pytest.raises(ClockError) as caught:
        reply_deadline(
            calendar, ReplyClockFacts(MON_0302, extensions=(Extension(5, date(2026, 3, 1)),))
        )
    assert caught.value.field == "extensions.0.approved_on"


# --- deferral (Art 35) ------------------------------------------------------------------------


def test_deferral_sets_the_date(calendar):
    facts = ReplyClockFacts(MON_0302, deferral=Deferral(date(2026, 5, 29), date(2026, 3, 20)))
    deadline = _reply(calendar, facts)
    assert deadline.due == date(2026, 5, 29)
    assert deadline.provisional is False
    assert (
        "2026年3月20日依第三十五条确定延迟答复的合理期限：2026年5月29日（星期五）"
        in deadline.explain()
    )


@pytest.mark.parametrize("until", [DUE_0302, date(2026, 3, 20)], ids=["on-due", "before-due"])
def test_deferral_not_later_than_the_statutory_due_is_refused(calendar, until):
    facts = ReplyClockFacts(MON_0302, deferral=Deferral(until, date(2026, 3, 10)))
    with pytest.raises(ClockError) as caught:
        reply_deadline(calendar, facts)
    assert caught.value.field == "until"


# --- provisional deadlines --------------------------------------------------------------------


def test_deadline_within_2026_is_not_provisional(calendar):
    # Tue 12/1: 12/2–12/4 (3), 12/7–12/11 (8), 12/14–12/18 (13), 12/21–12/25 (18), 12/28, 12/29.
    deadline = _reply(calendar, ReplyClockFacts(date(2026, 12, 1)))
    assert deadline.due == date(2026, 12, 29)
    assert deadline.provisional is False
    assert "尚未由国务院办公厅公布" not in deadline.explain()
    assert not [s for s in deadline.steps if s.kind is StepKind.PROVISIONAL]


def test_deadline_running_into_2027_is_provisional(calendar):
    # Thu 12/10: 12/11 (1), 12/14–12/18 (6), 12/21–12/25 (11), 12/28–12/31 (15), then 2027.
    deadline = _reply(calendar, ReplyClockFacts(date(2026, 12, 10)))
    assert deadline.due.year == 2027
    assert deadline.provisional is True
    assert deadline.steps[-1].kind is StepKind.PROVISIONAL
    assert "注意：2027年的节假日安排尚未由国务院办公厅公布" in deadline.explain()
    assert "2026年" not in deadline.steps[-1].text


def test_open_pause_projected_into_2027_is_provisional(calendar):
    facts = ReplyClockFacts(
        date(2026, 11, 2),
        pauses=(_third_party(date(2026, 11, 3), latest_end=date(2026, 12, 30)),),
    )
    deadline = _reply(calendar, facts)
    assert deadline.due is None
    assert deadline.projected_due.year == 2027
    assert deadline.provisional is True


def test_short_periods_into_2027_are_provisional(calendar):
    # 7th working day after Mon 12/28: 12/29–12/31 (3), then 2027 days.
    assert correction_notice_deadline(calendar, date(2026, 12, 28)).provisional is True
    assert correction_notice_deadline(calendar, date(2026, 12, 1)).provisional is False


# --- the explanation --------------------------------------------------------------------------


def test_explanation_names_day_one_the_spring_festival_makeup_days_pause_and_extension(calendar):
    # Receipt Tue 2/10. Counted (2/10, 3/2]: 2/11–2/13, Sat 2/14, 2/24–2/27, Sat 2/28, 3/2 = 10.
    # Pause (3/2, 3/6]: 3/3–3/6 = 4 not counted. 30 − 10 = 20 more after Fri 3/6: 3/9–3/13 (5),
    # 3/16–3/20 (10), 3/23–3/27 (15), 3/30–4/3 (20) → Fri 4/3.
    facts = ReplyClockFacts(
        date(2026, 2, 10),
        pauses=(_third_party(date(2026, 3, 2), date(2026, 3, 6)),),
        extensions=(Extension(10, date(2026, 3, 5)),),
    )
    deadline = _reply(calendar, facts)
    assert deadline.due == date(2026, 4, 3)
    text = deadline.explain()
    for phrase in [
        "收到申请之日：2026年2月10日（星期二），当日不计入（第三十一条、第三十三条）",
        "第1个工作日：2026年2月11日（星期三）",
        "计入：2026年2月14日（星期六） 调休上班，为工作日",
        "不计：2026年2月15日至2月23日",
        "春节",
        "（非工作日，共9天）",
        "计入：2026年2月28日（星期六） 调休上班，为工作日",
        "2026年3月2日至3月6日征求第三方意见，其间4个工作日不计入答复期限（第三十三条第三款）",
        "2026年3月5日经政府信息公开工作机构负责人同意，延长答复期限10个工作日（第三十三条第二款）",
        "答复期限届满：2026年4月3日（星期五），第30个工作日（20个工作日加延长10个工作日）",
    ]:
        assert phrase in text, phrase
    # day one once, in date order, and the due date last
    assert text.count("第1个工作日") == 1
    assert deadline.steps[0].kind is StepKind.START
    assert deadline.steps[-1].kind is StepKind.DUE
    dated = [s.first for s in deadline.steps if s.first is not None]
    assert dated == sorted(dated)


def test_explanation_of_a_plain_spring_festival_count(calendar):
    deadline = _reply(calendar, ReplyClockFacts(date(2026, 2, 10)))
    assert [s.kind for s in deadline.steps] == [
        StepKind.START,
        StepKind.DAY_ONE,
        StepKind.MAKEUP,
        StepKind.SKIPPED,
        StepKind.MAKEUP,
        StepKind.WEEKENDS,
        StepKind.DUE,
    ]
    skipped = deadline.steps[3]
    assert (skipped.first, skipped.last) == (date(2026, 2, 15), date(2026, 2, 23))
    # ordinary weekends outside the run: Sun 3/1, 3/7–3/8, 3/14–3/15
    assert deadline.steps[5].text == "其间普通周末共5天，不计入"
    assert deadline.steps[6].text == "答复期限届满：2026年3月16日（星期一），第20个工作日"


# --- the shorter periods ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("receipt", "due"),
    [
        # Tue 2/10: 2/11, 2/12, 2/13, Sat 2/14, 2/24, 2/25, 2/26.
        pytest.param(date(2026, 2, 10), date(2026, 2, 26), id="2026-spring"),
        # Mon 2025-01-20: 1/21–1/24 (4), Sun 1/26 (5), Mon 1/27 (6); 1/28–2/4 off; Wed 2/5 (7).
        pytest.param(date(2025, 1, 20), date(2025, 2, 5), id="2025-spring"),
        # Mon 3/2: 3/3–3/6 (4), 3/9–3/11 (7).
        pytest.param(MON_0302, date(2026, 3, 11), id="plain"),
    ],
)
def test_correction_notice_is_due_on_the_7th_working_day(calendar, receipt, due):
    deadline = correction_notice_deadline(calendar, receipt)
    assert deadline.kind is DeadlineKind.CORRECTION_NOTICE
    assert (deadline.due, deadline.workdays) == (due, 7)
    assert "第7个工作日" in deadline.explain()
    assert "第三十条" in deadline.explain()


@pytest.mark.parametrize(
    ("kind", "silence"),
    [
        (PauseKind.THIRD_PARTY, "逾期未提出意见的，由行政机关依照条例决定是否公开（第三十二条）"),
        (PauseKind.CO_PRODUCER, "逾期未提出意见的视为同意公开（第三十四条）"),
    ],
)
def test_consultation_window_is_15_working_days(calendar, kind, silence):
    # Received Thu 9/17: Fri 9/18 (1), Sun 9/20 (2), 9/21–9/24 (6); 9/25–9/27 中秋节;
    # 9/28–9/30 (9); 10/1–10/7 off; 10/8, 10/9, Sat 10/10 (12); 10/12–10/14 (15).
    deadline = consultation_deadline(calendar, date(2026, 9, 17), kind)
    assert deadline.kind is DeadlineKind.CONSULTATION
    assert deadline.due == date(2026, 10, 14)
    assert silence in deadline.explain()
    assert kind.label in deadline.explain()


def test_consultation_window_for_a_fee_is_refused(calendar):
    with pytest.raises(ValidationError) as caught:
        consultation_deadline(calendar, date(2026, 9, 17), PauseKind.FEE)
    assert caught.value.field == "kind"


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Wed 9/30: the next day is 国庆节; day one Thu 10/8; 10/8, 10/9, Sat 10/10 (3),
        # 10/12–10/16 (8), 10/19–10/23 (13), 10/26–10/30 (18), 11/2, 11/3 (20).
        pytest.param(date(2026, 9, 30), date(2026, 11, 3), id="from-national-day"),
        # Fri 1/30: 2/2–2/6 (5), 2/9–2/13 (10), Sat 2/14 (11), 2/24–2/27 (15), Sat 2/28 (16),
        # 3/2–3/5 (20).
        pytest.param(date(2026, 1, 30), date(2026, 3, 5), id="across-spring-festival"),
    ],
)
def test_fee_window_is_20_working_days_from_the_day_after(calendar, received, due):
    deadline = fee_payment_deadline(calendar, received)
    assert deadline.kind is DeadlineKind.FEE_PAYMENT
    assert deadline.due == due
    assert "自次日起计算" in deadline.explain()
    assert "视为放弃申请" in deadline.explain()


def test_correction_period_counts_from_the_notice(calendar):
    # Notice received Thu 4/30: 5/1–5/5 劳动节; 5/6–5/8 (3), Sat 5/9 上班 (4), 5/11–5/15 (9),
    # Mon 5/18 (10).
    deadline = correction_period_deadline(calendar, date(2026, 4, 30), 10)
    assert deadline.kind is DeadlineKind.CORRECTION_PERIOD
    assert deadline.due == date(2026, 5, 18)
    assert "计入：2026年5月9日（星期六） 调休上班，为工作日" in deadline.explain()


@pytest.mark.parametrize("workdays", [0, 61])
def test_correction_period_out_of_range_is_refused(calendar, workdays):
    with pytest.raises(ValidationError) as caught:
        correction_period_deadline(calendar, date(2026, 4, 30), workdays)
    assert caught.value.field == "workdays"


def test_clock_policy_validates_its_choices():
    with pytest.raises(ValidationError) as caught:
        ClockPolicy(consultation_pause_from="never")
    assert caught.value.field == "consultation_pause_from"
    with pytest.raises(ValidationError) as caught:
        ClockPolicy(correction_period_workdays=0)
    assert caught.value.field == "correction_period_workdays"
