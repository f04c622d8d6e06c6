"""/login/token.php (flow f07)."""
import time

from ..response import Response, http_date, json_response, token_style_error
from ..util import php_json
from .rest import ip_in_list

HEADERS = [("Access-Control-Allow-Origin", "*"), ("Cache-Control", "no-store, no-cache, must-revalidate"),
           ("Cache-Control", "post-check=0, pre-check=0"), ("Pragma", "no-cache"),
           ("Expires", "Mon, 20 Aug 1969 09:23:00 GMT")]

MESSAGES = {
    "enablewsdescription": "Web services must be enabled in Advanced features.",
    "invalidlogin": "Invalid login, please try again",
    "servicenotavailable": "Web service is not available. (It doesn't exist or might be disabled.)",
    "sitemaintenance": "The site is undergoing maintenance and is currently not available",
    "invalidtimedtoken": "Invalid token - token expired",
    "invalidiptoken": "Invalid token - IP not supported",
}


class TokenError(Exception):
    def __init__(self, errorcode, message=None):
        Exception.__init__(self, errorcode)
        self.errorcode = errorcode
        self.message = message or MESSAGES.get(errorcode, errorcode)


def _headers():
    return list(HEADERS) + [("Last-Modified", http_date()), ("Accept-Ranges", "none")]


def error_response(ctx, err):
    obj = token_style_error(err.errorcode, err.message, debug=ctx.debug,
                            stacktrace="* line 112 of %s/login/token.php: core\\exception\\moodle_exception thrown\n"
                            % ("/public" if ctx.state.moodle.is51 else ""),     # 5.1 serves from public/ (189)
                            wwwroot=ctx.state.wwwroot)
    return json_response(obj, headers=_headers())


def generate_token_for_user(state, service, user, client_ip):
    """core_external\\util::generate_token_for_current_user()."""
    uid = user["id"]
    if service["requiredcapability"] and not state.has_capability(uid, service["requiredcapability"]):
        raise TokenError("missingrequiredcapability", "The capability %s is required." % service["requiredcapability"])
    if service["restrictedusers"]:
        su = service["users"].get(uid)
        if su is None:
            raise TokenError("usernotallowed", "The user is not allowed for this service. First you need to allow "
                             "this user on the %s's allowed users administration page." % (service["shortname"] or ""))
        if su.get("validuntil") and su["validuntil"] < time.time():
            raise TokenError("invalidtimedtoken")
        if su.get("iprestriction") and not ip_in_list(client_ip, su["iprestriction"]):
            raise TokenError("invalidiptoken")
    now = int(time.time())
    candidates = []
    for tok in sorted([t for t in state.tokens if t["userid"] == uid and t["externalserviceid"] == service["id"]
                       and t["tokentype"] == 0], key=lambda t: (t["timecreated"], t["id"])):
        if tok["validuntil"] and tok["validuntil"] < now:
            state.tokens.remove(tok)
            continue
        if tok["iprestriction"] and not ip_in_list(client_ip, tok["iprestriction"]):
            continue
        candidates.append(tok)
    if candidates:
        return candidates[-1]
    official = service["shortname"] == "moodle_mobile_app"
    if (official and state.has_capability(uid, "moodle/webservice:createmobiletoken")) or \
            (not state.is_siteadmin(uid) and state.has_capability(uid, "moodle/webservice:createtoken")):
        duration = int(state.get_config("tokenduration") or 7257600)
        return state.create_token(uid, service["id"], uid, validuntil=now + duration)
    raise TokenError("cannotcreatetoken", "No permission to create web service token for the service %s."
                     % (service["shortname"] or ""))


def token_php(ctx):
    state = ctx.state
    try:
        if not state.cfg_flag("enablewebservices"):
            raise TokenError("enablewsdescription")
        appsitecheck = ctx.param("appsitecheck")
        if appsitecheck and str(appsitecheck).lstrip("-").isdigit() and int(appsitecheck):
            return Response(200, php_json({"appsitecheck": "ok"}), content_type="application/json; charset=utf-8",
                            headers=[("Access-Control-Allow-Origin", "*")])
        for name in ("username", "password", "service"):
            if ctx.param(name) is None:
                raise TokenError("missingparam", "A required parameter (%s) was missing" % name)
        user = state.authenticate(ctx.param("username"), ctx.param("password"))
        if user is None:
            raise TokenError("invalidlogin")
        if state.maintenance == "legacy" and not state.is_siteadmin(user["id"]):
            raise TokenError("sitemaintenance")
        shortname = ctx.param("service")
        service = state.service_by_shortname(shortname) if shortname else None
        if service is None or not service["enabled"]:
            raise TokenError("servicenotavailable")
        tok = generate_token_for_user(state, service, user, ctx.client_ip)
        return json_response({"token": tok["token"], "privatetoken": None}, headers=_headers())
    except TokenError as err:
        return error_response(ctx, err)
