"""Flow f23 user management (fixtures 4.5.6 398-431 / 5.1.3 377-410): admin/user.php, user/editadvanced.php."""
import hashlib
import re

import pytest

from simhelpers import login
from tests.moodle_sim import Simulator


@pytest.fixture(params=["4.5", "5.1"])
def bare(request):
    with Simulator(state="fresh", moodle=request.param) as s:
        s.state.reset("bare")
        yield s


def new_user_data(sk, **over):
    data = [("id", "-1"), ("returnto", ""), ("id", "-1"), ("course", "1"), ("sesskey", sk),
            ("_qf__user_editadvanced_form", "1"), ("username", "svc_manual"), ("auth", "manual"), ("suspended", "0"),
            ("newpassword", "Svc#Manual123"), ("preference_auth_forcepasswordchange", "0"), ("firstname", "Svc"),
            ("lastname", "Manual"), ("email", "svc_manual@example.com"), ("maildisplay", "2"), ("city", ""),
            ("country", ""), ("timezone", "99"), ("lang", "en"), ("description_editor[text]", ""),
            ("description_editor[format]", "1"), ("interests", "_qf__force_multiselect_submission"),
            ("idnumber", ""), ("submitbutton", "Create user")]
    out = []
    for k, v in data:
        if k in over:
            if over[k] is None:
                continue
            v = over[k]
        out.append((k, v))
    return out


def create(sim, s, sk, **over):
    return s.post(sim.url + "/user/editadvanced.php", data=new_user_data(sk, **over), allow_redirects=False)


def test_new_user_form_controls(bare):
    s, _sk = login(bare)
    r = s.get(bare.url + "/user/editadvanced.php?id=-1")
    assert r.status_code == 200
    names = re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', r.text[r.text.index('id="mform1_'):])
    assert names[:4] == ["id", "returnto", "id", "course"]
    for name in ("createpassword", "newpassword", "preference_auth_forcepasswordchange", "lang", "interests[]"):
        assert name in names
    auths = re.findall(r'<option value="([a-z0-9]+)"', r.text[r.text.index('name="auth"'):
                                                              r.text.index("</select>", r.text.index('name="auth"'))])
    assert len(auths) == (12 if bare.state.moodle.is51 else 14)
    assert '<optgroup label="Enabled">' in r.text and 'value="Create user"' in r.text


def test_create_users_and_list(bare):
    s, sk = login(bare)
    r = create(bare, s, sk)
    assert r.status_code == 303 and r.headers["Location"] == bare.url + "/admin/user.php"
    r = create(bare, s, sk, username="ci_bot", auth="webservice", newpassword=None, firstname="CI", lastname="Bot",
               email="ci_bot@example.com")
    assert r.status_code == 303
    svc, bot = bare.state.user_by_username("svc_manual"), bare.state.user_by_username("ci_bot")
    assert (svc["id"], bot["id"]) == (3, 4)
    assert svc["password"] == "Svc#Manual123" and bot["password"] == "not cached"
    assert bare.state.user_prefs[3] == {"auth_forcepasswordchange": "0", "email_bounce_count": "1",
                                        "email_send_count": "1"}
    r = s.get(bare.url + "/admin/user.php")
    assert "Changes saved" in r.text and "alert-success" in r.text
    assert re.findall(r'name="report-select-row\[\]" type="checkbox" value="(\d+)"', r.text) == ["2", "4", "3"]
    assert "admin/user.php?suspend=3&amp;sesskey=%s" % sk in r.text
    assert "delete=3&amp;confirm=%s" % hashlib.md5(b"3").hexdigest() in r.text
    assert r.text.count('class="emptyrow"') == 27
    # AJAX users_by_field: the recorded keys
    r = s.post(bare.url + "/lib/ajax/service.php?sesskey=%s&info=core_user_get_users_by_field" % sk,
               json=[{"index": 0, "methodname": "core_user_get_users_by_field",
                      "args": {"field": "username", "values": ["ci_bot"]}}])
    rec = r.json()[0]["data"][0]
    assert sorted(rec) == sorted(["auth", "confirmed", "department", "description", "descriptionformat", "email",
                                  "firstaccess", "firstname", "fullname", "id", "lang", "lastaccess", "lastname",
                                  "mailformat", "profileimageurl", "profileimageurlsmall", "suspended", "theme",
                                  "timezone", "trackforums", "username"])


def test_validation_errors(bare):
    s, sk = login(bare)
    assert create(bare, s, sk).status_code == 303
    r = create(bare, s, sk)
    assert r.status_code == 200
    assert "This username already exists, choose another" in r.text
    assert "This email address is already registered." in r.text
    assert 'value="Svc#Manual123"' in r.text           # the real page echoes the password back
    r = create(bare, s, sk, username="weak_pw_user", email="weak@example.com", newpassword="abc")
    assert ('<div>Passwords must be at least 8 characters long.</div><div>Passwords must have at least 1 digit(s).'
            '</div><div>Passwords must have at least 1 upper case letter(s).</div><div>The password must have at '
            'least 1 special character(s) such as *, -, or #.</div>') in r.text
    assert 'id="id_error_newpassword" style="display: block;"' in r.text and "is-invalid" in r.text
    r = create(bare, s, sk, username="bad_email_user", email="not-an-email", newpassword="Bad#Email123")
    assert "Invalid email address" in r.text
    r = create(bare, s, sk, username="nopw", email="nopw@example.com", newpassword=None)
    assert 'id="id_error_newpassword" style="display: block;">Required' in r.text
    assert sorted(u["username"] for u in bare.state.users.values()) == ["admin", "guest", "svc_manual"]


def test_edit_suspend_delete(bare):
    s, sk = login(bare)
    create(bare, s, sk)
    r = s.get(bare.url + "/user/editadvanced.php?id=3&course=1")
    assert r.status_code == 200 and 'value="Update profile"' in r.text and 'name="createpassword"' not in r.text
    data = [(k, v) for k, v in new_user_data(sk, email="svc_manual.new@example.com", city="Berlin",
                                             newpassword="", submitbutton="Update profile")
            if k not in ("id", "returnto", "course", "lang")]
    data = [("course", "1"), ("id", "3"), ("returnto", ""), ("id", "3"), ("course", "1")] + data
    r = s.post(bare.url + "/user/editadvanced.php", data=data, allow_redirects=False)
    assert r.status_code == 303
    u = bare.state.users[3]
    assert (u["email"], u["city"]) == ("svc_manual.new@example.com", "Berlin")
    assert bare.state.user_prefs[3]["email_bounce_count"] == "0"
    data = [(k, v) for k, v in data if k not in ("email", "city")] + [
        ("email", "svc_manual.new@example.com"), ("city", "Berlin"), ("preference_auth_forcepasswordchange", "1")]
    assert s.post(bare.url + "/user/editadvanced.php", data=data, allow_redirects=False).status_code == 303
    assert bare.state.user_prefs[3]["auth_forcepasswordchange"] == "1"
    r = s.get(bare.url + "/admin/user.php?suspend=3&sesskey=" + sk, allow_redirects=False)
    assert r.status_code == 303 and bare.state.users[3]["suspended"] == 1
    r = s.get(bare.url + "/admin/user.php")
    assert '<tr class="text-muted"' in r.text and ">Suspended</span>" in r.text and "unsuspend=3" in r.text
    s.get(bare.url + "/admin/user.php?unsuspend=3&sesskey=" + sk, allow_redirects=False)
    assert bare.state.users[3]["suspended"] == 0
    r = s.get(bare.url + "/admin/user.php?delete=3&sesskey=" + sk)
    assert r.status_code == 200 and "Delete user" in r.text and 'id="notice"' in r.text
    confirm = hashlib.md5(b"3").hexdigest()
    r = s.post(bare.url + "/admin/user.php", data={"delete": "3", "confirm": confirm, "sesskey": sk},
               allow_redirects=False)
    assert r.status_code == 303
    u = bare.state.users[3]
    assert u["deleted"] == 1 and u["username"].startswith("svc_manual.new@example.com.")
    assert u["email"] == hashlib.md5(b"svc_manual.new@example.com").hexdigest() and 3 not in bare.state.user_prefs
    assert "Deleted user Svc Manual" in s.get(bare.url + "/admin/user.php").text
    r = s.get(bare.url + "/admin/user.php?delete=3&confirm=%s&sesskey=%s" % (confirm, sk))
    assert r.status_code == 404 and "This user has already been deleted." in r.text


def test_modal_url_deletes_and_non_admin(bare):
    bare.state.add_user("u1", "User#12345", "U", "One", "u1@example.com")
    s, sk = login(bare)
    r = s.get(bare.url + "/admin/user.php?delete=3&confirm=%s&sesskey=%s" % (hashlib.md5(b"3").hexdigest(), sk),
              allow_redirects=False)
    assert r.status_code == 303 and bare.state.users[3]["deleted"] == 1
    bare.state.add_user("u2", "User#12345", "U", "Two", "u2@example.com")
    s2, _sk2 = login(bare, "u2", "User#12345")
    assert s2.get(bare.url + "/admin/user.php").status_code == 404
    assert s2.get(bare.url + "/user/editadvanced.php?id=-1").status_code == 404


def test_sitepolicies_defaults(bare):
    s, _sk = login(bare)
    r = s.get(bare.url + "/admin/settings.php?section=sitepolicies")
    assert r.status_code == 200
    for name, value in (("s__minpasswordlength", "8"), ("s__minpassworddigits", "1"),
                        ("s__maxconsecutiveidentchars", "0"), ("s__tokenduration[v]", "12")):
        assert re.search(r'name="%s" value="%s"' % (re.escape(name), value), r.text), name
    assert re.search(r'type="checkbox" name="s__passwordpolicy" value="1" id="id_s__passwordpolicy" checked', r.text)
