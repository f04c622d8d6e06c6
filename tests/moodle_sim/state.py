"""Site state of the simulated Moodle: config, users, services, tokens, capabilities, sessions.

One RLock (`state.lock`) guards everything; the server takes it around every request."""
import copy
import threading
import time

from . import settings_tree
from .versions import moodle_version
from .util import random_hex32, random_string

THEMEREV = "1795296553"
DEFAULTUSERROLEID = 7           # "Authenticated user"
TOKENDURATION = 7257600         # 12 weeks, $CFG->tokenduration default
MOBILE_SERVICE = "moodle_mobile_app"

# Auth plugins installed on the lab (fixture 121): name -> display name, has settings page
AUTH_PLUGINS = {
    "manual": ("Manual accounts", "authsettingmanual"),
    "nologin": ("No login", None),
    "email": ("Email-based self-registration", "authsettingemail"),
    "apilogin": ("[[pluginname]]", None),
    "cas": ("CAS server (SSO)", "authsettingcas"),
    "db": ("External database", "authsettingdb"),
    "ldap": ("LDAP server", "authsettingldap"),
    "lti": ("LTI", None),
    "mnet": ("MNet authentication", "authsettingmnet"),
    "none": ("No authentication", "authsettingnone"),
    "oauth2": ("OAuth 2", "authsettingoauth2"),
    "shibboleth": ("Shibboleth", "authsettingshibboleth"),
    "userkey": ("User key authentication", "authsettinguserkey"),
    "webservice": ("Web services authentication", None),
}

AUTH_NOT_IN_51 = ("cas", "mnet")   # left core in 5.0 (5.1.3 121: 12 rows in #manageauthtable)


def auth_plugins(moodle):
    """AUTH_PLUGINS installed in the emulated release."""
    return dict((k, v) for k, v in AUTH_PLUGINS.items() if not (moodle.is51 and k in AUTH_NOT_IN_51))


PROTOCOLS = [("rest", "REST protocol"), ("soap", "SOAP protocol")]


class Session(object):
    def __init__(self, sid):
        self.sid = sid
        self.sesskey = random_string(10)
        self.userid = 0
        self.logintoken = random_string(32)
        self.wantsurl = None
        self.notifications = []      # [(type, text)] shown once on the next full page
        self.loginerror = None
        self.newtoken = None         # (name, value) of a token created in tokens.php, shown once
        self.timecreated = int(time.time())

    def to_json(self):
        return dict(sid=self.sid, sesskey=self.sesskey, userid=self.userid, logintoken=self.logintoken,
                    wantsurl=self.wantsurl, notifications=list(self.notifications))


def _user(uid, username, password, firstname, lastname, email, auth="manual", now=None):
    now = now or int(time.time())
    return dict(id=uid, username=username, password=password, firstname=firstname, lastname=lastname,
                email=email, auth=auth, suspended=0, deleted=0, confirmed=1, idnumber="", department="",
                lang="en", firstaccess=now, lastaccess=now, timecreated=now,
                privateaccesskey=random_hex32())


class SiteState(object):
    cas_server = None     # the simulator's own CAS server (cas_server.py), set when it runs
    oidc_server = None    # the simulator's own OpenID provider (oidc_server.py), set when it runs

    def __init__(self, kind="fresh", wwwroot="http://127.0.0.1:8080", moodle=None):
        self.lock = threading.RLock()
        self.wwwroot = wwwroot
        self.moodle = moodle_version(moodle)     # which release is emulated (versions.py); kept across resets
        self.snapshots = {}                      # name -> site data (snapshot()/restore()); kept across resets
        self.reset(kind)

    # ------------------------------------------------------------------ setup
    def reset(self, kind="fresh", moodle=None):
        if kind not in ("fresh", "configured", "bare"):
            raise ValueError("unknown state %r" % kind)
        with self.lock:
            if moodle is not None:
                self.moodle = moodle_version(moodle)
            now = int(time.time())
            self.kind = kind
            self.config = {
                "release": self.moodle.release, "version": self.moodle.version + ".00", "siteadmins": "2", "auth": "email",
                "webserviceprotocols": "", "defaultuserroleid": str(DEFAULTUSERROLEID),
                "tokenduration": str(TOKENDURATION), "sitename": "Lab Moodle",
                "maintenance_enabled": "0",
            }
            self.plugin_config = {"auth_userkey": {"version": "2022081901"},
                                  "auth_apilogin": {"version": "2015051100"},
                                  "local_eduauth": {"version": "2019091000"},
                                  "tool_mobile": {}, "core_competency": {}, "tool_moodlenet": {}}
            # core plugins have their version row too (cfg.php --component=auth_cas --name=version)
            core_version = "2025100600" if self.moodle.is51 else "2024100700"
            for component in ("auth_lti", "enrol_lti") + (() if self.moodle.is51 else ("auth_cas",)):
                self.plugin_config.setdefault(component, {})["version"] = core_version
            for _section, setting in settings_tree.all_settings():
                if not settings_tree.installed(setting) or not settings_tree.in_release(self.moodle, setting):
                    continue
                self.set_config(setting.name, setting.default, setting.component or None)
            self.forced = {}             # component ('core' = $CFG in config.php) -> {name: value}
            self.users = {}
            for u in (_user(1, "guest", "guest", "Guest user", " ", "root@localhost", now=now),
                      _user(2, "admin", "Admin#12345", "Admin", "User", "admin@example.com", now=now),
                      _user(3, "teacher1", "Teacher#12345", "Teacher", "One", "teacher1@example.com", now=now)):
                self.users[u["id"]] = u
            self.services = {
                1: dict(id=1, name="Moodle mobile web service", shortname=MOBILE_SERVICE, component="moodle",
                        enabled=0, restrictedusers=0, downloadfiles=1, uploadfiles=1, requiredcapability="",
                        functions=["core_webservice_get_site_info", "core_user_get_users_by_field",
                                   "core_course_get_courses", "tool_mobile_get_public_config",
                                   "core_session_time_remaining"],
                        users={}, timecreated=now),
                2: dict(id=2, name="User key authentication web service", shortname=None,
                        component="auth_userkey", enabled=1, restrictedusers=1, downloadfiles=0, uploadfiles=0,
                        requiredcapability="", functions=["auth_userkey_request_login_url"], users={},
                        timecreated=now),
            }
            self.next_service_id = 3
            self.next_user_id = 4
            if kind == "bare":            # only admin, as the 279+ recording: the next user gets id 3
                self.users.pop(3, None)
                self.next_user_id = 3
            # roles (admin/roles/*): id -> role dict; capabilities stay in role_caps (roles.py)
            from . import roles as _roles
            self.roles = _roles.default_roles()
            self.next_role_id = max(self.roles) + 1
            self.user_prefs = {}          # userid -> {name: value} (definerole_showadvanced, ...)
            self.report_filters = {}      # (userid, reportid) -> {filter field: value} (report builder)
            self.tokens = []
            self.next_token_id = 1
            # role id -> {capability: 1 (allow) | -1 (prevent) | -1000 (prohibit)}
            self.role_caps = {DEFAULTUSERROLEID: {"moodle/webservice:createmobiletoken": 1}}
            self.role_assignments = []    # (roleid, userid) at system level
            self.sessions = {}
            self.maintenance = "off"      # off | cli | legacy
            self.debug = False
            # plugin data (auth_userkey keys, auth_apilogin tokens, local_eduauth tokens, LTI registrations)
            self.userkeys = {}            # key -> {userid, validuntil, iprestriction}
            self.apilogin_patched = True  # False: auth_apilogin as shipped (services.php answers 500)
            self.apilogin_tokens = {}     # token -> {userid, useragent, redirect}
            self.eduauth_tokens = []      # [{userid, token, appid, redeemed, created, used}]
            self.dead_sids = set()        # sessions ended without the browser getting a new cookie
            self.lti_registrations = {}   # id -> registration dict
            self.next_lti_id = 1
            # tool_oauth2 (f25): issuers, their endpoints and user field mappings (pages/oauth2.py)
            self.oauth2_issuers = {}      # id -> issuer dict (mdl_oauth2_issuer's columns)
            self.oauth2_endpoints = {}    # id -> {id, issuerid, name, url}
            self.oauth2_mappings = {}     # id -> {id, issuerid, externalfield, internalfield}
            self.next_oauth2_issuer_id = 1
            self.next_oauth2_endpoint_id = 1
            self.next_oauth2_mapping_id = 1
            self.php_extensions = {"ldap": False}
            if kind == "configured":
                self.set_config("enablewebservices", "1")
                self.set_config("webserviceprotocols", "rest")

    # ------------------------------------------------------------------ config
    def get_config(self, name, component=None):
        if component in (None, "", "core", "moodle"):
            return self.config.get(name)
        return self.plugin_config.get(component, {}).get(name)

    def set_config(self, name, value, component=None):
        if component in (None, "", "core", "moodle"):
            if value is None:
                self.config.pop(name, None)
            else:
                self.config[name] = str(value)
        else:
            comp = self.plugin_config.setdefault(component, {})
            if value is None:
                comp.pop(name, None)
            else:
                comp[name] = str(value)

    def cfg_flag(self, name):
        return (self.config.get(name) or "0") not in ("0", "")

    @property
    def protocols(self):
        value = self.config.get("webserviceprotocols") or ""
        return [p for p in value.split(",") if p]

    def set_protocols(self, protocols):
        self.set_config("webserviceprotocols", ",".join(protocols))

    @property
    def enabled_auths(self):
        value = self.config.get("auth") or ""
        return [a for a in value.split(",") if a]

    def set_enabled_auths(self, auths):
        self.set_config("auth", ",".join(auths))

    def rest_available(self):
        return self.cfg_flag("enablewebservices") and "rest" in self.protocols

    # ------------------------------------------------------------------ users, caps
    def is_siteadmin(self, userid):
        return str(userid) in (self.config.get("siteadmins") or "").split(",")

    def user_by_username(self, username):
        for u in self.users.values():
            if u["username"] == username and not u["deleted"]:
                return u
        return None

    def authenticate(self, username, password):
        """authenticate_user_login(): enabled auth, not suspended, right password."""
        user = self.user_by_username((username or "").strip().lower())
        if not user or user["id"] == 1:
            return None
        if user["suspended"] or user["auth"] == "nologin":
            return None
        if user["auth"] not in ("manual", "email") and user["auth"] not in self.enabled_auths:
            return None
        if user["auth"] in ("userkey", "apilogin", "webservice", "cas", "oauth2", "lti"):
            return None
        if user["password"] != password or user["password"] == "not cached":   # AUTH_PASSWORD_NOT_CACHED
            return None
        return user

    def has_capability(self, userid, capability):
        if userid and self.is_siteadmin(userid):
            return True
        if not userid or userid == 1:
            return False
        roles = [DEFAULTUSERROLEID] + [r for r, u in self.role_assignments if u == userid]
        values = [self.role_caps.get(r, {}).get(capability, 0) for r in roles]
        if any(v == -1000 for v in values):
            return False
        return sum(1 for v in values if v == 1) > 0 and not any(v == -1 for v in values if v)

    def add_user(self, username, password, firstname="", lastname="", email="", auth="manual", **extra):
        uid = self.next_user_id
        self.next_user_id += 1
        u = _user(uid, username.strip().lower(), password, firstname, lastname, email, auth)
        u.update(extra)
        self.users[uid] = u
        return u

    # ------------------------------------------------------------------ services, tokens
    def service_by_shortname(self, shortname):
        for s in self.services.values():
            if s["shortname"] == shortname:
                return s
        return None

    def mobile_service(self):
        return self.service_by_shortname(MOBILE_SERVICE)

    def create_token(self, userid, serviceid, creatorid, name=None, validuntil=None, iprestriction=None):
        now = int(time.time())
        tok = dict(id=self.next_token_id, token=random_hex32(), privatetoken=random_string(64), userid=userid,
                   externalserviceid=serviceid, tokentype=0, creatorid=creatorid, timecreated=now,
                   validuntil=validuntil or 0, iprestriction=iprestriction or None, lastaccess=None,
                   name=name or ("Webservice-" + random_string(5)), sid=None)
        self.next_token_id += 1
        self.tokens.append(tok)
        return tok

    def token_record(self, value):
        for t in self.tokens:
            if t["token"] == value:
                return t
        return None

    # ------------------------------------------------------------------ sessions
    def new_session(self, copy_from=None):
        sid = random_string(26).lower()
        s = Session(sid)
        if copy_from is not None:
            s.wantsurl = copy_from.wantsurl
            s.notifications = list(copy_from.notifications)
        self.sessions[sid] = s
        return s

    def destroy_session(self, sid):
        self.sessions.pop(sid, None)

    # ------------------------------------------------------------------ snapshot / restore
    # Not part of the site's database: the lock, the emulated release, the address, the CAS server, the snapshots
    # themselves, sessions (Moodle's default file sessions live in moodledata, which a database restore leaves as it
    # is) and the code/PHP variants (plugin patch, PHP extensions).
    NOT_RESTORED = ("lock", "moodle", "wwwroot", "cas_server", "oidc_server", "snapshots", "sessions", "dead_sids",
                    "apilogin_patched", "php_extensions")

    def snapshot(self, name="default"):
        """Keep the site's data as it is now (what a database backup holds) under ``name``."""
        with self.lock:
            self.snapshots[name] = copy.deepcopy(dict(
                (key, value) for key, value in vars(self).items() if key not in self.NOT_RESTORED))
            return sorted(self.snapshots)

    def restore(self, name="default"):
        """The site's data as at ``snapshot(name)``, as after restoring that database backup: every record and every
        id counter (``next_token_id``, ``next_user_id``, ...) is the backup's, so records made since are gone and the
        next ones get their ids again (a MySQL dump carries AUTO_INCREMENT, a PostgreSQL dump its sequences).
        Sessions are kept. Raises KeyError for an unknown snapshot."""
        with self.lock:
            if name not in self.snapshots:
                raise KeyError("no snapshot %r (taken: %s)" % (name, ", ".join(sorted(self.snapshots)) or "none"))
            for key, value in copy.deepcopy(self.snapshots[name]).items():
                setattr(self, key, value)

    # ------------------------------------------------------------------ export
    def to_json(self):
        with self.lock:
            return copy.deepcopy(dict(
                kind=self.kind, wwwroot=self.wwwroot, config=self.config, plugin_config=self.plugin_config,
                forced=self.forced, users=list(self.users.values()),
                services=[dict(s, users=dict((str(k), v) for k, v in s["users"].items()))
                          for s in self.services.values()],
                tokens=self.tokens, role_caps=dict((str(k), v) for k, v in self.role_caps.items()),
                role_assignments=self.role_assignments, protocols=self.protocols, auth=self.enabled_auths,
                sessions=[s.to_json() for s in self.sessions.values()], maintenance=self.maintenance,
                debug=self.debug,
                # accesstokenurl left out: the integration runner takes every value under a *token* key for a secret
                lti_registrations=[dict((k, v) for k, v in self.lti_registrations[i].items() if k != "accesstokenurl")
                                   for i in sorted(self.lti_registrations)],
                oauth2_issuers=[dict(self.oauth2_issuers[i],
                                     endpoints=[dict(e) for _k, e in sorted(self.oauth2_endpoints.items())
                                                if e["issuerid"] == i],
                                     mappings=[dict(m) for _k, m in sorted(self.oauth2_mappings.items())
                                               if m["issuerid"] == i])
                                for i in sorted(self.oauth2_issuers)]))
