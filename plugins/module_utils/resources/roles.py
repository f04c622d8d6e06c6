# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_role: a role (fields, context levels, capabilities, users at system context) as a converge resource, and
its options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.roles import (
    CONTEXT_LEVELS,
    FIELDS,
    PERMISSIONS,
    Roles,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section


class RoleResource(Resource):
    """A role: fields, context levels, capabilities, users at system context; or its absence."""

    name = "role"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.found = self.definition = None
        self.role_id = None

    def check_options(self):
        bad = dict((name, value) for name, value in self.params["capabilities"].items()
                   if str(value) not in PERMISSIONS)
        if bad:
            raise InvalidInputError("capabilities holds permissions Moodle does not have: %s." % ", ".join(
                "%s=%s" % item for item in sorted(bad.items())), hint="Use allow, prevent, prohibit or inherit.")

    @property
    def roles(self):
        """The roles' page driver (made on first use: the client is not needed before ``read``)."""
        return self.driver(Roles)

    @property
    def users(self):
        """Users by username and id (made on first use, like ``roles``)."""
        return self.driver(Users)

    def lock_name(self):
        return "role", self.params["shortname"]

    def read(self):
        """The role with this shortname (see state_of), or None; keeps its definition for the write."""
        self.found = self.roles.list().get(self.params["shortname"])
        if not self.found:
            return None
        state, self.definition = self.state_of(self.found["id"])
        return state

    def state_of(self, role_id, definition=None):
        """(state, definition) of the role with this id; its users are read when it has the system context level."""
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
        """None for state absent; else the role with the options applied (exclusive, append honoured)."""
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
        """Creation (with capabilities and users) or deletion, else one line per changed field, capability and user."""
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
        """Delete the role, or save the changed fields, context levels and capabilities, then (un)assign users."""
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
        """A deleted role must be gone; otherwise the role read back by id must equal the plan (id aside)."""
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


# -- the site description's section ---------------------------------------------------------------------------------
SECTION = Section("roles", order=30, role="webservices", module="moodle_role", options=ROLE_OPTIONS,
                  resource=RoleResource, label=lambda entry: "%s" % entry.get("shortname"), account_options=("users",),
                  pending_lists=("users",))
