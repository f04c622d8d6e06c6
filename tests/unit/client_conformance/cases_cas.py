"""CAS sign-in (flow f24, 4.5.6 only; auth_cas is not in 5.1 core): auth.CasAuth on the real recorded round trips
(Moodle's phpCAS 302s, the test CAS server's form#fm1, 401 for a wrong password, the ticket back, M.cfg userId)."""

import re
from urllib.parse import parse_qsl

import pytest

from client_conformance.core import Case, client_on, raw_input_value, raw_mcfg, recorded

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.auth import CasAuth, PasswordAuth

CASADMIN = {"username": "casadmin", "password": "Cas#Admin12345"}
ONLY_45 = ("4.5.6",)


def _chain(version, names):
    return [recorded(version, name) for name in names]


def _sign_in(rec, version, names, options=None):
    answers = _chain(version, names)
    client = client_on(version, *answers, logged_in=False)
    settings = dict(CASADMIN, **(options or {}))
    return client, answers, CasAuth(settings).login(client)


def _posted_form(client):
    posts = [r for r in client.transport.requests if r[0] == "POST"]
    assert len(posts) == 1
    return posts[0]


NOMULTIAUTH = ["f24-cas-login-page-nomultiauth", "f24-cas-login-page-nomultiauth-hop1",
               "f24-cas-login-page-nomultiauth-hop2", "f24-cas-server-login-form", "f24-cas-server-login-post",
               "f24-cas-ticket-return", "f24-cas-ticket-return-hop1", "f24-cas-ticket-return-hop2",
               "f24-cas-ticket-return-hop3"]


def round_trip(rec, version):
    """multiauth=0: gateway round trip, the CAS form (no action: posted to the page URL with its ?service=),
    every hidden field (execution, _eventId, geolocation) + submit, the ticket back, M.cfg userId 3."""
    client, answers, session = _sign_in(rec, version, NOMULTIAUTH)
    form_page = answers[3]
    method, url, _params, data = _posted_form(client)
    assert url == "https://127.0.0.1:8443/cas/login?service=http%3A%2F%2F127.0.0.1%3A8080%2Flogin%2Findex.php"
    sent = dict(data)
    assert sent["username"] == "casadmin" and sent["password"] == "Cas#Admin12345"
    assert sent["execution"] == raw_input_value(form_page.text, "execution")
    assert sent["_eventId"] == "submit" and sent["geolocation"] == "" and sent["submit"] == "LOGIN"
    recorded_post = recorded(version, "f24-cas-server-login-post").request_body.decode()
    recorded_body = dict(parse_qsl(recorded_post, keep_blank_values=True))
    assert set(sent) == set(recorded_body)
    mcfg = raw_mcfg(answers[-1].text)
    assert session.user_id == int(mcfg["userId"]) == 3
    assert session.sesskey == mcfg["sesskey"]
    # every URL the client followed is the recorded Location of the answer before it
    gets = [r[1] for r in client.transport.requests if r[0] == "GET"]
    assert gets[1] == answers[0].location and gets[2] == answers[1].location
    # the ticket and the execution are secrets of the run
    ticket = re.search(r"ticket=([^&\s]+)", answers[4].location).group(1)
    assert ticket not in client.redact("ticket=%s" % ticket)
    assert raw_input_value(form_page.text, "execution") not in client.redact(form_page.text)


def multiauth_round_trip(rec, version):
    """multiauth=1: ?authCAS=CAS starts the same round trip, the service keeps ?authCAS=CAS."""
    names = ["f24-cas-multiauth-authcas", "f24-cas-multiauth-authcas-hop1", "f24-cas-multiauth-authcas-hop2",
             "f24-cas-multiauth-server-login-form", "f24-cas-multiauth-login-post",
             "f24-cas-multiauth-ticket-return", "f24-cas-multiauth-ticket-return-hop1",
             "f24-cas-multiauth-ticket-return-hop2", "f24-cas-multiauth-ticket-return-hop3"]
    client, answers, session = _sign_in(rec, version, names)
    _method, url, _params, _data = _posted_form(client)
    assert "service=http%3A%2F%2F127.0.0.1%3A8080%2Flogin%2Findex.php%3FauthCAS%3DCAS" in url
    assert session.user_id == int(raw_mcfg(answers[-1].text)["userId"]) == 3


def casversion3_round_trip(rec, version):
    names = [n.replace("f24-cas-", "f24-cas-v3-").replace("v3-login-page-nomultiauth", "v3-login-page")
             for n in NOMULTIAUTH]
    _client, answers, session = _sign_in(rec, version, names)
    assert session.user_id == int(raw_mcfg(answers[-1].text)["userId"]) == 3


def sso_with_tgc(rec, version):
    """A live CAS cookie: a ticket on the gateway request, no form, nothing posted."""
    names = ["f24-cas-sso-relogin"] + ["f24-cas-sso-relogin-hop%d" % i for i in range(1, 6)]
    client, answers, session = _sign_in(rec, version, names)
    assert not [r for r in client.transport.requests if r[0] == "POST"]
    assert session.user_id == int(raw_mcfg(answers[-1].text)["userId"]) == 3


def wrong_password(rec, version):
    """401 + the form again with div#loginErrorsPanel: one clear failure, the password sent once."""
    names = ["f24-cas-multiauth-authcas", "f24-cas-multiauth-authcas-hop1", "f24-cas-multiauth-authcas-hop2",
             "f24-cas-multiauth-server-login-form", "f24-cas-wrong-password-post"]
    with pytest.raises(errors.LoginFailedError) as caught:
        _sign_in(rec, version, names, {"password": "Wrong#Password1"})
    text = str(caught.value)
    shown = re.search(r'id="loginErrorsPanel"[^>]*><p>([^<]+)</p>', rec.text).group(1)
    assert shown in text and "casadmin" in text and "refused" in text
    assert "Wrong#Password1" not in text


def ticket_not_validated(rec, version):
    """A ticket Moodle cannot validate: its 404 error page (p.errormessage with INVALID_TICKET) is the message."""
    client = client_on(version, rec, logged_in=False)
    response = rec.response
    with pytest.raises(errors.LoginFailedError) as caught:
        CasAuth(CASADMIN).finish_cas_login(client, response, True)
    assert "INVALID_TICKET" in str(caught.value) and "Ticket not validated" in str(caught.value)


def cas_url_mismatch(rec, version):
    """cas_url given and Moodle sends the sign-in elsewhere: fail before the password leaves."""
    names = NOMULTIAUTH[:4]
    with pytest.raises(errors.LoginFailedError) as caught:
        _sign_in(rec, version, names, {"cas_url": "https://cas.example.edu/cas/"})
    assert "not to cas_url" in str(caught.value)


def cas_url_match(rec, version):
    _client, _answers, session = _sign_in(rec, version, NOMULTIAUTH, {"cas_url": "https://127.0.0.1:8443/cas/"})
    assert session.user_id == 3


def no_cas_on_site(rec, version):
    """A site without CAS (5.1 core has no auth_cas): Moodle's own login form, a message that says so."""
    client = client_on(version, rec, logged_in=False)
    with pytest.raises(errors.LoginFailedError) as caught:
        CasAuth(CASADMIN).login(client)
    assert "did not send the sign-in" in str(caught.value)
    assert "moodle-auth_cas" in caught.value.hint


def manual_login_on_cas_site(rec, version):
    """multiauth=0 sends every login page to CAS; the password login asks with ?username= and gets Moodle's own
    form (451), then logs the manual admin in as in f01 (452-454)."""
    answers = _chain(version, ["f24-cas-login-page-nomultiauth", "f24-cas-login-page-nomultiauth-hop2", rec.name])
    client = client_on(version, *answers)
    auth = PasswordAuth({"username": "admin", "password": "Admin#12345"})
    page = auth.login_page(client)
    assert client.transport.requests[2][2]["username"] == "admin"
    assert page.form("login").control("logintoken").value == raw_input_value(rec.text, "logintoken")
    assert page.form("login").control("username").value == raw_input_value(rec.text, "username") == "admin"
    post = recorded(version, "f24-cas-nomultiauth-manual-login-post")
    hops = _chain(version, ["f24-cas-nomultiauth-manual-login-post-hop1", "f24-cas-nomultiauth-manual-login-post-hop2"])
    session = auth.finish_login(client_on(version, *hops), post.response)
    assert session.user_id == int(raw_mcfg(hops[-1].text)["userId"]) == 2


def cas_account_in_moodle_form(rec, version):
    """A CAS account in Moodle's own form (multiauth=1): Moodle refuses it (456-457); the hint names auth_method cas."""
    client = client_on(version, recorded(version, rec.name + "-hop1"))
    with pytest.raises(errors.LoginFailedError) as caught:
        PasswordAuth(CASADMIN).finish_login(client, rec.response)
    assert "Invalid login" in str(caught.value) and "auth_method: cas" in str(caught.value)


CASES = [
    Case("f24-cas-nomultiauth-manual-login-get", "auth.PasswordAuth.login_page on a CAS site (?username=)",
         manual_login_on_cas_site, versions=ONLY_45),
    Case("f24-cas-multiauth-password-post", "auth.PasswordAuth.finish_login (CAS account in Moodle's form)",
         cas_account_in_moodle_form, versions=ONLY_45),
    Case("f24-cas-login-page-nomultiauth", "auth.CasAuth.login (multiauth=0: gateway, form#fm1, ticket, userId)",
         round_trip, versions=ONLY_45),
    Case("f24-cas-login-page-nomultiauth", "auth.CasAuth cas_url equal to the CAS server", cas_url_match,
         versions=ONLY_45),
    Case("f24-cas-login-page-nomultiauth", "auth.CasAuth cas_url another server: no password sent", cas_url_mismatch,
         versions=ONLY_45),
    Case("f24-cas-multiauth-authcas", "auth.CasAuth.login (multiauth=1: ?authCAS=CAS)", multiauth_round_trip,
         versions=ONLY_45),
    Case("f24-cas-v3-login-page", "auth.CasAuth.login (casversion 3.0)", casversion3_round_trip, versions=ONLY_45),
    Case("f24-cas-sso-relogin", "auth.CasAuth.login (live TGC: no form)", sso_with_tgc, versions=ONLY_45),
    Case("f24-cas-wrong-password-post", "auth.CasAuth (401, div#loginErrorsPanel)", wrong_password,
         versions=ONLY_45),
    Case("f24-cas-ticket-replay", "auth.CasAuth.finish_cas_login (404 p.errormessage INVALID_TICKET)",
         ticket_not_validated, versions=ONLY_45),
    Case("f24-cas-v3-ticket-replay", "auth.CasAuth.finish_cas_login (404 p.errormessage INVALID_TICKET, p3)",
         ticket_not_validated, versions=ONLY_45),
    Case("f01-login-get-nocookie", "auth.CasAuth.login (no CAS on the site: Moodle's form)", no_cas_on_site),
]
