"""Unit tests of plugins/module_utils/moodle/admin_settings.py against real Moodle answers (4.5.6 and 5.1.3)
replayed from ../shared/moodle-fixtures: the admin settings pages read and written as a site administrator, and
a non-administrator named as such. The login and replay helpers are test_core_against_recordings'."""

import pytest

from recorded_replay import VERSIONS, ReplayServer, fixtures_available
from test_core_against_recordings import ADMIN, ADMIN_LOGIN, TEACHER, TEACHER_LOGIN, client_for, need

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")


@pytest.mark.parametrize("version", VERSIONS)
def test_non_admin_account_is_named_as_such(version):
    with ReplayServer(need(version, TEACHER_LOGIN + [23]), version) as site:
        client, _unused = client_for(site.url, **TEACHER)
        with pytest.raises(errors.NotSiteAdminError) as caught:
            HttpSettings(client).read("optionalsubsystems", ["enablewebservices"])
    assert "teacher1" in str(caught.value) and "site administrator" in str(caught.value)


@pytest.mark.parametrize("version", VERSIONS)
def test_settings_read_then_write_posts_only_what_differs(version):
    with ReplayServer(need(version, ADMIN_LOGIN + [29, 31, 32]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        settings = HttpSettings(client)
        before = settings.read("optionalsubsystems", ["enablewebservices", "enablemobilewebservice"])
        settings.write("optionalsubsystems", {"enablewebservices": True})
        after = settings.read("optionalsubsystems", ["enablewebservices"])
    assert before == {"enablewebservices": "0", "enablemobilewebservice": "0"}
    assert after == {"enablewebservices": "1"}
    method, path, body = site.seen[5]
    assert (method, path) == ("POST", "/admin/settings.php?section=optionalsubsystems")
    posted = dict(pair.split("=", 1) for pair in body.decode().split("&"))
    assert posted["s__enablewebservices"] == "1"
    assert sorted(posted) == ["action", "return", "s__enablewebservices", "section", "sesskey"]
