"""auth_cas (flows f20, f24): the settings page with/without the PHP ldap extension, the identity-provider button on the
login page and the phpCAS redirects (gateway first, then the real login)."""
import html
import re
import ssl
from urllib.parse import quote, urlencode
from urllib.request import urlopen

from ..html import esc
from ..response import NOCACHE_HEADERS, Response, redirect
from ..util import random_string


def _cfg(state, name):
    return state.get_config(name, "auth_cas") or ""


def section_top(ctx, section):
    if not ctx.state.php_extensions.get("ldap"):
        return ('<div class="box generalbox formsettingheading"><div class="alert alert-warning alert-block" '
                'role="alert">Cannot use CAS authentication. The PHP LDAP module is not installed.</div></div>')
    return ""


def _usable(state):
    if state.moodle.is51:
        return False            # auth_cas is not in 5.1 core (5.1.3 353)
    return "cas" in state.enabled_auths and bool(_cfg(state, "hostname"))


def idp_html(ctx):
    """auth_plugin_cas::loginpage_idp_list(): a button only with multiauth (368); none once disabled (374)."""
    state = ctx.state
    if not _usable(state) or _cfg(state, "multiauth") in ("", "0"):
        return ""
    name = _cfg(state, "auth_name") or "CAS"
    return ('<div class="login-identityproviders">\n<h2 class="login-heading">Log in using your account on:</h2>\n'
            '<a class="btn login-identityprovider-btn w-100" href="%s">%s</a>\n</div>'
            % (esc(ctx.url("/login/index.php?authCAS=CAS")), esc(name)))


def _server_base(state):
    """https://<hostname>[:<port>]/<baseuri> as phpCAS builds it (port left out when 443). Our own CAS server
    (cas_server.py) speaks plain HTTP: when the settings point at it, http."""
    host = _cfg(state, "hostname")
    port = _cfg(state, "port")
    netloc = host + ("" if port in ("", "0", "443") else ":" + port)
    scheme = "https"
    own = state.cas_server
    if own is not None and own._httpd is not None and netloc == own.netloc:
        scheme = "http"
    uri = _cfg(state, "baseuri").strip("/")
    return "%s://%s/%s" % (scheme, netloc, uri + "/" if uri else "")


def _server_login_url(state, service):
    return "%slogin?service=%s" % (_server_base(state), quote(service, safe=""))


def _validate_path(state):
    version = _cfg(state, "casversion") or "2.0"
    return {"1.0": "validate", "3.0": "p3/serviceValidate"}.get(version, "serviceValidate")


def _service_url(ctx):
    """phpCAS getURL(): the requested URL without the ticket parameter."""
    pairs = [(k, v) for k, v in ctx.query_pairs if k != "ticket"]
    query = urlencode(pairs)
    return ctx.url(ctx.path + ("?" + query if query else ""))


def _validate_ticket(state, service, ticket):
    """The back channel (phpCAS, certificate_check=0): (username, None) or (None, error text as phpCAS words it)."""
    url = "%s%s?service=%s&ticket=%s" % (_server_base(state), _validate_path(state), quote(service, safe=""),
                                         quote(ticket, safe=""))
    try:
        context = ssl._create_unverified_context()
        with urlopen(url, timeout=10, context=context) as answer:        # noqa: S310 (our own test server)
            text = answer.read().decode("utf-8", "replace")
    except (OSError, ValueError) as e:
        return None, "CAS URL: %s\nAuthentication failure: Ticket not validated\nReason: [CURL error] %s" % (url, e)
    if _validate_path(state) == "validate":
        lines = text.split("\n")
        if lines and lines[0] == "yes" and len(lines) > 1:
            return lines[1].strip().lower(), None
        return None, "CAS URL: %s\nAuthentication failure: Ticket not validated\nCAS response: %s" % (url, text)
    m = re.search(r"<cas:user>\s*([^<]+?)\s*</cas:user>", text)
    if m:
        return m.group(1).strip().lower(), None
    f = re.search(r"<cas:authenticationFailure code='([^']*)'>\s*(.*?)\s*</cas:authenticationFailure>", text, re.S)
    code, message = (f.group(1), html.unescape(f.group(2))) if f else ("", text)
    return None, ("CAS URL: %s\nAuthentication failure: Ticket not validated\nReason: [%s] CAS error: %s\n"
                  "CAS response: \n    %s\n" % (url.replace("&", "&amp;"), code, message, message))


def _complete_login(ctx, user):
    """authenticate_user_login() + complete_user_login() for the CAS user (login/index.php: 303 ?testsession=)."""
    from .login import INVALID_LOGIN
    state, session = ctx.state, ctx.session
    session.cas_user = None
    if not user or user["suspended"] or user["auth"] != "cas":
        session.loginerror = INVALID_LOGIN
        return redirect(ctx.url("/login/index.php?loginredirect=1"))
    newsession = state.new_session(copy_from=session)
    state.destroy_session(session.sid)
    newsession.userid = user["id"]
    ctx.session, ctx.user = newsession, user
    ctx.new_session_cookie(newsession)
    ctx.set_cookies.append("MOODLEID1_=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly")
    ctx.set_cookies.append("MOODLEID1_=sodium%%3A%s; Max-Age=5184000; path=/; HttpOnly" % random_string(48))
    return redirect(ctx.url("/login/index.php?testsession=%d" % user["id"]))


def _phpcas_redirect(url):
    r = Response(302, b"")
    r.headers.extend(NOCACHE_HEADERS)
    r.add_header("Location", url)
    return r


def loginpage_hook(ctx):
    """auth_plugin_cas::loginpage_hook() with phpCAS 1.6: None (Moodle's own page), phpCAS's 302 (no Moodle redirect
    page), or the login of the CAS user. A non-empty ``username`` parameter keeps Moodle's form (451); with
    multiauth only ``authCAS=CAS`` goes to CAS (455, 458). checkAuthentication() sends a gateway request once per
    session; back without a ticket, forceAuthentication() sends the real login redirect (432-434). A ticket is
    validated on the back channel and the URL cleaned (437); then the user is logged in (438). A failed validation
    is Moodle's 404 error page (442, 477)."""
    state = ctx.state
    if ctx.method != "GET" or not _usable(state) or (ctx.user and ctx.user["id"] != 1):
        return None
    if ctx.param("username"):
        return None
    if _cfg(state, "multiauth") not in ("", "0"):
        if ctx.session.loginerror or ctx.get.get("authCAS") != "CAS":
            return None
    session = ctx.session
    service = _service_url(ctx)
    ticket = ctx.get.get("ticket")
    if isinstance(ticket, str) and ticket:
        username, error = _validate_ticket(state, service, ticket)
        if username is None:
            from ..html import error_page
            return error_page(ctx, "Exception - " + error, "generalexceptionmessage", module="moodle")
        session.cas_user = username
        session.cas_auth_checked = False
        return _phpcas_redirect(service)
    if getattr(session, "cas_user", None):
        user = state.user_by_username(session.cas_user)
        if user is None:       # a CAS user unknown to Moodle is created at first login (auth cas, empty names)
            user = state.add_user(session.cas_user, "not cached", auth="cas")
        return _complete_login(ctx, user)
    url = _server_login_url(state, service)
    if not getattr(session, "cas_auth_checked", False):
        session.cas_auth_checked = True
        url += "&gateway=true"
    else:
        session.cas_auth_checked = False
    return _phpcas_redirect(url)


def control_cas(sim, method, req):
    """/__sim__/cas: GET = our CAS server's state; POST {"users": {name: password}, "legacy_lt": bool,
    "configure_moodle": true, "multiauth": "0"|"1", "casversion": "2.0"} sets it up, and with configure_moodle
    points auth_cas at it (hostname, port, baseuri, casversion, multiauth, certificate_check=0) and enables cas."""
    cas = sim.cas
    if method == "POST":
        with cas.lock:
            if isinstance(req.get("users"), dict):
                cas.users.update(dict((str(k), str(v)) for k, v in req["users"].items()))
            if "legacy_lt" in req:
                cas.legacy_lt = bool(req["legacy_lt"])
        if req.get("configure_moodle"):
            state = sim.state
            with state.lock:
                values = {"auth_name": "CAS", "hostname": cas.host, "port": str(cas.port), "baseuri": "cas/",
                          "casversion": str(req.get("casversion", "2.0")), "language": "CAS_Languages_English",
                          "proxycas": "0", "logoutcas": "0", "multiauth": str(req.get("multiauth", "0")),
                          "certificate_check": "0"}
                for name, value in values.items():
                    state.set_config(name, value, "auth_cas")
                if "cas" not in state.enabled_auths:
                    state.set_enabled_auths(state.enabled_auths + ["cas"])
    return cas.to_json()
