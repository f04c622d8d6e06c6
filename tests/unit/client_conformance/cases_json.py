"""JSON answers: REST (client.MoodleClient.rest incl. 5.1's invalidrecordunknown, auth_userkey's loginurl),
AJAX (client.MoodleClient.ajax), auth_apilogin (apilogin.ApiLogin.call / parse_answer)."""

import json

import pytest

from client_conformance.core import RELEASES, Case, client_on

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.apilogin import ApiLogin
from ansible_collections.moodleops.auth.plugins.module_utils.errors import ApiLoginPluginError
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor

TOKEN = "0123456789abcdef0123456789abcdef"


def rest(rec, version):
    client = client_on(version, rec, token=TOKEN, auth_method="token")
    if rec.status == 403:
        with pytest.raises(errors.WebServicesDisabledError):
            client.rest("core_webservice_get_site_info")
        return
    answer = rec.json()
    if isinstance(answer, dict) and answer.get("exception"):
        with pytest.raises(errors.MoodleError) as caught:
            client.rest("core_webservice_get_site_info")
        assert caught.value.errorcode == answer["errorcode"]
        assert TOKEN not in str(caught.value)
        return
    assert client.rest("core_webservice_get_site_info") == answer
    if isinstance(answer, dict) and "release" in answer:
        assert answer["release"] == RELEASES[version]


def rest_unknown_function(rec, version):
    """Moodle 4.5 answers errorcode invalidrecord, 5.1 invalidrecordunknown: both are 'unknown function'."""
    client = client_on(version, rec, token=TOKEN, auth_method="token")
    with pytest.raises(errors.MoodleApiError) as caught:
        client.rest("core_no_such_function")
    assert caught.value.errorcode == rec.json()["errorcode"]
    assert caught.value.errorcode == {"4.5.6": "invalidrecord", "5.1.3": "invalidrecordunknown"}[version]
    assert "Unknown web service function" in str(caught.value)


def userkey_url(rec, version):
    answer = rec.json()
    client = client_on(version, rec, token=TOKEN, auth_method="token")
    if "loginurl" in answer:
        found = client.rest("auth_userkey_request_login_url", {"user": {"username": "teacher1"}})
        assert found["loginurl"] == answer["loginurl"] and "/auth/userkey/login.php?key=" in found["loginurl"]
    else:
        with pytest.raises(errors.MoodleError) as caught:
            client.rest("auth_userkey_request_login_url", {"user": {"username": "teacher1"}})
        assert caught.value.errorcode == answer["errorcode"]


def ajax(rec, version):
    from ansible_collections.moodleops.auth.plugins.module_utils.auth import SessionInfo
    client = client_on(version, rec, rec)  # a session error is retried once, after a new login (kept here)
    client.session = lambda: SessionInfo(2, "recorded00")
    answer = rec.json()
    request = json.loads(rec.request_body.decode() or "[]") if rec.request_body.strip().startswith(b"[") else []
    method = request[0]["methodname"] if request else "core_webservice_get_site_info"
    if isinstance(answer, dict) or answer[0].get("error"):
        exception = answer if isinstance(answer, dict) else answer[0].get("exception") or {}
        with pytest.raises(errors.MoodleError) as caught:
            client.ajax(method, read_only=True)
        assert caught.value.errorcode == exception.get("errorcode")
    else:
        assert client.ajax(method, read_only=True) == answer[0]["data"]


def apilogin(rec, version):
    client = client_on(version, rec)
    api = ApiLogin(client.transport, "secret", Redactor(), clock=lambda: 1700000000)
    sent = dict(rec.facts.get("form_fields") or [])
    method = sent.get("method", "getUser")
    if rec.status == 500 and not rec.body.strip():
        with pytest.raises(ApiLoginPluginError):
            api.call(method)
        return
    answer = json.loads(rec.text[rec.text.index("{"):])
    if answer.get("success") is True:
        found = api.call(method)
        answer.pop("success")
        assert found == answer
    else:
        with pytest.raises(errors.MoodleError) as caught:
            api.call(method)
        assert answer["message"] in str(caught.value)


REST = ["f08-rest-wsoff", "f08-rest-wson-restoff", "f08-rest-invalidtoken-json", "f08-rest-siteinfo-norestcap",
        "f08-rest-siteinfo-ok", "f08-rest-function-not-in-service", "f08-rest-missing-wsfunction",
        "f08-rest-param-missing", "f08-rest-param-invalid", "f08-rest-users-by-field-array",
        "f08-rest-users-by-field-nomatch", "f08-rest-param-missing-debug", "f08-rest-function-not-in-service-debug",
        "f08-rest-invalidtoken-debug", "f22-rest-wsuser01-siteinfo", "f22-rest-ciuser-siteinfo",
        "f22-rest-ciuser-usersbyfield", "f18-rest-validuntil-future", "f18-rest-validuntil-past",
        "f18-rest-otherip", "f18-rest-localip", "f14-maint-rest"]
USERKEY = ["f11-uk-existing-user", "f11-uk-missing-user-createoff", "f11-uk-wrong-mappingfield",
           "f11-uk-missing-user-createon-nofields", "f11-uk-missing-user-createon", "f11-uk-iprestriction-noip",
           "f11-uk-iprestriction-otherip", "f11-uk-iprestriction-ip", "f11-uk-existing-user-2",
           "f11-uk-token-wrong-function"]
AJAX = ["f09-ajax-siteinfo-notajax", "f09-ajax-time-remaining", "f09-ajax-users-by-field", "f09-ajax-wrong-sesskey",
        "f09-ajax-no-sesskey", "f09-ajax-invalid-args", "f09-ajax-bad-json", "f09-ajax-not-logged-in",
        "f09-ajax-nologin-endpoint", "f23-ajax-users-by-field-cibot"]
APILOGIN = ["f12-apilogin-unpatched-getuser", "f12-apilogin-getuser", "f12-apilogin-getuser-fields",
            "f12-apilogin-getallusers-fields", "f12-apilogin-getallusers", "f12-apilogin-createuser",
            "f12-apilogin-createuser-duplicate", "f12-apilogin-updateuser", "f12-apilogin-suspenduser",
            "f12-apilogin-unsuspenduser", "f12-apilogin-loguser", "f12-apilogin-deleteuser",
            "f12-apilogin-getuser-notfound", "f12-apilogin-getuser-badidfield", "f12-apilogin-getuser-missing-param",
            "f12-apilogin-bad-signature", "f12-apilogin-wrong-secret", "f12-apilogin-missing-method",
            "f12-apilogin-invalid-method", "f12-apilogin-ip-not-allowed"]
CASES = ([Case(name, "client.MoodleClient.rest (JSON answer / typed error)", rest) for name in REST] +
         [Case("f08-rest-function-unknown", "client.MoodleClient.rest (invalidrecord / 5.1 invalidrecordunknown)",
               rest_unknown_function)] +
         [Case(name, "client.MoodleClient.rest (auth_userkey_request_login_url loginurl)", userkey_url)
          for name in USERKEY] +
         [Case(name, "client.MoodleClient.ajax (lib/ajax/service.php answer / typed error)", ajax) for name in AJAX] +
         [Case(name, "apilogin.ApiLogin.call/parse_answer (services.php JSON)", apilogin) for name in APILOGIN])
