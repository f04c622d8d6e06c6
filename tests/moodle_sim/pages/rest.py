"""/webservice/rest/server.php (flow f08)."""
import time
from xml.sax.saxutils import escape as xesc

from .. import wsfunctions
from ..response import Response
from ..util import php_json
from ..wsfunctions import WSCall, WSError

ACCESS_DEBUG = ("Access to the function %s() is not allowed.\n                     There could be multiple reasons for "
                "this:\n                     1. The service linked to the user token does not contain the function.\n"
                "                     2. The service is user-restricted and the user is not listed.\n"
                "                     3. The service is IP-restricted and the user IP is not listed.\n"
                "                     4. The service is time-restricted and the time has expired.\n"
                "                     5. The token is time-restricted and the time has expired.\n"
                "                     6. The service requires a specific capability which the user does not have.\n"
                "                     7. The function is called with username/password (no user token is sent)\n"
                "                     and none of the services has the function to allow the user.\n"
                "                     These settings can be found in Administration > Site administration\n"
                "                     > Server > Web services > External services and Manage tokens.")

COMMON = [("Cache-Control", "private, must-revalidate, pre-check=0, post-check=0, max-age=0"),
          ("Expires", "Thu, 01 Jan 1970 00:00:00 GMT"), ("Pragma", "no-cache"), ("Accept-Ranges", "none"),
          ("Access-Control-Allow-Origin", "*")]


def access_exception(debuginfo):
    return WSError("accessexception", "Access control exception", "webservice_access_exception", debuginfo)


def _xml_value(value):
    if isinstance(value, dict):
        inner = "".join('<KEY name="%s">%s</KEY>\n' % (xesc(str(k)), _xml_value(v)) for k, v in value.items())
        return "<SINGLE>\n%s</SINGLE>\n" % inner
    if isinstance(value, list):
        return "<MULTIPLE>\n%s</MULTIPLE>\n" % "".join(_xml_value(v) for v in value)
    if value is None:
        return '<VALUE null="null"/>\n'
    if isinstance(value, bool):
        value = 1 if value else 0
    return "<VALUE>%s</VALUE>\n" % xesc(str(value))


def _respond(fmt, payload=None, error=None, debug=False):
    if fmt == "json":
        if error is not None:
            obj = {"exception": error.exception, "errorcode": error.errorcode, "message": error.message}
            if debug and error.debuginfo:
                obj["message"] = "%s (%s)" % (error.message, error.debuginfo)
                obj["debuginfo"] = error.debuginfo
            body = php_json(obj)
        else:
            body = php_json(payload)
        return Response(200, body, content_type="application/json", headers=list(COMMON))
    if error is not None:
        message = error.message
        extra = ""
        if debug and error.debuginfo:
            message = "%s (%s)" % (error.message, error.debuginfo)
            extra = "<DEBUGINFO>%s</DEBUGINFO>\n" % xesc(error.debuginfo)
        body = ('<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION class="%s">\n<ERRORCODE>%s</ERRORCODE>\n'
                '<MESSAGE>%s</MESSAGE>\n%s</EXCEPTION>\n' % (xesc(error.exception), xesc(error.errorcode),
                                                             xesc(message), extra))
    else:
        body = '<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n%s</RESPONSE>\n' % (
            _xml_value(payload) if payload is not None else "")
    return Response(200, body, content_type="application/xml; charset=utf-8",
                    headers=[("Content-Disposition", 'inline; filename="response.xml"')] + list(COMMON))


def authenticate_token(state, tokenvalue, client_ip):
    """webservice_server::authenticate_by_token(): returns (token, user)."""
    tok = state.token_record(tokenvalue) if tokenvalue else None
    if tok is None or tok["tokentype"] != 0:
        raise WSError("invalidtoken", "Invalid token - token not found")
    now = int(time.time())
    if tok["validuntil"] and tok["validuntil"] < now:
        state.tokens.remove(tok)
        raise access_exception("Invalid token - token expired - check validuntil time for the token")
    if tok["iprestriction"] and not ip_in_list(client_ip, tok["iprestriction"]):
        raise access_exception("Invalid service - IP:%s is not supported - check this allowed user" % client_ip)
    user = state.users.get(tok["userid"])
    if user is None or user["deleted"]:
        raise WSError("wsaccessuserdeleted", "Refused web service access for deleted username: %s"
                      % (user["username"] if user else ""))
    if not user["confirmed"]:
        raise WSError("wsaccessuserunconfirmed", "Refused web service access for unconfirmed username: %s"
                      % user["username"])
    if user["suspended"]:
        raise WSError("wsaccessusersuspended", "Refused web service access for suspended username: %s"
                      % user["username"])
    if user["auth"] == "nologin":
        raise WSError("wsaccessusernologin", "Refused web service access for nologin authentication username: %s"
                      % user["username"])
    if state.maintenance == "legacy" and not state.is_siteadmin(user["id"]):
        raise WSError("sitemaintenance", "The site is undergoing maintenance and is currently not available")
    tok["lastaccess"] = now
    return tok, user


def ip_in_list(ip, ranges):
    """address_in_subnet() for the simple forms used here: exact IPs, prefixes ending in '.', CIDR /8-/32."""
    for r in str(ranges).replace("\n", ",").split(","):
        r = r.strip()
        if not r:
            continue
        if r == ip or (r.endswith(".") and ip.startswith(r)):
            return True
        if "/" in r:
            net, bits = r.split("/", 1)
            try:
                bits = int(bits)
                a = [int(x) for x in ip.split(".")]
                b = [int(x) for x in net.split(".")]
                ai = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]
                bi = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]
                mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
                if ai & mask == bi & mask:
                    return True
            except (ValueError, IndexError):
                continue
    return False


def check_service_access(state, service, fname, user, client_ip):
    """webservice_base_server::load_function_info(): the function must be in an allowed service."""
    ok = service is not None and service["enabled"] and fname in service["functions"]
    if ok and service["restrictedusers"]:
        su = service["users"].get(user["id"])
        now = int(time.time())
        # Moodle 4.5 bug kept on purpose (318-330): passes when validuntil is unset OR in the past.
        if su is None or not (not su.get("validuntil") or su["validuntil"] < now):
            ok = False
        elif su.get("iprestriction") and not ip_in_list(client_ip, su["iprestriction"]):
            ok = False
    if ok and service["requiredcapability"] and not state.has_capability(user["id"], service["requiredcapability"]):
        ok = False
    if not ok:
        raise access_exception(ACCESS_DEBUG % fname)


def server(ctx):
    state = ctx.state
    if not state.rest_available():
        return Response(403, b"")
    params = dict(ctx.get)
    params.update(ctx.post)
    fmt = params.get("moodlewsrestformat")
    fmt = "json" if fmt == "json" else "xml"
    try:
        tok, user = authenticate_token(state, params.get("wstoken"), ctx.client_ip)
        if not state.has_capability(user["id"], "webservice/rest:use"):
            raise access_exception("You are not allowed to use the rest protocol (missing capability: "
                                   "webservice/rest:use)")
        fname = params.get("wsfunction")
        if not fname or not isinstance(fname, str):
            raise wsfunctions.invalid_param(None)
        fn = wsfunctions.FUNCTIONS.get(fname)
        if fn is None:
            if state.moodle.is51:      # 5.1.3 (090): new errorcode, message without the table name
                code, msg = "invalidrecordunknown", "Can't find data record in database."
            else:
                code, msg = "invalidrecord", "Can't find data record in database table external_functions."
            raise WSError(code, msg, "dml_missing_record_exception",
                          "SELECT * FROM {external_functions} WHERE name = ?\n[array (\n  0 => '%s',\n)]" % fname)
        service = state.services.get(tok["externalserviceid"])
        check_service_access(state, service, fname, user, ctx.client_ip)
        args = dict((k, v) for k, v in params.items()
                    if k not in ("wstoken", "wsfunction", "moodlewsrestformat") and not k.startswith("moodlewssetting"))
        clean = wsfunctions.validate(wsfunctions.schema_of(fn, state), args)
        call = WSCall(state, user, service)
        call.client_ip = ctx.client_ip
        result = fn["impl"](call, clean)
        return _respond(fmt, payload=result)
    except WSError as e:
        if e.errorcode == "invalidtoken":
            e.debuginfo = None
        return _respond(fmt, error=e, debug=ctx.debug)
