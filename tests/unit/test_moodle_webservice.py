"""Unit tests of plugins/module_utils/moodle/webservice.py against real Moodle answers (4.5.6 and 5.1.3) replayed
from ../shared/moodle-fixtures: the protocols read from their toggle links. The login and replay helpers are
test_core_against_recordings'."""

import pytest

from recorded_replay import VERSIONS, ReplayServer, fixtures_available
from test_core_against_recordings import ADMIN, ADMIN_LOGIN, client_for, need

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import HttpWebServices

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")


@pytest.mark.parametrize("version", VERSIONS)
def test_protocols_are_read_from_the_toggle_links(version):
    with ReplayServer(need(version, ADMIN_LOGIN + [36, 41]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        web = HttpWebServices(client, HttpSettings(client))
        assert web.protocols() == {"rest": False, "soap": False}
        client.forget_pages()       # the recording changed the site in between (a client reads a page once until it writes)
        assert web.protocols() == {"rest": True, "soap": False}
