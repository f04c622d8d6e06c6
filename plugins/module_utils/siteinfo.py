# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A live site read back as a site description (``moodle_site``), with the facts an audit needs.

Read only: every page it asks for is a GET (plus the role form's "Show advanced" toggle, a POST Moodle treats as a
read). It reuses the readers of the modules (webservice.py, services.py, roles.py, tokens.py, authplugins.py,
settings.py, users.py, useradmin.py) and adds:

* the token report's other columns (last access, creator) and its dates (``parse_report_date``);
* auth plugin settings from their settings pages (``authsetting<name>``), secret ones replaced by placeholders;
* which tokens a description can own: those whose value the token store of this controller keeps (Moodle shows a
  value once, so moodle_token can only keep a token it created), a store entry being a token's only when id, user,
  service and name agree (``pair_store_entries``); this site's other entries are stale (a site restored from a
  backup hands their ids to new tokens) and ``SiteReader.prune`` removes them;
* security findings (``security_findings``) and what a description does not manage (``unmanaged``);
* unless asked for everything (``export_defaults``), a description without what equals Moodle's default: auth plugin
  settings equal to the default their settings page shows under them ("Default: X", ``setting_defaults``), user
  fields that are empty or as Moodle's add-user form fills them in for a new account (``user_defaults_left_out``),
  disabled auth plugins without a setting to write; ``defaults_left_out`` says what and why.

Token values are never read (the report does not show them); secret settings are read by the settings form (Moodle
puts them in the page) and are only ever handed to the redactor."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re

try:
    from html.parser import HTMLParser
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser

from ansible_collections.moodleops.auth.plugins.module_utils.authplugins import ALWAYS_ENABLED, HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    NotSiteAdminError,
    PageError,
    UnexpectedAnswerError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import is_secret_setting
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import id_param
from ansible_collections.moodleops.auth.plugins.module_utils.roles import Roles
from ansible_collections.moodleops.auth.plugins.module_utils.settings import SETTINGS_PATH, field_name
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import TokenStore, default_path
from ansible_collections.moodleops.auth.plugins.module_utils.tokens import AdminTokens, TokenRow
from ansible_collections.moodleops.auth.plugins.module_utils.useradmin import (
    FORCE_CHANGE_FIELD,
    PROFILE_FIELDS,
    UserAdmin,
    form_field,
)
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.webservice import MOBILE_SERVICE, HttpWebServices

# The roles a Moodle install creates (archetypes of their own): never exported.
STANDARD_ROLES = ("manager", "coursecreator", "editingteacher", "teacher", "student", "guest", "user", "frontpage")
MONTHS = dict((name, index + 1) for index, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december")))
_REPORT_DATE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})")
_NEVER = ("", "never", "-")


def placeholder(name):
    """A clearly marked placeholder for a secret: a vault variable reference."""
    return "{{ %s }}" % variable_name(name)


def variable_name(name):
    return "vault_%s" % re.sub(r"[^a-z0-9_]+", "_", str(name).lower()).strip("_")


def parse_report_date(text):
    """'21 December 2026, 12:00 AM' (the token report, English) -> '2026-12-21'; None when not a date."""
    match = _REPORT_DATE.search(text or "")
    if not match or match.group(2).lower() not in MONTHS:
        return None
    try:
        return datetime.date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1))).isoformat()
    except ValueError:
        return None


class ReportToken(TokenRow):
    """A token report row with every column but the value (which Moodle never lists)."""

    def __init__(self, row, *args):
        TokenRow.__init__(self, *args)
        cells = list(row.cells) + [""] * 10
        self.user_fullname = cells[1] or None
        self.email = cells[2] or None
        self.last_access = None if cells[6].strip().lower() in _NEVER else cells[6]
        self.creator = cells[7] or None
        self.valid_until_date = parse_report_date(self.valid_until)


class TokenReport(AdminTokens):
    """AdminTokens whose rows keep the report's other columns."""

    @staticmethod
    def _rows(page):
        rows = []
        for row, token in zip(_token_table_rows(page), AdminTokens._rows(page)):
            rows.append(ReportToken(row, token.id, token.name, token.user_id, token.service_name,
                                    token.service_shortname, token.ip_restriction, token.valid_until,
                                    token.missing_capabilities))
        return rows


def _token_table_rows(page):
    """The rows AdminTokens._rows keeps, in the same order (a token id in a delete link, 9 cells or more)."""
    found = []
    for row in page.rows:
        ids = [id_param(link.href, "tokenid") for link in row.links if "action=delete" in link.href]
        if [token_id for token_id in ids if token_id is not None] and len(row.cells) >= 9:
            found.append(row)
    return found


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


# What Moodle's admin settings pages print under a setting (get_string('defaultsettinginfo', 'admin'), English),
# and for an empty default (get_string('emptysettingvalue', 'admin')). Another language: no default is known.
DEFAULT_PREFIX = "Default: "
EMPTY_DEFAULT = "Empty"
CHECKBOX_DEFAULTS = {"Yes": "1", "No": "0"}
# The reasons written next to what the export leaves out as Moodle's default (moodle_site_info export_defaults).
WHY_SETTINGS = ("equal to the default Moodle shows under them on their settings page (\"Default: ...\", "
                "admin/settings.php?section=authsetting<plugin>)")
WHY_USERS = ("empty, or as Moodle's add-user form (user/editadvanced.php?id=-1) fills them in for a new account "
             "(%s)")
WHY_PLUGINS = {
    "all": "disabled, and none of their settings differs from Moodle's default",
    "enabled": "disabled, and no settings written for them (auth_settings: enabled reads only enabled plugins')",
    "none": "disabled (auth_settings: none writes no settings)",
}


class _DefaultInfo(HTMLParser):
    """The text of div.form-defaultinfo of each setting (div.form-item) of an admin settings page, by the names of
    the setting's controls."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.found = {}
        self._divs = 0
        self._item = None   # [div depth of the div.form-item, control names, default text]
        self._info = None   # [div depth of its div.form-defaultinfo, text chunks]

    def handle_starttag(self, tag, attrs):
        attrs = dict((key, value or "") for key, value in attrs)
        classes = attrs.get("class", "").split()
        if tag == "div":
            self._divs += 1
            if "form-item" in classes:
                self._item = [self._divs, [], None]
            elif "form-defaultinfo" in classes and self._item is not None:
                self._info = [self._divs, []]
        elif tag in ("input", "select", "textarea") and self._item is not None and attrs.get("name"):
            self._item[1].append(attrs["name"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "div":
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._info is not None:
            self._info[1].append(data)

    def handle_endtag(self, tag):
        if tag != "div":
            return
        if self._info is not None and self._info[0] == self._divs:
            self._item[2] = " ".join("".join(self._info[1]).split())
            self._info = None
        elif self._item is not None and self._item[0] == self._divs:
            if self._item[2] is not None:
                for name in self._item[1]:
                    self.found.setdefault(name, self._item[2])
            self._item = None
        self._divs -= 1


def default_info(html):
    """{control name: the text under its setting, e.g. 'Default: 60'} of an admin settings page."""
    parser = _DefaultInfo()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # a broken page: what was parsed so far
        pass
    return parser.found


def default_value(form, name, text):
    """The value Moodle stores for the default a settings page shows as ``text`` ('Default: X') under the setting
    whose control is ``name``, or None when it cannot be told: a select's option labelled X, a checkbox's Yes/No as
    '1'/'0', a text's X ('Empty': ''). Not English (no 'Default: '), no such option: None."""
    if not text or not text.startswith(DEFAULT_PREFIX):
        return None
    shown = text[len(DEFAULT_PREFIX):]
    controls = form.controls_named(name)
    if not controls:
        return None
    if any(control.tag == "input" and control.type == "checkbox" for control in controls):
        return CHECKBOX_DEFAULTS.get(shown)
    select = [control for control in controls if control.tag == "select"]
    if select:
        if select[0].multiple:
            return None
        labels = [option[0] for option in select[0].options if " ".join((option[1] or "").split()) == shown]
        return labels[0] if len(labels) == 1 else None
    return "" if shown == EMPTY_DEFAULT else shown


def auth_plugin_defaults(settings, name):
    """{setting: default value} of auth_<name> as its settings page shows them (the page auth_plugin_settings read,
    from the client's page cache: no request of its own); {} when the page is not there or not readable."""
    client = getattr(settings, "client", None)
    if client is None:
        return {}
    section = "authsetting%s" % name
    try:
        form = settings.section_form(section)
        page = client.page(SETTINGS_PATH, params={"section": section})
    except NotSiteAdminError:
        raise
    except (InvalidInputError, PageError, UnexpectedAnswerError):
        return {}
    return setting_defaults(page.html, form, field_name("auth_%s/" % name))


def setting_defaults(html, form, prefix):
    """{setting: default value} of the settings of a settings page whose field names start with ``prefix``
    (``s_auth_userkey_``), for those whose default the page shows and ``default_value`` can read."""
    found = {}
    for name, text in default_info(html).items():
        if not name.startswith(prefix) or "[" in name:
            continue
        value = default_value(form, name, text)
        if value is not None:
            found[name[len(prefix):]] = value
    return found


def user_defaults_left_out(entry, new_user):
    """Leave out of a users[] entry (``user_entry``) what equals Moodle's default for an account: profile fields
    that are empty or as the add-user form (``new_user``: its current values, {} when unknown) fills them in,
    an empty idnumber, force_password_change as the add-user form has it. Returns the keys left out, in order."""
    left_out = []
    profile = entry.get("profile") or {}
    for key in list(profile):
        value = profile[key]
        if value in ("", None) or (form_field(key) in new_user and value == new_user[form_field(key)]):
            del profile[key]
            left_out.append(key)
    if "profile" in entry and not profile:
        del entry["profile"]
    if entry.get("idnumber") == "" and new_user.get("idnumber", "") == "":
        del entry["idnumber"]
        left_out.append("idnumber")
    if "force_password_change" in entry and \
            entry["force_password_change"] == (new_user.get(FORCE_CHANGE_FIELD, "0") == "1"):
        del entry["force_password_change"]
        left_out.append("force_password_change")
    return left_out


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
        pruned = self.prune(check_mode) if prune_token_store else []
        site = {
            "wwwroot": self.client.base_url,
            "release": self.client.release,
            "web_services": {"enabled": enabled, "mobile": mobile, "protocols": protocols},
            "auth_plugins": auth["site"],
            "services": services,
            "roles": roles["site"],
            "tokens": tokens["site"],
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
        rows = TokenReport(self.client).list()
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
        token.update({"value_in_token_store": True, "method": method, "created": _iso(entry.get("created"))})
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
        names = set()
        for role in description["roles"]:
            names.update(role.get("users") or ())
        for service in description["services"]:
            names.update(service.get("authorised_users") or ())
        for token in description["tokens"]:
            names.add(token["user"])
        return sorted(name for name in names if name and not name.startswith("#"))

    def read_users(self, usernames):
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
    """A roles[] entry from a role definition (roles.RoleDefinition) and its users at system level."""
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
    """A users[] entry as moodle_user reads the account (useradmin.UserForm of its edit form): no password (an
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


def _iso(timestamp):
    if not timestamp:
        return None
    try:
        return datetime.datetime.utcfromtimestamp(int(timestamp)).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None


def _service_of(cell, services):
    """The report's service cell holds the name, then the shortname."""
    for service in services:
        if cell in (service["name"], "%s %s" % (service["name"], service["shortname"]) if service["shortname"]
                    else service["name"]):
            return service
    return None


def _token_key(entry):
    return (entry.get("user"), entry.get("service"), entry.get("name") or "")


# ------------------------------------------------------------------------------------ the token store and the site
def site_store_entries(entries, base_url):
    """This site's entries of a token store (``{key: entry}``, keys ``url|user|service|name``) as
    ``[(key, parts, entry)]``, sorted by key; other sites' keys and keys of another shape are left out."""
    base = base_url.rstrip("/")
    found = []
    for key, entry in sorted(entries.items()):
        parts = key.split("|")
        if len(parts) == 4 and parts[0] == base and isinstance(entry, dict):
            found.append((key, parts, entry))
    return found


def _as_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _known_user(token):
    """The token's owner was read (usernames_for gives '#<id>' for an account Moodle did not return)."""
    return bool(token["user"]) and not str(token["user"]).startswith("#")


def _same_user(username, token):
    """Moodle keeps usernames in lower case: compared case-insensitively."""
    return _known_user(token) and str(username).strip().lower() == str(token["user"]).lower()


def entry_agrees(parts, token):
    """Whether a store entry (its key ``url|user|service|name`` split) describes the site token ``token`` (user,
    service, name as read_tokens maps the report: the username of the row's user, the service's shortname or, when
    it has none, its name) as Moodle shows it. The service is compared as moodle_token finds it (exactly); the name
    only when the entry has one (moodle_token without a name lets Moodle name the token, e.g. "Webservice-AbCdE",
    and then owns a token of any name, as ``TokenRow.is_for`` does)."""
    if not _same_user(parts[1], token) or parts[2] != token["service"]:
        return False
    return not parts[3] or parts[3] == (token["name"] or "")


def _preferred(candidate, current, token):
    """Of two entries agreeing with one token, the one whose name is the token's, then the newer one."""
    def rank(stored):
        _key, parts, entry = stored[:3]
        return (bool(parts[3]) and parts[3] == (token["name"] or ""), _as_id(entry.get("created")) or 0, stored[0])
    return rank(candidate) > rank(current)


def pair_store_entries(store_entries, tokens):
    """Pair this site's token store entries (``site_store_entries``) with its tokens (read_tokens' site tokens).

    * An entry with a token id (method admin) pairs with the token of that id only when user, service and name agree
      (``entry_agrees``): after a site is restored from a backup (or a staging site refreshed from production), the
      store still holds entries of tokens that are gone, and Moodle hands their ids to new tokens. Of several entries
      agreeing with one token, ``_preferred`` picks one (the others are not stale: they agree with a live token).
    * An entry without an id (method login: login/token.php hands out the user's newest token) pairs with the first
      token of its user on its service that no entry with an id took; of several such entries (other names) the
      newest.

    Returns ``(paired, stale)``: ``{token id: (key, parts, entry, method)}`` and ``[(key, parts, entry, reason)]``,
    the entries no token could be theirs. An entry is never called stale on a guess: not when the token of its id has
    an owner that could not be read, nor (method login) when any token's owner could not be read."""
    by_id = dict((token["id"], token) for token in tokens)
    paired, stale = {}, []
    login = {}
    for key, parts, entry in store_entries:
        token_id = _as_id(entry.get("token_id"))
        if token_id is None:
            login.setdefault((parts[1].strip().lower(), parts[2]), []).append((key, parts, entry))
            continue
        token = by_id.get(token_id)
        if token is None:
            stale.append((key, parts, entry, "token %s no longer exists on the site" % token_id))
        elif not _known_user(token):
            continue
        elif not entry_agrees(parts, token):
            stale.append((key, parts, entry, "token %s on the site is another token now: %s's on %s%s" % (
                token_id, token["user"], token["service"], (", named %s" % token["name"]) if token["name"] else "")))
        elif token_id not in paired or _preferred((key, parts, entry), paired[token_id], token):
            paired[token_id] = (key, parts, entry, "admin")
    unknown_owner = any(not _known_user(token) for token in tokens)
    for (user, service), entries in sorted(login.items()):
        mine = [token for token in tokens if _same_user(user, token) and token["service"] == service]
        if not mine:
            if not unknown_owner:
                stale.extend((key, parts, entry, "no token of %s on %s exists on the site (method login)" % (
                    user, service)) for key, parts, entry in entries)
            continue
        free = [token for token in mine if token["id"] not in paired]
        if free:
            newest = max(entries, key=lambda stored: (_as_id(stored[2].get("created")) or 0, stored[0]))
            paired[free[0]["id"]] = newest + ("login",)
    return paired, stale


def stale_item(key, parts, entry, reason):
    """A stale token store entry as returned (``stale_store_entries``): its key and what the key and the entry say,
    never the value."""
    token_id = _as_id(entry.get("token_id"))
    return {"key": key, "user": parts[1], "service": parts[2], "name": parts[3] or None, "token_id": token_id,
            "method": "admin" if token_id is not None else "login", "created": _iso(entry.get("created")),
            "reason": reason, "pruned": False}


# ----------------------------------------------------------------------------------------------- security report
def _finding(check, severity, subject, message):
    return {"check": check, "severity": severity, "subject": subject, "message": message}


def security_findings(site, stale_store_entries=()):
    """What real sites get wrong, from the facts ``SiteReader.read`` gathered (never a secret); with
    ``stale_store_entries`` (``SiteReader.stale_store_entries``), also the token store's entries of tokens that are
    gone."""
    findings = []
    web = site["web_services"]
    for token in site["tokens"]:
        subject = "token %s (%s on %s%s)" % (token["id"], token["user"] or token["user_fullname"], token["service"],
                                             ", %s" % token["name"] if token["name"] else "")
        if token["expired"]:
            findings.append(_finding("token_expired", "low", subject,
                                     "expired on %s but still on the site: delete it" % token["valid_until"]))
        elif not token["valid_until"]:
            findings.append(_finding("token_no_expiry", "medium", subject,
                                     "never expires (valid until: none): give tokens a valid_until and rotate them"))
        if not token["ip_restriction"]:
            findings.append(_finding("token_no_ip_restriction", "medium", subject,
                                     "usable from any address: set ip_restriction to the hosts that call the service"))
    if web["mobile"]:
        findings.append(_finding("mobile_web_service_on", "high", "enablemobilewebservice",
                                 "the mobile web service is on: it grants webservice/rest:use to every authenticated "
                                 "user and enables %s (any user can get a token for it)" % MOBILE_SERVICE))
    for service in site["services"]:
        if service["enabled"] and not service["restricted_users"]:
            findings.append(_finding("service_not_restricted", "medium",
                                     "service %s" % (service["shortname"] or service["name"]),
                                     "enabled and open to every user with the capabilities its functions need "
                                     "(restricted_users: false): restrict it to authorised users"))
    auth = site["auth_plugins"]
    if "userkey" in auth["enabled"]:
        iprestriction = auth["settings"].get("userkey", {}).get("iprestriction")
        if iprestriction is None:
            findings.append(_finding("userkey_iprestriction_unknown", "info", "auth_userkey/iprestriction",
                                     "could not be read from the site"))
        elif iprestriction != "1":
            findings.append(_finding("userkey_iprestriction_off", "high", "auth_userkey/iprestriction",
                                     "off: a login URL works from any address; turn iprestriction on (and set "
                                     "ipwhitelist for the portal's hosts)"))
    if "apilogin" in auth["enabled"]:
        settings = auth["settings"].get("apilogin")
        if settings is None or "allowipaddr" not in settings:
            findings.append(_finding("apilogin_allowipaddr_unknown", "info", "auth_apilogin/allowipaddr",
                                     "unknown: auth_apilogin has no settings page, its settings live only in the "
                                     "config (check with: php admin/cli/cfg.php --component=auth_apilogin "
                                     "--name=allowipaddr); an empty value lets any address call its signed API"))
        elif not settings["allowipaddr"].strip():
            findings.append(_finding("apilogin_allowipaddr_empty", "high", "auth_apilogin/allowipaddr",
                                     "empty: any address can call the signed API (including logUser, which mints "
                                     "login tokens): list the hosts that call it"))
    for item in stale_store_entries:
        if item.get("pruned"):
            continue
        findings.append(_finding("token_store_stale_entry", "low", "token_store entry %s" % item["key"],
                                 "%s: the controller keeps the value of a token that is not on the site (a site "
                                 "restored from a backup, or a token deleted outside Ansible); it is not exported. "
                                 "Remove it with moodle_site_info prune_token_store: true" % item["reason"]))
    return findings


# ---------------------------------------------------------------------------------------------- unmanaged objects
def unmanaged(site, managed):
    """What a description (``managed``: tokens [{user, service, name}], services [{shortname, name}] or labels,
    auth_plugins [names], webservices_services [labels]) does not manage but matters for security: tokens no entry
    owns, enabled auth plugins and enabled services it does not list."""
    managed = managed or {}
    entries = [entry for entry in managed.get("tokens") or [] if isinstance(entry, dict)]

    def owns(entry, token):
        if str(entry.get("user") or "").strip().lower() != token["user"]:
            return False
        if entry.get("service") not in (token["service"], token["service_name"]):
            return False
        return not entry.get("name") or entry.get("name") == token["name"]

    labels = set()
    for entry in managed.get("services") or []:
        if isinstance(entry, dict):
            labels.update(value for value in (entry.get("shortname"), entry.get("name")) if value)
        elif entry:
            labels.add(entry)
    labels.update(managed.get("webservices_services") or [])
    plugins = set(str(name).replace("auth_", "", 1) if str(name).startswith("auth_") else str(name)
                  for name in managed.get("auth_plugins") or [])
    shown = ("id", "user", "service", "name", "ip_restriction", "valid_until", "last_access", "creator")
    tokens = [dict((key, token[key]) for key in shown)
              for token in site["tokens"] if not any(owns(entry, token) for entry in entries)]
    services = [{"name": service["name"], "shortname": service["shortname"], "builtin": service["builtin"],
                 "restricted_users": service["restricted_users"]}
                for service in site["services"]
                if service["enabled"] and not ({service["name"], service["shortname"]} & labels)]
    auth_plugins = [name for name in site["auth_plugins"]["enabled"] if name not in plugins]
    return {"tokens": tokens, "services": services, "auth_plugins": auth_plugins}
