"""auth_cas (flow f20): the settings page with/without the PHP ldap extension, the identity-provider button on the
login page and the phpCAS redirects (gateway first, then the real login)."""
from urllib.parse import quote

from ..html import esc
from ..response import NOCACHE_HEADERS, Response


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


def _server_login_url(state, service):
    host = _cfg(state, "hostname")
    port = _cfg(state, "port")
    base = "https://" + host + ("" if port in ("", "0", "443") else ":" + port)
    uri = _cfg(state, "baseuri").strip("/")
    return "%s/%slogin?service=%s" % (base, uri + "/" if uri else "", quote(service, safe=""))


def loginpage_hook(ctx):
    """None, or phpCAS's 302 (no Moodle redirect page). checkAuthentication() sends a gateway request once per
    session; coming back without a ticket, forceAuthentication() sends the real login redirect (369, 370)."""
    state = ctx.state
    if ctx.method != "GET" or not _usable(state) or (ctx.user and ctx.user["id"] != 1):
        return None
    if _cfg(state, "multiauth") not in ("", "0"):
        if ctx.session.loginerror or ctx.get.get("authCAS") != "CAS":
            return None
    service = ctx.url("/login/index.php" + ("?authCAS=CAS" if ctx.get.get("authCAS") == "CAS" else ""))
    url = _server_login_url(state, service)
    if not getattr(ctx.session, "cas_auth_checked", False):
        ctx.session.cas_auth_checked = True
        url += "&gateway=true"
    else:
        ctx.session.cas_auth_checked = False
    r = Response(302, b"")
    r.headers.extend(NOCACHE_HEADERS)
    r.add_header("Location", url)
    return r
