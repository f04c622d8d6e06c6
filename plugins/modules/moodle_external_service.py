#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_external_service
short_description: Manage a Moodle external service, its functions and its authorised users
version_added: 0.1.0
description:
  - Ensures an external service (Site administration > Server > Web services > External services) exists with
    the given settings, exactly the given functions (or at least them, with O(append=true)) and authorised users.
  - Built-in services (defined by a plugin, such as C(moodle_mobile_app) or auth_userkey's service) can be enabled,
    disabled and get authorised users, but cannot be deleted, renamed or have their functions redefined.
  - Unknown function names, usernames and capabilities fail before anything is written, all of them named.
  - Every write is verified by reading the service back.
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
    description: Shows the service's settings, functions and authorised users before and after.
options:
  name:
    description:
      - The service's name (unique on the site). Needed to create a service.
      - Finds services that have no shortname, such as auth_userkey's C(User key authentication web service).
    type: str
  shortname:
    description:
      - >-
        The service's shortname (what C(login/token.php) and tokens refer to). Set only at creation: Moodle does
        not let it change afterwards.
    type: str
  state:
    description: V(present) creates or updates the service, V(absent) deletes it (custom services only).
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description: >-
      Whether the service is enabled. Omitted: a new service is enabled, an existing one is left as it is.
    type: bool
  functions:
    description:
      - Web service function names. By default the service ends up with exactly these; with O(append=true) they
        are only added. Omitted leaves the functions untouched.
    type: list
    elements: str
  append:
    description: Only add O(functions) and O(authorised_users); never remove any.
    type: bool
    default: false
  restricted_users:
    description: Only authorised users may use the service.
    type: bool
  authorised_users:
    description:
      - Usernames authorised on a restricted service (exactly these, or at least these with O(append=true)).
        Omitted leaves them untouched. Needs a restricted service.
    type: list
    elements: str
  required_capability:
    description:
      - A capability users need to use the service (for example C(moodle/site:config)); an empty string means none.
        Omitted leaves it untouched.
    type: str
  can_download_files:
    description: Users can download files through the service.
    type: bool
  can_upload_files:
    description: Users can upload files through the service.
    type: bool
notes:
  - Needs a site administrator account (O(auth_method=password)).
  - For a brand-new service on a site without any custom service, function names can only be checked once the
    service exists; if some are unknown the new service is deleted again and the task fails naming them.
seealso:
  - module: moodleops.auth.moodle_token
  - module: moodleops.auth.moodle_webservice_enable
"""

EXAMPLES = r"""
- name: A restricted service for CI jobs
  moodleops.auth.moodle_external_service:
    name: CI bootstrap
    shortname: ci_bootstrap
    functions:
      - core_webservice_get_site_info
      - core_user_get_users_by_field
    restricted_users: true
    authorised_users: [teacher1]

- name: Authorise a service account on auth_userkey's built-in service (it has no shortname)
  moodleops.auth.moodle_external_service:
    name: User key authentication web service
    authorised_users: [sso_portal]
    append: true

- name: Remove the service
  moodleops.auth.moodle_external_service:
    shortname: ci_bootstrap
    state: absent
"""

RETURN = r"""
service:
  description: The service after the task (in check mode, as it would be); null when absent.
  returned: success
  type: dict
  contains:
    id:
      description: The service's id (null in check mode for a service not created yet).
      type: int
    name:
      description: Name.
      type: str
    shortname:
      description: Shortname, null when it has none.
      type: str
    builtin:
      description: Defined by a plugin.
      type: bool
    enabled:
      description: Enabled.
      type: bool
    restricted_users:
      description: Only authorised users may use it.
      type: bool
    required_capability:
      description: The capability required, null for none.
      type: str
    can_download_files:
      description: Downloads allowed.
      type: bool
    can_upload_files:
      description: Uploads allowed.
      type: bool
    functions:
      description: Function names, sorted.
      type: list
      elements: str
    authorised_users:
      description: Usernames of the authorised users, sorted.
      type: list
      elements: str
  sample: {"id": 3, "name": "CI bootstrap", "shortname": "ci_bootstrap", "builtin": false, "enabled": true,
           "restricted_users": true, "required_capability": null, "can_download_files": false,
           "can_upload_files": false, "functions": ["core_webservice_get_site_info"], "authorised_users": ["teacher1"]}
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
from ansible_collections.moodleops.auth.plugins.module_utils.services import NO_CAPABILITY, ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users

SETTING_FIELDS = (  # module option -> service form field
    ("enabled", "enabled"),
    ("restricted_users", "restrictedusers"),
    ("can_download_files", "downloadfiles"),
    ("can_upload_files", "uploadfiles"),
)


class ServiceTask:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        if not (self.params["name"] or self.params["shortname"]):
            raise InvalidInputError("Give name or shortname to say which service.")
        self.services = ExternalServices(moodle.client)
        self.users = Users(moodle.client)

    # -- reading -------------------------------------------------------------------------------------------------
    def find(self):
        return self.services.find(shortname=self.params["shortname"], name=self.params["name"])

    def read(self, service):
        if service is None:
            return None
        functions = self.services.functions(service)
        user_ids = self.services.authorised_user_ids(service) if service.settings["restrictedusers"] else set()
        return {
            "id": service.id, "name": service.name, "shortname": service.shortname, "builtin": service.builtin,
            "enabled": service.settings["enabled"], "restricted_users": service.settings["restrictedusers"],
            "required_capability": service.settings["requiredcapability"],
            "can_download_files": service.settings["downloadfiles"],
            "can_upload_files": service.settings["uploadfiles"],
            "functions": sorted(functions), "authorised_users": sorted(self.users.usernames_for(user_ids).values()),
        }

    # -- desired state ---------------------------------------------------------------------------------------------
    def desired(self, before):
        params = self.params
        after = dict(before) if before else {
            "id": None, "name": params["name"], "shortname": params["shortname"], "builtin": False,
            "enabled": True, "restricted_users": False, "required_capability": None,
            "can_download_files": False, "can_upload_files": False, "functions": [], "authorised_users": []}
        if params["name"]:
            after["name"] = params["name"]
        for option, _field in SETTING_FIELDS:
            if params[option] is not None:
                after[option] = params[option]
        if params["required_capability"] is not None:
            after["required_capability"] = params["required_capability"] or None
        if params["functions"] is not None:
            wanted = set(params["functions"])
            after["functions"] = sorted(wanted | set(after["functions"])) if params["append"] else sorted(wanted)
        if params["authorised_users"] is not None:
            wanted = set(name.strip().lower() for name in params["authorised_users"])
            after["authorised_users"] = sorted(wanted | set(after["authorised_users"])) if params["append"] \
                else sorted(wanted)
        return after

    def validate(self, before, after, service):
        params = self.params
        if before is None and not params["name"]:
            raise InvalidInputError("No service with shortname '%s' exists, and creating one needs its name."
                                    % params["shortname"], hint="Add name (the site has: %s)." % ", ".join(self.services.labels()))
        if before and before["builtin"]:
            frozen = [key for key in ("name", "restricted_users", "required_capability", "functions")
                      if before[key] != after[key]]
            if frozen:
                raise InvalidInputError(
                    "'%s' is a built-in service (defined by %s): its %s cannot be changed." % (
                        before["name"], service.component or "a plugin", ", ".join(frozen)),
                    hint="Built-in services can only be enabled or disabled and get authorised users.")
        if before and params["shortname"] and before["shortname"] != params["shortname"]:
            raise InvalidInputError("The shortname of '%s' is %s; Moodle does not let it change." % (
                before["name"], before["shortname"] or "empty"), hint="Remove shortname or create another service.")
        if after["authorised_users"] and not after["restricted_users"]:
            raise InvalidInputError("authorised_users needs a restricted service.", hint="Add restricted_users: true.")
        if after["required_capability"]:
            known = service.capabilities if service else self._new_form_capabilities()
            if after["required_capability"] not in known:
                raise InvalidInputError("required_capability %s is not a capability of this site." % after["required_capability"])
        if params["authorised_users"]:
            self.users.ids_for(after["authorised_users"], option="authorised_users")
        known = self._function_catalogue(service, before)
        if params["functions"] is not None and known is not None:
            missing = sorted(set(after["functions"]) - known)
            if missing:
                raise InvalidInputError("Unknown web service functions: %s." % ", ".join(missing),
                                        hint="Check the names (Site administration > Server > Web services > "
                                             "API Documentation); nothing was changed.")

    def _function_catalogue(self, service, before):
        """Every function name the site has, from an add-functions form (None when no custom service exists yet:
        built-in services have no such form)."""
        if self.params["functions"] is None:
            return None
        source = service if service is not None and not service.builtin else None
        if source is None:
            custom = [item for item in self.services.all() if not item.builtin]
            source = custom[0] if custom else None
        if source is None:
            return None
        return set(self.services.functions(source)) | set(self.services.addable_functions(source))

    def _new_form_capabilities(self):
        control = self.services.edit_form(0).control("requiredcapability")
        return set(value for value, _label, _sel in (control.options if control else ()))

    # -- writing ---------------------------------------------------------------------------------------------------
    def apply(self, before, after, service):
        form_changes = {}
        if before is None or before["name"] != after["name"]:
            form_changes["name"] = after["name"]
        if before is None and after["shortname"]:
            form_changes["shortname"] = after["shortname"]
        for option, field in SETTING_FIELDS:
            if before is None or before[option] != after[option]:
                form_changes[field] = after[option]
        if before is None or before["required_capability"] != after["required_capability"]:
            form_changes["requiredcapability"] = after["required_capability"] or NO_CAPABILITY
        if service is not None and service.builtin:
            form_changes.pop("name", None)
        if form_changes:
            service_id = self.services.save(service.id if service else 0, form_changes)
        else:
            service_id = service.id
        service = [item for item in self.services.all() if item.id == service_id][0]
        if before is None or before["functions"] != after["functions"]:
            self.apply_functions(service, before, after)
        if before is None or before["authorised_users"] != after["authorised_users"]:
            ids = self.users.ids_for(after["authorised_users"], option="authorised_users") if after["authorised_users"] else {}
            current = self.services.authorised_user_ids(service)
            self.services.change_users(service, add=set(ids.values()) - current,
                                       remove=current - set(ids.values()) if not self.params["append"] else ())
        self.services.forget()
        return service_id

    def apply_functions(self, service, before, after):
        current = self.services.functions(service)
        addable = self.services.addable_functions(service)
        unknown = sorted(set(after["functions"]) - set(current) - set(addable))
        if unknown:
            if before is None:  # created just now: nothing could be checked earlier
                self.services.delete(service)
            raise InvalidInputError("Unknown web service functions: %s." % ", ".join(unknown),
                                    hint="Check the names%s." % ("; the new service was deleted again" if before is None else ""))
        to_add = [addable[name] for name in after["functions"] if name not in current]
        if to_add:
            self.services.add_functions(service, to_add)
        if not self.params["append"]:
            for name, function_id in current.items():
                if name not in after["functions"]:
                    self.services.remove_function(service, function_id)

    def run(self):
        service = self.find()
        before = self.read(service)
        if self.params["state"] == "absent":
            return self.remove(service, before)
        after = self.desired(before)
        self.validate(before, after, service)
        changes = describe(before, after)
        if changes and not self.moodle.check_mode:
            service_id = self.apply(before, after, service)
            found = self.read([item for item in self.services.all() if item.id == service_id][0])
            wrong = [key for key in after if key != "id" and after[key] != found[key]]
            if wrong:
                raise WriteNotAppliedError("Moodle accepted the changes to '%s' but reading back shows different %s." % (
                    after["name"], ", ".join(wrong)))
            after = found
        result = {"changed": bool(changes), "changes": changes, "service": after}
        if changes:
            self.moodle.add_diff(result, before or {}, after)
        return result

    def remove(self, service, before):
        if service is None:
            return {"changed": False, "changes": [], "service": None}
        if service.builtin:
            raise InvalidInputError("'%s' is a built-in service (defined by %s) and cannot be deleted." % (
                service.name, service.component or "a plugin"), hint="Disable it with enabled: false instead.")
        if not self.moodle.check_mode:
            self.services.delete(service)
            if self.find() is not None:
                raise WriteNotAppliedError("Moodle answered the deletion of '%s' normally, but the service is still there." % service.name)
        result = {"changed": True, "changes": ["service %s: deleted" % service.label], "service": None}
        self.moodle.add_diff(result, before, {})
        return result


def describe(before, after):
    if before is None:
        return ["service %s: created" % (after["shortname"] or after["name"])] + [
            "function %s: added" % name for name in after["functions"]] + [
            "authorised user %s: added" % name for name in after["authorised_users"]]
    changes = []
    for key in ("name", "enabled", "restricted_users", "required_capability", "can_download_files", "can_upload_files"):
        if before[key] != after[key]:
            changes.append("%s: %s -> %s" % (key, before[key], after[key]))
    for key, label in (("functions", "function"), ("authorised_users", "authorised user")):
        changes.extend("%s %s: added" % (label, name) for name in after[key] if name not in before[key])
        changes.extend("%s %s: removed" % (label, name) for name in before[key] if name not in after[key])
    return changes


def main():
    moodle = MoodleModule(dict(
        name=dict(type="str"),
        shortname=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        enabled=dict(type="bool"),
        functions=dict(type="list", elements="str"),
        append=dict(type="bool", default=False),
        restricted_users=dict(type="bool"),
        authorised_users=dict(type="list", elements="str"),
        required_capability=dict(type="str"),
        can_download_files=dict(type="bool"),
        can_upload_files=dict(type="bool"),
    ))
    moodle.run(lambda: ServiceTask(moodle).run())


if __name__ == "__main__":
    main()
