"""local_eduauth: /local/eduauth/login.php, launch.php, connect.php, logout.php (flow f13).

JSON answers go out as text/html (the plugin echoes json_encode(..., JSON_NUMERIC_CHECK) without a header)."""
import base64
import binascii
import json
import re
import time

from ..html import error_page, esc, page, user_contextid
from ..response import Response, raw_redirect, redirect
from ..util import php_json
from .userkey import complete_user_login, require_logout

ACAO = ("Access-Control-Allow-Origin", "*")
_NUMERIC = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def numeric_check(value):
    """JSON_NUMERIC_CHECK: numeric strings are encoded as numbers."""
    if isinstance(value, dict):
        return dict((k, numeric_check(v)) for k, v in value.items())
    if isinstance(value, list):
        return [numeric_check(v) for v in value]
    if isinstance(value, str) and _NUMERIC.match(value):
        f = float(value)
        return int(f) if f.is_integer() and "." not in value and "e" not in value.lower() else f
    return value


def _json_text(obj, headers=None):
    return Response(200, php_json(numeric_check(obj)), headers=headers)


def _text_param(ctx, name, default=""):
    """PARAM_TEXT-ish: strings only (tags stripped)."""
    value = ctx.param(name, default)
    if not isinstance(value, str):
        return default
    return re.sub(r"<[^>]*>", "", value)


def _int_param(ctx, name):
    value = ctx.param(name, "0")
    if isinstance(value, str) and re.match(r"^-?\d+$", value.strip()):
        return int(value.strip())
    return 0


def _end_session_silently(ctx):
    """require_logout() after the output started: the session ends but no new cookie reaches the browser,
    so its next request comes with a dead session id ("Your session has timed out", 229-231)."""
    state = ctx.state
    if ctx.session is not None:
        dead = getattr(state, "dead_sids", None)
        if dead is None:
            dead = state.dead_sids = set()
        dead.add(ctx.session.sid)
        state.destroy_session(ctx.session.sid)


def _alert_page(ctx, content, kind, url=None, script=None, status=200):
    text = esc(content)
    if url:
        text = '<a href="%s">%s</a>' % (esc(url), text)
    main = '<p class="alert alert-%s">%s</p>' % (kind, text)
    if script:
        main += "<script>%s</script>" % script
    resp = page(ctx, "", main, status=status, bodyid="page-local-eduauth-login")
    resp.headers.append(ACAO)
    return resp


def login_php(ctx):
    state = ctx.state
    ctx.ensure_session()                                  # sesskey()
    token = ctx.param("token")
    appid = ctx.param("appid")
    for name, value in (("token", token), ("appid", appid)):
        if value is None:
            resp = error_page(ctx, "A required parameter (%s) was missing" % name, "missingparam")
            resp.headers.append(ACAO)
            return resp
    token, appid = _text_param(ctx, "token"), _text_param(ctx, "appid")
    act = _text_param(ctx, "act", "login")
    if len(appid.split(".")) < 3:
        return _alert_page(ctx, "Invalid App-ID given.", "danger")
    if act == "getuser":
        out = {"error": "no_data_for_token"}
        for rec in state.eduauth_tokens:
            if rec["token"] == token and rec["appid"] == appid and rec["redeemed"] == 0:
                user = state.users.get(rec["userid"])
                if user:
                    rec["redeemed"] += 1
                    out = {"appid": appid, "token": token, "sitename": state.get_config("sitename") or "",
                           "userid": user["id"], "wwwroot": state.wwwroot}
                else:
                    out = {"error": "user_does_not_exist", "userid": rec["userid"]}
                break
        return _json_text(out, [ACAO])
    if act == "login":
        if not ctx.user or ctx.user["id"] == 1:
            ctx.session.wantsurl = ctx.url("/local/eduauth/login.php?token=%s&appid=%s&act=%s" % (token, appid, act))
            resp = redirect(ctx.url("/login/index.php"))
            resp.headers.insert(1, ACAO)
            return resp
        uid = ctx.user["id"]
        if not any(r["userid"] == uid and r["token"] == token and r["appid"] == appid for r in state.eduauth_tokens):
            state.eduauth_tokens.append(dict(userid=uid, token=token, appid=appid, redeemed=0,
                                             created=int(time.time()), used=None))
        resp = _alert_page(ctx, "Successful login.", "success", url="javascript:window.top.close();",
                           script="window.top.close(); /* If we are in a webapp, close popup. */")
        _end_session_silently(ctx)
        return resp
    resp = Response(200, b"")
    resp.headers.append(ACAO)
    return resp


def _check_token(ctx, userid, token, appid):
    """local_eduauth_lib::check_token(): True (and the user logged in) or False; a response when another user
    is logged in (logout + redirect to the same page)."""
    state = ctx.state
    if ctx.user and ctx.user["id"] != 1 and ctx.user["id"] != userid:
        require_logout(ctx)
        return redirect(ctx.url(ctx.path + ("?" + ctx.query if ctx.query else "")))
    for rec in state.eduauth_tokens:
        if rec["appid"] == appid and rec["userid"] == userid and rec["token"] == token:
            rec["used"] = int(time.time())
            user = state.users.get(userid)
            if user and user["id"] != 1 and user.get("confirmed", 1) and (not ctx.user or ctx.user["id"] != userid):
                complete_user_login(ctx, user)
            return True
    return False


def launch_php(ctx):
    ctx.ensure_session()
    userid = _int_param(ctx, "userid")
    appid, token, url = _text_param(ctx, "appid"), _text_param(ctx, "token"), _text_param(ctx, "url")
    ok = _check_token(ctx, userid, token, appid)
    if isinstance(ok, Response):
        return ok
    if ok:
        try:
            target = base64.b64decode(url + "=" * (-len(url) % 4)).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            target = ""
        return redirect(target or ctx.url("/"))
    return _json_text({"appid": appid, "status": "error", "error": "invalid_login", "userid": userid,
                       "token": token, "data": url})


def _geilo(ctx, data):
    """local_eduauth_geilo::act() for the logged-in user."""
    state = ctx.state
    user = ctx.user
    act = data.get("act") if isinstance(data, dict) else None
    if not act:
        return {}
    if act == "myData":
        return {"user": {"email": user["email"], "firstname": user["firstname"], "lastname": user["lastname"],
                         "pictureurl": "%s/pluginfile.php/%d/user/icon" % (state.wwwroot, user_contextid(user)),
                         "userid": user["id"], "username": user["username"]}}
    if act == "removeMe":
        token = _text_param(ctx, "token")
        state.eduauth_tokens[:] = [r for r in state.eduauth_tokens
                                   if not (r["userid"] == user["id"] and r["token"] == token)]
        return {"status": "ok"}
    if act == "wstoken":
        reply = {}
        service = state.mobile_service()
        if user.get("confirmed", 1) and service is not None and service["enabled"]:
            from .tokens_login import TokenError, generate_token_for_user
            try:
                reply["wstoken"] = generate_token_for_user(state, service, user, ctx.client_ip)["token"]
            except TokenError:
                pass
        return reply
    return {}


def connect_php(ctx):
    ctx.ensure_session()
    acao = ("access-control-allow-origin", "*")
    userid = _int_param(ctx, "userid")
    token, appid = _text_param(ctx, "token"), _text_param(ctx, "appid")
    callforward = _text_param(ctx, "callforward")
    strdata = ctx.param("data", "")
    strdata = strdata if isinstance(strdata, str) else ""
    ok = _check_token(ctx, userid, token, appid)
    if isinstance(ok, Response):
        return ok
    if ok:
        try:
            data = json.loads(strdata)
        except ValueError:
            data = None
        if callforward:
            reply = {"error": "invalid plugin specified"}     # no installed plugin ships an eduauth.php
        else:
            reply = _geilo(ctx, data)
    else:
        reply = {"appid": appid, "data": strdata, "error": "invalid_login", "status": "error", "token": token,
                 "userid": userid}
    resp = _json_text(reply)
    resp.headers.insert(0, acao)
    return resp


def logout_php(ctx):
    session = ctx.ensure_session()
    userid = _int_param(ctx, "userid")
    current = ctx.user["id"] if ctx.user else 0
    if userid > 0 and current != userid:
        resp = raw_redirect(ctx.url("/login/logout.php?sesskey=" + session.sesskey))
        resp.headers.insert(0, ("Content-Type", "text/html; charset=utf-8"))
        return resp
    return Response(200, b"")
