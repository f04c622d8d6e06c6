"""Token report paging/sorting/filters over AJAX (flow f17: 339-352) and the authorised-user settings page
(flow f18: 318-330)."""
import json
import re

import pytest
import requests

from simhelpers import login
from tests.moodle_sim import Simulator

TOKENS = "/admin/webservice/tokens.php"
TABLE_ARGS = {"component": "core_reportbuilder", "handler": "system_report_table",
              "uniqueid": "system-report-table-1", "sortdata": [{"sortby": "c6_validuntil", "sortorder": 4}],
              "jointype": 2, "filters": {"parameters": {"name": "parameters", "jointype": 1, "values": ["[]"]},
                                         "reportid": {"name": "reportid", "jointype": 1, "values": [1]}},
              "firstinitial": "", "lastinitial": "", "pagenumber": "1", "pagesize": "30", "hiddencolumns": [],
              "resetpreferences": False}


def ctl(sim, path, body):
    r = requests.post(sim.url + "/__sim__/" + path, data=json.dumps(body))
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def site():
    with Simulator(state="bare") as s:
        for i in range(1, 4):
            ctl(s, "user", {"username": "wsuser%02d" % i, "password": "User#12345", "firstname": "WS",
                            "lastname": "User %02d" % i, "email": "wsuser%02d@example.com" % i})
        ctl(s, "cfg", {"name": "enablewebservices", "set": "1"})
        ctl(s, "cfg", {"name": "webserviceprotocols", "set": "rest"})
        ctl(s, "service", {"name": "CI bootstrap", "shortname": "ci_bootstrap", "restrictedusers": True,
                           "functions": ["core_webservice_get_site_info"],
                           "authorised_users": ["wsuser01", "wsuser02", "wsuser03"]})
        ctl(s, "token", {"tokens": [{"name": "bulk-%02d" % i, "username": "wsuser%02d" % (1 + i % 3),
                                     "service": "ci_bootstrap", "validuntil_days": i} for i in range(1, 43)]})
        yield s


def rows(html):
    return re.findall(r'<tr class="" id="system-report-table-1_r\d+">', html), \
        len(re.findall(r'class="emptyrow"', html))


def ajax(s, url, sk, method, args):
    r = s.post(url + "/lib/ajax/service.php?sesskey=%s&info=%s" % (sk, method),
               data=json.dumps([{"index": 0, "methodname": method, "args": args}]))
    out = r.json()
    assert out[0]["error"] is False, out
    return out[0]["data"]


def test_paging_sorting_filters(site):
    s, sk = login(site)
    r = s.get(site.url + TOKENS)
    full, empty = rows(r.text)
    assert len(full) == 30 and empty == 0 and 'data-table-total-rows="42"' in r.text
    assert 'href="%s/?page=1"' % site.url in r.text                 # pagination hrefs point to the site root
    full, empty = rows(s.get(site.url + TOKENS + "?page=1").text)
    assert len(full) == 12 and empty == 18
    assert len(rows(s.get(site.url + TOKENS + "?perpage=5000").text)[0]) == 30     # ignored (344)
    r = s.get(site.url + "/?page=1", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/my/")
    data = ajax(s, site.url, sk, "core_table_get_dynamic_table_content", dict(TABLE_ARGS, pagenumber="2"))
    assert set(data) == {"html", "warnings"} and len(rows(data["html"])[0]) == 12
    data = ajax(s, site.url, sk, "core_table_get_dynamic_table_content", dict(TABLE_ARGS, pagesize="100"))
    assert rows(data["html"])[1] == 58
    data = ajax(s, site.url, sk, "core_table_get_dynamic_table_content",
                dict(TABLE_ARGS, sortdata=[{"sortby": "c1_name", "sortorder": 3}]))
    assert re.search(r'<td class="cell c0"[^>]*>([^<]*)</td>', data["html"]).group(1) == "bulk-42"
    formdata = ("reportid=1&parameters=%5B%5D&sesskey=" + sk + "&_qf__core_reportbuilder_form_filter=1"
                "&token%3Aname_operator=1&token%3Aname_value=bulk-1&user%3Afullname_operator=0"
                "&user%3Afullname_value=&service%3Aname_values=_qf__force_multiselect_submission"
                "&token%3Avaliduntil_operator=0&token%3Avaliduntil_value=1&token%3Avaliduntil_unit=1")
    data = ajax(s, site.url, sk, "core_form_dynamic_form",
                {"formdata": formdata, "form": "\\core_reportbuilder\\form\\filter"})
    assert data == {"submitted": True, "data": "1"}
    data = ajax(s, site.url, sk, "core_table_get_dynamic_table_content", TABLE_ARGS)
    assert rows(data["html"]) == (rows(data["html"])[0], 20) and len(rows(data["html"])[0]) == 10
    assert len(rows(s.get(site.url + TOKENS).text)[0]) == 10        # kept server-side (349)
    frag = ajax(s, site.url, sk, "core_get_fragment",
                {"component": "core_reportbuilder", "callback": "filters_form", "contextid": 1,
                 "args": [{"name": "reportid", "value": "1"}, {"name": "parameters", "value": "[]"}]})
    assert 'value="bulk-1"' in frag["html"]
    assert ajax(s, site.url, sk, "core_reportbuilder_filters_reset", {"reportid": "1", "parameters": "[]"}) is True
    assert len(rows(s.get(site.url + TOKENS).text)[0]) == 30


def test_authorised_user_settings(site):
    s, sk = login(site)
    url = site.url + "/admin/webservice/service_user_settings.php?userid=3&serviceid=3"
    r = s.get(url)
    assert r.status_code == 200 and 'action=""' in r.text
    assert {"id", "userid", "sesskey", "_qf__external_service_authorised_user_settings_form",
            "mform_isexpanded_id_serviceusersettings", "iprestriction", "validuntil[enabled]", "validuntil[day]",
            "validuntil[month]", "validuntil[year]", "submitbutton", "cancel"} <= set(
        re.findall(r'<(?:input|select)[^>]*\bname="([^"]+)"', r.text))
    tok = next(t["token"] for t in site.state.tokens if t["userid"] == 3)
    site.state.role_caps[7]["webservice/rest:use"] = 1

    def rest():
        return requests.post(site.url + "/webservice/rest/server.php",
                             data={"wstoken": tok, "wsfunction": "core_webservice_get_site_info",
                                   "moodlewsrestformat": "json"}).json()

    def save(**fields):
        base = {"id": "3", "userid": "3", "sesskey": sk, "_qf__external_service_authorised_user_settings_form": "1",
                "mform_isexpanded_id_serviceusersettings": "1", "iprestriction": "", "validuntil[day]": "1",
                "validuntil[month]": "1", "validuntil[year]": "2020", "submitbutton": "Update"}
        base.update(fields)
        r = s.post(url, data=base, allow_redirects=False)
        assert r.status_code == 200 and "User settings saved" in r.text
    save(**{"validuntil[enabled]": "1", "validuntil[year]": "2099"})
    assert rest()["errorcode"] == "accessexception"            # inverted validuntil (321)
    save(**{"validuntil[enabled]": "1"})
    assert site.state.services[3]["users"][3]["validuntil"] == 1577836800
    assert "errorcode" not in rest()                             # past date passes (324)
    save(iprestriction="10.1.2.3")
    assert site.state.services[3]["users"][3] == {"iprestriction": "10.1.2.3", "validuntil": 0}
    assert rest()["errorcode"] == "accessexception"
    save(iprestriction="127.0.0.1")
    assert "errorcode" not in rest()
