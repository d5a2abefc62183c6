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


# --- Cases found by mutation testing (docs/testing.md, "Mutation testing") ---------------------


def owner_of(user, obj):
    """A rule that reads the person and the object: only the lamp's owner may switch it on."""
    return user is not None and getattr(obj, "owner", None) == user


def owned(max_reason: int = 2000) -> Workflow:
    return Workflow(
        name="owned light",
        noun="lamp",
        states=Light,
        steps=[
            Step("go", "Go", frozenset({Light.RED}), Light.GREEN, owner_of),
            Step("switch_off", "Switch off", frozenset({Light.RED}), Light.OFF, anyone, "Why"),
            Step("fade", "Fade", frozenset({Light.GREEN}), Light.OFF, anyone),
        ],
        final=[Light.OFF],
        max_reason=max_reason,
    )


def test_the_workflow_keeps_its_name_and_names_the_record_in_messages():
    wf = owned()
    assert (wf.name, wf.noun, wf.field) == ("owned light", "lamp", "status")
    with pytest.raises(IllegalTransition, match=r"^This lamp is switched off: “Go” is not"):
        wf.check(SimpleNamespace(status="off", owner="ann"), "go", by="ann")
    with pytest.raises(NotAllowed, match=r"^You cannot “go” on this lamp\.$"):
        wf.check(SimpleNamespace(status="red", owner="ann"), "go", by="bob")


def test_who_is_asked_about_this_person_and_this_object():
    wf = owned()
    lamp = SimpleNamespace(status="red", owner="ann")
    assert wf.can(lamp, "go", by="ann")
    assert not wf.can(lamp, "go", by="bob")
    assert [s.name for s in wf.available(lamp, by="ann")] == ["go", "switch_off"]
    assert wf.check(lamp, "go", by="ann").name == "go"
    assert wf.move(lamp, "go", by="ann") == "red"
    assert lamp.status == "green"
    with pytest.raises(NotAllowed, match="You cannot “go”"):
        wf.move(SimpleNamespace(status="red", owner="ann"), "go", by="bob")


def test_a_reason_may_be_exactly_as_long_as_allowed_and_no_longer():
    wf = owned(max_reason=5)
    lamp = SimpleNamespace(status="red", owner="ann")
    assert wf.check(lamp, "switch_off", by="ann", reason="  abcde  ").name == "switch_off"
    with pytest.raises(Invalid, match=r"^Why must be 5 characters or fewer\.$"):
        wf.check(lamp, "switch_off", by="ann", reason="abcdef")
    with pytest.raises(Invalid, match=r"^The reason must be 5 characters or fewer\.$"):
        wf.check(SimpleNamespace(status="green"), "fade", by="ann", reason="abcdef")


def test_no_reason_is_no_text_even_when_the_limit_is_tiny():
    """A missing reason counts as nothing typed, not as some placeholder text."""
    wf = owned(max_reason=0)
    assert wf.check(SimpleNamespace(status="green"), "fade", by="ann").name == "fade"
    assert wf.check(SimpleNamespace(status="green"), "fade", by="ann", reason=None).name == "fade"


def test_a_workflow_whose_every_state_is_final_is_allowed():
    wf = Workflow(name="done", noun="thing", states=Light, steps=[], final=list(Light.values))
    assert wf.open_states == frozenset()
    assert wf.moves() == set()
    assert wf.label_of("off") == "Switched off"
    assert wf.state_of(SimpleNamespace(status="red")) == "red"


def test_moving_without_a_reason_is_moving_with_none():
    obj = light("red")
    with pytest.raises(Invalid, match=r"^Enter the reason for switching off\.$"):
        make().move(obj, "switch_off", by="anyone")
    assert obj.status == "red"
    assert make().move(obj, "go", by="driver") == "red"


def test_a_rules_predicate_of_person_and_object_is_asked_about_both():
    import rules

    owns = rules.predicate(lambda user, obj: getattr(obj, "owner", None) == user)
    wf = Workflow(
        name="p",
        noun="lamp",
        states=Light,
        steps=[Step("go", "Go", frozenset({Light.RED}), Light.GREEN, owns)],
        final=[],
    )
    assert wf.can(SimpleNamespace(status="red", owner="ann"), "go", by="ann")
    assert not wf.can(SimpleNamespace(status="red", owner="ann"), "go", by="bob")
