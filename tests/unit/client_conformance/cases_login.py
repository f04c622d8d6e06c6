"""Login, session, M.cfg, release: auth.PasswordAuth, client.MoodleClient.get/page, page_parser.Page."""

import re

import pytest

from client_conformance.core import RELEASES, Case, client_on, raw_input_value, raw_mcfg, recorded

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.auth import PasswordAuth

ADMIN = {"username": "admin", "password": "Admin#12345"}


def login_page(rec, version):
    client = client_on(version, rec)
    page = PasswordAuth(ADMIN).login_page(client)
    form = page.form("login")
    assert form is not None and form.method == "post"
    assert form.control("logintoken").value == raw_input_value(rec.text, "logintoken")
    assert len(form.control("logintoken").value) == 32
    assert page.wwwroot == raw_mcfg(rec.text)["wwwroot"]
    assert page.user_id == 0


def login_page_sso_redirect(rec, version):
    """The login page redirected by auth_userkey's ssourl: the client asks again with enrolkey_skipsso."""
    client = client_on(version, rec, recorded(version, "f10-login-page-skipsso"))
    page = PasswordAuth(ADMIN).login_page(client)
    assert client.transport.requests[1][2] == {"enrolkey_skipsso": "1", "loginredirect": "0"}
    assert page.form("login").control("logintoken") is not None


def full_login(rec, version):
    """POST answer and its hops as _finish reads them: testsession, /my/, M.cfg userId/sesskey, footer release."""
    hops = [recorded(version, rec.name + "-hop1"), recorded(version, rec.name + "-hop2")]
    client = client_on(version, *hops)
    session = PasswordAuth(ADMIN).finish_login(client, rec.response)
    mcfg = raw_mcfg(hops[-1].text)
    assert session.user_id == int(mcfg["userId"]) and session.user_id > 0
    assert session.sesskey == mcfg["sesskey"]
    assert session.release == RELEASES[version]


def login_refused(rec, version):
    client = client_on(version, recorded(version, rec.name + "-hop1"))
    with pytest.raises(errors.LoginFailedError) as caught:
        PasswordAuth(ADMIN).finish_login(client, rec.response)
    shown = re.search(r'id="loginerrormessage"[^>]*>([^<]+)<', recorded(version, rec.name + "-hop1").text)
    assert shown and shown.group(1).strip() in str(caught.value)


def landing_page(rec, version):
    mcfg = raw_mcfg(rec.text)
    assert rec.page.user_id == int(mcfg["userId"])
    assert rec.page.sesskey == mcfg["sesskey"]
    assert rec.page.wwwroot == mcfg["wwwroot"]
    assert rec.page.release == RELEASES[version]


def footer_release(rec, version):
    """The footer line 'Version 4.5.6 (Build: ...)' admins see; release_branch of it."""
    from ansible_collections.moodleops.auth.plugins.module_utils.client import release_branch
    line = re.search(r"Version\s+(\d+\.\d+\.\d+\s*\(Build:\s*\d+\))", rec.text)
    assert line and rec.page.release == " ".join(line.group(1).split())
    assert release_branch(rec.page.release) == tuple(int(x) for x in RELEASES[version].split(".")[:2])


def redirect_to_login(rec, version):
    """An admin page without session: client.get must see the login redirect (and log in again)."""
    client = client_on(version, rec)
    assert client.is_login_page(rec.response)
    assert rec.location.endswith("/login/index.php")


def error_page(rec, version):
    """HTTP 404 error pages become PageError carrying p.errormessage."""
    client = client_on(version, rec)
    with pytest.raises(errors.PageError) as caught:
        client.page(rec.request_path.lstrip("/"))
    shown = re.search(r'<p class="errormessage">([^<]+)</p>', rec.text)
    assert shown and caught.value.page_message == shown.group(1).strip()
    assert caught.value.status == rec.status


CASES = [
    Case("f01-login-get-nocookie", "auth.PasswordAuth.login_page (form#login, logintoken, M.cfg wwwroot)", login_page),
    Case("f03-admin-login-get", "auth.PasswordAuth.login_page (form#login, logintoken, M.cfg wwwroot)", login_page),
    Case("f16-admin-login-get", "auth.PasswordAuth.login_page (form#login, logintoken, M.cfg wwwroot)", login_page),
    Case("f02-teacher1-login-get", "auth.PasswordAuth.login_page (form#login, logintoken, M.cfg wwwroot)", login_page),
    Case("f10-login-page-with-ssourl", "auth.PasswordAuth.login_page (SSO redirect -> enrolkey_skipsso)",
         login_page_sso_redirect),
    Case("f10-login-page-skipsso", "auth.PasswordAuth.login_page (form#login, logintoken, M.cfg wwwroot)", login_page),
    Case("f01-login-post-ok", "auth.PasswordAuth.finish_login (hops, M.cfg userId/sesskey, footer release)", full_login),
    Case("f03-admin-login-post", "auth.PasswordAuth.finish_login (hops, M.cfg userId/sesskey, footer release)", full_login),
    Case("f16-admin-login-post", "auth.PasswordAuth.finish_login (hops, M.cfg userId/sesskey, footer release)", full_login),
    Case("f01-login-post-wrongpw", "auth.PasswordAuth.finish_login (refused: loginerrormessage)", login_refused),
    Case("f01-login-post-badtoken", "auth.PasswordAuth.finish_login (refused: loginerrormessage)", login_refused),
    Case("f01-login-post-ok-hop2", "page_parser.Page.mcfg/user_id/sesskey/release (landing page)", landing_page),
    Case("f01-profile-page", "page_parser.Page.mcfg/user_id/sesskey/release (logged-in page)", landing_page),
    Case("f03-optionalsubsystems-get", "page_parser.Page.release + client.release_branch (footer)", footer_release),
    Case("f01-adminpage-notloggedin", "client.MoodleClient.is_login_page (session gone)", redirect_to_login),
    Case("f01-after-logout-my", "client.MoodleClient.is_login_page (session gone)", redirect_to_login),
    Case("f02-teacher1-adminsettings", "client.MoodleClient.page -> PageError (p.errormessage)", error_page),
    Case("f02-teacher1-tokens", "client.MoodleClient.page -> PageError (p.errormessage)", error_page),
]
