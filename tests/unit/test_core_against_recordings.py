"""The HTTP core against real Moodle answers (4.5.6 and 5.1.3) replayed from ../shared/moodle-fixtures.

Tests taking ``version`` run against each version folder that holds their exchanges (by name: numbers given here
are 4.5.6 numbers, translated to names)."""

import re
import socket

import pytest

from recorded_replay import VERSIONS, ReplayServer, exchange, fixtures_available, has_exchanges

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.webservice import HttpWebServices
from ansible_collections.moodleops.auth.plugins.module_utils.authplugins import HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.roles import Roles
from ansible_collections.moodleops.auth.plugins.module_utils.services import ExternalService, ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.tokens import AdminTokens

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


def test_non_admin_account_is_named_as_such(version):
    with ReplayServer(need(version, TEACHER_LOGIN + [23]), version) as site:
        client, _unused = client_for(site.url, **TEACHER)
        with pytest.raises(errors.NotSiteAdminError) as caught:
            HttpSettings(client).read("optionalsubsystems", ["enablewebservices"])
    assert "teacher1" in str(caught.value) and "site administrator" in str(caught.value)


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


def test_protocols_are_read_from_the_toggle_links(version):
    with ReplayServer(need(version, ADMIN_LOGIN + [36, 41]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        web = HttpWebServices(client, HttpSettings(client))
        assert web.protocols() == {"rest": False, "soap": False}
        client.forget_pages()       # the recording changed the site in between (a client reads a page once until it writes)
        assert web.protocols() == {"rest": True, "soap": False}


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


# -- whole read paths of the modules, replayed from one recorded sequence --------------------------------------------
def _option_ids(body, select):
    """{id: label} of <select name=select>'s options with an id value, read from the recorded bytes."""
    inner = re.search(r'<select[^>]*name="%s"[^>]*>(.*?)</select>' % re.escape(select), body, re.S).group(1)
    return dict((int(value), " ".join(label.split())) for value, label in
                re.findall(r'<option value="(\d+)"\s*>([^<]*)</option>', inner))


def test_service_functions_read_path(version):
    """moodle_external_service functions: admin login -> add-functions form (fids[] starts with an empty
    placeholder option) -> the function ids; then the service's function list (delete links' fid)."""
    steps = need(version, ADMIN_LOGIN + ["f06-functions-add-form", "f06-functions-add-post-hop1"])
    with ReplayServer(steps, version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        services = ExternalServices(client)
        service = ExternalService(3, "CI bootstrap", True, False, shortname="ci_bootstrap")
        addable = services.addable_functions(service)
        current = services.functions(service)
    form_body = exchange("f06-functions-add-form", version)["body"].decode("utf-8", "replace")
    assert '<option value="" >No selection</option>' in form_body
    expected = dict((label.split(":", 1)[0], number) for number, label in _option_ids(form_body, "fids[]").items())
    assert addable == expected and len(addable) > 700
    assert current == {"core_user_get_users_by_field": addable["core_user_get_users_by_field"],
                       "core_webservice_get_site_info": addable["core_webservice_get_site_info"]}
    method, path, _body = site.seen[4]
    assert (method, path.split("?")[0]) == ("GET", "/admin/webservice/service_functions.php")
    assert "action=add" in path and "id=3" in path


def test_roles_list_read_path(version):
    with ReplayServer(need(version, ADMIN_LOGIN_F16 + ["f16-roles-manage"]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        roles = Roles(client).list()
    body = exchange("f16-roles-manage", version)["body"].decode("utf-8", "replace")
    ids = set(int(value) for value in re.findall(r"define\.php\?action=view&amp;roleid=(\d+)", body))
    assert set(role["id"] for role in roles.values()) == ids
    assert roles["manager"]["id"] == 1 and roles["student"]["id"] == 5


def test_token_report_read_path(version):
    with ReplayServer(need(version, ADMIN_LOGIN_F16 + ["f22-tokens-report"]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        rows = AdminTokens(client).list()
    assert [row.name for row in rows] == ["ci-wsuser01", "ci-ciuser"]  # index.json report_rows of 314
    assert [row.user_id for row in rows] == [4, 3]  # wsuser01 4, ciuser 3 (fixtures README)
    assert all(row.service_name == "CI bootstrap ci_bootstrap" for row in rows)
    assert "moodle/user:create" in rows[0].missing_capabilities


def test_token_report_pages_read_path(version):
    steps = need(version, ADMIN_LOGIN_F16 + ["f17-tokens-report-page1", "f17-tokens-report-get-page-param"])
    with ReplayServer(steps, version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        rows = AdminTokens(client).list()
    assert len(rows) == 42  # index.json table.total_rows
    assert site.seen[-1][1] == "/admin/webservice/tokens.php?page=1"


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
