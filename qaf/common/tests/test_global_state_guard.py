"""The guard in conftest.py that fails a test leaving global state changed: what it sees."""

import os

import rules
from django.conf import settings
from django.utils import timezone

from conftest import _global_state, global_state_changes


def test_a_setting_changed_directly_is_seen_and_one_put_back_is_not():
    before = _global_state()
    saved = settings.QAF_DEMO_MODE
    settings.QAF_DEMO_MODE = not saved
    try:
        assert global_state_changes(before, _global_state()) == ["settings.QAF_DEMO_MODE"]
    finally:
        settings.QAF_DEMO_MODE = saved
    assert global_state_changes(before, _global_state()) == []


def test_a_setting_added_is_seen():
    before = _global_state()
    settings.QAF_NOT_A_SETTING = 1
    try:
        assert global_state_changes(before, _global_state()) == ["settings.QAF_NOT_A_SETTING"]
    finally:
        del settings.QAF_NOT_A_SETTING


def test_a_setting_given_a_new_value_is_seen():
    """Settings are compared shallowly (identity, then equality): cheap for every test."""
    before = _global_state()
    saved = settings.ALLOWED_HOSTS
    settings.ALLOWED_HOSTS = [*saved, "example.invalid"]
    try:
        assert global_state_changes(before, _global_state()) == ["settings.ALLOWED_HOSTS"]
    finally:
        settings.ALLOWED_HOSTS = saved


def test_environment_time_zone_and_permissions_are_seen():
    """(The language is snapshotted too; with USE_I18N off, activating one changes nothing.)"""
    before = _global_state()
    os.environ["QAF_GUARD_TEST"] = "1"
    timezone.activate("America/New_York")
    rules.add_perm("common_test.guard", rules.always_true)
    try:
        assert global_state_changes(before, _global_state()) == [
            "env QAF_GUARD_TEST",
            "permissions",
            "time zone",
        ]
    finally:
        del os.environ["QAF_GUARD_TEST"]
        timezone.deactivate()
        rules.remove_perm("common_test.guard")
    assert global_state_changes(before, _global_state()) == []
