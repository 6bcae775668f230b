"""consultation_pause(): a consultation's dates become a reply-clock pause, by the agency policy."""

from datetime import date

import pytest

from gkcase.calendar.clock import (
    ClockPolicy,
    PauseKind,
    ReplyClockFacts,
    consultation_pause,
    reply_deadline,
)
from gkcase.errors import ValidationError

SENT, RECEIVED = date(2026, 3, 2), date(2026, 3, 4)  # Monday, Wednesday
WINDOW_END = date(2026, 3, 25)  # 15th working day after 2026-03-04 (no holidays in March 2026)


def test_open_consultation_runs_to_the_window_end_at_the_latest(calendar):
    pause = consultation_pause(
        calendar, PauseKind.THIRD_PARTY, sent_on=SENT, party_received_on=RECEIVED
    )
    assert (pause.start, pause.end, pause.latest_end) == (SENT, None, WINDOW_END)


def test_opinion_ends_the_pause(calendar):
    pause = consultation_pause(
        calendar,
        PauseKind.THIRD_PARTY,
        sent_on=SENT,
        party_received_on=RECEIVED,
        opinion_received_on=date(2026, 3, 12),
    )
    assert (pause.start, pause.end, pause.latest_end) == (SENT, date(2026, 3, 12), None)


@pytest.mark.parametrize("kind", [PauseKind.THIRD_PARTY, PauseKind.CO_PRODUCER])
def test_silence_ends_the_pause_at_the_window_end(calendar, kind):
    before = consultation_pause(
        calendar, kind, sent_on=SENT, party_received_on=RECEIVED, as_of=WINDOW_END
    )
    after = consultation_pause(
        calendar, kind, sent_on=SENT, party_received_on=RECEIVED, as_of=date(2026, 3, 26)
    )
    assert before.end is None
    assert after.end == WINDOW_END


def test_receipt_policy_starts_the_pause_when_the_party_receives_the_letter(calendar):
    policy = ClockPolicy(consultation_pause_from="receipt")
    pause = consultation_pause(
        calendar, PauseKind.CO_PRODUCER, sent_on=SENT, party_received_on=RECEIVED, policy=policy
    )
    assert pause.start == RECEIVED
    # until the party's receipt is recorded, nothing pauses: the clock runs (issue #18)
    assert consultation_pause(calendar, PauseKind.CO_PRODUCER, sent_on=SENT, policy=policy) is None


def test_the_policy_changes_the_reply_due_date(calendar):
    # receipt 2026-02-26 (Thu): Feb 27, Feb 28 (调休上班) and Mar 2 are counted before the pause.
    opinion = date(2026, 3, 12)
    dispatch = consultation_pause(
        calendar,
        PauseKind.THIRD_PARTY,
        sent_on=SENT,
        party_received_on=RECEIVED,
        opinion_received_on=opinion,
    )
    receipt = consultation_pause(
        calendar,
        PauseKind.THIRD_PARTY,
        sent_on=SENT,
        party_received_on=RECEIVED,
        opinion_received_on=opinion,
        policy=ClockPolicy(consultation_pause_from="receipt"),
    )
    due_dispatch = reply_deadline(calendar, ReplyClockFacts(date(2026, 2, 26), pauses=(dispatch,)))
    due_receipt = reply_deadline(calendar, ReplyClockFacts(date(2026, 2, 26), pauses=(receipt,)))
    # dispatch: 3 WD counted, 17 left from Mar 13 -> Apr 3 is the 16th, Apr 4-6 清明, Apr 7.
    # receipt: Feb 27 - Mar 4 are 5 WD counted, 15 left from Mar 13 -> Apr 2.
    assert due_dispatch.due == date(2026, 4, 7)
    assert due_receipt.due == date(2026, 4, 2)


def test_dates_out_of_order_are_refused(calendar):
    with pytest.raises(ValidationError) as caught:
        consultation_pause(
            calendar, PauseKind.THIRD_PARTY, sent_on=SENT, party_received_on=date(2026, 3, 1)
        )
    assert caught.value.field == "party_received_on"
    with pytest.raises(ValidationError):
        consultation_pause(calendar, PauseKind.FEE, sent_on=SENT)
