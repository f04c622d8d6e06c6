"""JSON answers of the client (client.MoodleClient): REST, including 5.1's invalidrecordunknown, and AJAX
(lib/ajax/service.php)."""

import json

import pytest

from client_conformance.core import RELEASES, Case, client_on

from ansible_collections.moodleops.auth.plugins.module_utils import errors

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


REST = ["f08-rest-wsoff", "f08-rest-wson-restoff", "f08-rest-invalidtoken-json", "f08-rest-siteinfo-norestcap",
        "f08-rest-siteinfo-ok", "f08-rest-function-not-in-service", "f08-rest-missing-wsfunction",
        "f08-rest-param-missing", "f08-rest-param-invalid", "f08-rest-users-by-field-array",
        "f08-rest-users-by-field-nomatch", "f08-rest-param-missing-debug", "f08-rest-function-not-in-service-debug",
        "f08-rest-invalidtoken-debug", "f22-rest-wsuser01-siteinfo", "f22-rest-ciuser-siteinfo",
        "f22-rest-ciuser-usersbyfield", "f18-rest-validuntil-future", "f18-rest-validuntil-past",
        "f18-rest-otherip", "f18-rest-localip", "f14-maint-rest"]
AJAX = ["f09-ajax-siteinfo-notajax", "f09-ajax-time-remaining", "f09-ajax-users-by-field", "f09-ajax-wrong-sesskey",
        "f09-ajax-no-sesskey", "f09-ajax-invalid-args", "f09-ajax-bad-json", "f09-ajax-not-logged-in",
        "f09-ajax-nologin-endpoint", "f23-ajax-users-by-field-cibot"]
CASES = ([Case(name, "client.MoodleClient.rest (JSON answer / typed error)", rest) for name in REST] +
         [Case("f08-rest-function-unknown", "client.MoodleClient.rest (invalidrecord / 5.1 invalidrecordunknown)",
               rest_unknown_function)] +
         [Case(name, "client.MoodleClient.ajax (lib/ajax/service.php answer / typed error)", ajax) for name in AJAX])
