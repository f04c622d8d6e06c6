"""Flows f03/f04/f05/f06/f10/f15 (fixtures 029-066, 082-086, 121-144, 263-264)."""
import re

from simhelpers import login

OPTIONAL_FIELDS = [  # fixture 031 form_fields, in order
    "s__enableoutcomes", "s__usecomments", "s__usetags", "s__enablenotes", "s__enableportfolios",
    "s__enablewebservices", "s__enablestats", "s__enablerssfeeds", "s__enableblogs", "s__mnet_dispatcher_mode",
    "s__enablecompletion", "s__enableavailability", "s__enableplagiarism", "s__enablebadges",
    "s__enableglobalsearch", "s__allowstealth", "s__enableanalytics", "s_core_competency_enabled", "s__messaging",
    "s__enablecustomreports", "s__allowemojipicker", "s__enableaccessibilitytools", "s__enablemobilewebservice",
    "s_tool_moodlenet_enablemoodlenet"]


def form_pairs(html, formid="adminsettings"):
    """What a browser submits unchanged (hidden + checked checkboxes + selected options + text)."""
    start = html.index('id="%s"' % formid)
    form = html[start:html.index("</form>", start)]
    pairs = []
    for m in re.finditer(r"<(input|textarea)([^>]*)>|<(select)([^>]*)>(.*?)</select>", form, re.S):
        tag = m.group(1) or m.group(3)
        attrs = m.group(2) or m.group(4)
        inner = m.group(5) or ""
        name = re.search(r'name="([^"]+)"', attrs)
        if not name or "disabled" in attrs:
            continue
        name = name.group(1)
        if tag == "select":
            sel = re.search(r'<option value="([^"]*)" selected', inner) or re.search(r'<option value="([^"]*)"', inner)
            pairs.append((name, sel.group(1)))
            continue
        typ = re.search(r'type="([^"]+)"', attrs)
        typ = typ.group(1) if typ else "text"
        val = re.search(r'value="([^"]*)"', attrs)
        val = val.group(1) if val else ""
        if typ == "checkbox" and " checked" not in attrs:
            continue
        if typ == "submit":
            continue
        pairs.append((name, val))
    return pairs


def test_optionalsubsystems_fields_and_save(sim):
    s, key = login(sim)
    url = sim.url + "/admin/settings.php?section=optionalsubsystems"
    html = s.get(url).text
    pairs = form_pairs(html)
    assert pairs[:4] == [("section", "optionalsubsystems"), ("action", "save-settings"), ("sesskey", key),
                         ("return", "")]
    names = []
    for n, _unused in pairs[4:]:
        if n not in names:
            names.append(n)
    assert names == OPTIONAL_FIELDS
    assert ("s__enablewebservices", "0") in pairs and ("s__enablewebservices", "1") not in pairs
    # bad sesskey: 200, same form, nothing saved
    bad = [(n, "nope" if n == "sesskey" else v) for n, v in pairs] + [("s__enablewebservices", "1")]
    r = s.post(url, data=bad, allow_redirects=False)
    assert r.status_code == 200 and 'id="adminsettings"' in r.text and "Changes saved" not in r.text
    assert sim.state.config["enablewebservices"] == "0"
    assert sim.requests[-1].write is True
    # good save
    r = s.post(url, data=pairs + [("s__enablewebservices", "1")], allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == url
    page = s.get(url).text
    assert "Changes saved" in page and 'id="id_s__enablewebservices" checked' in page
    assert "Changes saved" not in s.get(url).text


def test_mobile_setting_side_effects(sim):
    s, key = login(sim)
    url = sim.url + "/admin/settings.php?section=mobilesettings"
    html = s.get(url).text
    assert [n for n, _unused in form_pairs(html)][4:] == ["s_tool_mobile_apppolicy"]
    r = s.post(url, data=form_pairs(html) + [("s__enablemobilewebservice", "0"), ("s__enablemobilewebservice", "1")])
    assert r.url == url and "Changes saved" not in r.text     # 084
    st = sim.state
    assert st.config["enablewebservices"] == "1" and "rest" in st.protocols
    assert st.mobile_service()["enabled"] == 1
    assert st.role_caps[7]["webservice/rest:use"] == 1
    assert 'id="id_s__enablemobilewebservice" checked' in s.get(
        sim.url + "/admin/settings.php?section=optionalsubsystems").text
    s.post(url, data=[("section", "mobilesettings"), ("action", "save-settings"), ("sesskey", key),
                      ("s__enablemobilewebservice", "0")])
    assert st.mobile_service()["enabled"] == 0 and st.config["enablewebservices"] == "1"


def test_unknown_section_and_search(sim):
    s, _unused = login(sim)
    r = s.get(sim.url + "/admin/settings.php?section=authsettingapilogin")
    assert r.status_code == 404 and "Section error!" in r.text
    r = s.get(sim.url + "/admin/search.php?query=enablewebservices")
    assert re.search(r'<h3 class="adminpagetitle"><a href="[^"]*section=optionalsubsystems">', r.text)
    assert 'name="s__enablewebservices"' in r.text


def test_protocols(sim):
    s, key = login(sim)
    page = s.get(sim.url + "/admin/settings.php?section=webserviceprotocols").text
    link = "%s/admin/webservice/protocols.php?sesskey=%s&amp;action=enable&amp;webservice=rest" % (sim.url, key)
    assert link in page and "webservice=soap" in page and 'name="s__enablewsdocumentation"' in page
    r = s.get(link.replace("&amp;", "&").replace(key, "bad"), allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/settings.php?section=webserviceprotocols")
    assert sim.state.protocols == []
    r = s.get(link.replace("&amp;", "&"))
    assert "action=disable&amp;webservice=rest" in r.text and "Changes saved" not in r.text
    assert sim.state.protocols == ["rest"] and sim.requests[-2].write


def test_services_list_edit_create_delete(sim):
    s, key = login(sim)
    page = s.get(sim.url + "/admin/settings.php?section=externalservices").text
    assert 'id="builtinservices"' in page and 'id="customservices"' in page
    assert '<span class="dimmed_text">Moodle mobile web service</span>' in page
    assert "service_users.php?id=2" in page and "service.php?id=0" in page
    # enable the mobile service by editing it (what the collection does)
    form = s.get(sim.url + "/admin/webservice/service.php?id=1").text
    pairs = list(form_pairs(form, "mform1_extservice"))
    assert ("_qf__external_service_form", "1") in pairs and ("id", "1") in pairs
    assert "shortname" not in [n for n, _unused in pairs]           # readonly disabled
    r = s.post(sim.url + "/admin/webservice/service.php", data=pairs + [("enabled", "1"), ("submitbutton", "Save changes")],
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/settings.php?section=externalservices")
    assert sim.state.services[1]["enabled"] == 1 and sim.state.services[1]["name"] == "Moodle mobile web service"
    # create
    new = form_pairs(s.get(sim.url + "/admin/webservice/service.php?id=0").text, "mform1_extservice")
    assert ("id", "") in new
    data = [(n, v) for n, v in new if n not in ("name", "shortname")] + [
        ("name", "CI bootstrap"), ("shortname", "ci_bootstrap"), ("enabled", "1"), ("restrictedusers", "1"),
        ("submitbutton", "Add service")]
    r = s.post(sim.url + "/admin/webservice/service.php", data=data, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/webservice/service_functions.php?id=3")
    # functions add
    r = s.post(sim.url + "/admin/webservice/service_functions.php", allow_redirects=False,
               data=[("id", "3"), ("action", "add"), ("sesskey", key), ("fids", "_qf__force_multiselect_submission"),
                     ("fids[]", "330"), ("fids[]", "233")])
    assert r.status_code == 303
    assert sim.state.services[3]["functions"] == ["core_webservice_get_site_info", "core_user_get_users_by_field"]
    # users add -> 200
    r = s.post(sim.url + "/admin/webservice/service_users.php?id=3", data=[("sesskey", key), ("addselect[]", "3"),
                                                                           ("add", "\u25c0 Add")])
    assert r.status_code == 200 and 3 in sim.state.services[3]["users"]
    # delete: confirm then POST
    r = s.get(sim.url + "/admin/webservice/service.php?action=delete&sesskey=%s&id=3" % key)
    assert r.status_code == 200 and 'name="confirm" value="1"' in r.text
    r = s.post(sim.url + "/admin/webservice/service.php", data={"id": "3", "action": "delete", "confirm": "1",
                                                                "sesskey": key}, allow_redirects=False)
    assert r.status_code == 303 and 3 not in sim.state.services


def test_manageauths(sim):
    s, key = login(sim)
    page = s.get(sim.url + "/admin/settings.php?section=manageauths").text
    assert 'auth.php?sesskey=%s&amp;action=disable&amp;auth=email' % key in page
    assert 'auth.php?sesskey=%s&amp;action=enable&amp;auth=userkey' % key in page
    assert "[[pluginname]]" in page and "section=authsettingapilogin" not in page
    assert sim.state.enabled_auths == ["email"]
    for action, auth in (("enable", "userkey"), ("enable", "apilogin"), ("up", "apilogin")):
        r = s.get(sim.url + "/admin/auth.php?sesskey=%s&action=%s&auth=%s" % (key, action, auth),
                  allow_redirects=False)
        assert r.status_code == 303 and r.headers["Location"].endswith("/admin/settings.php?section=manageauths")
    assert sim.state.enabled_auths == ["email", "apilogin", "userkey"]
    s.get(sim.url + "/admin/auth.php?sesskey=bad&action=down&auth=apilogin")
    assert sim.state.enabled_auths == ["email", "apilogin", "userkey"]


def test_userkey_settings_mappingfield_unselected(sim):
    s, _unused = login(sim)
    page = s.get(sim.url + "/admin/settings.php?section=authsettinguserkey").text
    sel = page[page.index('name="s_auth_userkey_mappingfield"'):]
    sel = sel[:sel.index("</select>")]
    assert "selected" not in sel
    r = s.post(sim.url + "/admin/settings.php?section=authsettinguserkey", data=form_pairs(page))
    assert "Changes saved" in r.text
    assert sim.state.get_config("mappingfield", "auth_userkey") == "username"
