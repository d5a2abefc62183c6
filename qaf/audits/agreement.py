"""How far moderators agree with auditors: share of grades agreed and weighted Cohen's kappa.

Grades are ordinal, so disagreement by one step matters less than by three. The order is the
grade scale of the tool version the audits were completed on (qaf.tools: `GradeScale`, best
grade first), never a list in code: a new inspection framework is a new tool version, and these
statistics follow it. We use **linear weights** (w_ij = |i - j| / (k - 1)), the same as
scikit-learn's ``cohen_kappa_score(..., weights="linear")``, over the whole scale (so a group
where nobody used the best grade is still measured on the same scale). Kappa is defined within
one scale: pairs graded on different scales are counted separately (group them by scale).

The confidence interval is a percentile bootstrap (2,000 resamples of the rated pairs) with a
fixed seed, so the same data always gives the same interval. Pure Python: no ORM.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from qaf.tools.definition import GradeScale, library_index, library_read

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240401


@cache
def shipped_case_audit_scale() -> GradeScale:
    """The scale of the shipped universal case audit, version 1 (Ofsted's four grades), read
    from its file. Only for callers that do not yet pass the scale of their audits' own tool
    version; they should (see GRADE_ORDER)."""
    first = next(path for key, path in library_index() if key == "universal-case-audit")
    scale = library_read(first).grade_scale
    assert scale is not None
    return scale


def __getattr__(name: str) -> Any:
    """`GRADE_ORDER`, the old constant, kept working as a thin alias computed from the tool data
    (the shipped universal case audit's scale, best first) for call sites not yet converted to
    the scale of the audit's own tool version."""
    if name == "GRADE_ORDER":
        return shipped_case_audit_scale().values
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def weighted_kappa(
    pairs: Sequence[tuple[str, str]], *, categories: Sequence[str] | None = None
) -> float | None:
    """Linear-weighted Cohen's kappa for (rater A, rater B) pairs over `categories` (a scale's
    grades in order). None when undefined (no pairs, or both raters used one and the same grade
    throughout: no variation to agree on)."""
    if categories is None:
        categories = shipped_case_audit_scale().values
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
    scale: GradeScale | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Agreement:
    """Agreement over (auditor grade, moderator grade) pairs graded on `scale` (the audits' tool
    version's); pairs with a grade outside the scale are left out."""
    order = (scale or shipped_case_audit_scale()).values
    pairs = [p for p in pairs if p[0] in order and p[1] in order]
    n = len(pairs)
    agreed = sum(1 for a, b in pairs if a == b)
    kappa = weighted_kappa(pairs, categories=order)
    low = high = None
    if kappa is not None and n >= 2:
        rng = random.Random(seed)
        values = []
        for _ in range(resamples):
            sample = [pairs[rng.randrange(n)] for _ in range(n)]
            value = weighted_kappa(sample, categories=order)
            if value is not None:
                values.append(value)
        if values:
            values.sort()
            low = values[int(0.025 * (len(values) - 1))]
            high = values[int(0.975 * (len(values) - 1))]
    return Agreement(pairs=n, agreed=agreed, kappa=kappa, low=low, high=high)


def grade_distance(a: str, b: str, *, scale: GradeScale | None = None) -> int:
    """Steps between two grades on the scale (0 when agreed)."""
    scale = scale or shipped_case_audit_scale()
    return abs(scale.rank(a) - scale.rank(b))


def outcome_for(
    *, auditor_grade: str, moderator_grade: str, scale: GradeScale | None = None
) -> str:
    """agreed / upgraded / downgraded from the overall grades (a better grade ranks lower)."""
    scale = scale or shipped_case_audit_scale()
    a, m = scale.rank(auditor_grade), scale.rank(moderator_grade)
    if a == m:
        return "agreed"
    return "upgraded" if m < a else "downgraded"
