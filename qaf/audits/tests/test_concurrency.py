"""Two people (or one double click) at the same moment, for real: two threads, each with its own
database connection, released together by a barrier. Run on SQLite (IMMEDIATE transactions
queue the writers) and on PostgreSQL (row locks and unique indexes decide) alike:

    .venv/bin/pytest qaf/audits/tests/test_concurrency.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qaf_dev_x .venv/bin/pytest ...

Two saves with the same expected version: exactly one wins, the other gets a conflict that
carries both texts and saves nothing. The same request twice: one record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from qaf.accounts.models import Role
from qaf.audits import services
from qaf.audits.models import (
    Audit,
    AuditStatus,
    AuditTransition,
    CycleStatus,
    Moderation,
    Reflection,
    Triad,
)
from qaf.audits.tests.factories import SECTIONS, committed_cycle, fill_form
from qaf.common import clock
from qaf.tools.services import FormResponseConflict, form_response_save_section

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def _threads_use_a_database_file() -> Iterator[None]:
    """The test run's SQLite database lives in memory, shared between connections in SQLite's
    shared-cache mode, which has table locks that fail at once instead of waiting: not how
    QAF runs. So for the race, copy it to a file opened as in production (WAL, IMMEDIATE
    transactions, a busy timeout), let the threads' connections use the file, and copy the
    result back. PostgreSQL needs none of this."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "race.sqlite3")
        on_disk = sqlite3.connect(path)
        connection.connection.backup(on_disk)
        on_disk.execute("PRAGMA journal_mode=WAL")
        on_disk.close()
        original = connections.settings[DEFAULT_DB_ALIAS]
        connections.settings[DEFAULT_DB_ALIAS] = {**original, "NAME": path}
        try:
            yield
        finally:
            connections.settings[DEFAULT_DB_ALIAS] = original
            on_disk = sqlite3.connect(path)
            on_disk.backup(connection.connection)
            on_disk.close()


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls at once, each in its own thread and connection: ("ok", result) or
    ("error", exception) for each, in order."""
    with _threads_use_a_database_file():
        return _race(*calls)


def _race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", call())
        except Exception as exc:  # the test inspects what each thread got
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(kind != "missing" for kind, _ in results), results
    return results


def _in_moderation(council: Any) -> tuple[Any, Moderation]:
    setup = committed_cycle(council)
    audit = Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff).first()
    audit = fill_form(audit, setup.auditor)
    services.audit_transition(audit=audit, action="submit", by=setup.auditor)
    moderation = services.moderation_start(audit=audit, by=setup.moderator)
    return setup, moderation


def test_two_moderation_saves_at_once_one_wins_the_other_sees_both_texts(council):
    setup, moderation = _in_moderation(council)
    version = moderation.row_version

    def save(attendees: str) -> Callable[[], Moderation]:
        def call() -> Moderation:
            return services.moderation_save(
                moderation=Moderation.objects.get(pk=moderation.pk),
                by=setup.moderator,
                expected_version=version,
                meeting_date=clock.today() - dt.timedelta(days=1),
                attendees=attendees,
                section_grades={k: {"grade": "good", "reason": ""} for k in SECTIONS},
                overall_grade="good",
                overall_reason="",
                action_checks={},
            )

        return call

    results = race(save("Moderator and auditor A"), save("Moderator and auditor B"))
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    winner = next(value for kind, value in results if kind == "ok")
    conflict = next(value for kind, value in results if kind == "error")
    assert isinstance(conflict, services.AuditConflict)
    # The conflict keeps both texts: the saved one and the one that was not saved.
    assert conflict.current.attendees == winner.attendees
    assert conflict.attempted["attendees"] != winner.attendees
    saved = Moderation.objects.get(pk=moderation.pk)
    assert saved.row_version == version + 1
    assert saved.attendees == winner.attendees


def test_two_saves_of_the_same_audit_section_at_once_one_wins(council):
    setup = committed_cycle(council)
    audit = Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff).first()
    audit = services.audit_open_form(audit=audit, by=setup.auditor)
    form = audit.form
    version = form.row_version
    section = form.definition.sections[0]
    question = next(q for q in section.questions if q.type == "long_text")

    def save(text: str) -> Callable[[], Any]:
        def call() -> Any:
            return form_response_save_section(
                response=type(form).objects.get(pk=form.pk),
                section_key=section.key,
                data={question.key: text},
                by=setup.auditor,
                expected_version=version,
            )

        return call

    results = race(save("The first auditor's notes"), save("The second auditor's notes"))
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    conflict = next(value for kind, value in results if kind == "error")
    assert isinstance(conflict, FormResponseConflict)
    form.refresh_from_db()
    assert form.row_version == version + 1
    assert conflict.attempted[question.key] != form.answers[question.key]


def test_a_double_clicked_submit_submits_once(council):
    setup = committed_cycle(council)
    audit = Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff).first()
    audit = fill_form(audit, setup.auditor)
    version = Audit.objects.get(pk=audit.pk).row_version

    def submit() -> Audit:
        return services.audit_transition(
            audit=Audit.objects.get(pk=audit.pk),
            action="submit",
            by=setup.auditor,
            expected_version=version,
        )

    results = race(submit, submit)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.SUBMITTED
    assert (
        AuditTransition.objects.filter(audit_id=audit.pk, to_status=AuditStatus.SUBMITTED).count()
        == 1
    )


def test_a_double_clicked_finalise_finalises_once(council):
    setup, moderation = _in_moderation(council)
    moderation = services.moderation_save(
        moderation=moderation,
        by=setup.moderator,
        expected_version=moderation.row_version,
        meeting_date=clock.today(),
        attendees="Moderator and auditor",
        section_grades={k: {"grade": "good", "reason": ""} for k in SECTIONS},
        overall_grade="good",
        overall_reason="",
        action_checks={},
    )

    def finalise() -> Moderation:
        return services.moderation_finalise(
            moderation=Moderation.objects.get(pk=moderation.pk),
            by=setup.moderator,
            expected_version=moderation.row_version,
            confirmed_outcome="agreed",
        )

    results = race(finalise, finalise)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert (
        AuditTransition.objects.filter(
            audit_id=moderation.audit_id, to_status=AuditStatus.FINALISED
        ).count()
        == 1
    )


def test_a_double_clicked_commit_commits_once(council):
    from qaf.audits.models import CycleTool
    from qaf.organisation.models import Service
    from qaf.tools.tests.factories import library_version

    setup = committed_cycle(council)
    qa = setup.qa
    cycle = services.cycle_create(
        name="Winter dip sample",
        template="dip_sample",
        start_date=clock.today(),
        rule={"per_stratum_quota": 1, "strata": ["team"]},
        seed=3,
        by=qa,
    )
    for service in Service.objects.all():
        CycleTool.objects.create(cycle=cycle, service=service, tool_version=library_version())
    services.cycle_draw_sample(cycle=cycle, by=qa)
    cycle.refresh_from_db()
    version = cycle.row_version

    def commit() -> Any:
        return services.cycle_commit(cycle=cycle, by=qa, expected_version=version)

    results = race(commit, commit)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMMITTED
    in_sample = cycle.sampled_cases.filter(status__in=("proposed", "added")).count()
    assert Audit.objects.filter(cycle=cycle).count() == in_sample


def test_the_same_reflection_sent_twice_at_once_is_one_reflection(council):
    setup = committed_cycle(council)
    audit = Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff).first()
    audit = fill_form(audit, setup.auditor)
    audit = services.audit_transition(audit=audit, action="submit", by=setup.auditor)
    # The reflecting practitioner: the worker whose case it is.
    author = council.users[Role.PRACTITIONER]
    Audit.objects.filter(pk=audit.pk).update(practitioner=author.staff)
    audit.refresh_from_db()

    def reflect() -> Reflection:
        return services.reflection_add(
            audit=audit, by=author, text="We have since updated the plan.", idempotency_key="k-1"
        )

    results = race(reflect, reflect)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert results[0][1].pk == results[1][1].pk
    assert Reflection.objects.filter(audit=audit).count() == 1


def test_the_same_triad_sent_twice_at_once_is_one_triad(council):
    setup, moderation = _in_moderation(council)
    moderation = services.moderation_save(
        moderation=moderation,
        by=setup.moderator,
        expected_version=moderation.row_version,
        meeting_date=clock.today(),
        attendees="Moderator and auditor",
        section_grades={
            k: {"grade": "requires_improvement", "reason": "No plan"} for k in SECTIONS
        },
        overall_grade="requires_improvement",
        overall_reason="No plan",
        action_checks={},
    )
    services.moderation_finalise(
        moderation=moderation,
        by=setup.moderator,
        expected_version=moderation.row_version,
        confirmed_outcome="downgraded",
    )
    audit = Audit.objects.get(pk=moderation.audit_id)

    def record() -> Triad:
        return services.triad_record(
            cycle=setup.cycle,
            audits=[audit],
            manager_one=council.users[Role.TEAM_MANAGER].staff,
            manager_two=council.users[Role.SERVICE_MANAGER].staff,
            qa_member=council.users[Role.QA_OFFICER].staff,
            date=clock.today(),
            discussion="Why the plan was graded good.",
            variance_reasons="Different readings of the plan's timescales.",
            learning="Timescales are part of a good plan.",
            by=setup.qa,
            idempotency_key="triad-1",
        )

    results = race(record, record)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert Triad.objects.count() == 1
