"""auth_userkey: /auth/userkey/login.php (one-time login keys made by auth_userkey_request_login_url), f11."""
import ipaddress
import time

from ..html import error_page
from ..response import redirect


def address_in_subnet(addr, subnets):
    """Moodle's address_in_subnet() for the forms it accepts: a.b.c.d, a.b.c.d/nn, a.b.c.d-e, a.b.c (prefix)."""
    for sub in (subnets or "").split(","):
        sub = sub.strip()
        if not sub:
            continue
        try:
            if "/" in sub:
                if ipaddress.ip_address(addr) in ipaddress.ip_network(sub, strict=False):
                    return True
                continue
            if "-" in sub:
                first, last = sub.split("-", 1)
                base = first.rsplit(".", 1)
                tail = int(addr.rsplit(".", 1)[1])
                if addr.rsplit(".", 1)[0] == base[0] and int(base[1]) <= tail <= int(last):
                    return True
                continue
        except ValueError:
            continue
        if addr == sub or (len(sub.split(".")) < 4 and addr.startswith(sub.rstrip(".") + ".")):
            return True
    return False


def require_logout(ctx):
    """Log the current user out: the session ends and a new (guest) one is started with a new cookie."""
    state = ctx.state
    if ctx.session is not None:
        state.destroy_session(ctx.session.sid)
    fresh = state.new_session()
    ctx.session, ctx.user = fresh, None
    ctx.new_session_cookie(fresh)


def complete_user_login(ctx, user):
    """A new session id for the logged-in user (session_regenerate_id), cookie replaced."""
    state = ctx.state
    old = ctx.ensure_session()
    newsession = state.new_session(copy_from=old)
    state.destroy_session(old.sid)
    newsession.userid = user["id"]
    user["lastaccess"] = int(time.time())
    ctx.session, ctx.user = newsession, user
    ctx.new_session_cookie(newsession)
    return newsession


def _validate_key(state, keyvalue, remote):
    """core_userkey_manager::validate_key(): (key record, None) or (None, (message, errorcode, module))."""
    key = state.userkeys.get(keyvalue) if keyvalue else None
    if key is None:
        return None, ("Incorrect key", "invalidkey", "error")
    if key["validuntil"] and key["validuntil"] < time.time():
        return None, ("Expired key", "expiredkey", "error")
    if key["iprestriction"]:
        whitelist = (state.get_config("ipwhitelist", "auth_userkey") or "").split(";")
        if not address_in_subnet(remote, key["iprestriction"]) and \
                not any(address_in_subnet(remote, ip) for ip in whitelist if ip.strip()):
            return None, ("Client IP address mismatch", "ipmismatch", "error")
    user = state.users.get(key["userid"])
    if not user or user["deleted"]:
        return None, ("Invalid user ID", "invaliduserid", "error")
    return key, None


def login_php(ctx):
    state = ctx.state
    ctx.ensure_session()
    if "userkey" not in state.enabled_auths:
        return error_page(ctx, "The userkey authentication plugin is disabled.", "pluginisdisabled", module="error")
    keyvalue = ctx.param("key")
    if keyvalue is None:
        return error_page(ctx, "A required parameter (key) was missing", "missingparam")
    keyvalue = "".join(c for c in str(keyvalue) if c.isascii() and c.isalnum())      # PARAM_ALPHANUM
    wantsurl = ctx.param("wantsurl") or ""
    target = wantsurl if isinstance(wantsurl, str) and wantsurl else state.wwwroot    # no trailing slash (164)
    key, err = _validate_key(state, keyvalue, ctx.client_ip)
    if err is not None:
        if ctx.user and ctx.user["id"] != 1:          # an invalid key logs the current user out (168)
            require_logout(ctx)
        return error_page(ctx, err[0], err[1], module=err[2])
    userid = key["userid"]
    for k in [k for k, v in state.userkeys.items() if v["userid"] == userid]:   # delete_keys($userid)
        del state.userkeys[k]
    if ctx.user and ctx.user["id"] != 1:
        if ctx.user["id"] == userid:
            return redirect(target)
        require_logout(ctx)
    session = complete_user_login(ctx, state.users[userid])
    session.userkey = True                           # $SESSION->userkey: logout goes to redirecturl
    return redirect(target)
