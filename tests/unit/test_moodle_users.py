"""plugins/module_utils/moodle/users.py (moodle_user's pages) against the real f23 recordings of Moodle 4.5.6 and 5.1.3:
the user list, the new-user and edit forms (what a browser submits, byte for byte), the error pages (field errors,
never the echoed password), the password policy, the delete confirmation and the AJAX read."""

import glob
import json
import os
import re

import pytest

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover
    from urllib import urlencode

from collection_paths import SHARED_FIXTURES

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import Response
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import users as ua
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.password_policy import policy_violations
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, query_of
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor

VERSIONS = ("moodle-4.5.6", "moodle-5.1.3")
AVAILABLE = [version for version in VERSIONS if os.path.isdir(os.path.join(SHARED_FIXTURES, version))]
pytestmark = pytest.mark.skipif(not AVAILABLE, reason="../shared/moodle-fixtures is not present")
RECORDED_PASSWORDS = ("Svc#Manual123", "abc", "Bad#Email123", "Admin#12345")
VOLATILE = re.compile(r"(sesskey|imagefile|description_editor%5Bitemid%5D)=[^&]*")


def _file(version, name, kind):
    found = glob.glob(os.path.join(SHARED_FIXTURES, version, "[0-9][0-9][0-9]-%s.%s.txt" % (name, kind)))
    assert len(found) == 1, "%s %s: %s" % (version, name, found)
    with open(found[0], "rb") as handle:
        return handle.read()


def response(version, name):
    """The recorded answer of exchange ``name`` (the file name without its NNN- prefix) as a Response."""
    raw = _file(version, name, "response")
    head, _sep, body = raw.partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers.setdefault(key.strip(), value.strip())
    return Response("GET", "/", int(lines[0].split(" ")[1]), headers, body, "http://127.0.0.1")


def request_body(version, name):
    return _file(version, name, "request").decode("utf-8").split("\n\n", 1)[1]


def page(version, name):
    return Page(response(version, name).text)


def user_form(version, name, user_id):
    form = ua.parse_user_form(page(version, name), user_id)
    assert form is not None
    return form


def same_submission(pairs, recorded):
    return VOLATILE.sub(r"\1=X", urlencode(pairs)) == VOLATILE.sub(r"\1=X", recorded)


class FakeClient:
    """Answers the client calls UserAdmin makes with recorded exchanges, in order; records what was sent."""

    def __init__(self, version, script, user_id=2):
        self.version = version
        self.script = list(script)
        self.sent = []
        self.sesskey = "aDIJsqjLxn"
        self.known_release = None
        self.user_id = user_id

    def _next(self, kind, path, params=None, data=None):
        self.sent.append((kind, path, params, data))
        expected_kind, name = self.script.pop(0)
        assert expected_kind == kind, (kind, path, name)
        return response(self.version, name)

    def page(self, path, params=None, write=False):
        return Page(self._next("page", path, params).text)

    def get(self, path, params=None, write=False, follow=True):
        return self._next("get", path, params)

    def post(self, path, data, params=None, write=True):
        return self._next("post", path, params, data)

    def ajax(self, methodname, args=None, read_only=False):
        answer = json.loads(self._next("ajax", methodname, args).text)
        return answer[0]["data"]


@pytest.fixture(params=AVAILABLE)
def version(request):
    return request.param


# -- the user list -------------------------------------------------------------------------------------------------
def test_user_list_rows_carry_the_action_links(version):
    listing = page(version, "f23-userlist-get-2")
    actions = {}
    for row in listing.rows:
        for link in row.links:
            query = query_of(link.href)
            for action in ("suspend", "unsuspend", "delete"):
                if action in query and "confirm" not in query:
                    actions.setdefault(int(query[action]), set()).add(action)
            if "/user/editadvanced.php" in link.href:
                actions.setdefault(int(query["id"]), set()).add("edit")
    assert actions == {2: {"edit"}, 3: {"edit", "suspend", "delete"}, 4: {"edit", "suspend", "delete"}}
    modal = [link.attrs["data-modal-destination"] for link in listing.links if "data-modal-destination" in link.attrs]
    assert sorted(query_of(href)["confirm"] for href in modal) == sorted(
        ["eccbc87e4b5ce2fe28308fd9f2a7baf3", "a87ff679a2f3e71d9181a67b7542122c"])  # md5("3"), md5("4")
    suspended = page(version, "f23-suspend-svcmanual-hop1")
    links = [link.href for link in suspended.links]
    assert any("unsuspend=3" in href for href in links)


# -- the forms -----------------------------------------------------------------------------------------------------
def test_new_user_form_fields_and_password_dependencies(version):
    form = user_form(version, "f23-newuser-form", ua.NEW_USER_ID)
    assert form.is_new and form.submit_label() == "Create user"
    assert "webservice" in form.no_password_auths and "manual" not in form.no_password_auths
    assert form.no_password_auths >= {"db", "ldap", "oauth2", "shibboleth", "userkey", "webservice"}
    assert form.profile_keys() >= {"city", "country", "lang", "timezone", "description", "institution",
                                   "department", "phone1", "phone2", "address"}
    assert not form.profile_keys() & {"username", "email", "newpassword", "sesskey", "imagefile", "interests"}
    assert form.value("auth") == "manual" and form.value("timezone") == "99" and form.value("lang") == "en"
    assert not form.checked("suspended") and not form.checked(ua.FORCE_CHANGE_FIELD)
    assert "webservice" in form.choices("auth") and "DE" in form.choices("country")
    assert form.choices("city") is None


def test_create_manual_submits_what_the_browser_submitted(version):
    form = user_form(version, "f23-newuser-form", ua.NEW_USER_ID)
    pairs = form.submission({"username": "svc_manual", "auth": "manual", "firstname": "Svc", "lastname": "Manual",
                             "email": "svc_manual@example.com"}, password="Svc#Manual123", auth="manual")
    assert same_submission(pairs, request_body(version, "f23-create-svcmanual-post"))


def test_create_webservice_leaves_out_the_disabled_password_fields(version):
    form = user_form(version, "f23-newuser-form-cibot", ua.NEW_USER_ID)
    pairs = form.submission({"username": "ci_bot", "auth": "webservice", "firstname": "CI", "lastname": "Bot",
                             "email": "ci_bot@example.com"}, auth="webservice")
    assert "newpassword" not in dict(pairs) and "createpassword" not in dict(pairs)
    assert same_submission(pairs, request_body(version, "f23-create-cibot-webservice-post"))


def test_edit_form_reads_the_account_and_submits_only_the_changes(version):
    form = user_form(version, "f23-edit-svcmanual-form", 3)
    assert not form.is_new and form.submit_label() == "Update profile"
    assert form.value("username") == "svc_manual" and form.value("email") == "svc_manual@example.com"
    assert not form.has("lang") and not form.has("createpassword")
    pairs = form.submission({"email": "svc_manual.new@example.com", "city": "Berlin"}, auth="manual")
    assert same_submission(pairs, request_body(version, "f23-edit-svcmanual-post"))


def test_force_password_change_is_the_advcheckbox_pair(version):
    form = user_form(version, "f23-edit-svcmanual-form-2", 3)
    assert form.value("city") == "Berlin" and not form.checked(ua.FORCE_CHANGE_FIELD)
    pairs = form.submission({ua.FORCE_CHANGE_FIELD: True}, auth="manual")
    assert [value for name, value in pairs if name == ua.FORCE_CHANGE_FIELD] == ["0", "1"]
    assert same_submission(pairs, request_body(version, "f23-forcepwchange-svcmanual-post"))


def test_password_is_typed_into_the_edit_form_only_when_asked(version):
    form = user_form(version, "f23-edit-svcmanual-form-2", 3)
    assert dict(form.submission({}, auth="manual"))["newpassword"] == ""
    assert dict(form.submission({}, password="New#Pass1234", auth="manual"))["newpassword"] == "New#Pass1234"
    assert "newpassword" not in dict(form.submission({}, password="New#Pass1234", auth="webservice"))


# -- errors: field texts only, never the echoed password ---------------------------------------------------------
@pytest.mark.parametrize("name, expected, echoed", [
    ("f23-create-dup-username-post", [("username", "This username already exists, choose another"),
                                      ("email", "This email address is already registered.")], "Svc#Manual123"),
    ("f23-create-weak-password-post", [("newpassword", "Passwords must be at least 8 characters long. Passwords must "
                                        "have at least 1 digit(s). Passwords must have at least 1 upper case letter(s). "
                                        "The password must have at least 1 special character(s) such as *, -, or #.")],
     "abc"),
    ("f23-create-invalid-email-post", [("email", "Invalid email address")], "Bad#Email123"),
])
def test_error_pages_give_field_errors_and_no_password(version, name, expected, echoed):
    recorded = response(version, name)
    assert recorded.status == 200
    assert 'value="%s"' % echoed in recorded.text  # the real page echoes the submitted password
    assert ua.field_errors(recorded.text) == expected
    client = FakeClient(version, [("post", name)])
    form = user_form(version, "f23-newuser-form", ua.NEW_USER_ID)
    with pytest.raises(errors.FormRejectedError) as failure:
        ua.UserAdmin(client).save(form, {"username": "x"}, password=echoed, auth="manual", label="svc_manual")
    message = str(failure.value)
    for secret in RECORDED_PASSWORDS:
        assert secret not in message
    assert "Moodle refused to create the user svc_manual" in message
    for field, text in expected:
        assert text in message
    assert failure.value.fields == [field for field, _text in expected]
    if name == "f23-create-weak-password-post":
        assert "password: Passwords must be at least 8" in message  # named as the module's option


def test_success_is_the_redirect_to_the_user_list(version):
    for name in ("f23-create-svcmanual-post", "f23-edit-svcmanual-post", "f23-forcepwchange-svcmanual-post"):
        answer = response(version, name)
        assert answer.status == 303 and answer.location.endswith("/admin/user.php")
    client = FakeClient(version, [("post", "f23-create-cibot-webservice-post")])
    form = user_form(version, "f23-newuser-form-cibot", ua.NEW_USER_ID)
    ua.UserAdmin(client).save(form, {"username": "ci_bot"}, auth="webservice")
    assert client.sent[0][1] == ua.EDIT_PATH


# -- suspend, delete ---------------------------------------------------------------------------------------------
def test_suspend_and_unsuspend_are_redirected_gets(version):
    client = FakeClient(version, [("get", "f23-suspend-svcmanual"), ("get", "f23-unsuspend-svcmanual")])
    admin = ua.UserAdmin(client)
    admin.set_suspended(3, True)
    admin.set_suspended(3, False)
    assert [sent[2] for sent in client.sent] == [{"suspend": 3, "sesskey": "aDIJsqjLxn"},
                                                 {"unsuspend": 3, "sesskey": "aDIJsqjLxn"}]


def test_delete_posts_the_confirmation_form(version):
    client = FakeClient(version, [("page", "f23-delete-svcmanual-confirm"), ("post", "f23-delete-svcmanual-post")])
    ua.UserAdmin(client).delete(3, label="svc_manual")
    kind, path, _params, data = client.sent[1]
    assert (kind, path) == ("post", ua.LIST_PATH)
    assert same_submission(data, request_body(version, "f23-delete-svcmanual-post"))
    assert dict(data)["confirm"] == "eccbc87e4b5ce2fe28308fd9f2a7baf3"


def test_deleting_an_already_deleted_user_is_an_error_page(version):
    answer = response(version, "f23-delete-svcmanual-again-modal-get")
    assert answer.status == 404
    assert Page(answer.text).error_messages == ["This user has already been deleted."]


# -- the AJAX read -----------------------------------------------------------------------------------------------
def test_find_reads_core_user_get_users_by_field(version):
    client = FakeClient(version, [("ajax", "f23-ajax-users-by-field-cibot")])
    user = ua.UserAdmin(client).find("ci_bot")
    assert user["id"] == 4 and user["auth"] == "webservice" and user["suspended"] is False
    assert client.sent[0][2] == {"field": "username", "values": ["ci_bot"]}
    assert json.loads(request_body(version, "f23-ajax-users-by-field-cibot"))[0]["args"] == client.sent[0][2]


# -- the password policy -------------------------------------------------------------------------------------------
def test_password_policy_from_sitepolicies(version):
    from client_conformance.core import client_on, recorded  # the real MoodleClient on recorded answers
    short = version.split("-", 1)[1]
    settings = HttpSettings(client_on(short, recorded(short, "f23-sitepolicies-get")))
    policy = ua.UserAdmin(None, settings).password_policy()
    assert policy == {"passwordpolicy": "1", "minpasswordlength": "8", "minpassworddigits": "1",
                      "minpasswordlower": "1", "minpasswordupper": "1", "minpasswordnonalphanum": "1",
                      "maxconsecutiveidentchars": "0"}
    # The rules Moodle named for 'abc' on the recorded error page, in the same words.
    moodle_said = ua.field_errors(response(version, "f23-create-weak-password-post").text)[0][1]
    assert " ".join(policy_violations("abc", policy)) == moodle_said
    assert policy_violations("Svc#Manual123", policy) == []
    assert policy_violations("anything", dict(policy, passwordpolicy="0")) == []


def test_dependencies_fallback_when_the_page_has_none():
    assert ua.auths_without_password("<html></html>") == set(ua.FALLBACK_NO_PASSWORD_AUTHS)


def test_redactor_masks_the_password_in_page_text(version):
    """The module adds the password to its redactor before posting: even raw page text would be masked."""
    redactor = Redactor(["Svc#Manual123"])
    text = response(version, "f23-create-dup-username-post").text
    assert "Svc#Manual123" not in redactor(text)
    assert not isinstance(MoodleError("x"), InvalidInputError)


def test_edit_form_disables_username_for_external_auths(version):
    """The edit form's disabledIf also covers username (auth plugins that are not internal) and the password of
    those that cannot change it (lti, nologin): a browser submits neither for them."""
    form = user_form(version, "f23-edit-svcmanual-form", 3)
    assert "username" in form.disabled_for("webservice") and "newpassword" in form.disabled_for("webservice")
    assert "username" not in form.disabled_for("manual") and not form.disabled_for("manual")
    assert {"nologin", "lti"} <= form.no_password_auths
    names = [name for name, _value in form.submission({"auth": "webservice"}, password="x" * 9, auth="webservice")]
    assert "username" not in names and "newpassword" not in names and "auth" in names
    new = user_form(version, "f23-newuser-form", ua.NEW_USER_ID)
    assert "username" not in new.disabled_for("webservice") and "nologin" not in new.no_password_auths
