"""auth_apilogin's signed API (flow f12): moodle.apilogin.ApiLogin.call and parse_answer on services.php's JSON."""

import json

import pytest

from client_conformance.core import Case, client_on

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.errors import ApiLoginPluginError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.apilogin import ApiLogin
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor


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


APILOGIN = ["f12-apilogin-unpatched-getuser", "f12-apilogin-getuser", "f12-apilogin-getuser-fields",
            "f12-apilogin-getallusers-fields", "f12-apilogin-getallusers", "f12-apilogin-createuser",
            "f12-apilogin-createuser-duplicate", "f12-apilogin-updateuser", "f12-apilogin-suspenduser",
            "f12-apilogin-unsuspenduser", "f12-apilogin-loguser", "f12-apilogin-deleteuser",
            "f12-apilogin-getuser-notfound", "f12-apilogin-getuser-badidfield", "f12-apilogin-getuser-missing-param",
            "f12-apilogin-bad-signature", "f12-apilogin-wrong-secret", "f12-apilogin-missing-method",
            "f12-apilogin-invalid-method", "f12-apilogin-ip-not-allowed"]
CASES = [Case(name, "moodle.apilogin.ApiLogin.call/parse_answer (services.php JSON)", apilogin) for name in APILOGIN]
