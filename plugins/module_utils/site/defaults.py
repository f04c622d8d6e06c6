# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What equals Moodle's default, which moodle_site_info leaves out of a description unless ``export_defaults``.

* Auth plugin settings equal to the default their settings page shows under them ("Default: X",
  ``auth_plugin_defaults`` / ``setting_defaults``), read from the page the settings come from (no request of its own).
* User fields that are empty or as Moodle's add-user form fills them in for a new account
  (``user_defaults_left_out``).

``WHY_*`` are the reasons written next to what is left out (``defaults_left_out``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from html.parser import HTMLParser
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    NotSiteAdminError,
    PageError,
    UnexpectedAnswerError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import SETTINGS_PATH, field_name
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.users import FORCE_CHANGE_FIELD, form_field

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
        """Note a setting's div.form-item, its default info div and its controls' names."""
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
        """A self-closing tag: its start (and its end for a div)."""
        self.handle_starttag(tag, attrs)
        if tag == "div":
            self.handle_endtag(tag)

    def handle_data(self, data):
        """Text inside a default info div."""
        if self._info is not None:
            self._info[1].append(data)

    def handle_endtag(self, tag):
        """At the end of a default info div keep its text; at the end of a setting's div note it for its controls."""
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
