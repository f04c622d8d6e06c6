"""admin/roles/* (flow f16: fixtures 283-307), the control API of the second recording and role capabilities
feeding REST (f22: 315-316)."""
import json
import re

import pytest
import requests

from simhelpers import login
from tests.moodle_sim import Simulator
from tests.moodle_sim.capabilities import CAPABILITIES

DEFINE = "/admin/roles/define.php"


def names(html):
    return set(re.findall(r'<(?:input|select|textarea|button)[^>]*\bname="([^"]+)"', html))


def ctl(sim, path, body):
    r = requests.post(sim.url + "/__sim__/" + path, data=json.dumps(body))
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def bare():
    with Simulator(state="bare") as s:
        ctl(s, "user", {"username": "ciuser", "password": "User#12345", "firstname": "CI", "lastname": "User",
                        "email": "ciuser@example.com"})
        for i in range(1, 3):
            ctl(s, "user", {"username": "wsuser%02d" % i, "password": "User#12345", "firstname": "WS",
                            "lastname": "User %02d" % i, "email": "wsuser%02d@example.com" % i})
        yield s


def test_bare_state_and_control_endpoints(bare):
    st = bare.state
    assert sorted(st.users) == [1, 2, 3, 4, 5] and st.users[3]["username"] == "ciuser"
    assert ctl(bare, "service", {"name": "CI bootstrap", "shortname": "ci_bootstrap", "restrictedusers": True,
                                 "functions": ["core_webservice_get_site_info"],
                                 "authorised_users": ["ciuser", "wsuser01"], "expect_id": 3}) == {"id": 3}
    assert set(st.services[3]["users"]) == {3, 4}
    assert ctl(bare, "role", {"shortname": "throwaway_role", "name": "Throwaway role", "contextlevels": [10],
                              "expect_id": 9}) == {"id": 9}
    assert ctl(bare, "role", {"shortname": "courseonly_role", "contextlevels": [50]})["id"] == 10
    out = ctl(bare, "token", {"tokens": [{"name": "bulk-01", "username": "wsuser01", "service": "ci_bootstrap",
                                          "validuntil_days": 1, "iprestriction": "", "creator": "admin"},
                                         {"name": "bulk-02", "username": "wsuser02", "service": None,
                                          "validuntil_days": 0}]})
    toks = dict((t["name"], t) for t in st.tokens)
    assert len(out["ids"]) == 2 and toks["bulk-02"]["externalserviceid"] == 2 and toks["bulk-02"]["validuntil"] == 0
    assert toks["bulk-01"]["validuntil"] > 0 and len(toks["bulk-01"]["token"]) == 32


def test_capability_list():
    assert len(CAPABILITIES) == 742 == len(set(CAPABILITIES))
    assert "webservice/rest:use" in CAPABILITIES and "auth/userkey:generatekey" in CAPABILITIES


def _definition_post(html, **changes):
    """What a browser submits unchanged (advanced view: the checked radio per capability), with changes."""
    data = [("sesskey", re.search(r'name="sesskey" value="([^"]+)"', html.split('id="rolesform"')[1]).group(1)),
            ("return", "manage"), ("resettype", "none"), ("shortname", ""), ("name", ""), ("description", ""),
            ("archetype", "")]
    for lvl in (10, 30, 40, 50, 70, 80):
        data.append(("contextlevel%d" % lvl, "0"))
    for cap in CAPABILITIES:
        m = re.search(r'name="%s" value="(-?\d+)" checked' % re.escape(cap), html)
        data.append((cap, m.group(1) if m else "0"))
    data.append(("savechanges", "Create this role"))
    out = [(k, changes.pop(k, v)) for k, v in data]
    return out + list(changes.items())


def test_create_edit_partial_assign_delete(bare):
    s, sk = login(bare)
    r = s.get(bare.url + "/admin/roles/manage.php")
    assert r.status_code == 200 and 'id="roles"' in r.text
    r = s.get(bare.url + DEFINE + "?action=add")
    assert {"roleid", "action", "return", "_qf__core_role_preset_form", "resettype", "rolepreset",
            "rolepresetchoose", "submitbutton", "cancel"} <= names(r.text)
    r = s.post(bare.url + DEFINE, data={"roleid": "0", "action": "add", "return": "manage", "sesskey": sk,
                                        "_qf__core_role_preset_form": "1", "mform_isexpanded_id_presetheader": "1",
                                        "resettype": "0", "rolepreset": "1", "submitbutton": "Continue"},
               allow_redirects=False)
    assert r.status_code == 200 and 'id="rolesform"' in r.text and 'value="Show advanced"' in r.text
    f = names(r.text)
    assert set(CAPABILITIES) <= f and {"contextlevel10", "allowassign[]", "toggleadvanced", "savechanges"} <= f
    assert 'type="checkbox" name="webservice/rest:use"' in r.text
    # Show advanced: 4 radios per capability, remembered as a preference
    data = [(k, v) for k, v in _definition_post(r.text) if k != "savechanges"] + [("toggleadvanced", "Show advanced")]
    r = s.post(bare.url + DEFINE + "?action=add&roleid=0", data=data, allow_redirects=False)
    assert r.status_code == 200 and 'value="Hide advanced"' in r.text
    assert len(re.findall(r'type="radio" name="webservice/rest:use"', r.text)) == 4
    assert bare.state.user_prefs[2]["definerole_showadvanced"] == "1"
    data = _definition_post(r.text, shortname="ws_ci", name="CI web service", contextlevel10="1",
                            **{"webservice/rest:use": "1", "moodle/webservice:createtoken": "1",
                               "moodle/user:viewdetails": "1"})
    r = s.post(bare.url + DEFINE + "?action=add&roleid=0", data=data, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"] == bare.url + DEFINE + "?action=view&roleid=9"
    st = bare.state
    assert st.roles[9]["contextlevels"] == [10]
    assert st.role_caps[9] == {"webservice/rest:use": 1, "moodle/webservice:createtoken": 1,
                               "moodle/user:viewdetails": 1}
    # edit form opens advanced; partial POST changes only what it carries (292)
    r = s.get(bare.url + DEFINE + "?action=edit&roleid=9")
    assert 'name="webservice/rest:use" value="1" checked' in r.text
    r = s.post(bare.url + DEFINE + "?action=edit&roleid=9",
               data={"sesskey": sk, "return": "manage", "resettype": "none", "moodle/user:viewdetails": "-1000",
                     "savechanges": "Save changes"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == bare.url + "/admin/roles/manage.php"
    assert st.role_caps[9]["moodle/user:viewdetails"] == -1000 and st.role_caps[9]["webservice/rest:use"] == 1
    assert st.roles[9]["shortname"] == "ws_ci" and st.roles[9]["contextlevels"] == [10]
    r = s.get(bare.url + DEFINE + "?action=view&roleid=9")
    assert {"action", "roleid", "return", "sesskey"} <= names(r.text)
    # assign: overview lists only system-level roles; add two, remove one
    ctl(bare, "role", {"shortname": "courseonly_role", "contextlevels": [50]})
    r = s.get(bare.url + "/admin/roles/assign.php?contextid=1")
    assert "roleid=9" in r.text and "roleid=1" in r.text and "roleid=10" not in r.text and "roleid=5" not in r.text
    r = s.get(bare.url + "/admin/roles/assign.php?contextid=1&roleid=9")
    assert {"addselect[]", "removeselect[]", "add", "remove", "contextid", "roleid"} <= names(r.text)
    selector = re.search(r"init_user_selector\(Y, \"addselect\", \"([0-9a-f]{32})\"", r.text).group(1)
    r = s.post(bare.url + "/user/selector/search.php", data={"selectorid": selector, "sesskey": sk,
                                                             "search": "wsuser0", "userselector_searchtype": "0"})
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert [u["id"] for u in r.json()["results"][0]["users"]] == ["4", "5"]
    r = s.post(bare.url + "/admin/roles/assign.php?contextid=1&roleid=9",
               data=[("sesskey", sk), ("add", "\u25c4\u00a0Add"), ("addselect[]", "3"), ("addselect[]", "5")])
    assert r.status_code == 200 and sorted(u for rid, u in st.role_assignments if rid == 9) == [3, 5]
    r = s.post(bare.url + "/admin/roles/assign.php?contextid=1&roleid=9",
               data=[("sesskey", sk), ("remove", "Remove"), ("removeselect[]", "5")])
    assert sorted(u for rid, u in st.role_assignments if rid == 9) == [3]
    r = s.post(bare.url + "/admin/roles/assign.php?contextid=1&roleid=10",
               data=[("sesskey", sk), ("add", "Add"), ("addselect[]", "3")])
    assert r.status_code == 404
    assert "You are not allowed to assign this role (id = 10) in this context (System)" in r.text
    assert not [1 for rid, u in st.role_assignments if rid == 10]
    assert st.has_capability(3, "webservice/rest:use") and not st.has_capability(4, "webservice/rest:use")
    # check.php
    r = s.post(bare.url + "/admin/roles/check.php?contextid=1", data={"reportuser": "3"})
    assert r.status_code == 200 and "Roles for user CI User" in r.text and "reportuser" in names(r.text)
    # delete
    r = s.get(bare.url + "/admin/roles/manage.php?action=delete&roleid=10")
    assert {"action", "roleid", "sesskey", "confirm"} <= names(r.text)
    r = s.post(bare.url + "/admin/roles/manage.php", data={"action": "delete", "roleid": "10", "sesskey": sk,
                                                           "confirm": "1"}, allow_redirects=False)
    assert r.status_code == 303 and 10 not in st.roles


def test_role_caps_feed_rest(bare):
    ctl(bare, "cfg", {"name": "enablewebservices", "set": "1"})
    ctl(bare, "cfg", {"name": "webserviceprotocols", "set": "rest"})
    ctl(bare, "service", {"name": "CI", "shortname": "ci", "restrictedusers": True,
                          "functions": ["core_webservice_get_site_info"], "authorised_users": ["ciuser", "wsuser01"]})
    ctl(bare, "role", {"shortname": "ws_ci", "contextlevels": [10], "capabilities": {"webservice/rest:use": 1},
                       "assign": ["ciuser"]})
    ctl(bare, "token", {"tokens": [{"name": "a", "username": "ciuser", "service": "ci"},
                                   {"name": "b", "username": "wsuser01", "service": "ci"}]})
    toks = dict((t["name"], t["token"]) for t in bare.state.tokens)

    def call(tok):
        return requests.post(bare.url + "/webservice/rest/server.php",
                             data={"wstoken": tok, "wsfunction": "core_webservice_get_site_info",
                                   "moodlewsrestformat": "json"}).json()
    assert call(toks["a"])["username"] == "ciuser"
    assert call(toks["b"])["errorcode"] == "accessexception"
