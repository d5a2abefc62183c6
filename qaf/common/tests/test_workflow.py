"""The workflow helper: its table, who may take a step, reasons, and refusals by kind."""

from types import SimpleNamespace

import pytest
from django.db import models

from qaf.common.errors import IllegalTransition, Invalid, NotAllowed
from qaf.common.workflow import Step, Workflow, anyone, nobody


class Light(models.TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"
    OFF = "off", "Switched off"


def is_driver(user, obj):
    return user == "driver"


def make() -> Workflow:
    return Workflow(
        name="light",
        noun="light",
        states=Light,
        steps=[
            Step("go", "Go", frozenset({Light.RED}), Light.GREEN, is_driver),
            Step("stop", "Stop", frozenset({Light.GREEN}), Light.RED, anyone),
            Step(
                "switch_off",
                "Switch off",
                frozenset({Light.RED, Light.GREEN}),
                Light.OFF,
                anyone,
                reason="Reason for switching off",
                reason_required=True,
            ),
            Step("force", "Force", frozenset({Light.RED}), Light.GREEN, nobody),
        ],
        final=[Light.OFF],
    )


def light(state: str) -> SimpleNamespace:
    return SimpleNamespace(status=state)


SPEC = {
    ("red", "go", "green"),
    ("green", "stop", "red"),
    ("red", "switch_off", "off"),
    ("green", "switch_off", "off"),
    ("red", "force", "green"),
}


def test_moves_lists_every_allowed_move():
    assert make().moves() == SPEC
    assert make().open_states == {"red", "green"}


@pytest.mark.parametrize(
    ("state", "step", "by", "reason", "error", "match"),
    [
        ("green", "go", "driver", "", IllegalTransition, "is green: “Go” is not possible now"),
        ("off", "stop", "driver", "", IllegalTransition, "is switched off"),
        ("red", "nonsense", "driver", "", IllegalTransition, "There is no step called 'nonsense'"),
        ("red", "go", "passenger", "", NotAllowed, "You cannot “go”"),
        ("red", "force", "driver", "", NotAllowed, "You cannot “force”"),
        ("red", "switch_off", "driver", "   ", Invalid, "Enter the reason for switching off"),
        ("red", "switch_off", "driver", "x" * 2001, Invalid, "2000 characters or fewer"),
    ],
)
def test_refusals_say_why_and_change_nothing(state, step, by, reason, error, match):
    obj = light(state)
    with pytest.raises(error, match=match):
        make().move(obj, step, by=by, reason=reason)
    assert obj.status == state


def test_move_sets_the_target_and_returns_the_state_left():
    obj = light("red")
    assert make().move(obj, "switch_off", by="anyone", reason="Night") == "red"
    assert obj.status == "off"


def test_available_is_what_this_person_may_do_now():
    wf = make()
    assert [s.name for s in wf.available(light("red"), by="driver")] == ["go", "switch_off"]
    assert [s.name for s in wf.available(light("red"), by="passenger")] == ["switch_off"]
    assert wf.available(light("off"), by="driver") == []
    assert wf.can(light("green"), "stop", by="passenger")
    assert not wf.can(light("green"), "unknown", by="driver")


@pytest.mark.parametrize(
    ("steps", "final", "match"),
    [
        ([Step("a", "A", frozenset({"red"}), "blue", anyone)], [], "unknown states"),
        ([Step("a", "A", frozenset({"off"}), "red", anyone)], ["off"], "leaves a final state"),
        (
            [Step("a", "A", frozenset({"red"}), "off", anyone)] * 2,
            [],
            "defined twice",
        ),
        ([], ["purple"], "unknown final states"),
    ],
)
def test_a_badly_written_table_is_refused_at_import(steps, final, match):
    with pytest.raises(ValueError, match=match):
        Workflow(name="bad", noun="thing", states=Light, steps=steps, final=final)


def test_a_required_reason_must_be_named():
    with pytest.raises(ValueError, match="requires a reason but does not name it"):
        Step("a", "A", frozenset({"red"}), "off", anyone, reason_required=True)


def test_who_may_be_a_rules_predicate_of_the_person_alone():
    import rules

    is_driver_only = rules.predicate(lambda user: user == "driver")
    wf = Workflow(
        name="p",
        noun="light",
        states=Light,
        steps=[Step("go", "Go", frozenset({Light.RED}), Light.GREEN, is_driver_only)],
        final=[],
    )
    assert wf.can(light("red"), "go", by="driver")
    with pytest.raises(NotAllowed, match="You cannot “go”"):
        wf.check(light("red"), "go", by="passenger")
