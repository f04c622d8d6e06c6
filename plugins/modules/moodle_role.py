#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_role
short_description: Manage a Moodle role, its capabilities and its users at system level
version_added: 0.1.0
description:
  - Ensures a role exists with the given names, context levels and capabilities, and that the given users hold it
    at system context. Service accounts get capabilities such as C(webservice/rest:use),
    C(moodle/webservice:createtoken) or C(auth/userkey:generatekey) this way.
  - Capabilities not listed are left as they are unless O(exclusive=true). Unknown capabilities fail before any
    write, all of them named. Every write is verified by reading the role definition back.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the site and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the role's fields, context levels, capabilities and users before and after.
options:
  shortname:
    description: The role's short name (unique), which finds it.
    type: str
    required: true
  name:
    description: The role's full name. Omitted for a new role, the short name is used.
    type: str
  description:
    description: The role's description.
    type: str
  archetype:
    description: The role archetype (C(manager), C(user), ...); an empty string for none.
    type: str
  context_levels:
    description:
      - Where the role can be assigned. A role meant for O(users) needs V(system).
      - Omitted for a new role, V([system]); for an existing role, left as it is.
    type: list
    elements: str
    choices: [system, user, category, course, module, block]
  capabilities:
    description:
      - Capability name to permission (V(allow), V(prevent), V(prohibit) or V(inherit)).
    type: dict
    default: {}
  exclusive:
    description: Set every capability not in O(capabilities) back to V(inherit).
    type: bool
    default: false
  users:
    description:
      - Usernames that hold the role at system context (exactly these, or at least these with O(append=true)).
        Omitted leaves the assignments untouched.
    type: list
    elements: str
  append:
    description: Only add O(users); never unassign anyone.
    type: bool
    default: false
  state:
    description: V(present) creates or updates the role; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Needs a site administrator account (O(auth_method=password)).
  - The module uses the role form's advanced view; Moodle remembers that view as a preference of the admin account.
seealso:
  - module: moodleops.auth.moodle_token
"""

EXAMPLES = r"""
- name: A role for web service accounts, held by teacher1
  moodleops.auth.moodle_role:
    shortname: ws_ci
    name: CI web service
    context_levels: [system]
    capabilities:
      webservice/rest:use: allow
      moodle/webservice:createtoken: allow
    users: [teacher1]

- name: An SSO portal account that may request auth_userkey login URLs
  moodleops.auth.moodle_role:
    shortname: sso_portal
    capabilities:
      webservice/rest:use: allow
      auth/userkey:generatekey: allow
    users: [sso_portal]
"""

RETURN = r"""
role:
  description: The role after the task (in check mode, as it would be); null when absent.
  returned: success
  type: dict
  contains:
    id:
      description: The role's id (null in check mode for a role not created yet).
      type: int
    shortname:
      description: Short name.
      type: str
    name:
      description: Full name.
      type: str
    description:
      description: Description.
      type: str
    archetype:
      description: Archetype, empty for none.
      type: str
    context_levels:
      description: Context levels where it can be assigned.
      type: list
      elements: str
    capabilities:
      description: The capabilities set to something other than inherit.
      type: dict
    users:
      description: Usernames holding it at system context.
      type: list
      elements: str
  sample: {"id": 11, "shortname": "ws_ci", "name": "CI web service", "description": "", "archetype": "",
           "context_levels": ["system"], "capabilities": {"webservice/rest:use": "allow"}, "users": ["teacher1"]}
changes:
  description: What changed (or would change), one line each.
  returned: success
  type: list
  elements: str
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.roles import CONTEXT_LEVELS, FIELDS, PERMISSIONS, Roles
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users


class RoleTask:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        bad = dict((name, value) for name, value in self.params["capabilities"].items()
                   if str(value) not in PERMISSIONS)
        if bad:
            raise InvalidInputError("capabilities holds permissions Moodle does not have: %s." % ", ".join(
                "%s=%s" % item for item in sorted(bad.items())), hint="Use allow, prevent, prohibit or inherit.")
        self.roles = Roles(moodle.client)
        self.users = Users(moodle.client)

    def read(self, role_id, definition=None):
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

    def validate(self, after, definition):
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

    def apply(self, before, after, definition):
        fields = dict((field, after[field]) for field in FIELDS if before is None or before[field] != after[field])
        levels = after["context_levels"] if before is None or before["context_levels"] != after["context_levels"] else None
        old = before["capabilities"] if before else {}
        capabilities = dict((name, after["capabilities"].get(name, "inherit"))
                            for name in set(old) | set(after["capabilities"])
                            if old.get(name, "inherit") != after["capabilities"].get(name, "inherit"))
        role_id = definition.id
        if fields or levels is not None or capabilities:
            role_id = self.roles.save(definition, fields, levels, capabilities)
        if before is None or before["users"] != after["users"]:
            wanted = set(self.users.ids_for(after["users"], option="users").values()) if after["users"] else set()
            current = self.roles.assigned_user_ids(role_id) if after["users"] or not self.params["append"] else set()
            self.roles.change_users(role_id, add=wanted - current,
                                    remove=(current - wanted) if not self.params["append"] else ())
        return role_id

    def run(self):
        found = self.roles.list().get(self.params["shortname"])
        before, definition = self.read(found["id"]) if found else (None, None)
        if self.params["state"] == "absent":
            return self.remove(found, before)
        if definition is None:
            definition = self.roles.blank_definition()
        after = self.desired(before)
        self.validate(after, definition)
        changes = describe(before, after)
        if changes and not self.moodle.check_mode:
            role_id = self.apply(before, after, definition)
            found_after, _definition = self.read(role_id)
            wrong = [key for key in after if key != "id" and after[key] != found_after[key]]
            if wrong:
                raise WriteNotAppliedError("Moodle accepted the role but reading it back shows different %s." %
                                           ", ".join(wrong))
            after = found_after
        result = {"changed": bool(changes), "changes": changes, "role": after}
        if changes:
            self.moodle.add_diff(result, before or {}, after)
        return result

    def remove(self, found, before):
        if not found:
            return {"changed": False, "changes": [], "role": None}
        if not self.moodle.check_mode:
            self.roles.delete(found["id"])
            if self.params["shortname"] in self.roles.list():
                raise WriteNotAppliedError("Moodle answered the deletion normally, but role %s is still there."
                                           % self.params["shortname"])
        result = {"changed": True, "changes": ["role %s: deleted" % self.params["shortname"]], "role": None}
        self.moodle.add_diff(result, before, {})
        return result


def describe(before, after):
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


def main():
    moodle = MoodleModule(dict(
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
    ))
    moodle.run(lambda: RoleTask(moodle).run())


if __name__ == "__main__":
    main()
