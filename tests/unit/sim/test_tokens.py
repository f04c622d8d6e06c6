"""admin/webservice/tokens.php (flow f07: fixtures 024, 068-080, 110) and the page-header forms."""
import re
import time

import requests

from simhelpers import login

TOKENS = "/admin/webservice/tokens.php"


def names(html):
    return set(re.findall(r'<(?:input|select|textarea|button)[^>]*\bname="([^"]+)"', html))


def create_post(sesskey, userid, serviceid, name="", ip=""):
    t = time.gmtime(time.time() + 30 * 86400)
    return {"action": "create", "sesskey": sesskey, "_qf__core_webservice_token_form": "1",
            "mform_isexpanded_id_token": "1", "name": name, "user": str(userid), "service": str(serviceid),
            "iprestriction": ip, "validuntil[enabled]": "1", "validuntil[day]": str(t.tm_mday),
            "validuntil[month]": str(t.tm_mon), "validuntil[year]": str(t.tm_year), "submitbutton": "Save changes"}


def test_list_empty_and_create_form(sim):
    s, sk = login(sim)
    r = s.get(sim.url + TOKENS)
    assert r.status_code == 200
    assert "Nothing to display" in r.text
    assert 'id="copytoclipboardtoken"' not in r.text
    assert {"reportid", "parameters", "_qf__core_reportbuilder_form_filter", "service:name_values[]",
            "token:validuntil_from[enabled]", "resetfilters", "setmode", "query"} <= names(r.text)
    r = s.get(sim.url + TOKENS + "?action=create")
    assert r.status_code == 200
    f = names(r.text)
    assert {"action", "sesskey", "_qf__core_webservice_token_form", "mform_isexpanded_id_token", "name", "user",
            "service", "iprestriction", "validuntil[enabled]", "validuntil[day]", "validuntil[month]",
            "validuntil[year]", "submitbutton", "cancel"} <= f
    assert re.search(r'<select[^>]*name="user"[^>]*>\s*</select>', r.text)          # filled by JS
    assert set(re.findall(r'<option value="(\d+)"', r.text.split('name="service"')[1].split("</select>")[0])) == \
        {"1", "2"}
    t = time.gmtime(time.time() + 30 * 86400)
    assert 'name="validuntil[enabled]" class="form-check-input" value="1" checked' in r.text
    assert '<option value="%d" selected>' % t.tm_year in r.text


def test_create_shown_once_then_delete(sim):
    s, sk = login(sim)
    sim.state.services[1]["enabled"] = 1
    r = s.post(sim.url + TOKENS, data=create_post(sk, 3, 1, name="ci-teacher1"), allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == sim.url + TOKENS
    tok = sim.state.tokens[-1]
    assert (tok["userid"], tok["externalserviceid"], tok["creatorid"], tok["name"]) == (3, 1, 2, "ci-teacher1")
    assert tok["validuntil"] > time.time()
    r = s.get(sim.url + TOKENS)
    assert re.search(r'id="copytoclipboardtoken">%s<' % tok["token"], r.text)
    assert "ci-teacher1" in r.text and 'tr class="emptyrow"' in r.text
    assert len(re.findall(r'<tr [^>]*id="system-report-table-1_r\d+"', r.text)) == 30
    r = s.get(sim.url + TOKENS)
    assert tok["token"] not in r.text and "ci-teacher1" in r.text
    assert "?action=delete&amp;tokenid=%d" % tok["id"] in r.text
    r = s.get(sim.url + TOKENS + "?action=delete&tokenid=%d" % tok["id"])
    assert "Do you really want to delete this web service token for Teacher One" in r.text
    assert {"tokenid", "action", "confirm", "sesskey"} <= names(r.text)
    assert sim.state.tokens
    r = s.post(sim.url + TOKENS, data={"tokenid": str(tok["id"]), "action": "delete", "confirm": "1",
                                       "sesskey": sk}, allow_redirects=False)
    assert r.status_code == 303 and not sim.state.tokens
    assert "Nothing to display" in s.get(sim.url + TOKENS).text


def test_restricted_service_user_not_allowed(sim):
    s, sk = login(sim)
    r = s.post(sim.url + TOKENS, data=create_post(sk, 3, 2), allow_redirects=False)   # userkey service: restricted
    assert r.status_code == 200
    assert "The user is not allowed for this service" in r.text and "alert-danger" in r.text
    assert "_qf__core_webservice_token_form" in r.text and not sim.state.tokens
    sim.state.services[2]["users"][3] = {}
    r = s.post(sim.url + TOKENS, data=create_post(sk, 3, 2), allow_redirects=False)
    assert r.status_code == 303 and sim.state.tokens[0]["name"].startswith("Webservice-")


def test_paging(sim):
    for i in range(31):
        sim.state.create_token(3, 1, 2, name="t%02d" % i, validuntil=2000000000 + i)
    s, sk = login(sim)
    r = s.get(sim.url + TOKENS)
    assert "t29" in r.text and "t30" not in r.text and 'data-table-total-rows="31"' in r.text
    r = s.get(sim.url + TOKENS + "?page=1")
    assert "t30" in r.text and "t29" not in r.text and r.text.count('tr class="emptyrow"') == 29


def test_non_admin_and_logged_out(sim):
    s, sk = login(sim, "teacher1", "Teacher#12345")
    r = s.get(sim.url + TOKENS)
    assert r.status_code == 404 and "Access denied" in r.text
    assert "setmode" not in names(r.text)
    r = requests.get(sim.url + TOKENS, allow_redirects=False)
    assert r.status_code == 303


def test_header_forms(sim):
    s, sk = login(sim)
    my = s.get(sim.url + "/my/").text
    assert {"setmode", "sesskey", "pageurl", "context"} <= names(my) and "query" not in names(my)
    assert 'name="context" value="5"' in my
    prof = s.get(sim.url + "/user/profile.php").text
    assert {"edit", "reset", "id", "setmode"} <= names(prof)
    admin = s.get(sim.url + "/admin/settings.php?section=optionalsubsystems").text
    assert {"setmode", "query"} <= names(admin) and 'name="context" value="1"' in admin
    t, _unused = login(sim, "teacher1", "Teacher#12345")
    my = t.get(sim.url + "/my/").text
    assert 'name="context" value="11"' in my and "query" not in names(my)
    assert "setmode" not in names(t.get(sim.url + "/login/logout.php").text)
    assert "setmode" not in names(requests.get(sim.url + "/login/index.php").text)
