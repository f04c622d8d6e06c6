"""The HTTP core against real Moodle answers (4.5.6 and 5.1.3) replayed from ../shared/moodle-fixtures.

Tests taking ``version`` run against each version folder that holds their exchanges (by name: numbers given here
are 4.5.6 numbers, translated to names)."""

import socket

import pytest

from recorded_replay import VERSIONS, ReplayServer, fixtures_available, has_exchanges

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")

ADMIN = {"username": "admin", "password": "Admin#12345"}
TEACHER = {"username": "teacher1", "password": "Teacher#12345"}
ADMIN_LOGIN = [25, 26, 27, 28]
TEACHER_LOGIN = [19, 20, 21, 22]
ADMIN_LOGIN_F16 = ["f16-admin-login-get", "f16-admin-login-post", "f16-admin-login-post-hop1",
                   "f16-admin-login-post-hop2"]
RELEASES = {"4.5.6": "4.5.6 (Build: 20250811)", "5.1.3": "5.1.3 (Build: 20260216)"}
BRANCHES = {"4.5.6": (4, 5), "5.1.3": (5, 1)}
UNKNOWN_FUNCTION = {"4.5.6": "invalidrecord", "5.1.3": "invalidrecordunknown"}


@pytest.fixture(params=VERSIONS)
def version(request):
    if not fixtures_available(request.param):
        pytest.skip("../shared/moodle-fixtures/moodle-%s is not present" % request.param)
    return request.param


def need(version, steps):
    if not has_exchanges(version, steps):
        pytest.skip("moodle-%s has not recorded every exchange of this sequence" % version)
    return steps


def client_for(url, retries=0, **options):
    options = dict(options, url=url, retries=retries, timeout=5)
    redactor = Redactor()
    return MoodleClient(options, redactor), redactor


def test_password_login_confirms_the_session_and_reads_release(version):
    with ReplayServer(need(version, ADMIN_LOGIN), version) as site:
        client, redactor = client_for(site.url, **ADMIN)
        session = client.session()
    assert session.user_id == 2
    assert len(session.sesskey) == 10
    assert client.release == RELEASES[version]
    assert client.branch == BRANCHES[version]
    method, path, body = site.seen[1]
    assert method == "POST" and path == "/login/index.php"
    fields = dict(pair.split("=", 1) for pair in body.decode().split("&"))
    assert set(fields) == {"anchor", "logintoken", "username", "password"}
    assert len(fields["logintoken"]) == 32
    assert session.sesskey in redactor.secrets


def test_wrong_password_is_one_clear_error_without_the_password(version):
    with ReplayServer(need(version, [1, 2, 3]), version) as site:
        client, _unused = client_for(site.url, username="admin", password="wrong-secret-pw")
        with pytest.raises(errors.LoginFailedError) as caught:
            client.session()
    text = str(caught.value)
    assert "Invalid login, please try again" in text
    assert "admin" in text and "wrong-secret-pw" not in text
    assert caught.value.errorcode == "invalidlogin"


def test_url_other_than_wwwroot_fails_naming_the_canonical_url(version):
    with ReplayServer(need(version, [1]), version) as site:
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
    (90, errors.MoodleApiError, UNKNOWN_FUNCTION),
    (91, errors.MoodleApiError, "invalidparameter"),
])
def test_rest_errors_become_typed_errors(version, number, error_class, errorcode):
    if isinstance(errorcode, dict):
        errorcode = errorcode[version]
    with ReplayServer(need(version, [number]), version) as site:
        client, _unused = client_for(site.url, token="0123456789abcdef0123456789abcdef")
        with pytest.raises(error_class) as caught:
            client.rest("core_webservice_get_site_info")
    assert caught.value.errorcode == errorcode
    assert "0123456789abcdef0123456789abcdef" not in str(caught.value)
    method, path, body = site.seen[0]
    assert method == "POST" and "wstoken" not in path and b"wstoken=" in body


def test_rest_success_decodes_json(version):
    with ReplayServer(need(version, [87]), version) as site:
        client, _unused = client_for(site.url, token="0123456789abcdef0123456789abcdef")
        info = client.rest("core_webservice_get_site_info")
    assert info["release"] == RELEASES[version]


# -- tool_mfa (f26): a login or a page that MFA intercepts is one clear error, not "login failed" --------------------
MFA_TOTPONLY_LOGIN = ["f26-mfa-totponly-login-get", "f26-mfa-totponly-login-post", "f26-mfa-totponly-login-post-hop1",
                      "f26-mfa-totponly-login-post-hop2"]
MFA_IPRANGE_LOGIN = ["f26-mfa-iprange-login-get", "f26-mfa-iprange-login-post", "f26-mfa-iprange-login-post-hop1",
                     "f26-mfa-iprange-login-post-hop2"]


def test_a_login_intercepted_by_mfa_names_it_and_the_fix(version):
    with ReplayServer(need(version, MFA_TOTPONLY_LOGIN), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        with pytest.raises(errors.MfaRequiredError) as caught:
            client.session()
    text = str(caught.value)
    assert isinstance(caught.value, errors.LoginFailedError)
    assert "multi-factor authentication" in text and "/admin/tool/mfa/auth.php" in text
    assert "Unable to authenticate" in text and "iprange" in text and "moodle_mfa" in text
    assert "Admin#12345" not in text and caught.value.errorcode == "mfa"
    assert [path for _method, path, _body in site.seen][-1] == "/admin/tool/mfa/auth.php"


def test_a_login_mfa_lets_through_by_iprange_is_a_session(version):
    with ReplayServer(need(version, MFA_IPRANGE_LOGIN), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        assert client.session().user_id == 2


def test_a_page_mfa_sends_to_auth_php_later_in_a_session(version):
    steps = MFA_IPRANGE_LOGIN + ["f26-mfa-totponly-my", "f26-mfa-totponly-my-hop1"]
    with ReplayServer(need(version, steps), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        client.session()
        with pytest.raises(errors.MfaRequiredError) as caught:
            client.page("my/")
    text = str(caught.value)
    assert "GET /my/" in text and "/admin/tool/mfa/auth.php" in text and "Unable to authenticate" in text


def test_the_email_code_page_of_mfa(version):
    steps = ["f26-mfa-emailtotp-login-get", "f26-mfa-emailtotp-login-post", "f26-mfa-emailtotp-login-post-hop1",
             "f26-mfa-emailtotp-login-post-hop2"]
    with ReplayServer(need(version, steps), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        with pytest.raises(errors.MfaRequiredError) as caught:
            client.session()
    assert "verification code" in str(caught.value)
