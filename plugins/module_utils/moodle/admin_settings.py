# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Admin settings, read and written as one generic primitive on two backends:

* ``HttpSettings``: ``admin/settings.php?section=...`` (form#adminsettings, fields ``s_<component>_<name>``);
* ``CliSettings``: Moodle's own ``admin/cli/cfg.php`` on the Moodle host (standard library only).

A setting is named ``name`` (core) or ``component/name`` (plugins), e.g. ``auth_userkey/mappingfield``.
Values are strings as Moodle stores them (checkboxes ``'1'``/``'0'``); ``None`` means not set / not on the page."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    CliError,
    InvalidInputError,
    NotSiteAdminError,
    PageError,
    SettingsSaveError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page
from ansible_collections.moodleops.auth.plugins.module_utils.php_params import php_scalar

SETTINGS_PATH = "admin/settings.php"
# Sections every site has: a "Section error!" there means the account is not a site administrator.
CORE_SECTIONS = ("optionalsubsystems", "webserviceprotocols", "externalservices", "manageauths", "sitepolicies")


def split_key(key):
    """'auth_userkey/mappingfield' -> ('auth_userkey', 'mappingfield'); 'enablewebservices' -> ('core', ...)."""
    if "/" in key:
        component, name = key.split("/", 1)
        return component, name
    return "core", key


def field_name(key):
    """The settings form field of a setting: 's__<name>' (core) or 's_<component>_<name>'."""
    component, name = split_key(key)
    return "s__%s" % name if component == "core" else "s_%s_%s" % (component, name)


def moodle_value(value):
    """How Moodle stores a value: booleans as '1'/'0', numbers as text (None: no value)."""
    return None if value is None else php_scalar(value)


class HttpSettings:
    """Settings through admin/settings.php?section=... (form#adminsettings) as a logged-in site administrator."""

    transport = "http"

    def __init__(self, client):
        self.client = client
        self._pages = {}

    def section_form(self, section):
        """The settings form of a section (read once until forgotten); a 'Section error!' or 'Access denied' page
        becomes InvalidInputError or NotSiteAdminError."""
        if section not in self._pages:
            try:
                page = self.client.page(SETTINGS_PATH, params={"section": section})
            except PageError as error:
                if "section error" in error.page_message.lower():
                    raise self._section_error(section)
                if "access denied" in error.page_message.lower():
                    raise self._not_admin(SETTINGS_PATH, error.page_message)
                raise
            form = self.client.require_form(page, SETTINGS_PATH, form_id="adminsettings",
                                            what="the settings form of section %s (form#adminsettings)" % section)
            self._pages[section] = form
        return self._pages[section]

    def _section_error(self, section):
        if section not in CORE_SECTIONS:
            try:
                self.section_form("optionalsubsystems")
            except NotSiteAdminError as error:
                return error
            return InvalidInputError(
                "The admin settings section '%s' does not exist on this site (Moodle: 'Section error!')." % section,
                hint="The plugin that provides it may not be installed, or has no settings page on this Moodle version.")
        return self._not_admin("%s?section=%s" % (SETTINGS_PATH, section), "Section error!")

    def _not_admin(self, path, message):
        return NotSiteAdminError(
            "User '%s' is logged in, but Moodle refuses its administration pages (%s answered '%s'): "
            "the account is not a site administrator." % (self.client.options.get("username"), path, message),
            hint="Use a site administrator account (Site administration > Users > Permissions > Site administrators).")

    def available(self, section):
        """Every setting field name on the section's page."""
        return [name for name in self.section_form(section).field_names if name.startswith("s_")]

    def read(self, section, keys):
        """{key: current value} of the settings ``keys`` on the section's page (None: not on the page)."""
        values = self.section_form(section).current_values()
        return dict((key, values.get(field_name(key))) for key in keys)

    def write(self, section, changes):
        """POST only the settings that differ; the caller verifies by reading back."""
        if not changes:
            return
        form = self.section_form(section)
        data = [("section", section), ("action", "save-settings"), ("sesskey", self.client.sesskey), ("return", "")]
        for key, value in changes.items():
            data.append((field_name(key), moodle_value(value)))
        response = self.client.post(SETTINGS_PATH, data, params={"section": section})
        self._pages.pop(section, None)
        if response.is_redirect:
            return
        page = Page(response.text)
        problems = page.alerts + page.error_messages
        if form is not None and not problems:
            raise SettingsSaveError(
                "Moodle did not save %s on section %s: the form came back unchanged (HTTP %s), which is how it "
                "answers a rejected session key." % (", ".join(sorted(changes)), section, response.status),
                hint="Another login of the same account may have replaced this session; run the task again.")
        raise SettingsSaveError("Moodle rejected the settings %s on section %s: %s" % (
            ", ".join(sorted(changes)), section, "; ".join(problems)))

    def forget(self):
        """Read the section pages anew on the next call."""
        self._pages = {}


class CliSettings:
    """Settings through ``php admin/cli/cfg.php`` on the Moodle host (run as the web server user: ``become``)."""

    transport = "cli"

    def __init__(self, module, moodle_root, php_executable="php"):
        self.module = module
        self.moodle_root = moodle_root
        self.php = php_executable
        self._components = {}
        if not moodle_root:
            raise InvalidInputError("transport: cli needs moodle_root (the directory holding Moodle's config.php).")
        self.script = os.path.join(moodle_root, "admin", "cli", "cfg.php")
        if not os.path.isfile(self.script):
            raise InvalidInputError(
                "moodle_root %s has no admin/cli/cfg.php: it is not a Moodle code directory on this host." % moodle_root,
                hint="Set moodle_root to the directory that holds config.php (Moodle 5.x: not the public/ folder).")

    def _run(self, args):
        command = [self.php, self.script] + args
        try:
            rc, out, err = self.module.run_command(command, cwd=self.moodle_root)
        except OSError as error:
            raise CliError("Cannot run %s: %s" % (self.php, error), hint="Set php_executable to the PHP CLI binary.")
        return rc, out, err

    def _component(self, component):
        if component not in self._components:
            args = ["--json"] if component == "core" else ["--component=%s" % component, "--json"]
            rc, out, err = self._run(args)
            if rc != 0:
                raise CliError("admin/cli/cfg.php %s failed (exit %s): %s" % (" ".join(args), rc, (err or out).strip()),
                               hint="Run it as the web server user (become_user) with a working PHP CLI.")
            try:
                values = json.loads(out or "{}")
            except ValueError:
                raise CliError("admin/cli/cfg.php %s printed something other than JSON: %s" % (
                    " ".join(args), (out or "")[:200]))
            if isinstance(values, list):  # PHP encodes an empty array as []
                values = {}
            self._components[component] = dict(
                (name, None if value is None else moodle_value(value)) for name, value in values.items())
        return self._components[component]

    def available(self, section=None, component="core"):
        """The names of the component's stored settings (``section`` is not used: cfg.php knows no sections)."""
        return sorted(self._component(component))

    def read(self, section, keys):
        """{key: stored value} of the settings ``keys`` (None: not set)."""
        result = {}
        for key in keys:
            component, name = split_key(key)
            result[key] = self._component(component).get(name)
        return result

    def write(self, section, changes):
        """Set each setting with cfg.php --set; a setting hard-set in config.php raises CliError."""
        for key, value in changes.items():
            component, name = split_key(key)
            args = ["--name=%s" % name, "--set=%s" % moodle_value(value)]
            if component != "core":
                args.insert(0, "--component=%s" % component)
            rc, out, err = self._run(args)
            if rc == 4:
                raise CliError("%s is hard-set in Moodle's config.php and cannot be changed." % key,
                               hint="Change it in config.php ($CFG->%s or $CFG->forced_plugin_settings)." % name)
            if rc != 0:
                raise CliError("admin/cli/cfg.php --name=%s failed (exit %s): %s" % (name, rc, (err or out).strip()))
            self._components.pop(component, None)

    def forget(self):
        """Read the stored values anew on the next call."""
        self._components = {}
