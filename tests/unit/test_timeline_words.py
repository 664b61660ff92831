"""Every timeline entry the domain writes reads as plain Chinese: each `type` (API data,
English by contract) has a Chinese word, and no detail holds an English word — only the ids
a duty officer looks things up by (signal, delivery, user and team ids), what a person typed,
and what a gateway answered, all of which are shown as they are."""

import re
from datetime import timedelta
from pathlib import Path

from domain_fakes import (
    DUTY_OFFICERS,
    HIGH_KIND,
    LIAISONS,
    LOW_KIND,
    MEDIUM_KIND,
    OFFICERS,
    SCHOOL_WITHOUT_LIAISON,
    FakeDirectory,
    arrive,
    at,
    confirm,
    make_signal,
    notes,
    only,
    report,
    step,
    tick,
)
from hypothesis import given
from test_domain_properties import PROPERTY, play, scenarios

import warn.domain
from warn.domain.case import Case, next_deadline
from warn.domain.decide import mark_stuck
from warn.domain.events import (
    Decline,
    Effect,
    Escalate,
    Note,
    RecordOutcome,
    SendFailed,
    TeamFreed,
)
from warn.domain.words import ago, span, stage_name
from warn.vocabulary import TIMELINE

# A word of three or more Latin letters; ids are taken out before looking.
ENGLISH = re.compile(r"[A-Za-z]{3,}")
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")
# "App" is how Chinese writes it (国家反诈中心App); nothing else of Latin letters is a word.
LOANWORDS = frozenset({"App"})
TYPED = " — "  # what an entry puts before what a person typed (purge.py NOTE_MARK)
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_in(detail: str, ids: set[str], quoted: tuple[str, ...] = ()) -> list[str]:
    said = detail.partition(TYPED)[0]
    for text in quoted:
        said = said.replace(text, "")
    return [token for token in TOKEN.findall(said)
            if token not in ids and token not in LOANWORDS and ENGLISH.search(token)]


def ids_of(case: Case, directory: FakeDirectory) -> set[str]:
    people = [*LIAISONS, *OFFICERS, *DUTY_OFFICERS, "officer-chen", "officer", "someone",
              *directory.taken, *(t for pool in directory.free_teams.values() for t in pool)]
    return {case.id, *case.signal_ids, *(d.id for d in case.deliveries),
            *(d.recipient for d in case.deliveries), *people}


def test_every_type_the_domain_writes_has_a_chinese_word() -> None:
    source = "".join(path.read_text(encoding="utf-8")
                     for path in Path(warn.domain.__file__).parent.glob("*.py"))
    written = set(re.findall(r'note\(\s*"([a-z_]+)"', source)) | {"wait_expired",
                                                                   "ack_expired"}
    assert {"signal", "dispatched", "resolved"} <= written  # the scan finds the notes
    missing = sorted(t for t in written if not CJK.search(TIMELINE.get(t, "")))
    assert missing == [], f"timeline types without a Chinese word: {missing}"


def _run(directory: FakeDirectory, case: Case | None, effects: list[Effect],
         done: tuple[Case, list[Effect]]) -> Case:
    """Keep the effects of one decision and go on with the case it returned."""
    effects.extend(done[1])
    return done[0]


def _medium_school_case(d: FakeDirectory, effects: list[Effect]) -> Case:
    """A student: the callback hangs up, the school acknowledges, then time runs on."""
    case = _run(d, None, effects, arrive(None, make_signal("s-m1", MEDIUM_KIND), at(), d))
    case = _run(d, case, effects, report(case, only(case, "callback_96110"), "hung_up",
                                         at(m=1), d))
    school = [dl for dl in case.deliveries if dl.channel == "school_group"]
    if school:
        case = _run(d, case, effects, report(case, school[0], "acknowledged", at(m=2), d,
                                             actor="liaison-li"))
    return _run_out(d, case, effects)


def _run_out(d: FakeDirectory, case: Case, effects: list[Effect]) -> Case:
    """Let the clock fire every deadline the case has left."""
    for _ in range(20):
        due = next_deadline(case)
        if case.state == "resolved" or due is None:
            break
        case = _run(d, case, effects, tick(case, due, d))
    return case


def _scenarios() -> list[tuple[Case, FakeDirectory, list[Effect], tuple[str, ...]]]:
    """Cases that between them write every kind of entry the ladder knows."""
    runs = []
    # a student: callback hung up, the school acknowledges, the ladder runs out
    d, effects = FakeDirectory(), []
    runs.append((_medium_school_case(d, effects), d, effects, ()))
    # a high case: confirm overdue, no team free, the team goes out, a send fails
    d, effects = FakeDirectory(), []
    d.no_free_team()
    case = _run(d, None, effects, arrive(None, make_signal("s-h1", HIGH_KIND), at(), d))
    case = _run(d, case, effects, tick(case, at(m=5), d))
    case = _run(d, case, effects, tick(case, at(m=8), d))
    if case.current is not None:
        case = _run(d, case, effects, confirm(case, case.current, at(m=9), d))
    d.free()
    case = _run(d, case, effects, step(case, TeamFreed(), at(m=10), d))
    case = _run(d, case, effects, step(case, SendFailed(case.deliveries[0].id,
                                                        "网关拒收"), at(m=11), d))
    team = [dl for dl in case.deliveries if dl.channel == "mobile_team"]
    if team:
        case = _run(d, case, effects, report(case, team[0], "acknowledged", at(m=12), d))
        case = _run(d, case, effects, report(case, team[0], "not_found", at(m=13), d))
    case = _run(d, case, effects, step(case, RecordOutcome("victimized", "officer-zhang",
                                                           "已转出 5,000 元"), at(m=14), d))
    case = _run(d, case, effects, report(case, case.deliveries[0], "read", at(m=15), d))
    runs.append((case, d, effects, ("网关拒收",)))
    # a low case, then an upgrade inside the flash cooldown; declined, escalated, stuck
    d, effects = FakeDirectory(), []
    case = _run(d, None, effects, arrive(None, make_signal("s-l1", LOW_KIND,
                                                          school=SCHOOL_WITHOUT_LIAISON),
                                         at(), d))
    case = _run(d, case, effects, arrive(case, make_signal(
        "s-l2", MEDIUM_KIND, school=SCHOOL_WITHOUT_LIAISON), at(m=3), d))
    case = _run(d, case, effects, step(case, Escalate("officer-zhang", "家属已联系上"),
                                       at(m=4), d))
    for minutes in (20, 40, 80):
        if case.current is not None and case.stages[case.current].state == \
                "awaiting_confirmation":
            case = _run(d, case, effects, step(case, Decline(case.current, "officer-zhang",
                                                             "本人已到派出所"), at(m=minutes), d))
        case = _run(d, case, effects, tick(case, at(m=minutes), d))
    case = _run(d, case, effects, mark_stuck(case, "渲染闪信失败", at(m=90), d.facts()))
    runs.append((case, d, effects, ()))
    # a low case that closes by itself as warned
    d, effects = FakeDirectory(), []
    case = _run(d, None, effects, arrive(None, make_signal("s-w1", LOW_KIND), at(), d))
    case = _run(d, case, effects, tick(case, at(h=3), d))
    runs.append((case, d, effects, ()))
    return runs


def test_the_entries_of_a_set_of_cases_are_all_chinese() -> None:
    seen: set[str] = set()
    for case, directory, effects, quoted in _scenarios():
        ids = ids_of(case, directory)
        for note in notes(effects):
            seen.add(note.type)
            assert CJK.search(TIMELINE.get(note.type, "")), note.type
            assert english_in(note.detail, ids, quoted) == [], note
    assert {"signal", "dispatched", "result", "stage_failed", "acknowledged", "resolved",
            "awaiting_confirmation", "duty_page", "overdue", "confirmed", "no_team",
            "delivery_failed", "flash_suppressed", "channel_skipped", "escalated",
            "ladder_ended", "stuck", "tier_upgrade"} <= seen, seen


@PROPERTY
@given(scenarios)
def test_whatever_happens_to_a_case_its_timeline_is_chinese(scenario) -> None:
    directory = FakeDirectory()
    for played in play(scenario):
        ids = ids_of(played.after, directory) | {f"s{n}" for n in range(64)} | {
            f"team-{n}" for n in range(64)}
        quoted = ("gateway down",)  # the property runs' gateways answer in English
        for effect in played.effects:
            if isinstance(effect, Note):
                assert CJK.search(TIMELINE.get(effect.type, "")), effect.type
                assert english_in(effect.detail, ids, quoted) == [], effect


def test_stages_are_named_by_tier_and_place_counted_from_one() -> None:
    assert stage_name("medium", 0) == "中风险第1级"
    assert stage_name("high", 1) == "高风险第2级"


def test_spans_are_said_as_a_duty_room_says_them() -> None:
    assert [span(timedelta(seconds=s)) for s in (90, 600, 7200, 5400, 45, 3725)] == [
        "90秒", "10分钟", "2小时", "1小时30分钟", "45秒", "1小时2分5秒"]
    assert [ago(timedelta(seconds=s)) for s in (40, 180, 3900, 7200)] == [
        "40秒前", "3分钟前", "1小时5分钟前", "2小时前"]
