"""Property: a deadline is acted on once. After any step of any history, the clock firing
again at the same instant finds nothing due: the case stays as it is and nothing is sent.
(At the service level, tests/integration/test_timer_properties.py checks that each timer
row fires at most once whatever the schedulers and the broker do.)"""

import copy

from domain_fakes import FakeDirectory
from hypothesis import given
from test_domain_properties import PROPERTY, Scenario, play, scenarios

from warn.domain.decide import decide
from warn.domain.events import Send, Tick


@PROPERTY
@given(scenarios)
def test_a_second_tick_at_the_same_instant_does_nothing(scenario: Scenario) -> None:
    for step in play(scenario):
        if not isinstance(step.event, Tick) or step.refused:
            continue
        before = copy.deepcopy(step.after)
        directory = FakeDirectory()
        directory.no_free_team()  # no team freed in between: nothing new may happen
        # A tick is never refused, even on a resolved case: a Rejected must fail the test.
        again, effects = decide(step.after, Tick(), step.now, directory.facts())
        assert again == before, "a deadline already handled was handled again"
        assert not [e for e in effects if isinstance(e, Send)]
