"""Flows f07/f08/f09/f14, faults, cfg.php (fixtures 017-018, 042-044, 081-120, 265-277, 331-337)."""
import json
import os
import subprocess
import sys

import pytest
import requests

from simhelpers import login

REST = "/webservice/rest/server.php"


def rest(sim, **data):
    return requests.post(sim.url + REST, data=data)


def token(sim, username, password, service="moodle_mobile_app"):
    return requests.post(sim.url + "/login/token.php", data=dict(username=username, password=password, service=service))


def test_ws_off(sim):
    r = rest(sim, wstoken="0" * 32, wsfunction="core_webservice_get_site_info", moodlewsrestformat="json")
    assert r.status_code == 403 and r.content == b"" and r.headers["Content-Type"] == "text/html; charset=utf-8"
    r = token(sim, "admin", "Admin#12345")
    assert r.json() == {"error": "Web services must be enabled in Advanced features.",
                        "errorcode": "enablewsdescription", "stacktrace": None, "debuginfo": None,
                        "reproductionlink": None}
    assert r.headers["Access-Control-Allow-Origin"] == "*" and "Set-Cookie" not in r.headers


def test_rest_errors(configured):
    sim = configured
    r = rest(sim, wstoken="0" * 32, wsfunction="core_webservice_get_site_info", moodlewsrestformat="json")
    assert r.headers["Content-Type"] == "application/json"
    assert r.text == ('{"exception":"core\\\\exception\\\\moodle_exception","errorcode":"invalidtoken",'
                      '"message":"Invalid token - token not found"}')
    r = rest(sim, wstoken="0" * 32, wsfunction="core_webservice_get_site_info", moodlewsrestformat="yaml")
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'inline; filename="response.xml"'
    assert '<EXCEPTION class="core\\exception\\moodle_exception">' in r.text and "<ERRORCODE>invalidtoken<" in r.text


def _mobile_on(sim):
    st = sim.state
    st.mobile_service()["enabled"] = 1


def test_tokenphp_and_rest_flow(configured):
    sim = configured
    _mobile_on(sim)
    r = token(sim, "teacher1", "wrong")
    assert r.json()["errorcode"] == "invalidlogin"
    r = requests.post(sim.url + "/login/token.php", data=dict(username="teacher1", password="Teacher#12345"))
    assert r.json()["error"] == "A required parameter (service) was missing"
    assert token(sim, "teacher1", "Teacher#12345", "no_such").json()["errorcode"] == "servicenotavailable"
    t1 = token(sim, "teacher1", "Teacher#12345").json()
    assert set(t1) == {"token", "privatetoken"} and len(t1["token"]) == 32 and t1["privatetoken"] is None
    assert token(sim, "teacher1", "Teacher#12345").json() == t1
    assert requests.get(sim.url + "/login/token.php", params=dict(username="teacher1", password="Teacher#12345",
                                                                  service="moodle_mobile_app")).json() == t1
    assert requests.post(sim.url + "/login/token.php", data={"appsitecheck": "1"}).json() == {"appsitecheck": "ok"}
    tok = t1["token"]
    # no webservice/rest:use yet
    r = rest(sim, wstoken=tok, wsfunction="core_webservice_get_site_info", moodlewsrestformat="json")
    assert r.json() == {"exception": "webservice_access_exception", "errorcode": "accessexception",
                        "message": "Access control exception"}
    sim.state.role_caps[7]["webservice/rest:use"] = 1
    r = rest(sim, wstoken=tok, wsfunction="core_webservice_get_site_info", moodlewsrestformat="json").json()
    assert r["release"] == "4.5.6 (Build: 20250811)" and r["version"] == "2024100706" and r["userid"] == 3
    assert list(r) == ["sitename", "username", "firstname", "lastname", "fullname", "lang", "userid", "siteurl",
                       "userpictureurl", "functions", "downloadfiles", "uploadfiles", "release", "version",
                       "mobilecssurl", "advancedfeatures", "usercanmanageownfiles", "userquota",
                       "usermaxuploadfilesize", "userhomepage", "userprivateaccesskey", "siteid",
                       "sitecalendartype", "usercalendartype", "userissiteadmin", "theme", "limitconcurrentlogins",
                       "policyagreed"]
    xml = rest(sim, wstoken=tok, wsfunction="core_webservice_get_site_info").text
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n<SINGLE>\n<KEY name="sitename">'
                          '<VALUE>Lab Moodle</VALUE>\n</KEY>\n')
    r = rest(sim, wstoken=tok, wsfunction="local_nonexistent_function", moodlewsrestformat="json").json()
    assert r["errorcode"] == "invalidrecord" and r["exception"] == "dml_missing_record_exception"
    r = rest(sim, wstoken=tok, moodlewsrestformat="json").json()
    assert r["errorcode"] == "invalidparameter" and r["exception"] == "core\\exception\\invalid_parameter_exception"
    r = rest(sim, wstoken=tok, wsfunction="core_user_get_users_by_field", moodlewsrestformat="json",
             field="username").json()
    assert r["errorcode"] == "invalidparameter" and "debuginfo" not in r
    r = requests.post(sim.url + REST, data=[("wstoken", tok), ("wsfunction", "core_user_get_users_by_field"),
                                            ("moodlewsrestformat", "json"), ("field", "username"),
                                            ("values[0]", "teacher1"), ("values[1]", "admin")]).json()
    assert [u["username"] for u in r] == ["teacher1"] and "preferences" in r[0]
    r = requests.post(sim.url + REST, data=[("wstoken", tok), ("wsfunction", "core_user_get_users_by_field"),
                                            ("moodlewsrestformat", "json"), ("field", "username"),
                                            ("values[0]", "nosuchuser")])
    assert r.text == "[]"
    # debug mode adds debuginfo
    sim.state.debug = True
    r = rest(sim, wstoken=tok, wsfunction="core_user_get_users_by_field", moodlewsrestformat="json",
             field="username").json()
    assert r["debuginfo"] == "Missing required key in single structure: values"
    assert r["message"].endswith(" (Missing required key in single structure: values)")
    assert token(sim, "teacher1", "x").json()["reproductionlink"] == sim.url + "/"
    # admin: mobile token yes, restricted custom service no
    assert len(token(sim, "admin", "Admin#12345").json()["token"]) == 32


def test_custom_service_token_rules(configured):
    sim = configured
    st = sim.state
    st.services[3] = dict(id=3, name="CI bootstrap", shortname="ci_bootstrap", component=None, enabled=1,
                          restrictedusers=1, downloadfiles=0, uploadfiles=0, requiredcapability="",
                          functions=["core_webservice_get_site_info"], users={3: {}}, timecreated=0)
    assert token(sim, "teacher1", "Teacher#12345", "ci_bootstrap").json()["errorcode"] == "cannotcreatetoken"
    assert token(sim, "admin", "Admin#12345", "ci_bootstrap").json()["errorcode"] == "usernotallowed"
    made = st.create_token(3, 3, 2)
    assert token(sim, "teacher1", "Teacher#12345", "ci_bootstrap").json()["token"] == made["token"]


def test_ajax(sim):
    s, key = login(sim)
    url = sim.url + "/lib/ajax/service.php"

    def call(methods, skey=key, session=s, body=None):
        q = {"info": ",".join(m for m, _unused in methods)}
        if skey is not None:
            q["sesskey"] = skey
        data = body if body is not None else json.dumps(
            [{"index": i, "methodname": m, "args": a} for i, (m, a) in enumerate(methods)])
        return session.post(url, params=q, data=data, headers={"Content-Type": "application/json"})
    r = call([("core_session_time_remaining", {})]).json()
    assert r[0]["error"] is False and r[0]["data"]["userid"] == 2
    assert call([("core_webservice_get_site_info", {})]).json()[0]["exception"]["errorcode"] == "servicenotavailable"
    assert call([("core_session_time_remaining", {})], "wrong").json()[0]["exception"]["errorcode"] == "invalidsesskey"
    assert call([("core_session_time_remaining", {})], None).json()[0]["exception"]["errorcode"] == "missingparam"
    r = call([("core_session_time_remaining", {}), ("core_webservice_get_site_info", {}),
              ("core_session_time_remaining", {})]).json()
    assert len(r) == 2 and r[1]["error"] is True
    r = call([("core_user_get_users_by_field", {"field": "username", "values": "teacher1"})]).json()
    assert r[0]["exception"]["errorcode"] == "invalidparameter"
    r = call([("core_user_get_users_by_field", {"field": "username", "values": ["teacher1"]})]).json()
    assert r[0]["data"][0]["id"] == 3 and "preferences" not in r[0]["data"][0]
    r = call([], body="not json").json()
    assert r == {"error": "Coding error detected, it must be fixed by a programmer: Invalid json in request: Syntax "
                          "error", "errorcode": "codingerror", "stacktrace": None, "debuginfo": None,
                 "reproductionlink": None}
    r = requests.post(url, params={"sesskey": key, "info": "x"}, data=json.dumps(
        [{"index": 0, "methodname": "core_session_time_remaining", "args": {}}]))
    assert "MoodleSession=" in r.headers["Set-Cookie"]
    assert r.json()[0]["exception"]["errorcode"] == "servicerequireslogin"
    r = requests.post(sim.url + "/lib/ajax/service-nologin.php", params={"info": "x"}, data=json.dumps(
        [{"index": 0, "methodname": "core_session_time_remaining", "args": {}}]))
    assert "Set-Cookie" not in r.headers and r.json()[0]["exception"]["errorcode"] == "servicerequireslogin"
    # set_plugin_state appends unknown plugins to $CFG->auth
    for plugin, st in (("auth_userkey", 1), ("auth_nosuchplugin", 1)):
        assert call([("core_admin_set_plugin_state", {"plugin": plugin, "state": st})]).json() == \
            [{"error": False, "data": []}]
    assert sim.state.enabled_auths == ["email", "userkey", "nosuchplugin"]
    r = call([("core_admin_set_plugin_state", {"plugin": "userkey auth!", "state": 1})]).json()
    assert r[0]["exception"]["errorcode"] == "invalidparameter"
    assert "User key authentication enabled." in s.get(sim.url + "/my/").text


def test_maintenance(configured):
    sim = configured
    requests.post(sim.url + "/__sim__/maintenance", json={"mode": "cli"})
    for path in ("/login/index.php", REST, "/login/token.php"):
        r = requests.get(sim.url + path)
        assert r.status_code == 503 and r.reason == "Moodle under maintenance" and r.headers["Retry-After"] == "300"
    requests.post(sim.url + "/__sim__/maintenance", json={"mode": "legacy"})
    _mobile_on(sim)
    assert token(sim, "teacher1", "Teacher#12345").json()["errorcode"] == "sitemaintenance"
    assert len(token(sim, "admin", "Admin#12345").json()["token"]) == 32
    s = requests.Session()
    from simhelpers import logintoken
    page = s.get(sim.url + "/login/index.php").text
    assert "login-maintenance" in page
    r = s.post(sim.url + "/login/index.php", data={"anchor": "", "logintoken": logintoken(page),
                                                   "username": "teacher1", "password": "Teacher#12345"})
    assert r.status_code == 503 and r.url == sim.url + "/my/"
    requests.post(sim.url + "/__sim__/maintenance", json={"mode": "off"})
    assert requests.get(sim.url + "/login/index.php").status_code == 200


def test_faults_and_log(sim):
    requests.post(sim.url + "/__sim__/fault", json={"mode": "error500", "count": 2, "path_prefix": "/login/"})
    assert requests.get(sim.url + "/my/", allow_redirects=False).status_code == 303
    assert requests.get(sim.url + "/login/index.php").status_code == 500
    assert requests.get(sim.url + "/login/index.php").status_code == 500
    assert requests.get(sim.url + "/login/index.php").status_code == 200
    requests.post(sim.url + "/__sim__/fault", json={"mode": "drop"})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sim.url + "/login/index.php")
    assert requests.get(sim.url + "/login/index.php").status_code == 200
    log = requests.get(sim.url + "/__sim__/log").json()["requests"]
    assert [e["path"] for e in log][:2] == ["/my/", "/login/index.php"]
    assert all(not e["write"] for e in log)
    requests.post(sim.url + "/__sim__/log/clear")
    assert requests.get(sim.url + "/__sim__/log").json()["requests"] == []


def test_cfg_cli(sim, tmp_path):
    root = str(tmp_path / "moodle")
    sim.make_moodle_root(root)
    php = os.path.join(os.path.dirname(__file__), "..", "..", "moodle_sim", "bin", "php.py")  # what the bin/php wrapper runs
    cfg = os.path.join(root, "admin", "cli", "cfg.php")

    def run(*args):
        p = subprocess.run([sys.executable, php, cfg] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, check=False)
        return p.returncode, p.stdout, p.stderr
    assert run("--name=enablewebservices") == (0, "0\n", "")
    assert run("--name=enablewebservices", "--json") == (0, '"0"\n', "")
    code, out, err = run("--name=nosuch")
    assert code == 3 and out == "" and "No such configuration variable found." in err
    assert run("--name=enablewebservices", "--set=1")[0] == 0
    assert sim.state.config["enablewebservices"] == "1"
    assert sim.state.mobile_service()["enabled"] == 0          # the CLI does none of the UI side effects
    assert run("--component=auth_userkey", "--name=keylifetime", "--set=300")[0] == 0
    code, out, _unused = run("--component=auth_userkey", "--json")
    assert code == 0 and json.loads(out)["keylifetime"] == "300"
    assert "keylifetime\t300\n" in run("--component=auth_userkey")[1]
    assert run("--component=auth_userkey", "--name=keylifetime", "--unset")[0] == 0
    assert run("--component=auth_userkey", "--name=keylifetime")[0] == 3
    requests.post(sim.url + "/__sim__/cfg", json={"name": "enablewebservices", "force": "1"})
    assert run("--name=enablewebservices", "--set=0")[0] == 4
    assert run("--bogus")[0] == 1
