"""decide works on a copy: nothing the copy changes may reach the case it was given."""

from dataclasses import fields

from tests.unit.domain_fakes import T0, FakeDirectory, arrive, make_signal, report
from warn.domain.case import Case, Delivery, Stage, case_from_dict, case_to_dict, copy_case


def _busy_case() -> Case:
    directory = FakeDirectory()
    case, _ = arrive(None, make_signal("s1", "flagged_call"), T0, directory)
    case, _ = report(case, case.deliveries[0], "delivered", T0, directory)
    assert case.stages and case.deliveries and case.deliveries[0].results
    return case


def test_the_copy_equals_the_case_and_shares_nothing_mutable() -> None:
    case = _busy_case()
    copied = copy_case(case)
    assert copied == case
    assert copied.stages[0] is not case.stages[0]
    assert copied.deliveries[0] is not case.deliveries[0]
    assert copied.deliveries[0].results is not case.deliveries[0].results
    assert copied.kind_scores is not case.kind_scores
    assert copied.signal_ids is not case.signal_ids


def test_changing_every_field_of_the_copy_leaves_the_case_as_it_was() -> None:
    case = _busy_case()
    stored = case_to_dict(case)
    copied = copy_case(case)
    copied.kind_scores["extra"] = 1
    copied.signal_ids.append("s2")
    copied.deliveries[0].results.append("read")
    copied.deliveries.append(Delivery("d-new", 0, "flash_sms", "+8613800000000"))
    for stage in copied.stages:
        for f in fields(Stage):
            if f.type in ("bool", bool):
                setattr(stage, f.name, not getattr(stage, f.name))
    copied.stages.clear()
    assert case_to_dict(case) == stored
    assert case_from_dict(stored) == case
