"""CONTRACT §4 tiers and upgrades: a tier only goes up; on an upgrade the old ladder's
remaining stages are cancelled and the new ladder is appended, skipping channels already
dispatched in its first stage, except flash SMS once flash_cooldown (10m) has passed.
A flash SMS inside the cooldown is never sent, and the timeline says it was suppressed."""

from datetime import timedelta

import pytest
from domain_fakes import (
    HIGH_KIND,
    LIAISONS,
    LOW_KIND,
    MEDIUM_KIND,
    MSISDN,
    TEAM,
    FakeDirectory,
    arrive,
    at,
    confirm,
    make_signal,
    notes,
    sends,
    states,
    step,
    tick,
)

from warn.domain.case import flags, next_deadline
from warn.domain.events import Escalate, RecordOutcome


def channels(effects) -> list[str]:
    return [s.channel for s in sends(effects)]


# --- a tier only goes up ----------------------------------------------------------------------


@pytest.mark.parametrize(("first", "later"), [
    (HIGH_KIND, LOW_KIND),
    (HIGH_KIND, MEDIUM_KIND),
    (MEDIUM_KIND, LOW_KIND),
])
def test_a_weaker_signal_later_does_not_lower_the_tier(first: str, later: str):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", first), at(), d)
    tier, score, stages = case.tier, case.score, states(case)

    case, effects = arrive(case, make_signal("s2", later), at(m=1), d)
    assert case.tier == tier
    assert case.score >= score
    assert states(case) == stages
    assert sends(effects) == []


def test_a_weaker_signal_of_the_same_kind_does_not_lower_the_score():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", "flagged_call", duration_s=1800), at(), d)
    case, _ = arrive(case, make_signal("s2", "flagged_call", duration_s=10), at(m=1), d)
    assert (case.score, case.tier) == (90, "high")


def test_bonus_for_a_new_kind_can_raise_the_tier():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", "scam_sms"), at(), d)  # 30 low
    case, effects = arrive(case, make_signal("s2", "flagged_call"), at(m=1), d)  # 40 + 10 = 50
    assert (case.score, case.tier) == (50, "medium")
    assert notes(effects, "tier_upgrade")


# --- the ladder on an upgrade -----------------------------------------------------------------


def test_upgrade_cancels_the_old_ladder_and_appends_the_new_one_with_next_indexes():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, effects = arrive(case, make_signal("s2", HIGH_KIND), at(m=3), d)

    assert case.tier == "high"
    assert [(s.index, s.tier, s.state) for s in case.stages] == [
        (0, "medium", "cancelled"), (1, "medium", "cancelled"), (2, "medium", "cancelled"),
        (3, "high", "active"), (4, "high", "pending")]
    assert case.current == 3
    assert case.stages[3].started_at == at(m=3)
    assert next_deadline(case) == at(m=5)  # the high stage's ack 2m, from the upgrade
    assert notes(effects, "tier_upgrade")


def test_upgrade_after_the_low_ladder_ended_keeps_its_passed_stage():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, _ = arrive(case, make_signal("s2", MEDIUM_KIND), at(m=15), d)

    assert [(s.index, s.tier, s.state) for s in case.stages] == [
        (0, "low", "passed"), (1, "medium", "active"), (2, "medium", "pending"),
        (3, "medium", "pending")]
    assert next_deadline(case) == at(m=25)  # the medium wait, no longer the case window
    case, _ = tick(case, at(h=2), d)
    assert case.state == "open"


def test_upgrade_of_an_exhausted_case_starts_the_new_ladder():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", "flagged_call", duration_s=300), at(), d)  # 60
    case, _ = step(case, Escalate("officer-zhang"), at(m=1), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=2), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=3), d)
    assert flags(case) == ["exhausted"]

    case, effects = arrive(case, make_signal("s2", "flagged_call", duration_s=1800), at(m=15), d)
    assert case.tier == "high"
    assert states(case) == ["passed", "passed", "passed", "active", "pending"]
    assert channels(effects) == ["flash_sms"]  # callback and school_group went out before
    assert flags(case) == []


def test_upgrade_while_awaiting_confirmation_cancels_it_and_clears_the_flags():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND, school=None), at(), d)
    case, _ = tick(case, at(m=10), d)
    case, _ = tick(case, at(m=15), d)
    assert flags(case) == ["awaiting_confirmation", "overdue"]

    case, _ = arrive(case, make_signal("s2", HIGH_KIND, school=None), at(m=16), d)
    assert states(case) == ["passed", "skipped", "cancelled", "active", "pending"]
    assert flags(case) == []


def test_channels_already_dispatched_are_skipped_in_the_new_first_stage():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)  # flash, callback
    case, effects = arrive(case, make_signal("s2", HIGH_KIND), at(m=3), d)

    # high stage 0 is flash (inside the cooldown), callback (already sent), school_group
    assert [(s.channel, s.recipient) for s in sends(effects)] == [
        ("school_group", name) for name in LIAISONS]
    assert notes(effects, "flash_suppressed")
    assert any("96110回拨本案已发过" in n.detail for n in notes(effects, "channel_skipped"))


def test_new_first_stage_whose_channels_were_all_dispatched_passes_at_once():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=1), d)  # school_group goes out
    case, effects = arrive(case, make_signal("s2", HIGH_KIND), at(m=2), d)

    assert states(case) == ["passed", "cancelled", "cancelled", "skipped",
                            "awaiting_confirmation"]
    assert case.stages[4].reached_at == at(m=2)
    assert [s.channel for s in sends(effects)] == ["duty_page"] * 2


def test_only_the_new_first_stage_skips_dispatched_channels():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=1), d)
    case, _ = step(case, Escalate("officer-zhang"), at(m=2), d)
    case, _ = confirm(case, 2, at(m=3), d)  # TEAM dispatched by the medium ladder
    d.free("team-w2")

    case, _ = arrive(case, make_signal("s2", HIGH_KIND), at(m=4), d)
    case, effects = confirm(case, 4, at(m=5), d)
    assert [(s.channel, s.recipient) for s in sends(effects)] == [("mobile_team", "team-w2")]
    assert d.taken == [TEAM, "team-w2"]


# --- flash SMS and the cooldown ---------------------------------------------------------------


@pytest.mark.parametrize(("upgrade_at", "flash_sent"), [
    (at(m=5), False),
    (at(m=9, s=59), False),
    (at(m=10), True),  # exactly flash_cooldown after the first: not sooner, so it goes
    (at(m=15), True),
])
def test_flash_is_resent_on_upgrade_only_once_the_cooldown_has_passed(upgrade_at, flash_sent):
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, effects = arrive(case, make_signal("s2", MEDIUM_KIND), upgrade_at, d)

    assert ("flash_sms" in channels(effects)) is flash_sent
    assert bool(notes(effects, "flash_suppressed")) is not flash_sent
    assert "callback_96110" in channels(effects)  # never sent before: not skipped
    assert case.stages[1].state == "active"


def test_a_suppressed_flash_is_never_sent_late():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    case, effects = arrive(case, make_signal("s2", MEDIUM_KIND), at(m=5), d)
    sent = list(effects)
    for now in (at(m=10), at(m=15), at(m=20), at(m=30), at(h=1)):
        case, effects = tick(case, now, d)
        sent += effects
    assert states(case) == ["passed", "passed", "passed", "awaiting_confirmation"]
    case, effects = confirm(case, 3, at(h=1), d)
    sent += effects

    assert [s.recipient for s in sends(sent, "flash_sms")] == []
    assert case.last_flash_at == at()


def test_the_timeline_says_the_flash_was_suppressed():
    d = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", LOW_KIND), at(), d)
    _, effects = arrive(case, make_signal("s2", HIGH_KIND), at(m=4), d)

    [note] = notes(effects, "flash_suppressed")
    assert note.at == at(m=4)
    # how long ago, not when: a duty officer reads it beside the entry's own time
    assert note.detail == "闪信未发：上一条闪信4分钟前已发出，冷却期10分钟内不再发送"


@pytest.mark.parametrize(("last_flash", "flash_sent"), [
    (at() - timedelta(minutes=5), False),
    (at() - timedelta(minutes=9, seconds=59), False),
    (at() - timedelta(minutes=10), True),
    (at() - timedelta(hours=3), True),
    (None, True),
])
def test_the_cooldown_holds_across_cases_via_the_directory(last_flash, flash_sent):
    d = FakeDirectory()
    if last_flash is not None:
        d.flashes[MSISDN] = last_flash
    case, effects = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)

    assert ("flash_sms" in channels(effects)) is flash_sent
    assert bool(notes(effects, "flash_suppressed")) is not flash_sent
    assert "callback_96110" in channels(effects)
    assert case.stages[0].state == "active"


def test_the_cooldown_of_another_number_does_not_apply():
    d = FakeDirectory()
    d.flashes["+8613900000000"] = at() - timedelta(minutes=1)
    _, effects = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d)
    assert "flash_sms" in channels(effects)


def test_a_new_case_after_a_resolved_one_keeps_the_cooldown():
    d = FakeDirectory()
    first, effects = arrive(None, make_signal("s1", MEDIUM_KIND), at(), d, case_id="case-1")
    d.record_flashes(effects, at())
    first, _ = step(first, RecordOutcome("false_positive", "officer-zhang"), at(m=1), d)

    _, effects = arrive(None, make_signal("s2", HIGH_KIND), at(m=4), d, case_id="case-2")
    assert "flash_sms" not in channels(effects)
    assert notes(effects, "flash_suppressed")
    assert "callback_96110" in channels(effects)


def test_a_low_case_whose_only_flash_is_inside_the_cooldown_ends_its_ladder_normally():
    # The person was warned minutes ago: the low ladder's one stage is skipped, and as a
    # stage with no wait it still ends the ladder normally (CONTRACT §4: "the low ladder's
    # last stage has no wait: it ends the ladder normally"), so the case closes as warned.
    d = FakeDirectory()
    d.flashes[MSISDN] = at() - timedelta(minutes=3)
    case, effects = arrive(None, make_signal("s1", LOW_KIND), at(), d)

    assert sends(effects, "flash_sms") == []
    assert notes(effects, "flash_suppressed")
    assert states(case) == ["skipped"]
    assert flags(case) == []
    assert next_deadline(case) == at(h=2)
