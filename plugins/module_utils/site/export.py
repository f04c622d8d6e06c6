# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A live site read back as a site description (``moodle_site``), with the facts an audit needs (``SiteReader``,
for moodle_site_info) and the builders of its entries (``role_entry``, ``user_entry``, ``SiteReader.service_entry``).

Read only: every page it asks for is a GET (plus the role form's "Show advanced" toggle, a POST Moodle treats as a
read), through the page drivers of the areas (web services, services, roles, tokens, auth plugins, settings, users).
It adds:

* auth plugin settings from their settings pages (``authsetting<name>``), secret ones replaced by placeholders;
* which tokens a description can own: those whose value the token store of this controller keeps
  (site/token_pairing.py); this site's other entries are stale and ``SiteReader.prune`` removes them;
* security findings and what a description does not manage (site/findings.py);
* unless asked for everything (``export_defaults``), a description without what equals Moodle's default
  (site/defaults.py), disabled auth plugins without a setting to write; ``defaults_left_out`` says what and why.

Token values are never read (the report does not show them); secret settings are read by the settings form (Moodle
puts them in the page) and are only ever handed to the redactor."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    NotSiteAdminError,
    PageError,
    UnexpectedAnswerError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import field_name
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.auth_plugins import ALWAYS_ENABLED, HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import PROFILE_FIELDS, is_secret_setting
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.roles import Roles
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.tokens import AdminTokens
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.users import (
    FORCE_CHANGE_FIELD,
    UserAdmin,
    Users,
    form_field,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import HttpWebServices
from ansible_collections.moodleops.auth.plugins.module_utils.site.defaults import (
    WHY_PLUGINS,
    WHY_SETTINGS,
    WHY_USERS,
    auth_plugin_defaults,
    user_defaults_left_out,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.export_sign_in import read_mfa, read_oauth2
from ansible_collections.moodleops.auth.plugins.module_utils.site.findings import security_findings, unmanaged
from ansible_collections.moodleops.auth.plugins.module_utils.site.token_pairing import (
    iso_time,
    pair_store_entries,
    site_store_entries,
    stale_item,
)
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import TokenStore, default_path

# The roles a Moodle install creates (archetypes of their own): never exported.
STANDARD_ROLES = ("manager", "coursecreator", "editingteacher", "teacher", "student", "guest", "user", "frontpage")


def placeholder(name):
    """A clearly marked placeholder for a secret: a vault variable reference."""
    return "{{ %s }}" % variable_name(name)


def variable_name(name):
    """The vault variable named after ``name``: 'vault_' and its lower-case letters, digits and underscores."""
    return "vault_%s" % re.sub(r"[^a-z0-9_]+", "_", str(name).lower()).strip("_")


def auth_plugin_settings(settings, name):
    """({setting: value} as the settings page shows them, {setting: control type}) of auth_<name>; (None, {})
    when the plugin has no settings page (Moodle: 'Section error!')."""
    section = "authsetting%s" % name
    try:
        form = settings.section_form(section)
    except NotSiteAdminError:
        raise
    except (InvalidInputError, PageError):
        return None, {}
    prefix = field_name("auth_%s/" % name)
    values = form.current_values()
    found, types = {}, {}
    for control in form.controls:
        if not control.name.startswith(prefix) or control.name in found:
            continue
        key = control.name[len(prefix):]
        if not key or "[" in key:
            continue
        value = values.get(control.name)
        if value is None or isinstance(value, list):
            continue  # nothing selected, or a multi-select: not a value moodle_auth_plugin sets
        found[key] = value
        types[key] = control.type
    return found, types


class SiteReader:
    """Reads a site (through a logged-in site administrator) into a description and audit facts."""

    def __init__(self, client, settings, redact, token_store=None, auth_settings="enabled", managed=None, state=None,
                 export_defaults=True):
        self.client = client
        self.settings = settings
        self.redact = redact
        self.store_path = state.token_store(token_store) if state is not None else \
            os.path.expanduser(token_store or default_path())
        self.custom_store = bool(token_store)
        self.store = TokenStore(self.store_path)
        self.auth_settings = auth_settings
        self.managed = managed
        self.export_defaults = export_defaults
        # what the description leaves out as Moodle's default (export_defaults false): users {username: [keys]},
        # auth_settings {plugin: [settings]}, auth_plugins [names]; new_user: the add-user form's values
        self.defaults_left_out = {"users": {}, "auth_settings": {}, "auth_plugins": []}
        self.new_user = None
        self.users = Users(client)
        self.placeholders = []
        self.not_exported = []
        self.stale_store_entries = []   # this site's token store entries that belong to no token (read_tokens)
        self._stale_entries = {}        # their keys -> the entries as read (values included: never returned)

    # -- the whole read -------------------------------------------------------------------------------------
    def read(self, prune_token_store=False, check_mode=False):
        """The result of moodle_site_info; with ``prune_token_store`` this site's stale token store entries are
        removed (``prune``; in ``check_mode`` only listed) and listed in ``pruned``."""
        self.client.session()
        web = HttpWebServices(self.client, self.settings)
        enabled, mobile = web.switches()
        protocols = web.protocols()
        services = self.read_services(web)
        roles = self.read_roles()
        auth = self.read_auth_plugins()
        tokens = self.read_tokens(services)
        oauth2 = read_oauth2(self.client, self.redact, self.placeholders, placeholder, variable_name)
        mfa = read_mfa(self.client, self.settings)
        pruned = self.prune(check_mode) if prune_token_store else []
        site = {
            "wwwroot": self.client.base_url,
            "release": self.client.release,
            "web_services": {"enabled": enabled, "mobile": mobile, "protocols": protocols},
            "auth_plugins": auth["site"],
            "services": services,
            "roles": roles["site"],
            "tokens": tokens["site"],
            "oauth2_issuers": oauth2["site"],
            "mfa": mfa["site"],
        }
        webservices = {"enabled": enabled, "protocols": sorted(name for name, on in protocols.items() if on),
                       "exclusive": True, "services": []}
        if mobile is not None:
            webservices["mobile"] = mobile
        description = {
            "webservices": webservices,
            "users": [],
            "roles": roles["description"],
            "services": [self.service_entry(service) for service in services],
            "tokens": tokens["description"],
            "auth_plugins": auth["description"],
        }
        if oauth2["description"]:
            description["oauth2_issuers"] = oauth2["description"]
        if mfa["description"] is not None:
            description["mfa"] = mfa["description"]
        description["users"] = self.read_users(self.referenced_users(description))
        result = {
            "description": description,
            "site": site,
            "security": security_findings(site, self.stale_store_entries),
            "placeholders": self.placeholders,
            "not_exported": self.not_exported,
            "stale_store_entries": self.stale_store_entries,
            "pruned": pruned,
            "defaults_left_out": self.defaults_summary(),
        }
        if self.managed is not None:
            result["unmanaged"] = unmanaged(site, self.managed)
        return result

    # -- services -------------------------------------------------------------------------------------------
    def read_services(self, web):
        """Every external service with its settings, authorised users and (custom ones) functions."""
        found = []
        for service in web.services():
            restricted = service.settings["restrictedusers"]
            ids = web.external_services.authorised_user_ids(service) if restricted else set()
            functions = sorted(web.external_services.functions(service)) if not service.builtin else None
            found.append({
                "id": service.id, "name": service.name, "shortname": service.shortname, "builtin": service.builtin,
                "component": service.component, "enabled": service.settings["enabled"],
                "restricted_users": restricted,
                "authorised_users": sorted(self.users.usernames_for(ids).values()),
                "required_capability": service.settings["requiredcapability"],
                "can_download_files": service.settings["downloadfiles"],
                "can_upload_files": service.settings["uploadfiles"],
                "functions": functions,
            })
        return found

    @staticmethod
    def service_entry(service):
        """What moodle_external_service can set: everything for a custom service; enabled and authorised users for a
        built-in one (by shortname, or by name when it has none)."""
        entry = {"shortname": service["shortname"]} if service["shortname"] else {"name": service["name"]}
        if service["builtin"]:
            entry["enabled"] = service["enabled"]
            if service["restricted_users"]:
                entry["authorised_users"] = service["authorised_users"]
            return entry
        entry.update({
            "name": service["name"], "enabled": service["enabled"], "functions": service["functions"],
            "restricted_users": service["restricted_users"],
            "required_capability": service["required_capability"] or "",
            "can_download_files": service["can_download_files"], "can_upload_files": service["can_upload_files"],
        })
        if service["restricted_users"]:
            entry["authorised_users"] = service["authorised_users"]
        return entry

    # -- roles ----------------------------------------------------------------------------------------------
    def read_roles(self):
        """Every role (``site``) and the roles[] entries of those that are not Moodle's standard ones."""
        reader = Roles(self.client)
        site, description = [], []
        for shortname, listed in sorted(reader.list().items(), key=lambda item: item[1]["id"]):
            builtin = shortname in STANDARD_ROLES
            site.append({"id": listed["id"], "shortname": shortname, "name": listed["name"], "builtin": builtin})
            if builtin:
                continue
            definition = reader.definition(listed["id"])
            users = []
            if "system" in definition.context_levels:
                users = sorted(self.users.usernames_for(reader.assigned_user_ids(listed["id"])).values())
            entry = role_entry(definition, users)
            description.append(entry)
            site[-1]["users"] = users
        return {"site": site, "description": description}

    # -- auth plugins ---------------------------------------------------------------------------------------
    def read_auth_plugins(self):
        """Auth plugins as the site orders them: enabled ones in order, then the installed disabled ones. Unless
        ``export_defaults``, a description entry leaves out the settings equal to the default their page shows, and
        a disabled plugin left with no settings is left out (its state is Moodle's default for a plugin; enabled
        plugins always stay, in order: moodle_site places each among the enabled entries)."""
        order = HttpAuthPlugins(self.client).read()
        site = {"enabled": order["enabled"], "available": order["available"], "always_enabled": list(ALWAYS_ENABLED),
                "settings": {}, "settings_unknown": []}
        description = []
        plugins = [(name, True) for name in order["enabled"]] + [(name, False) for name in order["available"]]
        for name, enabled in plugins:
            entry = {"name": name, "state": "enabled" if enabled else "disabled"}
            wanted = self.auth_settings == "all" or (self.auth_settings == "enabled" and enabled)
            # auth_userkey and auth_apilogin matter to the security report whether or not settings are exported.
            if wanted or (enabled and name in ("userkey", "apilogin")):
                values, types = auth_plugin_settings(self.settings, name)
                if values is None:
                    site["settings_unknown"].append(name)
                else:
                    defaults = auth_plugin_defaults(self.settings, name) if wanted and not self.export_defaults \
                        else {}
                    shown, left_out = {}, []
                    for key, value in sorted(values.items()):
                        default = key in defaults and value == defaults[key]
                        if default:
                            left_out.append(key)
                        if is_secret_setting(key, types.get(key)):
                            self.redact.add(value)
                            site.setdefault("secret_settings", {}).setdefault(name, []).append(key)
                            if value not in ("", None) and not default:
                                value = placeholder("auth_%s_%s" % (name, key))
                                self.placeholders.append({
                                    "variable": variable_name("auth_%s_%s" % (name, key)),
                                    "path": "auth_plugins[name=%s].settings.%s" % (name, key),
                                    "what": "the auth_%s setting %s (a secret: its value is not exported)" % (
                                        name, key)})
                        shown[key] = value
                    site["settings"][name] = dict((key, value) for key, value in shown.items()
                                                  if not is_secret_setting(key, types.get(key)))
                    exported = dict((key, value) for key, value in shown.items() if key not in left_out)
                    if wanted and exported:
                        entry["settings"] = exported
                    if wanted and left_out:
                        self.defaults_left_out["auth_settings"][name] = left_out
            if not enabled and "settings" not in entry and not self.export_defaults:
                self.defaults_left_out["auth_plugins"].append(name)
                continue
            description.append(entry)
        return {"site": site, "description": description}

    # -- tokens ---------------------------------------------------------------------------------------------
    def read_tokens(self, services):
        """Every token of the report (``site``) and the description entries of those whose value the token store
        keeps (``description``); the store's entries for this site that belong to no token are kept in
        ``stale_store_entries`` (pair_store_entries)."""
        rows = AdminTokens(self.client).list()
        names = self.users.usernames_for(sorted(set(row.user_id for row in rows if row.user_id is not None)))
        today = datetime.date.today().isoformat()
        site = []
        for row in rows:
            service = _service_of(row.service_name, services)
            site.append({
                "id": row.id, "user": names.get(row.user_id) if row.user_id is not None else None,
                "user_id": row.user_id, "user_fullname": row.user_fullname,
                "service": (service["shortname"] or service["name"]) if service else row.service_name,
                "service_name": service["name"] if service else row.service_name,
                "name": row.name or None, "ip_restriction": row.ip_restriction, "valid_until": row.valid_until_date,
                "valid_until_text": row.valid_until,
                "expired": bool(row.valid_until_date and row.valid_until_date <= today),
                "last_access": row.last_access, "creator": row.creator, "created": None,
                "missing_capabilities": row.missing_capabilities, "value_in_token_store": False, "method": None,
            })
        paired, stale = pair_store_entries(site_store_entries(self.store.entries, self.client.base_url), site)
        self.stale_store_entries = [stale_item(key, parts, entry, reason) for key, parts, entry, reason in stale]
        self._stale_entries = dict((key, entry) for key, _parts, entry, _reason in stale)
        description = []
        for token in site:
            item = self.token_entry(token, paired.get(token["id"]))
            if item is not None and not any(_token_key(other) == _token_key(item) for other in description):
                description.append(item)
        return {"site": site, "description": description}

    def token_entry(self, token, stored):
        """The description entry of a site token (``stored``: the store entry paired with it, or None, which lists
        the token in ``not_exported``); fills the token's ``value_in_token_store``, ``method`` and ``created``."""
        user, label = token["user"], token["service"]
        if stored is None:
            self.not_exported.append({
                "kind": "token", "id": token["id"], "user": user, "service": label, "name": token["name"],
                "key": "%s %s@%s%s" % (token["id"], user, label, ("#%s" % token["name"]) if token["name"] else ""),
                "reason": "its value is not in token_store %s (Moodle shows a token's value once): a description "
                          "entry could not keep it; rotate it once with state: rotated to manage it, or leave it "
                          "unmanaged" % self.store.path})
            return None
        _key, parts, entry, method = stored
        token.update({"value_in_token_store": True, "method": method, "created": iso_time(entry.get("created"))})
        item = {"user": parts[1], "service": parts[2]}
        if method == "login":
            item.update({"method": "login", "user_password": placeholder("%s_password" % parts[1])})
            self.placeholders.append({
                "variable": variable_name("%s_password" % parts[1]), "path": "tokens[user=%s].user_password" % user,
                "what": "the password of %s (method: login fetches the token with it)" % user})
        if parts[3]:
            item["name"] = parts[3]
        if method == "admin":
            # method login fetches whatever token.php gives: expiry and addresses are Moodle's, not options
            if token["ip_restriction"]:
                item["ip_restriction"] = token["ip_restriction"]
            if token["valid_until"] and not token["expired"]:
                item["valid_until"] = token["valid_until"]
        if self.custom_store:
            item["token_store"] = self.store_path
        return item

    # -- pruning the token store ----------------------------------------------------------------------------
    def prune(self, check_mode=False):
        """Remove this site's stale entries (found by ``read``) from the token store, each with TokenStore.drop
        (under the store's lock) and only while the store still holds it as it was read: a key another task wrote
        since (moodle_token replacing a stale entry with a new token) is left alone. Returns the keys removed, in
        check mode the keys that would be, and marks them ``pruned`` in ``stale_store_entries``."""
        current = TokenStore(self.store_path).entries      # read again: the store may have changed since read()
        pruned = []
        for item in self.stale_store_entries:
            if current.get(item["key"]) != self._stale_entries[item["key"]]:
                continue
            if not check_mode:
                self.store.drop(item["key"])
                item["pruned"] = True
            pruned.append(item["key"])
        return pruned

    # -- users ----------------------------------------------------------------------------------------------
    @staticmethod
    def referenced_users(description):
        """The usernames the roles, services and tokens of ``description`` refer to (the users[] to export)."""
        names = set()
        for role in description["roles"]:
            names.update(role.get("users") or ())
        for service in description["services"]:
            names.update(service.get("authorised_users") or ())
        for token in description["tokens"]:
            names.add(token["user"])
        return sorted(name for name in names if name and not name.startswith("#"))

    def read_users(self, usernames):
        """The users[] entries of ``usernames`` (accounts not found are left out)."""
        admin = UserAdmin(self.client)
        entries = []
        for username in usernames:
            record = admin.find(username)
            if record is None:
                continue
            user_form = admin.form(int(record["id"]))
            entry = user_entry(username, record, user_form)
            if not self.export_defaults:
                left_out = user_defaults_left_out(entry, self.new_user_values(admin))
                if left_out:
                    self.defaults_left_out["users"][username] = left_out
            entries.append(entry)
        return entries

    def new_user_values(self, admin):
        """The values Moodle's add-user form (user/editadvanced.php?id=-1) fills in for a new account, read once;
        {} when the form cannot be read (then only empty fields count as defaults)."""
        if self.new_user is None:
            try:
                self.new_user = dict((key, value) for key, value in admin.form().values.items()
                                     if not isinstance(value, list))
            except NotSiteAdminError:
                raise
            except (PageError, UnexpectedAnswerError):
                self.new_user = {}
        return self.new_user

    def defaults_summary(self):
        """What the description leaves out as Moodle's default (``defaults_left_out``): per kind, the items, how many
        and why, and ``summary``, one line per kind (export.yml writes them in the file's header); all empty with
        ``export_defaults``."""
        left = self.defaults_left_out
        shown = dict((key, self.new_user[key]) for key in ("timezone", "maildisplay", "country", "lang", "city")
                     if (self.new_user or {}).get(key))
        found = {
            "users": left["users"],
            "user_fields": sum(len(keys) for keys in left["users"].values()),
            "users_why": WHY_USERS % (
                "there: %s, the rest empty" % ", ".join("%s %s" % item for item in sorted(shown.items())) if shown
                else "the form could not be read: only empty fields" if self.new_user == {} else "all empty"),
            "auth_settings": left["auth_settings"],
            "auth_setting_count": sum(len(keys) for keys in left["auth_settings"].values()),
            "auth_settings_why": WHY_SETTINGS,
            "auth_plugins": left["auth_plugins"],
            "auth_plugins_why": WHY_PLUGINS.get(self.auth_settings, WHY_PLUGINS["all"]),
            "summary": [],
        }
        if not self.export_defaults:
            def per(items):
                return " (%s)" % ", ".join("%s %d" % (name, len(keys)) for name, keys in items.items()) if items else ""
            found["summary"] = [
                "%d user fields of %d accounts%s: %s" % (found["user_fields"], len(left["users"]), per(left["users"]),
                                                         found["users_why"]),
                "%d auth plugin settings%s: %s" % (found["auth_setting_count"], per(left["auth_settings"]),
                                                   WHY_SETTINGS),
                "%d auth plugins%s: %s" % (len(left["auth_plugins"]), (" (%s)" % ", ".join(left["auth_plugins"]))
                                           if left["auth_plugins"] else "", found["auth_plugins_why"]),
            ]
        return found


def role_entry(definition, users):
    """A roles[] entry from a role definition (moodle/roles.py's RoleDefinition) and its users at system level."""
    entry = dict(definition.fields)
    entry.update({
        "context_levels": definition.context_levels,
        "capabilities": dict((name, value) for name, value in sorted(definition.capabilities.items())
                             if value in ("allow", "prevent", "prohibit")),
        "exclusive": True,
        "users": sorted(users),
    })
    return entry


def user_entry(username, record, user_form):
    """A users[] entry as moodle_user reads the account (moodle/users.py's UserForm of its edit form): no password (an
    existing account keeps its own with update_password: on_create)."""
    values = user_form.values
    entry = {"username": username, "auth": values.get("auth") or record.get("auth") or "manual"}
    for key in ("firstname", "lastname", "email", "idnumber"):
        if values.get(key) is not None:
            entry[key] = values.get(key)
    profile = {}
    keys = list(PROFILE_FIELDS) + sorted(
        name for name in user_form.form.field_names if name.startswith("profile_field_") and "[" not in name)
    for key in keys:
        value = values.get(form_field(key))
        if user_form.has(form_field(key)) and not isinstance(value, list):
            profile[key] = value if value is not None else ""
    if profile:
        entry["profile"] = profile
    entry["force_password_change"] = user_form.checked(FORCE_CHANGE_FIELD)
    if user_form.checked("suspended"):
        entry["state"] = "suspended"
    return entry


def _service_of(cell, services):
    """The report's service cell holds the name, then the shortname."""
    for service in services:
        if cell in (service["name"], "%s %s" % (service["name"], service["shortname"]) if service["shortname"]
                    else service["name"]):
            return service
    return None


def _token_key(entry):
    return (entry.get("user"), entry.get("service"), entry.get("name") or "")
