"""/lib/ajax/service.php and /lib/ajax/service-nologin.php (flow f09)."""
import json

from .. import wsfunctions
from ..response import Response, NOCACHE_HEADERS, http_date, token_style_error
from ..util import clean_alphanumext, php_json
from ..wsfunctions import WSCall, WSError

MESSAGES = {
    "servicenotavailable": ("Web service is not available. (It doesn't exist or might be disabled.)", "webservice"),
    "servicerequireslogin": ("Web service is not available. (The session has been logged out or has expired.)",
                             "webservice"),
    "invalidsesskey": ("Your session has most likely timed out. Please check if you are logged in or go back to the "
                       "previous screen and reload the page.", "moodle"),
    "missingparam": ("A required parameter (sesskey) was missing", "moodle"),
}


def _exc(ctx, code, message=None, module=None):
    msg, mod = MESSAGES.get(code, (message, module or "moodle"))
    return {"error": True, "exception": {"message": message or msg, "errorcode": code,
                                         "link": ctx.state.wwwroot + "/",
                                         "moreinfourl": "https://docs.moodle.org/%s/en/error/%s/%s"
                                                        % (ctx.state.moodle.docs, module or mod, code)}}


def _call(ctx, methodname, args, nologin):
    """external_api::call_external_function($methodname, $args, true)."""
    fn = wsfunctions.FUNCTIONS.get(methodname)
    if not fn["ajax"]:
        return _exc(ctx, "servicenotavailable")
    if fn["loginrequired"]:
        if nologin or not ctx.user:
            return _exc(ctx, "servicerequireslogin")
        given = ctx.param("sesskey")
        if given is None:
            return _exc(ctx, "missingparam")
        if given != ctx.session.sesskey:
            return _exc(ctx, "invalidsesskey")
    try:
        clean = wsfunctions.validate(wsfunctions.schema_of(fn, ctx.state), args if args is not None else {})
        user = ctx.user or ctx.state.users.get(1)
        data = fn["impl"](WSCall(ctx.state, user, None, ctx.session), clean)
    except WSError as e:
        msg = e.message
        if ctx.debug and e.debuginfo:
            msg = "%s (%s)" % (e.message, e.debuginfo)
        out = _exc(ctx, e.errorcode, msg, e.module)
        if ctx.debug and e.debuginfo:
            out["exception"]["debuginfo"] = e.debuginfo
        return out
    return {"error": False, "data": data}


def _coding_error(ctx, text, errorcode="codingerror"):
    obj = token_style_error(errorcode, text, debug=ctx.debug, wwwroot=ctx.state.wwwroot)
    return Response(200, php_json(obj), content_type="application/json; charset=utf-8",
                    headers=[("Cache-Control", "no-store, no-cache, must-revalidate"),
                             ("Cache-Control", "post-check=0, pre-check=0"), ("Pragma", "no-cache"),
                             ("Expires", "Mon, 20 Aug 1969 09:23:00 GMT"), ("Last-Modified", http_date()),
                             ("Accept-Ranges", "none")])


def _run(ctx, nologin):
    raw = ctx.body.decode("utf-8", "replace") if ctx.method == "POST" else (ctx.param("args") or "")
    try:
        requests = json.loads(raw)
    except ValueError:
        requests = None
    if requests is None:
        return _coding_error(ctx, "Coding error detected, it must be fixed by a programmer: Invalid json in request: "
                                  "Syntax error")
    if not isinstance(requests, list):
        requests = [requests] if isinstance(requests, dict) else []
    responses = []
    for req in requests:
        if not isinstance(req, dict):
            continue
        methodname = clean_alphanumext(str(req.get("methodname", "")))
        if methodname not in wsfunctions.FUNCTIONS:
            return _coding_error(ctx, "Can't find data record in database table external_functions.",
                                 "invalidrecord")
        if methodname == "core_admin_set_plugin_state":
            ctx.write = True
        resp = _call(ctx, methodname, req.get("args"), nologin)
        responses.append(resp)
        if resp["error"] and not nologin:
            break                       # a batch with a session stops at the first error (116)
    headers = [] if nologin else list(NOCACHE_HEADERS)
    return Response(200, php_json(responses), content_type="application/json; charset=utf-8", headers=headers)


def service(ctx):
    ctx.ensure_session()
    return _run(ctx, nologin=False)


def service_nologin(ctx):
    ctx.session, ctx.user = None, None
    return _run(ctx, nologin=True)
