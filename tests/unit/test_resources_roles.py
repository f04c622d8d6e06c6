"""plugins/module_utils/resources/roles.py: moodle_role: the checks of the options alone, made before any request
(the pages themselves: tests/unit/test_moodle_roles.py; the whole module against the simulator:
tests/integration/targets/moodle_role)."""

import pytest

from options_only import options_error

from ansible_collections.moodleops.auth.plugins.module_utils.resources.roles import ROLE_OPTIONS, RoleResource


@pytest.mark.parametrize("transport, options, message", [
    ("http", dict(shortname="ws_ci", capabilities={"webservice/rest:use": "allowed"}),
     "capabilities holds permissions Moodle does not have: webservice/rest:use=allowed."),
])
def test_options_alone_fail_before_any_request(transport, options, message):
    assert (options_error(RoleResource, ROLE_OPTIONS, transport, **options) or "").startswith(message)


@pytest.mark.parametrize("transport, options", [
    ("http", dict(shortname="ws_ci", capabilities={"webservice/rest:use": "allow", "moodle/site:config": "inherit"})),
])
def test_valid_options_pass(transport, options):
    assert options_error(RoleResource, ROLE_OPTIONS, transport, **options) is None
