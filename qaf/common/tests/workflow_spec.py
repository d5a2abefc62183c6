"""Checking a workflow against its specification, written in the tests and not read from the
implementation. Each app's test states its workflow as a table of legal moves (from state, step,
to state) and who may take each step; these helpers check the implementation's table both ways:
nothing legal is missing and nothing else is allowed (a planted illegal move fails)."""

from collections.abc import Iterable

from qaf.common.workflow import Workflow


def assert_moves_are(workflow: Workflow, legal: Iterable[tuple[str, str, str]]) -> None:
    spec = set(legal)
    implemented = workflow.moves()
    extra = sorted(implemented - spec)
    missing = sorted(spec - implemented)
    assert not extra, f"{workflow.name}: moves the specification does not allow: {extra}"
    assert not missing, f"{workflow.name}: legal moves the workflow lacks: {missing}"


def every_case(
    workflow: Workflow, legal: Iterable[tuple[str, str, str]]
) -> list[tuple[str, str, str | None]]:
    """Every (state, step) pair with the target the specification expects, or None where the
    step must be refused: the cases a service-level test drives through the real services."""
    spec = {(s, step): target for s, step, target in legal}
    steps = sorted({step for _, step in spec} | set(workflow.steps))
    return [(s, step, spec.get((s, step))) for s in workflow.states.values for step in steps]
