"""The lockout holds under parallel attempts (issue 17: fifteen parallel attempts let nine
passwords be tried where the limit is five). Real threads, real transactions, on whichever
database the suite runs on (CI runs it on SQLite and PostgreSQL)."""

import contextlib
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

from qaf.accounts.models import LoginFailure
from qaf.accounts.tests.factories import UserFactory
from qaf.accounts.tests.helpers import post_sign_in

PARALLEL = 15
LIMIT = 5


@pytest.fixture
def checks(monkeypatch):
    """Counts the passwords actually checked (ModelBackend.authenticate reached)."""
    seen = {"count": 0}
    lock = threading.Lock()
    original = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        with lock:
            seen["count"] += 1
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return seen


def attempt(username: str, password: str, address: str) -> int:
    try:
        return post_sign_in(Client(), username, password, REMOTE_ADDR=address).status_code
    finally:
        connection.close()


@contextlib.contextmanager
def database_file() -> Iterator[None]:
    """The suite's SQLite database is in memory, shared between threads in SQLite's shared-cache
    mode, whose table locks fail at once instead of waiting: not how QAF runs. For the race the
    threads use a copy in a file opened as in production (WAL, IMMEDIATE transactions, a busy
    timeout); the result is copied back. PostgreSQL needs none of this."""
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


def in_parallel(calls: list[tuple[str, str, str]]) -> list[int]:
    start = threading.Barrier(len(calls))

    def run(call: tuple[str, str, str]) -> int:
        start.wait(timeout=30)
        return attempt(*call)

    with database_file(), ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_check_at_most_the_limit(checks):
    UserFactory(username="alice")
    statuses = in_parallel([("alice", "wrong-password-123", "203.0.113.10")] * PARALLEL)
    assert statuses == [200] * PARALLEL
    assert checks["count"] == LIMIT
    assert LoginFailure.objects.filter(username="alice").count() == LIMIT


@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_for_other_usernames_are_not_held_up(checks):
    UserFactory(username="alice")
    UserFactory(username="bob")
    calls = [("alice", "wrong-password-123", "203.0.113.10")] * 8
    calls += [("bob", "correct-horse-battery", "203.0.113.10")] * 4
    statuses = in_parallel(calls)
    assert statuses.count(302) == 4  # every one of Bob's sign-ins got through
    assert checks["count"] == LIMIT + 4
