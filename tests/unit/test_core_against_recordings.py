"""The HTTP core against real Moodle 4.5.6 answers replayed from ../shared/moodle-fixtures."""

import socket

import pytest

from recorded_replay import ReplayServer, fixtures_available

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.webservice import HttpWebServices

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")

ADMIN = {"username": "admin", "password": "Admin#12345"}
TEACHER = {"username": "teacher1", "password": "Teacher#12345"}
ADMIN_LOGIN = [25, 26, 27, 28]
TEACHER_LOGIN = [19, 20, 21, 22]


def client_for(url, retries=0, **options):
    options = dict(options, url=url, retries=retries, timeout=5)
    redactor = Redactor()
    return MoodleClient(options, redactor), redactor


def test_password_login_confirms_the_session_and_reads_release():
    with ReplayServer(ADMIN_LOGIN) as site:
        client, redactor = client_for(site.url, **ADMIN)
        session = client.session()
    assert session.user_id == 2
    assert len(session.sesskey) == 10
    assert client.release == "4.5.6 (Build: 20250811)"
    assert client.branch == (4, 5)
    method, path, body = site.seen[1]
    assert method == "POST" and path == "/login/index.php"
    fields = dict(pair.split("=", 1) for pair in body.decode().split("&"))
    assert set(fields) == {"anchor", "logintoken", "username", "password"}
    assert len(fields["logintoken"]) == 32
    assert session.sesskey in redactor.secrets


def test_wrong_password_is_one_clear_error_without_the_password():
    with ReplayServer([1, 2, 3]) as site:
        client, _unused = client_for(site.url, username="admin", password="wrong-secret-pw")
        with pytest.raises(errors.LoginFailedError) as caught:
            client.session()
    text = str(caught.value)
    assert "Invalid login, please try again" in text
    assert "admin" in text and "wrong-secret-pw" not in text
    assert caught.value.errorcode == "invalidlogin"


def test_non_admin_account_is_named_as_such():
    with ReplayServer(TEACHER_LOGIN + [23]) as site:
        client, _unused = client_for(site.url, **TEACHER)
        with pytest.raises(errors.NotSiteAdminError) as caught:
            HttpSettings(client).read("optionalsubsystems", ["enablewebservices"])
    assert "teacher1" in str(caught.value) and "site administrator" in str(caught.value)


def test_settings_read_then_write_posts_only_what_differs():
    with ReplayServer(ADMIN_LOGIN + [29, 31, 32]) as site:
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


def test_protocols_are_read_from_the_toggle_links():
    with ReplayServer(ADMIN_LOGIN + [36, 41]) as site:
        client, _unused = client_for(site.url, **ADMIN)
        web = HttpWebServices(client, HttpSettings(client))
        assert web.protocols() == {"rest": False, "soap": False}
        assert web.protocols() == {"rest": True, "soap": False}


def test_url_other_than_wwwroot_fails_naming_the_canonical_url():
    with ReplayServer([1]) as site:
        client, _unused = client_for(site.url.replace("127.0.0.1", "localhost"), **ADMIN)
        with pytest.raises(errors.WwwrootMismatchError) as caught:
            client.session()
    assert site.url in str(caught.value)


def test_a_site_that_is_not_moodle():
    with ReplayServer([]) as site:
        client, _unused = client_for(site.url, **ADMIN)
        with pytest.raises(errors.NotMoodleError):
            client.session()


def test_unreachable_url_is_a_connection_error_saying_refused():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client, _unused = client_for("http://127.0.0.1:%d" % port, retries=1, **ADMIN)
    client.transport.backoff = 0.01
    with pytest.raises(errors.MoodleConnectionError) as caught:
        client.session()
    assert "refused" in str(caught.value)
    assert client.transport.request_count == 2


@pytest.mark.parametrize("number, error_class, errorcode", [
    (18, errors.WebServicesDisabledError, None),
    (42, errors.InvalidTokenError, "invalidtoken"),
    (81, errors.AccessDeniedError, "accessexception"),
    (90, errors.MoodleApiError, "invalidrecord"),
    (91, errors.MoodleApiError, "invalidparameter"),
])
def test_rest_errors_become_typed_errors(number, error_class, errorcode):
    with ReplayServer([number]) as site:
        client, _unused = client_for(site.url, token="0123456789abcdef0123456789abcdef")
        with pytest.raises(error_class) as caught:
            client.rest("core_webservice_get_site_info")
    assert caught.value.errorcode == errorcode
    assert "0123456789abcdef0123456789abcdef" not in str(caught.value)
    method, path, body = site.seen[0]
    assert method == "POST" and "wstoken" not in path and b"wstoken=" in body


def test_rest_success_decodes_json():
    with ReplayServer([87]) as site:
        client, _unused = client_for(site.url, token="0123456789abcdef0123456789abcdef")
        info = client.rest("core_webservice_get_site_info")
    assert info["release"] == "4.5.6 (Build: 20250811)"
