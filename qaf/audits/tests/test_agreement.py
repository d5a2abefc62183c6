import math
import random
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from qaf.audits.agreement import GRADE_ORDER, agreement, outcome_for, weighted_kappa

pairs_strategy = st.lists(
    st.tuples(st.sampled_from(GRADE_ORDER), st.sampled_from(GRADE_ORDER)), min_size=2, max_size=80
)


@settings(max_examples=200, deadline=None)
@given(pairs_strategy)
def test_linear_weighted_kappa_matches_scikit_learn(pairs):
    ours = weighted_kappa(pairs)
    a, b = zip(*pairs, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = cohen_kappa_score(a, b, labels=list(GRADE_ORDER), weights="linear")
    if ours is None:
        assert math.isnan(theirs)  # both call kappa undefined (no variation to agree on)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_random_data_against_scikit_learn():
    rng = random.Random(4)
    for _ in range(50):
        pairs = [(rng.choice(GRADE_ORDER), rng.choice(GRADE_ORDER)) for _ in range(60)]
        a, b = zip(*pairs, strict=True)
        expected = cohen_kappa_score(a, b, labels=list(GRADE_ORDER), weights="linear")
        assert weighted_kappa(pairs) == pytest.approx(expected)


def test_interval_is_reproducible_and_brackets_kappa():
    rng = random.Random(1)
    pairs = []
    for _ in range(100):
        g = rng.choice(GRADE_ORDER)
        pairs.append((g, g if rng.random() < 0.7 else rng.choice(GRADE_ORDER)))
    first, second = agreement(pairs), agreement(pairs)
    assert first == second
    assert first.low <= first.kappa <= first.high
    assert first.share_agreed == sum(a == b for a, b in pairs) / 100


def test_outcomes():
    assert outcome_for(auditor_grade="good", moderator_grade="good") == "agreed"
    assert outcome_for(auditor_grade="good", moderator_grade="outstanding") == "upgraded"
    assert outcome_for(auditor_grade="good", moderator_grade="inadequate") == "downgraded"
