"""Unit tests of plugins/module_utils/moodle/auth_plugins.py against real Moodle answers (4.5.6 and 5.1.3) replayed
from ../shared/moodle-fixtures: the auth order read from Manage authentication. The login and replay helpers are
test_core_against_recordings'."""

import pytest

from recorded_replay import VERSIONS, ReplayServer, fixtures_available
from test_core_against_recordings import ADMIN, ADMIN_LOGIN, client_for, need

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.auth_plugins import HttpAuthPlugins

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")


@pytest.mark.parametrize("version", VERSIONS)
def test_manageauths_order_read_path(version):
    with ReplayServer(need(version, ADMIN_LOGIN + [126, 128, 130]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        plugins = HttpAuthPlugins(client)
        reads = []
        for _unused_read in range(3):   # the recording changed the order in between: read the page anew each time
            client.forget_pages()
            reads.append(plugins.read())
        first, after_up, after_down = reads
    # the recorded disable links, in page order (f10-manageauths-get-after, -auth-up-apilogin, -auth-down-apilogin)
    assert first["enabled"] == ["email", "userkey", "apilogin"]
    assert after_up["enabled"] == ["email", "apilogin", "userkey"]
    assert after_down["enabled"] == ["email", "userkey", "apilogin"]
    assert "manual" not in first["enabled"] and "manual" not in first["available"]
