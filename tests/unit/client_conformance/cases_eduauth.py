"""local_eduauth (flow f13, both versions): eduauth.Eduauth's getuser / call answers and the URLs it builds,
on the recorded answers of login.php, connect.php and launch.php."""

import json
from urllib.parse import parse_qsl

import pytest

from client_conformance.core import RECORDED_ROOTS, Case, client_on, recorded

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import eduauth

APPID = "at.example.fixtureapp"


def _eduauth(version, *answers):
    client = client_on(version, *answers)
    return eduauth.Eduauth(client.transport), client


def _query(rec):
    return dict(parse_qsl(rec.request_path.split("?", 1)[1], keep_blank_values=True))


def _form(rec):
    return dict(parse_qsl(rec.request_body.decode(), keep_blank_values=True))


def login_url(rec, version):
    """The URL the module hands out is the one the browser opened (223, 240)."""
    q = _query(rec)
    edu, _client = _eduauth(version)
    assert edu.login_url(q["token"], q["appid"]) == RECORDED_ROOTS[version] + rec.request_path


def launch_url(rec, version):
    q = _query(rec)
    target = __import__("base64").b64decode(q["url"] + "=" * (-len(q["url"]) % 4)).decode()
    edu, _client = _eduauth(version)
    built = edu.launch_url(int(q["userid"]), q["token"], q["appid"], target)
    assert built.split("?")[0] == RECORDED_ROOTS[version] + rec.request_path.split("?")[0]
    assert dict(parse_qsl(built.split("?", 1)[1])) == q      # the base64 '=' may be %3D-encoded: PHP decodes both


def getuser_nothing(rec, version):
    edu, client = _eduauth(version, rec)
    assert edu.getuser(_query(rec)["token"], APPID) is None
    assert client.transport.requests[0][2]["act"] == "getuser"


def getuser_data(rec, version):
    edu, _client = _eduauth(version, rec)
    answer = edu.getuser(_query(rec)["token"], APPID)
    expected = json.loads(rec.text)
    assert answer["userid"] == expected["userid"] == 3 and isinstance(answer["userid"], int)
    assert answer["wwwroot"] == RECORDED_ROOTS[version]
    assert answer["sitename"] == expected["sitename"]


def wait_user(rec, version):
    """Polls until the data is there: no data (225), then the user (232)."""
    edu, _client = _eduauth(version, recorded(version, "f13-getuser-before"), rec)
    answer, polls = edu.wait_user("edutoken0001fixture", APPID, 10, 1, sleep=lambda _s: None)
    assert polls == 2 and answer["userid"] == 3


def invalid_appid(rec, version):
    """The plugin's HTML answer to an appid with fewer than two dots (p.alert-danger): the message."""
    edu, _client = _eduauth(version, rec)
    with pytest.raises(errors.EduauthError) as caught:
        edu.getuser("edutoken0001fixture", "badappid")
    assert "Invalid App-ID given." in str(caught.value)
    with pytest.raises(eduauth.InvalidInputError):
        eduauth.check_appid(_query(rec)["appid"])


def missing_param(rec, version):
    edu, _client = _eduauth(version, rec)
    with pytest.raises(errors.EduauthError) as caught:
        edu.getuser("edutoken0001fixture", APPID)
    assert "appid" in str(caught.value)


def call_mydata(rec, version):
    edu, client = _eduauth(version, rec)
    form = _form(rec)
    reply = edu.call(int(form["userid"]), form["token"], form["appid"], json.loads(form["data"]))
    assert reply["user"]["username"] == json.loads(rec.text)["user"]["username"] == "teacher1"
    sent = dict(client.transport.requests[0][3])
    assert set(sent) == set(form) and json.loads(sent["data"]) == json.loads(form["data"])


def call_wstoken(rec, version):
    edu, _client = _eduauth(version, rec)
    form = _form(rec)
    reply = edu.call(int(form["userid"]), form["token"], form["appid"], json.loads(form["data"]))
    assert reply["wstoken"] == json.loads(rec.text)["wstoken"] and len(reply["wstoken"]) == 32


def call_removeme(rec, version):
    edu, _client = _eduauth(version, rec)
    form = _form(rec)
    assert edu.call(int(form["userid"]), form["token"], form["appid"], json.loads(form["data"])) == {"status": "ok"}


def call_refused(rec, version):
    edu, _client = _eduauth(version, rec)
    form = _form(rec)
    with pytest.raises(errors.EduauthError) as caught:
        edu.call(int(form["userid"]), form["token"], form["appid"], json.loads(form["data"]))
    assert caught.value.errorcode == "invalid_login" == json.loads(rec.text)["error"]
    assert form["token"] not in caught.value.message


def call_callforward(rec, version):
    edu, _client = _eduauth(version, rec)
    form = _form(rec)
    with pytest.raises(errors.EduauthError) as caught:
        edu.call(int(form["userid"]), form["token"], form["appid"], json.loads(form["data"]), form["callforward"])
    assert "invalid plugin specified" in str(caught.value)


CASES = [
    Case("f13-login-notloggedin", "eduauth.Eduauth.login_url (the URL the browser opens)", login_url),
    Case("f13-login-loggedin", "eduauth.Eduauth.login_url (the URL the browser opens)", login_url),
    Case("f13-launch", "eduauth.Eduauth.launch_url (base64 target)", launch_url),
    Case("f13-getuser-before", "eduauth.Eduauth.getuser (no_data_for_token)", getuser_nothing),
    Case("f13-getuser-again", "eduauth.Eduauth.getuser (redeemed: no_data_for_token)", getuser_nothing),
    Case("f13-getuser-after", "eduauth.Eduauth.getuser (JSON_NUMERIC_CHECK data)", getuser_data),
    Case("f13-getuser-token2", "eduauth.Eduauth.getuser (JSON_NUMERIC_CHECK data)", getuser_data),
    Case("f13-getuser-after", "eduauth.Eduauth.wait_user (polls until data)", wait_user),
    Case("f13-login-invalid-appid", "eduauth.Eduauth (HTML p.alert-danger: Invalid App-ID)", invalid_appid),
    Case("f13-login-missing-appid", "eduauth.parse_answer (404 missingparam page)", missing_param),
    Case("f13-connect-mydata", "eduauth.Eduauth.call (myData)", call_mydata),
    Case("f13-connect-wstoken", "eduauth.Eduauth.call (wstoken)", call_wstoken),
    Case("f13-connect-removeme-token2", "eduauth.Eduauth.call (removeMe)", call_removeme),
    Case("f13-connect-wrongtoken", "eduauth.Eduauth.call (invalid_login)", call_refused),
    Case("f13-connect-wronguserid", "eduauth.Eduauth.call (invalid_login)", call_refused),
    Case("f13-connect-after-removeme", "eduauth.Eduauth.call (invalid_login after removeMe)", call_refused),
    Case("f13-connect-callforward", "eduauth.Eduauth.call (invalid plugin specified)", call_callforward),
]
