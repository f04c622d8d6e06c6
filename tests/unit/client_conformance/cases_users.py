"""User administration (flow f23): moodle.users.UserAdmin (find, form, save, set_suspended, delete, password_policy),
moodle.users.field_errors and moodle.password_policy.policy_violations, on every f23 page moodle_user reads.
Expected values come from index.json (page_form_fields, form_dependencies, form_fields, field_errors,
password_policy_fields, json_user_keys) and the raw text, never from the parser."""

import json

import pytest

from client_conformance.core import Case, client_on, recorded

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import users as ua
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.password_policy import POLICY_KEYS, policy_violations

RECORDED_PASSWORDS = ("Svc#Manual123", "Bad#Email123", "Admin#12345")
VOLATILE = ("sesskey", "imagefile", "description_editor[itemid]")


def _stable(pairs):
    return [(name, "X" if name in VOLATILE else value) for name, value in pairs]


def _form_of(rec, version):
    user_id = int(rec.request_path.split("id=")[1].split("&")[0])
    return ua.UserAdmin(client_on(version, rec)).form(user_id)


def user_form(rec, version):
    """The form as a browser holds it: what it would submit unchanged, and the auths that disable the password."""
    form = _form_of(rec, version)
    assert _stable(form.form.browser_submission()) == _stable(rec.facts["page_form_fields"])
    dependencies = rec.facts.get("form_dependencies")
    if dependencies:
        expected = set()
        for values, targets in dependencies["auth"]["in"].items():
            if any("newpassword" in group for group in targets):
                expected.update(values.split("|"))
        assert form.no_password_auths == expected
        assert "webservice" in form.no_password_auths
    assert form.submit_label() == ("Create user" if form.is_new else "Update profile")
    assert ('name="lang"' in rec.text) == form.has("lang")


def saved(form_name, changes, password=None, auth="manual"):
    """The POST a browser made, rebuilt from the form with only ``changes`` typed in; a 303 to the list is success."""
    def check(rec, version):
        form_rec = recorded(version, form_name)
        client = client_on(version, form_rec, rec)
        admin = ua.UserAdmin(client)
        form = admin.form(int(form_rec.request_path.split("id=")[1].split("&")[0]))
        admin.save(form, changes, password=password, auth=auth, label="x")
        sent = client.transport.requests[-1][3]
        assert _stable(sent) == _stable(rec.facts["form_fields"])
        assert rec.status == 303 and rec.location.endswith("/admin/user.php")
    return check


def rejected(form_name, password, auth="manual"):
    """The form shown again with field errors: named, in Moodle's words, never the echoed password."""
    def check(rec, version):
        form_rec = recorded(version, form_name)
        admin = ua.UserAdmin(client_on(version, form_rec, rec))
        form = admin.form(ua.NEW_USER_ID)
        expected = [(element[len("id_error_"):], text) for element, text, _inner in rec.facts["field_errors"]]
        assert ua.field_errors(rec.text) == expected
        if password:
            assert 'value="%s"' % password in rec.text
        with pytest.raises(errors.FormRejectedError) as caught:
            admin.save(form, {}, password=password, auth=auth, label="svc_manual")
        message = str(caught.value)
        for secret in RECORDED_PASSWORDS + ((password,) if password else ()):
            assert secret not in message
        for _field, text in expected:
            assert text in message
    return check


def suspend_action(action):
    def check(rec, version):
        client = client_on(version, rec)
        ua.UserAdmin(client).set_suspended(3, action == "suspend")
        params = client.transport.requests[0][2]
        assert "%s=3" % action in rec.request_path and params[action] == 3
        assert rec.status == 303
    return check


def delete_confirm(rec, version):
    post = recorded(version, "f23-delete-svcmanual-post")
    client = client_on(version, rec, post)
    ua.UserAdmin(client).delete(3, label="svc_manual")
    assert _stable(client.transport.requests[1][3]) == _stable(post.facts["form_fields"])
    assert dict(post.facts["form_fields"])["confirm"] == "eccbc87e4b5ce2fe28308fd9f2a7baf3"


def password_policy(rec, version):
    policy = ua.UserAdmin(None, HttpSettings(client_on(version, rec))).password_policy()
    fields = rec.facts["password_policy_fields"]
    expected = {}
    for name, value in fields:
        key = name[len("s__"):]
        if key in POLICY_KEYS:
            expected[key] = value  # the checkbox's 1 follows its hidden 0 when checked
    assert policy == expected
    weak = recorded(version, "f23-create-weak-password-post").facts["field_errors"][0][1]
    assert " ".join(policy_violations("abc", policy)) == weak


def users_by_field(rec, version):
    user = ua.UserAdmin(client_on(version, rec)).find("ci_bot")
    assert sorted(user) == sorted(rec.facts["json_user_keys"])
    assert user["id"] == rec.json()[0]["data"][0]["id"] and user["auth"] == "webservice"


FORM = "moodle.users.UserAdmin.form (user/editadvanced.php)"
SAVE = "moodle.users.UserAdmin.save (what a browser submits)"
ERRORS = "moodle.users.field_errors / UserAdmin.save (form errors, password never echoed)"


# -- users by field (AJAX) ---------------------------------------------------------------------------------------
def users_lookup(rec, version):
    request = rec.facts.get("ajax_request") or rec.request_body.decode()
    users = ua.Users(client_on(version, rec))
    answer = rec.json()[0]["data"]
    usernames = [user["username"] for user in answer]
    assert usernames, "the recording found users"
    args = json.loads(request if isinstance(request, str) else json.dumps(request))
    args = args[0]["args"] if isinstance(args, list) else args
    if args.get("field") == "username":
        found = users.ids_for(usernames)
        assert found == dict((user["username"], int(user["id"])) for user in answer)
    else:
        found = users.usernames_for([int(value) for value in args["values"]])
        assert set(found.values()) >= set(usernames)


CASES = [
    Case("f23-newuser-form", FORM, user_form),
    Case("f23-newuser-form-cibot", FORM, user_form),
    Case("f23-newuser-form-dup", FORM, user_form),
    Case("f23-newuser-form-weakpw", FORM, user_form),
    Case("f23-newuser-form-bademail", FORM, user_form),
    Case("f23-edit-svcmanual-form", FORM, user_form),
    Case("f23-edit-svcmanual-form-2", FORM, user_form),
    Case("f23-create-svcmanual-post", SAVE, saved(
        "f23-newuser-form", {"username": "svc_manual", "firstname": "Svc", "lastname": "Manual",
                             "email": "svc_manual@example.com"}, password="Svc#Manual123")),
    Case("f23-create-cibot-webservice-post", SAVE, saved(
        "f23-newuser-form-cibot", {"username": "ci_bot", "auth": "webservice", "firstname": "CI", "lastname": "Bot",
                                   "email": "ci_bot@example.com"}, auth="webservice")),
    Case("f23-edit-svcmanual-post", SAVE, saved(
        "f23-edit-svcmanual-form", {"email": "svc_manual.new@example.com", "city": "Berlin"})),
    Case("f23-forcepwchange-svcmanual-post", SAVE, saved(
        "f23-edit-svcmanual-form-2", {ua.FORCE_CHANGE_FIELD: True})),
    Case("f23-create-dup-username-post", ERRORS, rejected("f23-newuser-form-dup", "Svc#Manual123")),
    Case("f23-create-weak-password-post", ERRORS, rejected("f23-newuser-form-weakpw", "abc")),
    Case("f23-create-invalid-email-post", ERRORS, rejected("f23-newuser-form-bademail", "Bad#Email123")),
    Case("f23-suspend-svcmanual", "moodle.users.UserAdmin.set_suspended", suspend_action("suspend")),
    Case("f23-unsuspend-svcmanual", "moodle.users.UserAdmin.set_suspended", suspend_action("unsuspend")),
    Case("f23-delete-svcmanual-confirm", "moodle.users.UserAdmin.delete (confirm page, POST)", delete_confirm),
    Case("f23-sitepolicies-get", "moodle.users.UserAdmin.password_policy (sitepolicies)", password_policy),
    Case("f23-ajax-users-by-field-cibot", "moodle.users.UserAdmin.find (core_user_get_users_by_field)", users_by_field),
    Case("f09-ajax-users-by-field", "moodle.users.Users.ids_for/usernames_for (client.ajax)", users_lookup),
    Case("f23-ajax-users-by-field-cibot", "moodle.users.Users.ids_for/usernames_for (client.ajax)", users_lookup),
]
