"""plugins/module_utils/resources/webservice.py: moodle_webservice_enable: the checks of the options alone, made
before any request (the pages themselves: tests/unit/test_moodle_webservice.py; the whole module against the
simulator: tests/integration/targets/moodle_webservice_enable)."""

import pytest

from options_only import options_error

from ansible_collections.moodleops.auth.plugins.module_utils.resources.webservice import WEBSERVICE_OPTIONS, WebServiceSwitches


@pytest.mark.parametrize("transport, options, message", [
    ("http", dict(state="absent", mobile=True),
     "state=absent switches web services off; it cannot also turn on"),
    ("http", dict(state="absent", services=["ci_bootstrap"]), "state=absent switches web services off"),
    ("cli", dict(services=["ci_bootstrap"]), "services needs transport: http"),
    ("http", dict(protocols=["rest", "soap!"]), "protocols holds invalid names: 'soap!'."),
    ("http", dict(protocols=[""]), "protocols holds invalid names: ''."),
])
def test_options_alone_fail_before_any_request(transport, options, message):
    assert (options_error(WebServiceSwitches, WEBSERVICE_OPTIONS, transport, **options) or "").startswith(message)


@pytest.mark.parametrize("transport, options", [
    ("http", dict(mobile=True, services=["moodle_mobile_app"])),
    ("cli", dict(state="absent")),
])
def test_valid_options_pass(transport, options):
    assert options_error(WebServiceSwitches, WEBSERVICE_OPTIONS, transport, **options) is None
