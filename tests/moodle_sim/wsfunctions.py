"""External function registry: metadata (id, capabilities, AJAX flags), parameter schemas, implementations.

Shared by REST (pages/rest.py) and AJAX (pages/ajax.py)."""
import time

from .capabilities import function_capabilities
from .state import THEMEREV
from .util import clean_plugin, random_hex32

MOODLE_EXC = "core\\exception\\moodle_exception"
INVALID_PARAM_EXC = "core\\exception\\invalid_parameter_exception"


class WSError(Exception):
    def __init__(self, errorcode, message, exception=MOODLE_EXC, debuginfo=None, module="moodle"):
        Exception.__init__(self, message)
        self.errorcode = errorcode
        self.message = message
        self.exception = exception
        self.debuginfo = debuginfo
        self.module = module


def invalid_param(debuginfo):
    return WSError("invalidparameter", "Invalid parameter value detected", INVALID_PARAM_EXC, debuginfo, "debug")


# ---------------------------------------------------------------- parameter schemas
def V(kind, required=True, default=None):
    return ("value", kind, required, default)


def S(keys, required=True):
    return ("single", keys, required, None)


def M(inner, required=True):
    return ("multiple", inner, required, None)


def _clean_value(kind, value, name):
    if isinstance(value, (dict, list)):
        raise invalid_param("%s => Invalid parameter value detected (Invalid external api parameter: the value is "
                            "\"array\", the server was expecting \"%s\" type)" % (name, kind))
    if isinstance(value, bool):
        value = "1" if value else "0"
    value = "" if value is None else str(value)
    if kind == "int":
        if not value.lstrip("-").isdigit():
            raise invalid_param("%s => Invalid parameter value detected (Invalid external api parameter: the value is "
                                "\"%s\", the server was expecting \"int\" type)" % (name, value))
        return int(value)
    if kind == "bool":
        if value not in ("0", "1", "true", "false"):
            raise invalid_param("%s => Invalid parameter value detected" % name)
        return value in ("1", "true")
    if kind == "plugin":
        if clean_plugin(value) != value:
            raise invalid_param("%s => Invalid parameter value detected (Invalid external api parameter: the value is "
                                "\"%s\", the server was expecting \"plugin\" type)" % (name, value))
        return value
    return value


def validate(schema, value, name=""):
    kind = schema[0]
    if kind == "value":
        return _clean_value(schema[1], value, name)
    if kind == "multiple":
        if isinstance(value, dict):
            items = list(value.values())
        elif isinstance(value, list):
            items = value
        else:
            raise invalid_param("Only arrays accepted. The bad value is: '%s'" % value)
        return [validate(schema[1], v, name) for v in items]
    # single structure
    if isinstance(value, list):
        value = dict((str(i), v) for i, v in enumerate(value)) if value else {}
    if not isinstance(value, dict):
        raise invalid_param("Only arrays accepted. The bad value is: '%s'" % value)
    out = {}
    keys = schema[1]
    for key, sub in keys.items():
        if key not in value:
            if sub[2]:
                raise invalid_param("Missing required key in single structure: %s" % key)
            if sub[3] is not None:
                out[key] = sub[3]
            continue
        out[key] = validate(sub, value[key], key)
    extra = [k for k in value if k not in keys]
    if extra:
        raise invalid_param("Unexpected keys (%s) detected in parameter array." % ", ".join(extra))
    return out


# ---------------------------------------------------------------- implementations
def _picture(state, size):
    return "%s/theme/image.php/boost/core/%s/u/%s" % (state.wwwroot, THEMEREV, size)


def site_info(ws, params):
    state, user, service = ws.state, ws.user, ws.service
    fnames = service["functions"] if service else []
    return {
        "sitename": state.get_config("sitename"), "username": user["username"], "firstname": user["firstname"],
        "lastname": user["lastname"], "fullname": ("%s %s" % (user["firstname"], user["lastname"])).strip(),
        "lang": "en", "userid": user["id"], "siteurl": state.wwwroot, "userpictureurl": _picture(state, "f1"),
        "functions": [{"name": f, "version": state.moodle.version} for f in fnames if f in FUNCTIONS],
        "downloadfiles": service["downloadfiles"] if service else 0,
        "uploadfiles": service["uploadfiles"] if service else 0,
        "release": state.moodle.release, "version": state.moodle.version, "mobilecssurl": "",
        "advancedfeatures": [{"name": n, "value": int(state.get_config(n) or 0) if n != "mnet_dispatcher_mode"
                              else (0 if state.get_config(n) == "off" else 1)}
                             for n in ("usecomments", "usetags", "enablenotes", "messaging", "enableblogs",
                                       "enablecompletion", "enablebadges", "messagingallusers",
                                       "enablecustomreports", "enableglobalsearch", "mnet_dispatcher_mode")]
        + [{"name": "enablecompetencies", "value": int(state.get_config("enabled", "core_competency") or 0)}],
        "usercanmanageownfiles": True, "userquota": 104857600, "usermaxuploadfilesize": 134217728,
        "userhomepage": 1, "userprivateaccesskey": user.get("privateaccesskey") or random_hex32(), "siteid": 1,
        "sitecalendartype": "gregorian", "usercalendartype": "gregorian",
        "userissiteadmin": state.is_siteadmin(user["id"]), "theme": "boost",
        "limitconcurrentlogins": int(state.get_config("limitconcurrentlogins") or 0), "policyagreed": 0,
    }


def _user_record(state, u, with_prefs):
    rec = {"id": u["id"], "username": u["username"], "firstname": u["firstname"], "lastname": u["lastname"],
           "fullname": ("%s %s" % (u["firstname"], u["lastname"])).strip(), "email": u["email"],
           "department": u.get("department", ""), "firstaccess": u["firstaccess"], "lastaccess": u["lastaccess"],
           "auth": u["auth"], "suspended": bool(u["suspended"]), "confirmed": bool(u["confirmed"]),
           "lang": u.get("lang", "en"), "theme": "", "timezone": "99", "mailformat": 1, "trackforums": 0,
           "profileimageurlsmall": _picture(state, "f2"), "profileimageurl": _picture(state, "f1")}
    if u.get("idnumber"):
        rec["idnumber"] = u["idnumber"]
    if u.get("timezone"):
        rec["timezone"] = u["timezone"]
    for key in ("institution", "city", "country", "phone1", "phone2", "address"):
        if u.get(key):              # user_get_user_details(): only non-empty profile fields
            rec[key] = u[key]
    if u.get("description") is not None:   # NULL for CLI/install users, "" once saved through a form (431)
        rec["description"] = u["description"]
        rec["descriptionformat"] = int(u.get("descriptionformat", 1))
    if with_prefs:
        rec["preferences"] = [{"name": "auth_manual_passwordupdatetime", "value": str(u["timecreated"])},
                              {"name": "_lastloaded", "value": int(time.time())}]
    return rec


def users_by_field(ws, params):
    state, me = ws.state, ws.user
    field = params["field"]
    if field not in ("id", "idnumber", "username", "email"):
        raise invalid_param("The search field '%s' is not supported, look at the web service documentation" % field)
    out = []
    admin = state.is_siteadmin(me["id"])
    for value in params["values"]:
        for u in sorted(state.users.values(), key=lambda x: x["id"]):
            if u["deleted"] or u["id"] == 1:
                continue
            if str(u.get(field, "")) != str(value) or not value:
                continue
            if not admin and u["id"] != me["id"]:
                continue          # non-admin silently gets only itself (096)
            if all(r["id"] != u["id"] for r in out):
                out.append(_user_record(state, u, u["id"] == me["id"]))
    return out


def time_remaining(ws, params):
    session = ws.session
    elapsed = int(time.time()) - (session.timecreated if session else int(time.time()))
    return {"userid": ws.user["id"], "timeremaining": max(0, 28800 - elapsed - 7)}


def set_plugin_state(ws, params):
    state = ws.state
    if not state.is_siteadmin(ws.user["id"]):
        raise WSError("nopermissions", "Sorry, but you do not currently have permissions to do that (Manage site "
                      "configuration).", "required_capability_exception", module="error")
    plugin, on = params["plugin"], params["state"]
    ptype, _unused, name = plugin.partition("_")
    changed = False
    if ptype == "auth" and name:
        auths = state.enabled_auths
        if on and name not in auths:
            auths.append(name)
            changed = True
        elif not on and name in auths:
            auths.remove(name)
            changed = True
        state.set_enabled_auths(auths)
        from .state import auth_plugins
        label = auth_plugins(state.moodle).get(name, ("[[pluginname]]",))[0]
    elif ptype == "factor" and name:          # tool_mfa's factor switches (5.1.3 526)
        from .pages.mfa import set_factor_state
        changed, label = set_factor_state(state, plugin, on)
    elif ptype == "webservice" and name:
        protos = state.protocols
        if on and name not in protos:
            protos.append(name)
            changed = True
        elif not on and name in protos:
            protos.remove(name)
            changed = True
        state.set_protocols(protos)
        label = {"rest": "REST protocol", "soap": "SOAP protocol"}.get(name, "[[pluginname]]")
    else:
        label = "[[pluginname]]"
    if changed and ws.session is not None:
        ws.session.notifications.append(("success", "%s %s." % (label, "enabled" if on else "disabled")))
    return []


def public_config(ws, params):
    state = ws.state
    return {"wwwroot": state.wwwroot, "httpswwwroot": state.wwwroot, "sitename": state.get_config("sitename"),
            "guestlogin": 0, "rememberusername": 2, "authloginviaemail": int(state.get_config("authloginviaemail") or 0),
            "registerauth": state.get_config("registerauth") or "", "forgottenpasswordurl": "",
            "authinstructions": "", "authnoneenabled": 0,
            "enablewebservices": int(state.cfg_flag("enablewebservices")),
            "enablemobilewebservice": int(bool(state.mobile_service() and state.mobile_service()["enabled"])),
            "maintenanceenabled": int(state.maintenance == "legacy"), "maintenancemessage": "", "typeoflogin": 1,
            "launchurl": state.wwwroot + "/admin/tool/mobile/launch.php", "mobilecssurl": "",
            "tool_mobile_disabledfeatures": "", "country": "", "agedigitalconsentverification": False,
            "autolang": 1, "lang": "", "langmenu": 1, "langlist": "", "locale": "en_AU.UTF-8",
            "tool_mobile_minimumversion": "", "tool_mobile_iosappid": "633359593",
            "tool_mobile_androidappid": "com.moodle.moodlemobile", "tool_mobile_setuplink": "https://download.moodle.org/mobile",
            "tool_mobile_qrcodetype": 1, "supportname": "Admin User", "supportemail": "admin@example.com",
            "warnings": []}


def get_courses(ws, params):
    return [{"id": 1, "shortname": "lab", "categoryid": 0, "fullname": state_sitename(ws), "displayname":
             state_sitename(ws), "format": "site", "visible": 1}]


def state_sitename(ws):
    return ws.state.get_config("sitename")


def create_users(ws, params):
    state = ws.state
    if not state.has_capability(ws.user["id"], "moodle/user:create"):
        raise WSError("nopermissions", "Sorry, but you do not currently have permissions to do that (Create users).",
                      "required_capability_exception", module="error")
    out = []
    for u in params["users"]:
        if state.user_by_username(u["username"]):
            raise invalid_param("Username already exists: %s" % u["username"])
        rec = state.add_user(u["username"], u.get("password", ""), u.get("firstname", ""), u.get("lastname", ""),
                             u.get("email", ""), u.get("auth") or "manual")
        out.append({"id": rec["id"], "username": rec["username"]})
    return out


def userkey_params(state):
    """auth_userkey's parameter structure depends on its settings (mapping field, iprestriction, create/update)."""
    mapping = state.get_config("mappingfield", "auth_userkey") or "email"
    keys = {}
    if mapping in ("username", "email", "idnumber"):
        keys[mapping] = V("raw")
    if state.get_config("iprestriction", "auth_userkey") not in (None, "", "0"):
        keys["ip"] = V("raw")
    if _userkey_flag(state, "createuser") or _userkey_flag(state, "updateuser"):
        keys["firstname"] = V("raw", False)
        keys["lastname"] = V("raw", False)
        if mapping != "email":
            keys["email"] = V("raw", False)
        if mapping != "username":
            keys["username"] = V("raw", False)
    return S({"user": S(keys)})


def _userkey_flag(state, name):
    return state.get_config(name, "auth_userkey") not in (None, "", "0")


def _valid_email(value):
    import re
    return bool(value) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value) is not None


def userkey_login_url(ws, params):
    state = ws.state
    # auth_userkey_external::request_login_url(): plugin enabled, then the capability, then the user lookup.
    if "userkey" not in state.enabled_auths:
        raise WSError("accessexception", "Access control exception", "webservice_access_exception",
                      "User key authentication plugin is disabled")
    if not state.has_capability(ws.user["id"], "auth/userkey:generatekey"):
        raise WSError("nopermissions", "Sorry, but you do not currently have permissions to do that (Generate "
                      "login user key).", "required_capability_exception", module="error")
    mapping = state.get_config("mappingfield", "auth_userkey") or "email"
    given = params["user"]
    if not given.get(mapping):
        raise invalid_param('Required field "%s" is not set or empty.' % mapping)
    iprestriction = _userkey_flag(state, "iprestriction")
    if iprestriction and "ip" not in given:
        raise invalid_param('Required parameter "ip" is not set.')
    value = given[mapping]
    user = None
    for u in state.users.values():
        if not u["deleted"] and str(u.get(mapping, "")) == value:
            user = u
            break
    data = dict((k, v) for k, v in given.items() if k != "ip")
    if user is None:
        if not _userkey_flag(state, "createuser"):
            raise invalid_param("User is not exist")
        missing = [f for f in ("username", "email", "firstname", "lastname") if not data.get(f)]
        if missing:
            raise invalid_param("Unable to create user, missing value(s): " + ",".join(missing))
        if state.user_by_username(data["username"]):
            raise invalid_param("Username already exists: " + data["username"])
        if not _valid_email(data["email"]):
            raise invalid_param("Email address is invalid: " + data["email"])
        if any(u["email"] == data["email"] and not u["deleted"] for u in state.users.values()):
            raise invalid_param("Email address already exists: " + data["email"])
        user = state.add_user(data["username"], "", data["firstname"], data["lastname"], data["email"], "userkey")
    elif _userkey_flag(state, "updateuser"):
        data["auth"] = "userkey"
        if any(str(user.get(k, "")) != str(v) for k, v in data.items()):
            if "username" in data and data["username"] != user["username"] and state.user_by_username(data["username"]):
                raise invalid_param("Username already exists: " + data["username"])
            # the plugin validates $userdata['email'] even when it was not sent (PHP null -> invalid)
            if not _valid_email(data.get("email")):
                raise invalid_param("Email address is invalid: " + (data.get("email") or ""))
            if data["email"] != user["email"] and any(u["email"] == data["email"] and not u["deleted"]
                                                      for u in state.users.values()):
                raise invalid_param("Email address already exists: " + data["email"])
            user.update(data)
    ip = None
    if iprestriction:   # core create_user_key(): the given ip, else the caller's address
        ip = given.get("ip") or getattr(ws, "client_ip", None) or "127.0.0.1"
    key = random_hex32()
    state.userkeys[key] = dict(userid=user["id"], validuntil=int(time.time()) +
                               int(state.get_config("keylifetime", "auth_userkey") or 60), iprestriction=ip)
    return {"loginurl": "%s/auth/userkey/login.php?key=%s" % (state.wwwroot, key)}


def schema_of(fn, state):
    """A function's parameter structure; `params` may be a callable of the site state."""
    params = fn["params"]
    return params(state) if callable(params) else params


# ---------------------------------------------------------------- registry
def caps(name):
    """The 'capabilities' string of a function's definition (capabilities.FUNCTION_CAPABILITIES, with its sources)."""
    return ", ".join(function_capabilities(name))


USERS_BY_FIELD_CAPS = caps("core_user_get_users_by_field")

FUNCTIONS = {
    "core_webservice_get_site_info": dict(id=330, component="moodle",
                                          capabilities=caps("core_webservice_get_site_info"), ajax=False,
                                          loginrequired=True, params=S({}), impl=site_info,
                                          description="Return some site info / user info / list web service functions"),
    "core_user_get_users_by_field": dict(id=233, component="moodle", capabilities=USERS_BY_FIELD_CAPS, ajax=True,
                                         loginrequired=True,
                                         params=S({"field": V("alpha"), "values": M(V("raw"))}), impl=users_by_field,
                                         description="Retrieve users' information for a specified unique field."),
    "core_session_time_remaining": dict(id=478, component="moodle", capabilities="", ajax=True, loginrequired=True,
                                        params=S({}), impl=time_remaining,
                                        description="Count the seconds remaining in this session."),
    "core_admin_set_plugin_state": dict(id=612, component="moodle",
                                        capabilities=caps("core_admin_set_plugin_state"), ajax=True,
                                        loginrequired=True, params=S({"plugin": V("plugin"), "state": V("int")}),
                                        impl=set_plugin_state, description="Set the state of a plugin."),
    "tool_mobile_get_public_config": dict(id=401, component="tool_mobile", capabilities="", ajax=True,
                                          loginrequired=False, params=S({}), impl=public_config,
                                          description="Returns a list of the site public settings."),
    "core_course_get_courses": dict(id=140, component="moodle",
                                    capabilities=caps("core_course_get_courses"),
                                    ajax=True, loginrequired=True,
                                    params=S({"options": S({"ids": M(V("int"), False)}, False)}), impl=get_courses,
                                    description="Return course details"),
    "core_user_create_users": dict(id=224, component="moodle", capabilities=caps("core_user_create_users"), ajax=True,
                                   loginrequired=True,
                                   params=S({"users": M(S({"username": V("raw"), "password": V("raw", False),
                                                           "firstname": V("raw", False), "lastname": V("raw", False),
                                                           "email": V("raw", False), "auth": V("raw", False),
                                                           "idnumber": V("raw", False)}))}),
                                   impl=create_users, description="Create users."),
    "auth_userkey_request_login_url": dict(id=700, component="auth_userkey",
                                           capabilities=caps("auth_userkey_request_login_url"),
                                           ajax=False, loginrequired=True,
                                           params=userkey_params,
                                           impl=userkey_login_url, description="Return one time key based login URL"),
}

_BY_ID = dict((str(f["id"]), n) for n, f in FUNCTIONS.items())


def by_id(fid):
    return _BY_ID.get(str(fid))


def capability_names():
    caps = set(["auth/userkey:generatekey", "moodle/site:config", "moodle/user:create", "moodle/user:update",
                "moodle/webservice:createmobiletoken", "moodle/webservice:createtoken", "webservice/rest:use",
                "webservice/soap:use", "moodle/user:viewdetails"])
    return caps


class WSCall(object):
    """Who is calling: state, user, the token's service (REST) or None (AJAX), the browser session (AJAX)."""

    def __init__(self, state, user, service=None, session=None):
        self.state = state
        self.user = user
        self.service = service
        self.session = session
