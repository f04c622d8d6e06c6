"""plugins/module_utils/resources/auth_plugins.py: moodle_auth_plugin: the checks of the options alone, made before
any request (the pages themselves: tests/unit/test_moodle_auth_plugins.py; the whole module against the
simulator: tests/integration/targets/moodle_auth_plugin)."""

import pytest

from options_only import options_error

from ansible_collections.moodleops.auth.plugins.module_utils.resources.auth_plugins import AUTH_PLUGIN_OPTIONS, AuthPluginResource


@pytest.mark.parametrize("transport, options, message", [
    ("http", dict(name="userkey", position=1), "position needs state: enabled."),
    ("http", dict(name="userkey", state="disabled", position=2), "position needs state: enabled."),
    ("cli", dict(name="auth_userkey", state="enabled", position=0), "position counts from 1"),
])
def test_options_alone_fail_before_any_request(transport, options, message):
    assert (options_error(AuthPluginResource, AUTH_PLUGIN_OPTIONS, transport, **options) or "").startswith(message)


@pytest.mark.parametrize("transport, options", [
    ("http", dict(name="auth_userkey", state="enabled", position=1,
                  settings={"mappingfield": "username"})),
    ("cli", dict(name="email", state="disabled")),
])
def test_valid_options_pass(transport, options):
    assert options_error(AuthPluginResource, AUTH_PLUGIN_OPTIONS, transport, **options) is None
