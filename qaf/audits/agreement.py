"""How far moderators agree with auditors: share of grades agreed and weighted Cohen's kappa.

Grades are ordinal (Outstanding > Good > Requires improvement > Inadequate), so disagreement by
one step matters less than by three. We use **linear weights** (w_ij = |i - j| / (k - 1)), the
same as scikit-learn's ``cohen_kappa_score(..., weights="linear")``, over the fixed four-point
scale (so a group where nobody used "Outstanding" is still measured on the same scale).

The confidence interval is a percentile bootstrap (2,000 resamples of the rated pairs) with a
fixed seed, so the same data always gives the same interval. Pure Python: no ORM.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass

GRADE_ORDER = ("outstanding", "good", "requires_improvement", "inadequate")
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240401


def weighted_kappa(
    pairs: Sequence[tuple[str, str]], *, categories: Sequence[str] = GRADE_ORDER
) -> float | None:
    """Linear-weighted Cohen's kappa for (rater A, rater B) pairs. None when undefined (no
    pairs, or both raters used one and the same grade throughout: no variation to agree on)."""
    k = len(categories)
    index = {c: i for i, c in enumerate(categories)}
    n = len(pairs)
    if n == 0 or k < 2:
        return None
    observed = [[0] * k for _ in range(k)]
    for a, b in pairs:
        observed[index[a]][index[b]] += 1
    row = [sum(observed[i]) for i in range(k)]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    disagreement_observed = 0.0
    disagreement_expected = 0.0
    for i in range(k):
        for j in range(k):
            w = abs(i - j) / (k - 1)
            disagreement_observed += w * observed[i][j] / n
            disagreement_expected += w * row[i] * col[j] / (n * n)
    if disagreement_expected == 0:
        return None
    return 1 - disagreement_observed / disagreement_expected


@dataclass(frozen=True)
class Agreement:
    pairs: int
    agreed: int
    kappa: float | None
    low: float | None  # 95% bootstrap interval
    high: float | None

    @property
    def share_agreed(self) -> float | None:
        return self.agreed / self.pairs if self.pairs else None


def agreement(
    pairs: Sequence[tuple[str, str]],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Agreement:
    pairs = [p for p in pairs if p[0] in GRADE_ORDER and p[1] in GRADE_ORDER]
    n = len(pairs)
    agreed = sum(1 for a, b in pairs if a == b)
    kappa = weighted_kappa(pairs)
    low = high = None
    if kappa is not None and n >= 2:
        rng = random.Random(seed)
        values = []
        for _ in range(resamples):
            sample = [pairs[rng.randrange(n)] for _ in range(n)]
            value = weighted_kappa(sample)
            if value is not None:
                values.append(value)
        if values:
            values.sort()
            low = values[int(0.025 * (len(values) - 1))]
            high = values[int(0.975 * (len(values) - 1))]
    return Agreement(pairs=n, agreed=agreed, kappa=kappa, low=low, high=high)


def grade_distance(a: str, b: str) -> int:
    """Steps between two grades on the scale (0 when agreed)."""
    return abs(GRADE_ORDER.index(a) - GRADE_ORDER.index(b))


def outcome_for(*, auditor_grade: str, moderator_grade: str) -> str:
    """agreed / upgraded / downgraded from the overall grades (lower index = better grade)."""
    a, m = GRADE_ORDER.index(auditor_grade), GRADE_ORDER.index(moderator_grade)
    if a == m:
        return "agreed"
    return "upgraded" if m < a else "downgraded"
