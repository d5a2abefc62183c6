"""How well the safety screen finds disclosures in the held-out half of the labelled set.

    .venv/bin/python -m qaf.text.evaluate      (make eval-safety)

prints recall (disclosures that raise an alert) and the false-alarm rate (ordinary texts that
raise one) for the word list alone, the model alone and the two together (what QAF runs), then
every missed disclosure and every false alarm with its signals. Nothing here tunes anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .labelled import Example, heldout_examples
from .safety import Screener, ScreenResult

GOAL_RECALL = 0.97
GOAL_FALSE_ALARMS = 0.10


@dataclass(frozen=True)
class Figures:
    name: str
    found: int
    disclosures: int
    false_alarms: int
    ordinary: int

    @property
    def recall(self) -> float:
        return self.found / self.disclosures

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.ordinary

    @property
    def meets_goal(self) -> bool:
        return self.recall >= GOAL_RECALL and self.false_alarm_rate <= GOAL_FALSE_ALARMS

    def row(self) -> str:
        return (
            f"| {self.name} | {self.recall:.1%} ({self.found}/{self.disclosures}) "
            f"| {self.false_alarm_rate:.1%} ({self.false_alarms}/{self.ordinary}) |"
        )


@dataclass(frozen=True)
class Evaluation:
    list_only: Figures
    model_only: Figures
    combined: Figures
    results: list[tuple[Example, ScreenResult]]

    @property
    def misses(self) -> list[tuple[Example, ScreenResult]]:
        return [(e, r) for e, r in self.results if e.disclosure and not r.alert]

    @property
    def false_alarms(self) -> list[tuple[Example, ScreenResult]]:
        return [(e, r) for e, r in self.results if not e.disclosure and r.alert]


def _figures(name: str, examples: list[Example], alerts: list[bool]) -> Figures:
    return Figures(
        name,
        found=sum(a for e, a in zip(examples, alerts, strict=True) if e.disclosure),
        disclosures=sum(e.disclosure for e in examples),
        false_alarms=sum(a for e, a in zip(examples, alerts, strict=True) if not e.disclosure),
        ordinary=sum(not e.disclosure for e in examples),
    )


def evaluate(screener: Screener, examples: list[Example] | None = None) -> Evaluation:
    examples = heldout_examples() if examples is None else examples
    results = [(e, screener.screen(e.text)) for e in examples]
    by_list = [any(s.kind == "list" for s in r.signals) for _, r in results]
    by_model = [any(s.kind == "model" for s in r.signals) for _, r in results]
    return Evaluation(
        list_only=_figures("word list alone", examples, by_list),
        model_only=_figures("model alone", examples, by_model),
        combined=_figures("model + word list (QAF)", examples, [r.alert for _, r in results]),
        results=results,
    )


def report(evaluation: Evaluation, status: str) -> str:
    c = evaluation.combined
    lines = [
        f"Safety screen on the held-out half: {c.disclosures + c.ordinary} texts "
        f"({c.disclosures} disclosures, {c.ordinary} ordinary). {status}.",
        "",
        "| screen | recall | false alarms |",
        "|---|---|---|",
        evaluation.list_only.row(),
        evaluation.model_only.row(),
        c.row(),
        "",
        f"Goal: recall at least {GOAL_RECALL:.0%} with at most {GOAL_FALSE_ALARMS:.0%} false "
        f"alarms: recall {'met' if c.recall >= GOAL_RECALL else 'MISSED'}, false alarms "
        f"{'met' if c.false_alarm_rate <= GOAL_FALSE_ALARMS else 'MISSED'}.",
        "",
        f"Missed disclosures ({len(evaluation.misses)}):",
    ]
    for e, r in evaluation.misses:
        score = "n/a" if r.model_score is None else f"{r.model_score:.3f}"
        lines.append(f"  [{e.id}] {e.text}  (best model score {score})")
    lines += ["", f"False alarms ({len(evaluation.false_alarms)}):"]
    for e, r in evaluation.false_alarms:
        lines.append(f"  [{e.id}] {e.text}")
        lines.extend(f"      {line}" for line in r.explanation())
    return "\n".join(lines)


def main() -> None:
    screener = Screener.load()
    if screener.embedder is None:
        raise SystemExit(f"The model did not load: {screener.status.description}")
    print(report(evaluate(screener), screener.status.description))


if __name__ == "__main__":
    main()
