"""Against a real Moodle, when MOODLE_LIVE_URL, MOODLE_LIVE_USERNAME and MOODLE_LIVE_PASSWORD are set.
Read-only: login, admin settings, protocols, services, auth plugins. Skipped otherwise."""

import os

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.auth_plugins import HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import HttpWebServices

LIVE = dict(url=os.environ.get("MOODLE_LIVE_URL"), username=os.environ.get("MOODLE_LIVE_USERNAME"),
            password=os.environ.get("MOODLE_LIVE_PASSWORD"),
            validate_certs=os.environ.get("MOODLE_LIVE_VALIDATE_CERTS", "1") != "0")
pytestmark = pytest.mark.skipif(not all(LIVE[key] for key in ("url", "username", "password")),
                                reason="set MOODLE_LIVE_URL, MOODLE_LIVE_USERNAME, MOODLE_LIVE_PASSWORD to run")


def test_read_only_tour_of_a_real_site():
    client = MoodleClient(LIVE, Redactor())
    try:
        session = client.session()
        assert session.user_id > 0
        settings = HttpSettings(client)
        values = settings.read("optionalsubsystems", ["enablewebservices"])
        assert values["enablewebservices"] in ("0", "1")
        web = HttpWebServices(client, settings)
        assert "rest" in web.protocols()
        assert any(service.shortname == "moodle_mobile_app" for service in web.services())
        assert "enabled" in HttpAuthPlugins(client).read()
        assert client.branch is not None
    finally:
        client.close()
