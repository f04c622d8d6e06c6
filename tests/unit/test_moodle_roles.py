"""Unit tests of plugins/module_utils/moodle/roles.py against real Moodle answers (4.5.6 and 5.1.3) replayed from
../shared/moodle-fixtures: the list of roles. The login and replay helpers are test_core_against_recordings'."""

import re

import pytest

from recorded_replay import VERSIONS, ReplayServer, exchange, fixtures_available
from test_core_against_recordings import ADMIN, ADMIN_LOGIN_F16, client_for, need

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.roles import Roles

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")


@pytest.mark.parametrize("version", VERSIONS)
def test_roles_list_read_path(version):
    with ReplayServer(need(version, ADMIN_LOGIN_F16 + ["f16-roles-manage"]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        roles = Roles(client).list()
    body = exchange("f16-roles-manage", version)["body"].decode("utf-8", "replace")
    ids = set(int(value) for value in re.findall(r"define\.php\?action=view&amp;roleid=(\d+)", body))
    assert set(role["id"] for role in roles.values()) == ids
    assert roles["manager"]["id"] == 1 and roles["student"]["id"] == 5
