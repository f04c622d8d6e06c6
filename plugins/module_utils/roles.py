# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Roles through admin/roles: list, definition (advanced view), create, edit, system assignments, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MoodleError,
    PageError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, id_param
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users

MANAGE_PATH = "admin/roles/manage.php"
DEFINE_PATH = "admin/roles/define.php"
ASSIGN_PATH = "admin/roles/assign.php"
SYSTEM_CONTEXT_ID = 1
CONTEXT_LEVELS = {"system": 10, "user": 30, "category": 40, "course": 50, "module": 70, "block": 80}
PERMISSIONS = {"inherit": "0", "allow": "1", "prevent": "-1", "prohibit": "-1000"}
PERMISSION_NAMES = dict((value, name) for name, value in PERMISSIONS.items())
FIELDS = ("shortname", "name", "description", "archetype")


def is_capability(name):
    return "/" in name and ":" in name


class RoleDefinition:
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
    def __init__(self, client):
        self.client = client

    def list(self):
        """{shortname: {id, name}} from Manage roles."""
        page = self.client.page(MANAGE_PATH)
        self.client.require_element(page, MANAGE_PATH, "roles", "the table of roles (table#roles)")
        roles = {}
        for row in page.rows:
            ids = [id_param(link.href, "roleid") for link in row.links
                   if "define.php" in link.href and "action=view" in link.href]
            ids = [role_id for role_id in ids if role_id is not None]
            if ids and len(row.cells) >= 3 and row.cells[2]:
                roles[row.cells[2]] = {"id": ids[0], "name": row.cells[0]}
        return roles

    def _advanced_form(self, page, action, role_id):
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
        page = self.client.page(DEFINE_PATH, params={"action": "edit", "roleid": role_id})
        return RoleDefinition(role_id, self._advanced_form(page, "edit", role_id))

    def blank_definition(self):
        """The add form (after the preset step), for the capabilities and archetypes the site knows."""
        page = self.client.page(DEFINE_PATH, params={"action": "add"})
        preset = self.client.require_form(page, DEFINE_PATH, field="_qf__core_role_preset_form",
                                          what="the role preset form")
        data = preset.browser_submission() + [("submitbutton", "Continue")]
        response = self.client.post(DEFINE_PATH, data, write=False)
        form = self._advanced_form(Page(response.text), "add", 0)
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
            problems = page.alerts + page.error_messages + _feedback(response.text)
            raise MoodleError("Moodle did not save the role: %s" % ("; ".join(problems) or "the form came back"),
                              hint="Short names and names must be unique.")
        if creating:
            return id_param(response.location, "roleid")
        return definition.id

    def assigned_user_ids(self, role_id):
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
        self.client.page(MANAGE_PATH, params={"action": "delete", "roleid": role_id})
        response = self.client.post(MANAGE_PATH, [("action", "delete"), ("roleid", role_id),
                                                  ("sesskey", self.client.sesskey), ("confirm", "1")])
        if not response.is_redirect:
            raise MoodleError("Moodle did not delete role %s (HTTP %s)." % (role_id, response.status))


def _feedback(html):
    import re
    return [" ".join(text.split()) for text in re.findall(r'class="[^"]*(?:invalid-feedback|error)[^"]*"[^>]*>([^<]+)<', html)
            if text.strip()]


# -- moodle_role as a converge resource -----------------------------------------------------------------------------

class RoleResource(Resource):
    """A role: fields, context levels, capabilities, users at system context; or its absence."""

    name = "role"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        bad = dict((name, value) for name, value in self.params["capabilities"].items()
                   if str(value) not in PERMISSIONS)
        if bad:
            raise InvalidInputError("capabilities holds permissions Moodle does not have: %s." % ", ".join(
                "%s=%s" % item for item in sorted(bad.items())), hint="Use allow, prevent, prohibit or inherit.")
        self.roles = Roles(moodle.client)
        self.users = Users(moodle.client)
        self.found = self.definition = None
        self.role_id = None

    def lock_name(self):
        return "role", self.params["shortname"]

    def read(self):
        self.found = self.roles.list().get(self.params["shortname"])
        if not self.found:
            return None
        state, self.definition = self.state_of(self.found["id"])
        return state

    def state_of(self, role_id, definition=None):
        definition = definition or self.roles.definition(role_id)
        state = dict(definition.fields)
        state.update({"id": role_id, "context_levels": definition.context_levels,
                      "capabilities": dict((name, value) for name, value in definition.capabilities.items()
                                           if value != "inherit")})
        if "system" in definition.context_levels:
            ids = self.roles.assigned_user_ids(role_id)
            state["users"] = sorted(self.users.usernames_for(ids).values())
        else:
            state["users"] = []
        return state, definition

    def desired(self, before):
        params = self.params
        if params["state"] == "absent":
            return None
        if self.definition is None:
            self.definition = self.roles.blank_definition()
        after = dict(before) if before else {"id": None, "shortname": params["shortname"], "name": params["shortname"],
                                             "description": "", "archetype": "", "context_levels": ["system"],
                                             "capabilities": {}, "users": []}
        for field in FIELDS:
            if params.get(field) is not None:
                after[field] = params[field]
        if params["context_levels"] is not None:
            after["context_levels"] = sorted(set(params["context_levels"]))
        capabilities = {} if params["exclusive"] else dict(after["capabilities"])
        for name, value in params["capabilities"].items():
            capabilities[name] = str(value)
        after["capabilities"] = dict((name, value) for name, value in capabilities.items() if value != "inherit")
        if params["users"] is not None:
            wanted = set(name.strip().lower() for name in params["users"])
            after["users"] = sorted(wanted | set(after["users"])) if params["append"] else sorted(wanted)
        return after

    def check(self, before, after):
        if after is None:
            return
        definition = self.definition
        unknown = sorted(set(self.params["capabilities"]) - definition.known_capabilities)
        if unknown:
            raise InvalidInputError("Unknown capabilities: %s." % ", ".join(unknown),
                                    hint="Check the names (Site administration > Users > Permissions > Capability "
                                         "overview); a plugin's capabilities exist only when it is installed.")
        if after["archetype"] not in definition.archetypes:
            raise InvalidInputError("archetype %s does not exist; the site has: %s." % (
                after["archetype"], ", ".join(name or "(none)" for name in definition.archetypes)))
        if after["users"] and "system" not in after["context_levels"]:
            raise InvalidInputError("users are assigned at system context, but the role's context_levels leave out "
                                    "system.", hint="Add system to context_levels.")
        if self.params["users"]:
            self.users.ids_for(after["users"], option="users")

    def describe(self, before, after):
        if after is None:
            return ["role %s: deleted" % self.params["shortname"]] if before is not None else []
        if before is None:
            return ["role %s: created" % after["shortname"]] + [
                "capability %s: %s" % item for item in sorted(after["capabilities"].items())] + [
                "user %s: assigned" % name for name in after["users"]]
        changes = ["%s: %r -> %r" % (field, before[field], after[field]) for field in FIELDS + ("context_levels",)
                   if before[field] != after[field]]
        for name in sorted(set(before["capabilities"]) | set(after["capabilities"])):
            old, new = before["capabilities"].get(name, "inherit"), after["capabilities"].get(name, "inherit")
            if old != new:
                changes.append("capability %s: %s -> %s" % (name, old, new))
        changes.extend("user %s: assigned" % name for name in after["users"] if name not in before["users"])
        changes.extend("user %s: unassigned" % name for name in before["users"] if name not in after["users"])
        return changes

    def apply(self, plan):
        before, after = plan.before, plan.after
        if after is None:
            self.roles.delete(self.found["id"])
            return
        fields = dict((field, after[field]) for field in FIELDS if before is None or before[field] != after[field])
        levels = after["context_levels"] if before is None or before["context_levels"] != after["context_levels"] else None
        old = before["capabilities"] if before else {}
        capabilities = dict((name, after["capabilities"].get(name, "inherit"))
                            for name in set(old) | set(after["capabilities"])
                            if old.get(name, "inherit") != after["capabilities"].get(name, "inherit"))
        role_id = self.definition.id
        if fields or levels is not None or capabilities:
            role_id = self.roles.save(self.definition, fields, levels, capabilities)
        if before is None or before["users"] != after["users"]:
            wanted = set(self.users.ids_for(after["users"], option="users").values()) if after["users"] else set()
            current = self.roles.assigned_user_ids(role_id) if after["users"] or not self.params["append"] else set()
            self.roles.change_users(role_id, add=wanted - current,
                                    remove=(current - wanted) if not self.params["append"] else ())
        self.role_id = role_id

    def verify(self, plan):
        if plan.after is None:
            if self.params["shortname"] in self.roles.list():
                raise WriteNotAppliedError("Moodle answered the deletion normally, but role %s is still there."
                                           % self.params["shortname"])
            return None
        found, _definition = self.state_of(self.role_id)
        wrong = [key for key in plan.after if key != "id" and plan.after[key] != found[key]]
        if wrong:
            raise WriteNotAppliedError("Moodle accepted the role but reading it back shows different %s." %
                                       ", ".join(wrong))
        return found


ROLE_OPTIONS = dict(
    shortname=dict(type="str", required=True),
    name=dict(type="str"),
    description=dict(type="str"),
    archetype=dict(type="str"),
    context_levels=dict(type="list", elements="str", choices=sorted(CONTEXT_LEVELS)),
    capabilities=dict(type="dict", default={}),
    exclusive=dict(type="bool", default=False),
    users=dict(type="list", elements="str"),
    append=dict(type="bool", default=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
