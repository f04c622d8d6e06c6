# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Roles, the Moodle side: admin/roles pages: the list (manage.php), the definition (define.php, advanced view),
create, edit, assignments at system context (assign.php), delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError, PageError
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, id_param

MANAGE_PATH = "admin/roles/manage.php"
DEFINE_PATH = "admin/roles/define.php"
ASSIGN_PATH = "admin/roles/assign.php"
SYSTEM_CONTEXT_ID = 1
CONTEXT_LEVELS = {"system": 10, "user": 30, "category": 40, "course": 50, "module": 70, "block": 80}
PERMISSIONS = {"inherit": "0", "allow": "1", "prevent": "-1", "prohibit": "-1000"}
PERMISSION_NAMES = dict((value, name) for name, value in PERMISSIONS.items())
FIELDS = ("shortname", "name", "description", "archetype")


def is_capability(name):
    """Whether a form field name is a capability (component/area:name)."""
    return "/" in name and ":" in name


class RoleDefinition:
    """A role as its form (form#rolesform, advanced view) shows it: fields, context levels, capabilities, and what
    the site offers (capabilities, archetypes)."""

    def __init__(self, role_id, form):
        self.id = role_id
        self.form = form
        values = form.current_values()
        self.fields = dict((name, values.get(name) or "") for name in FIELDS)
        self.context_levels = sorted(name for name, level in CONTEXT_LEVELS.items()
                                     if values.get("contextlevel%d" % level) == "1")
        self.capabilities = dict((name, PERMISSION_NAMES.get(value, value)) for name, value in values.items()
                                 if is_capability(name))
        self.known_capabilities = set(control.name for control in form.controls if is_capability(control.name))
        archetype = form.control("archetype")
        # '' is a real choice here (no archetype); disabled options are not.
        self.archetypes = [option[0] for option in (archetype.options if archetype else ())
                           if not getattr(option, "disabled", False)]


class Roles:
    """The page driver of roles: reads the list, the definitions and the assignments, writes through the forms."""

    def __init__(self, client):
        self.client = client

    def list(self):
        """{shortname: {id, name}} from Manage roles."""
        page = self.client.page(MANAGE_PATH)
        self.client.require_element(page, MANAGE_PATH, "roles", "the table of roles (table#roles)")
        return parse_role_list(page)

    def advanced_form(self, page, action, role_id):
        """The role form of ``page``; when it is the basic view (capability checkboxes), the advanced one asked for
        by posting toggleadvanced."""
        form = self.client.require_form(page, DEFINE_PATH, form_id="rolesform", what="the role form (form#rolesform)")
        if any(control.type == "checkbox" and is_capability(control.name) for control in form.controls):
            data = list(form.browser_submission())
            data.append(("toggleadvanced", "Show advanced"))
            response = self.client.post(DEFINE_PATH, data, params={"action": action, "roleid": role_id}, write=False)
            form = Page(response.text).form("rolesform")
            if form is None:
                raise MoodleError("Moodle did not show the advanced role form.")
        return form

    def definition(self, role_id):
        """The RoleDefinition of an existing role (its edit form, advanced view)."""
        page = self.client.page(DEFINE_PATH, params={"action": "edit", "roleid": role_id})
        return RoleDefinition(role_id, self.advanced_form(page, "edit", role_id))

    def blank_definition(self):
        """The add form (after the preset step), for the capabilities and archetypes the site knows."""
        page = self.client.page(DEFINE_PATH, params={"action": "add"})
        preset = self.client.require_form(page, DEFINE_PATH, field="_qf__core_role_preset_form",
                                          what="the role preset form")
        data = preset.browser_submission() + [("submitbutton", "Continue")]
        response = self.client.post(DEFINE_PATH, data, write=False)
        form = self.advanced_form(Page(response.text), "add", 0)
        return RoleDefinition(0, form)

    def save(self, definition, fields, context_levels, capabilities):
        """Create (definition.id 0) or edit: post what a browser posts for a new role, only the changes for an
        existing one (Moodle keeps what a POST leaves out)."""
        creating = not definition.id
        data = [("sesskey", self.client.sesskey), ("return", "manage"), ("resettype", "none")]
        if creating:
            data.extend((name, value) for name, value in definition.form.browser_submission()
                        if name not in ("sesskey", "return", "resettype") and name not in fields
                        and not (context_levels is not None and name.startswith("contextlevel"))
                        and name not in capabilities)
        data.extend(fields.items())
        if context_levels is not None:
            data.extend(("contextlevel%d" % level, "1" if name in context_levels else "0")
                        for name, level in sorted(CONTEXT_LEVELS.items(), key=lambda item: item[1]))
        data.extend((name, PERMISSIONS[value]) for name, value in sorted(capabilities.items()))
        data.append(("savechanges", "Create this role" if creating else "Save changes"))
        response = self.client.post(DEFINE_PATH, data, params={"action": "add" if creating else "edit",
                                                               "roleid": definition.id})
        if not response.is_redirect:
            page = Page(response.text)
            problems = page.alerts + page.error_messages + parse_form_feedback(response.text)
            raise MoodleError("Moodle did not save the role: %s" % ("; ".join(problems) or "the form came back"),
                              hint="Short names and names must be unique.")
        if creating:
            return id_param(response.location, "roleid")
        return definition.id

    def assigned_user_ids(self, role_id):
        """The ids of the users who have the role at system context."""
        form = self._assign_form(role_id)
        control = form.control("removeselect[]")
        # An empty selector holds one disabled <option>&nbsp;</option>: only ids count.
        return set(user_id for user_id, _label in (control.id_choices() if control is not None else ()))

    def _assign_form(self, role_id):
        try:
            page = self.client.page(ASSIGN_PATH, params={"contextid": SYSTEM_CONTEXT_ID, "roleid": role_id})
        except PageError as error:
            if "not allowed to assign this role" in error.page_message:
                raise InvalidInputError("The role cannot be assigned at system level: %s." % error.page_message,
                                        hint="Add system to context_levels, or leave users out.")
            raise
        return self.client.require_form(page, ASSIGN_PATH, form_id="assignform",
                                        what="the role assignment form (form#assignform)")

    def change_users(self, role_id, add=(), remove=()):
        """Assign and unassign users (by id) at system context through the two selectors of assign.php."""
        for button, label, field, ids in (("add", "\u25c4\u00a0Add", "addselect[]", add),
                                          ("remove", "Remove\u00a0\u25ba", "removeselect[]", remove)):
            if not ids:
                continue
            data = [("sesskey", self.client.sesskey), (button, label)]
            data.extend((field, user_id) for user_id in sorted(ids))
            response = self.client.post(ASSIGN_PATH, data, params={"contextid": SYSTEM_CONTEXT_ID, "roleid": role_id})
            if response.status != 200:
                raise MoodleError("Moodle did not %s the role's users (HTTP %s)." % (button, response.status))

    def delete(self, role_id):
        """Delete a role (the confirm page, then the confirmed POST)."""
        self.client.page(MANAGE_PATH, params={"action": "delete", "roleid": role_id})
        response = self.client.post(MANAGE_PATH, [("action", "delete"), ("roleid", role_id),
                                                  ("sesskey", self.client.sesskey), ("confirm", "1")])
        if not response.is_redirect:
            raise MoodleError("Moodle did not delete role %s (HTTP %s)." % (role_id, response.status))


def parse_role_list(page):
    """{shortname: {id, name}} from the table of Manage roles (the view links' roleid)."""
    roles = {}
    for row in page.rows:
        ids = [id_param(link.href, "roleid") for link in row.links
               if "define.php" in link.href and "action=view" in link.href]
        ids = [role_id for role_id in ids if role_id is not None]
        if ids and len(row.cells) >= 3 and row.cells[2]:
            roles[row.cells[2]] = {"id": ids[0], "name": row.cells[0]}
    return roles


def parse_form_feedback(html):
    """The field errors (invalid-feedback, error) of a role form Moodle sent back."""
    return [" ".join(text.split()) for text in re.findall(r'class="[^"]*(?:invalid-feedback|error)[^"]*"[^>]*>([^<]+)<', html)
            if text.strip()]
