"""auth_apilogin: POST /auth/apilogin/services.php (signed user management calls) and the login-page token (f12).

Behaviour follows the plugin (blakekidney/moodle-auth_apilogin) with the lab's 4.5 patch applied; with
`state.apilogin_patched = False` services.php answers as the shipped plugin does on 4.5: HTTP 500, empty body (190)."""
import hashlib
import json
import re
import time
import weakref
from json.encoder import encode_basestring_ascii

from ..response import Response, redirect
from ..util import php_json_pretty, random_hex32

VALID_METHODS = ("logUser", "getUser", "getAllUsers", "createUser", "updateUser", "deleteUser", "suspendUser",
                 "unsuspendUser")
IDFIELDS = ("id", "username", "idnumber", "email")
TOKEN_LIFETIME = 300                     # '+5 minutes'

# The plugin's list of user columns with their DB defaults. The six marked None no longer exist in the Moodle 4.5
# user table: selecting them fails ("An error occurred accessing the database."), which is why a call without
# fields[] (= all columns) fails (191, 194).
USERFIELDS = [
    ("id", ""), ("auth", "manual"), ("confirmed", "0"), ("policyagreed", "0"), ("deleted", "0"), ("suspended", "0"),
    ("mnethostid", "0"), ("username", ""), ("password", ""), ("idnumber", ""), ("firstname", ""), ("lastname", ""),
    ("email", ""), ("emailstop", "0"), ("icq", None), ("skype", None), ("yahoo", None), ("aim", None), ("msn", None),
    ("phone1", ""), ("phone2", ""), ("institution", ""), ("department", ""), ("address", ""), ("city", ""),
    ("country", ""), ("lang", "en"), ("theme", ""), ("timezone", "99"), ("firstaccess", "0"), ("lastaccess", "0"),
    ("lastlogin", "0"), ("currentlogin", "0"), ("lastip", ""), ("secret", ""), ("picture", "0"), ("url", None),
    ("description", ""), ("descriptionformat", "1"), ("mailformat", "1"), ("maildigest", "0"), ("maildisplay", "2"),
    ("autosubscribe", "1"), ("trackforums", "0"), ("timecreated", "0"), ("timemodified", "0"), ("trustbitmask", "0"),
    ("imagealt", None), ("lastnamephonetic", None), ("firstnamephonetic", None), ("middlename", None),
    ("alternatename", None), ("calendartype", "gregorian"),
]
FIELD_DEFAULTS = dict(USERFIELDS)
MISSING_COLUMNS = ("icq", "skype", "yahoo", "aim", "msn", "url")
NULLABLE = ("imagealt", "lastnamephonetic", "firstnamephonetic", "middlename", "alternatename", "description")


class Respond(Exception):
    """$this->respond(): ends the request with a JSON answer."""

    def __init__(self, success, data):
        Exception.__init__(self, "respond")
        self.data = dict(data)
        self.data["success"] = success


def _fail(message):
    return Respond(False, {"message": message})


DBERROR = "An error occurred accessing the database."


def php_string(value):
    """PHP string conversion inside the signature: arrays become the literal "Array"."""
    if isinstance(value, dict):
        return "Array"
    return "" if value is None else str(value)


def php_empty(value):
    return value is None or value == "" or value == "0" or value == {} or value == []


def sign(params, secret):
    """sha256_hex(secret + concat(key + value)) over the keys in ksort (byte) order."""
    s = "".join(k + php_string(params[k]) for k in sorted(params, key=lambda k: k.encode("utf-8")))
    return hashlib.sha256(((secret or "") + s).encode("utf-8")).hexdigest()


def _json(data):
    if isinstance(data.get("data"), dict) and len(data["data"]) > 100 and list(data) == ["data", "success"]:
        return Response(200, all_users_json(data["data"], data["success"]), content_type="application/json")
    return Response(200, php_json_pretty(data), content_type="application/json")


def _scalar(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    return json.dumps(value)


def all_users_json(users, success=True):
    """php_json_pretty({"data": users, "success": success}) for getAllUsers' {id: {column: value}}, byte for byte:
    json.dumps with indent runs its pure-Python encoder, which made answering 100,000 users take seconds."""
    first = next(iter(users.values()), None) if users else None
    if not isinstance(first, dict) or not first:
        return php_json_pretty({"data": users, "success": success})
    columns = tuple(first)
    lines = ["            %s: %%s" % encode_basestring_ascii(column).replace("%", "%%") for column in columns]
    template = "        %s: {\n" + ",\n".join(lines) + "\n        }"
    rows = []
    for key, user in users.items():
        if not isinstance(user, dict) or tuple(user) != columns:
            return php_json_pretty({"data": users, "success": success})
        rows.append(template % ((encode_basestring_ascii(str(key)),) + tuple(
            encode_basestring_ascii(value) if value.__class__ is str else _scalar(value) for value in user.values())))
    text = '{\n    "data": {\n%s\n    },\n    "success": %s\n}' % (",\n".join(rows), _scalar(success))
    return text.replace("/", "\\/")


def _column(user, field):
    value = user.get(field, FIELD_DEFAULTS.get(field))
    if value is None:
        return None if field in NULLABLE else ""
    if isinstance(value, bool):
        value = int(value)
    return str(value)


def _select(user, fields):
    if any(f in MISSING_COLUMNS for f in fields):
        raise _fail(DBERROR)
    return dict((f, _column(user, f)) for f in fields)


def _fields(post):
    wanted = post.get("fields")
    if php_empty(wanted) or not isinstance(wanted, dict):
        wanted = [f for f, _unused in USERFIELDS]
    else:
        wanted = [f for f in wanted.values() if isinstance(f, str) and f in FIELD_DEFAULTS]
    out = []
    for f in wanted:
        if f in ("password", "secret"):
            continue
        out.append(f)
    if not out:                      # "SELECT  FROM {user}" is an SQL error
        raise _fail(DBERROR)
    return out


def _check_required(post, required):
    missing = [p for p in required if php_empty(post.get(p))]
    if missing:
        raise _fail("The %s method is missing parameters: %s" % (post["method"], ", ".join(missing)))
    if "useridfield" in post and post["useridfield"] not in IDFIELDS:
        raise _fail("The useridfield [%s] is not permitted as a lookup for the user in Moodle. Please user one of "
                    "the following: %s" % (php_string(post["useridfield"]), ", ".join(IDFIELDS)))


# ---------------------------------------------------------------- lookups
# From this many users on, username/email/idnumber lookups use an index (a scan per createUser made creating 100,000
# users quadratic). The index lives only across consecutive services.php requests: any other request (another page
# may rename a user), a cleared log, a reset or restore, or a user added elsewhere rebuilds it. Small sites (the
# tests, which may also edit state.users directly) always scan.
INDEX_FROM = 1000
INDEXED = ("username", "email", "idnumber")
_INDEXES = weakref.WeakKeyDictionary()     # SiteState -> _Index (kept out of the state: snapshots copy its vars)


class _Index(object):
    def __init__(self, state):
        self.values = dict((field, {}) for field in INDEXED)
        for user in state.users.values():
            self.add(user)
        self.users = state.users     # the dict itself (an id() could be reused after a reset)
        self.key = None

    def add(self, user):
        for field in INDEXED:
            value = _column(user, field)
            if value:
                self.values[field].setdefault(value, set()).add(user["id"])

    def drop(self, user):
        for field in INDEXED:
            self.values[field].get(_column(user, field), set()).discard(user["id"])


def _log_length(ctx):
    log = getattr(ctx.sim, "_log", None)
    return len(log) if log is not None else -1


def _state_key(ctx, logged):
    state = ctx.state
    return (len(state.users), state.next_user_id, logged)


def _index(ctx):
    """The index of ctx.state's users (None on a small site)."""
    state = ctx.state
    if len(state.users) < INDEX_FROM:
        return None
    index = _INDEXES.get(state)
    if index is None or index.users is not state.users or index.key != _state_key(ctx, _log_length(ctx)):
        index = _Index(state)
        _INDEXES[state] = index
    return index


def _index_done(ctx):
    """After a services.php request: the index stays valid for the next one (this request is logged next)."""
    index = _INDEXES.get(ctx.state)
    if index is not None and index.users is ctx.state.users:
        index.key = _state_key(ctx, _log_length(ctx) + 1)


def _users_with(ctx, field, value):
    """The users whose column ``field`` is ``value``, by id."""
    state = ctx.state
    if field == "id":
        user = state.users.get(int(value)) if value.isdigit() and str(int(value)) == value else None
        return [user] if user is not None else []
    index = _index(ctx) if field in INDEXED else None
    if index is None:
        return [state.users[uid] for uid in sorted(state.users) if _column(state.users[uid], field) == value]
    found = [state.users[uid] for uid in sorted(index.values[field].get(value, ())) if uid in state.users]
    return [user for user in found if _column(user, field) == value]


def _find_user(ctx, post):
    field, value = post["useridfield"], php_string(post["userid"])
    found = _users_with(ctx, field, value)
    if found:
        return found[0]
    raise _fail("User not found with %s equal to %s." % (field, value))


def _rewrite(ctx, user, change):
    """Change ``user``'s columns with ``change()``, keeping the index current."""
    index = _index(ctx)
    if index is not None:
        index.drop(user)
    change()
    if index is not None:
        index.add(user)


def _userdata(post):
    data = post.get("userdata")
    return data if isinstance(data, dict) else {}


# ---------------------------------------------------------------- methods
def m_getUser(ctx, post):
    _check_required(post, ("userid", "useridfield"))
    fields = _fields(post)
    user = _find_user(ctx, post)
    raise Respond(True, {"data": _select(user, fields)})


def m_getAllUsers(ctx, post):
    fields = _fields(post)
    users = [u for uid, u in sorted(ctx.state.users.items()) if not u["deleted"]]
    data = dict((str(u["id"]), _select(u, fields)) for u in users)
    raise Respond(True, {"data": data if data else []})


def m_createUser(ctx, post):
    state = ctx.state
    _check_required(post, ("userdata",))
    given = _userdata(post)
    missing = [f for f in ("username", "firstname", "lastname", "email") if f not in given]
    if missing:
        raise _fail("Required fields were missing for creating the user: " + ", ".join(missing))
    pdata = dict((k, php_string(v)) for k, v in given.items()
                 if k not in ("id", "password", "secret") and k in FIELD_DEFAULTS)
    matches = []
    username, email, idnumber = pdata["username"], pdata["email"], pdata.get("idnumber")
    index = _index(ctx)
    if index is None:
        found = sorted((u for u in state.users.values()
                        if u["username"] == username or u["email"] == email or (idnumber and u.get("idnumber") == idnumber)),
                       key=lambda u: u["id"])
    else:
        ids = set(index.values["username"].get(username, ())) | index.values["email"].get(email, set())
        if idnumber:
            ids |= index.values["idnumber"].get(idnumber, set())
        found = sorted((state.users[uid] for uid in ids if uid in state.users), key=lambda u: u["id"])
        found = [u for u in found
                 if u["username"] == username or u["email"] == email or (idnumber and u.get("idnumber") == idnumber)]
    for u in found:
        if username == u["username"]:
            matches.append("username")
        if email == u["email"]:
            matches.append("email")
        if idnumber:
            matches.append("idnumber")    # the plugin assigns instead of comparing here
    if found:
        raise _fail("%s found with the same %s." % ("Other users were" if len(found) > 1 else "Another user was",
                                                    _andlist(matches)))
    if any(f in MISSING_COLUMNS for f in pdata):
        raise _fail(DBERROR)
    extra = dict((k, v) for k, v in pdata.items() if k not in ("username", "firstname", "lastname", "email", "auth"))
    for k in ("suspended", "deleted", "confirmed"):
        if k in extra:
            extra[k] = int(extra[k]) if extra[k].lstrip("-").isdigit() else 0
    extra.setdefault("confirmed", 0)
    u = state.add_user(pdata["username"], "NOT SET %d" % int(time.time()), pdata["firstname"], pdata["lastname"],
                       pdata["email"], pdata.get("auth") or "manual", **extra)
    if index is not None:
        index.add(u)
    raise Respond(True, {"data": u["id"]})


def _andlist(items):
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if len(items) == 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def m_updateUser(ctx, post):
    _check_required(post, ("userid", "userdata", "useridfield"))
    user = _find_user(ctx, post)
    pdata = dict((k, php_string(v)) for k, v in _userdata(post).items() if k != "id" and k in FIELD_DEFAULTS)
    if any(f in MISSING_COLUMNS for f in pdata):
        raise _fail(DBERROR)

    def change():
        for k, v in pdata.items():
            user[k] = int(v) if k in ("suspended", "deleted", "confirmed") and v.lstrip("-").isdigit() else v
    _rewrite(ctx, user, change)
    raise Respond(True, {"data": str(user["id"])})


def m_deleteUser(ctx, post):
    state = ctx.state
    _check_required(post, ("userid", "useridfield"))
    user = _find_user(ctx, post)
    if user["username"] == "guest" or user["id"] == 1:
        raise _fail("The guest account cannot be deleted.")
    if state.is_siteadmin(user["id"]):
        raise _fail("Local administrators cannot be deleted.")
    now = int(time.time())

    def change():
        user["deleted"] = 1
        user["username"] = "%s/%d" % (user["username"], now)
        user["email"] = "%s/%d" % (user["email"], now)
        user["idnumber"] = "%s/%d" % (user.get("idnumber") or "", now)
    _rewrite(ctx, user, change)
    user["password"] = "USER DELETED ON " + time.strftime("%Y-%m-%d %H:%M:%S")
    user["timemodified"] = now
    raise Respond(True, {"data": str(user["id"])})


def _set_suspended(ctx, post, value):
    _check_required(post, ("userid", "useridfield"))
    user = _find_user(ctx, post)
    user["suspended"] = value
    raise Respond(True, {"data": str(user["id"])})


def m_suspendUser(ctx, post):
    _set_suspended(ctx, post, 1)


def m_unsuspendUser(ctx, post):
    _set_suspended(ctx, post, 0)


def m_logUser(ctx, post):
    state = ctx.state
    _check_required(post, ("userid", "useridfield", "useragent"))
    user = _find_user(ctx, post)
    for t in [t for t, v in state.apilogin_tokens.items() if v["userid"] == user["id"]]:
        del state.apilogin_tokens[t]
    token = random_hex32()
    state.apilogin_tokens[token] = dict(userid=user["id"], useragent=php_string(post["useragent"]),
                                        expires=time.time() + TOKEN_LIFETIME,
                                        redirect=php_string(post.get("redirect")) or None)
    raise Respond(True, {"data": str(user["id"]), "token": token})


METHODS = dict((name, globals()["m_" + name]) for name in VALID_METHODS)


def services(ctx):
    state = ctx.state
    if not state.apilogin_patched:
        return Response(500, b"", content_type="text/html; charset=UTF-8")
    post = ctx.post if ctx.method == "POST" else {}
    try:
        if php_empty(post.get("method")) or php_empty(post.get("time")) or php_empty(post.get("signature")):
            raise _fail("Invalid request. Missing required parameters.")
        allow = state.get_config("allowipaddr", "auth_apilogin") or ""
        allowed = list(re.split(r"\s*[,;]\s*", allow))
        if ctx.client_ip not in allowed:                     # REMOTE_ADDR only; X-Forwarded-For ignored (221)
            raise _fail("Access denied. Requests not allowed from IP address: " + ctx.client_ip)
        signed = dict((k, v) for k, v in post.items() if k != "signature")
        if post["signature"] != sign(signed, state.get_config("apikey", "auth_apilogin")):
            raise _fail("Invalid signature.")
        if post["method"] not in VALID_METHODS:
            raise _fail("Invalid method.")
        if post["method"] not in ("getUser", "getAllUsers"):
            ctx.write = True
        METHODS[post["method"]](ctx, post)
    except Respond as r:
        return _json(r.data)
    finally:
        _index_done(ctx)
    return _json({"success": True})


def token_login(ctx):
    """The login page's hook: ?token=T with the User-Agent given to logUser logs that user in.

    Returns a response (redirect) or None (the normal login page follows). Every lookup consumes the token."""
    state = ctx.state
    if "apilogin" not in state.enabled_auths or (ctx.user and ctx.user["id"] != 1):
        return None
    token = ctx.get.get("token")
    rec = state.apilogin_tokens.pop(token, None) if isinstance(token, str) and token else None
    ua = ctx.headers.get("User-Agent") or ""
    user = state.users.get(rec["userid"]) if rec else None
    if not rec or rec["useragent"] != ua or rec["expires"] <= time.time() or not user:
        loginredirect = state.get_config("loginredirect", "auth/apilogin")   # get_config('auth/apilogin')
        if loginredirect:
            return redirect(loginredirect + ("&" if "?" in loginredirect else "?") + "invalid=1")
        return None
    user["auth"] = "apilogin"
    from .userkey import complete_user_login
    session = complete_user_login(ctx, user)
    target = rec["redirect"] or session.wantsurl or ctx.url("/my/")
    session.wantsurl = None
    return redirect(target)
