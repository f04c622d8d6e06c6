"""plugins/module_utils/resources/services.py: moodle_external_service: the checks of the options alone, made
before any request (the pages themselves: tests/unit/test_moodle_services.py; the whole module against the
simulator: tests/integration/targets/moodle_external_service)."""

import pytest

from options_only import options_error

from ansible_collections.moodleops.auth.plugins.module_utils.resources.services import SERVICE_OPTIONS, ServiceResource


@pytest.mark.parametrize("transport, options, message", [
    ("http", dict(name=None, shortname=None), "Give name or shortname to say which service."),
])
def test_options_alone_fail_before_any_request(transport, options, message):
    assert (options_error(ServiceResource, SERVICE_OPTIONS, transport, **options) or "").startswith(message)


@pytest.mark.parametrize("transport, options", [
    ("http", dict(shortname="ci_bootstrap")),
    ("http", dict(name="CI bootstrap")),
])
def test_valid_options_pass(transport, options):
    assert options_error(ServiceResource, SERVICE_OPTIONS, transport, **options) is None
