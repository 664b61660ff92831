"""A stuck case (CONTRACT §6): deciding for it failed three times, so its ladder stands
still, its officers are paged, and it waits for an officer's outcome."""

import pytest
from domain_fakes import (
    DUTY_OFFICERS,
    LOW_KIND,
    MEDIUM_KIND,
    OFFICERS,
    POLICY,
    FakeDirectory,
    arrive,
    at,
    make_signal,
    notes,
    report,
    sends,
    step,
    tick,
)

from warn.domain.case import Case, flags, next_deadline
from warn.domain.decide import mark_stuck, open_case
from warn.domain.events import (
    Confirm,
    Effect,
    Escalate,
    Event,
    RecordOutcome,
    Rejected,
    SignalArrived,
)

WHAT = "rendering the flash_sms message failed (OverflowError)"


def stuck_medium_case() -> tuple[FakeDirectory, Case, Case, list[Effect]]:
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    after, effects = mark_stuck(case, WHAT, at(m=1), d.facts())
    return d, case, after, effects


def test_a_stuck_case_is_flagged_pages_its_officers_and_says_what_failed() -> None:
    _, before, case, effects = stuck_medium_case()
    assert "stuck" in flags(case) and "stuck" not in flags(before)
    assert [s.recipient for s in sends(effects, "duty_page")] == [*OFFICERS, *DUTY_OFFICERS]
    assert {s.reason for s in sends(effects, "duty_page")} == {"stuck"}
    assert [n.detail for n in notes(effects, "stuck")] == [
        f"{WHAT}；阶梯已暂停，等待值班民警处置"]
    assert case.stages == before.stages  # the ladder stands where it was


def test_a_stuck_case_has_no_deadline_and_a_tick_moves_nothing() -> None:
    d, before, case, _ = stuck_medium_case()
    assert next_deadline(before) == at(m=10)
    assert next_deadline(case) is None
    after, effects = tick(case, at(m=30), d)
    assert after.stages == case.stages and effects == []


def test_a_signal_that_could_not_be_taken_is_kept_with_the_stuck_case() -> None:
    d = FakeDirectory()
    signal = make_signal("s1", LOW_KIND)
    fresh = open_case("case-9", signal, POLICY, at())
    case, _ = mark_stuck(fresh, WHAT, at(), d.facts(), signal)
    assert case.signal_ids == ["s1"] and case.last_signal_at == at()


def test_a_stuck_case_takes_signals_and_results_as_records_only() -> None:
    d, _, case, _ = stuck_medium_case()
    flash = next(x for x in case.deliveries if x.channel == "flash_sms")
    case, effects = step(case, SignalArrived(make_signal("s2", "transfer_attempt"), 95),
                         at(m=2), d)
    assert case.signal_ids == ["s1", "s2"] and case.tier == "medium"  # no upgrade
    assert sends(effects) == []
    case, effects = report(case, flash, "delivered", at(m=3), d)
    assert case.delivery(flash.id).results == ["delivered"]  # type: ignore[union-attr]
    assert sends(effects) == []


@pytest.mark.parametrize("event", [Confirm(1, "officer-zhang"), Escalate("officer-zhang")])
def test_nothing_but_an_outcome_moves_a_stuck_case(event: Event) -> None:
    d, _, case, _ = stuck_medium_case()
    with pytest.raises(Rejected, match="stuck"):
        step(case, event, at(m=2), d)


def test_an_officers_outcome_resolves_a_stuck_case_and_clears_the_flag() -> None:
    d, _, case, _ = stuck_medium_case()
    case, effects = step(case, RecordOutcome("false_positive", "officer-zhang", "checked"),
                         at(m=5), d)
    assert (case.state, case.outcome, case.stuck) == ("resolved", "false_positive", None)
    assert flags(case) == [] and [n.type for n in notes(effects)][-1] == "resolved"


def test_a_stuck_signal_lifts_its_case_as_it_would_have() -> None:
    d = FakeDirectory()
    signal = make_signal("s1", "transfer_attempt")
    fresh = open_case("case-9", signal, POLICY, at())
    case, _ = mark_stuck(fresh, WHAT, at(), d.facts(), signal, score=95)
    assert (case.tier, case.score) == ("high", 95)
    unscored, _ = mark_stuck(fresh, WHAT, at(), d.facts(), signal)
    assert unscored.tier == "low"  # scoring it was what failed: nothing to go on


def test_a_case_stuck_again_says_so_without_paging_its_officers_again() -> None:
    d, _, case, _ = stuck_medium_case()
    again, effects = mark_stuck(case, "deciding SendFailed failed (RuntimeError)", at(m=3),
                                d.facts())
    assert sends(effects) == [] and again.stuck == "deciding SendFailed failed (RuntimeError)"
    assert [n.type for n in notes(effects)] == ["stuck"]
