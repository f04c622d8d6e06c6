#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_token
short_description: Ensure a Moodle web service token exists for a user on a service, and return it
version_added: 0.1.0
description:
  - Ensures one web service token exists for O(user) on O(service) (and O(name) when given), and returns its
    value in RV(token). A re-run creates no second token and returns the same value with C(changed=false).
  - Moodle 4.3 and later show a token's value only once, when it is created. The module keeps the values it
    created in O(token_store), a JSON file (mode 0600) on the host that runs the module. A matching token that
    exists in Moodle but not in the store makes the task fail naming O(state=rotated); the module never silently
    mints a second token.
  - O(state=rotated) deletes the matching tokens and creates one new token. O(state=absent) deletes them.
  - After creating a token, the module proves it works by calling C(core_webservice_get_site_info) with it when
    the service offers that function.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the site and the store and reports what would change; creates and deletes nothing.
  diff_mode:
    support: full
    description: Shows the matching tokens (ids, names; never values) before and after.
options:
  user:
    description: Username of the token's owner.
    type: str
    required: true
  service:
    description: The external service, by shortname, or by name for services that have none.
    type: str
    required: true
  state:
    description:
      - V(present) ensures a token exists (idempotent); V(rotated) replaces the matching tokens by one new token
        (always a change); V(absent) deletes them.
    type: str
    choices: [present, rotated, absent]
    default: present
  method:
    description:
      - V(admin) creates the token on the admin page C(admin/webservice/tokens.php) with the site administrator
        account of the connection options.
      - V(login) asks C(login/token.php) with the user's own password (O(user_password)); Moodle then returns the
        user's existing token for the service, or creates one when the user may (C(moodle/webservice:createtoken),
        or the mobile service). Deleting tokens (O(state=absent), V(rotated)) still uses the admin account.
    type: str
    choices: [admin, login]
    default: admin
  user_password:
    description: The password of O(user), for O(method=login).
    type: str
  name:
    description:
      - The token's name (Moodle 4.3 and later). Matching then also uses the name; without it Moodle picks a
        random one and any token of the user on the service matches.
    type: str
  ip_restriction:
    description: IP addresses or ranges allowed to use the token, as Moodle takes them (C(10.0.0.0/8,192.0.2.1)).
    type: str
  valid_until:
    description:
      - When the token expires, as a date (C(YYYY-MM-DD)) or a number of seconds from now. Omitted means no expiry
        (Moodle 4.5's form would pre-select 30 days; the module does not).
    type: str
  token_store:
    description: The JSON file that keeps created token values, on the host that runs the module.
    type: path
    default: ~/.ansible/moodleops.auth/tokens.json
  verify:
    description: Prove a new token works with C(core_webservice_get_site_info) (when the service offers it).
    type: bool
    default: true
notes:
  - >-
    RV(token) is a secret. The module never prints it, but a registered result holds it: put C(no_log: true) on
    the task, and protect O(token_store) like any credential file.
  - >-
    Run the module where the store should live (usually the controller, C(delegate_to: localhost)).
  - The "Missing capabilities" column of Moodle's token list never mentions C(webservice/rest:use); the
    verification call catches a user who lacks it.
seealso:
  - module: moodleops.auth.moodle_external_service
  - module: moodleops.auth.moodle_role
"""

EXAMPLES = r"""
- name: A token for the CI account
  moodleops.auth.moodle_token:
    user: teacher1
    service: ci_bootstrap
    name: ci-teacher1
  register: ci_token
  no_log: true

- name: Use it
  ansible.builtin.uri:
    url: "{{ moodle_url }}/webservice/rest/server.php"
    method: POST
    body_format: form-urlencoded
    body:
      wstoken: "{{ ci_token.token }}"
      wsfunction: core_webservice_get_site_info
      moodlewsrestformat: json
  no_log: true

- name: Rotate it
  moodleops.auth.moodle_token:
    user: teacher1
    service: ci_bootstrap
    name: ci-teacher1
    state: rotated
  register: ci_token
  no_log: true

- name: The user's own token through login/token.php
  moodleops.auth.moodle_token:
    user: teacher1
    user_password: "{{ teacher_password }}"
    service: moodle_mobile_app
    method: login
  register: mobile_token
  no_log: true
"""

RETURN = r"""
token:
  description: The token's value. Sensitive. Null with O(state=absent) and in check mode before creation.
  returned: success
  type: str
token_id:
  description: The token's id in Moodle, where the admin page shows it.
  returned: success
  type: int
  sample: 7
user_id:
  description: The user's id.
  returned: success
  type: int
service:
  description: The service the token is for.
  returned: success
  type: dict
  sample: {"id": 3, "name": "CI bootstrap", "shortname": "ci_bootstrap"}
verified:
  description: Whether the new token answered C(core_webservice_get_site_info).
  returned: success
  type: bool
changes:
  description: What changed (or would change), one line each; never token values.
  returned: success
  type: list
  elements: str
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

import datetime
import re
import time

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    InvalidInputError,
    WebServicesDisabledError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.services import ExternalService, ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import TokenStore, store_key
from ansible_collections.moodleops.auth.plugins.module_utils.tokens import AdminTokens, token_from_login
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.webservice import HttpWebServices

SITE_INFO = "core_webservice_get_site_info"


def parse_valid_until(value):
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if re.match(r"^\d+$", value):
        return datetime.date.fromtimestamp(time.time() + int(value))
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInputError("valid_until %r is neither a date (YYYY-MM-DD) nor a number of seconds." % value)


class TokenTask:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        self.valid_until = parse_valid_until(self.params["valid_until"])
        if self.valid_until is not None and self.valid_until <= datetime.date.today():
            raise InvalidInputError("valid_until %s is not in the future." % self.valid_until)
        if self.params["method"] == "login" and self.params["state"] != "absent" and not self.params["user_password"]:
            raise InvalidInputError("method: login needs user_password (the password of %s)." % self.params["user"])
        moodle.redact.add(self.params["user_password"])
        self.client = moodle.client
        self.store = TokenStore(self.params["token_store"])
        self.services = ExternalServices(self.client)
        self.admin_tokens = AdminTokens(self.client)

    def resolve(self):
        self.user_id = Users(self.client).ids_for([self.params["user"]], option="user")[self.params["user"].strip().lower()]
        self.service = self.services.find(shortname=self.params["service"])
        if self.service is None:
            raise InvalidInputError("External service '%s' does not exist on the site." % self.params["service"],
                                    hint="Give its shortname, or its name if it has none. The site has: %s."
                                         % ", ".join(self.services.labels()))
        self.key = store_key(self.client.base_url, self.params["user"].strip().lower(), self.service.label,
                             self.params["name"])

    def matching(self):
        """The user's tokens on the service; remembers every token id listed, so a new one can be told apart."""
        rows = self.admin_tokens.list()
        self.listed_ids = set(row.id for row in rows)
        return [row for row in rows if row.is_for(self.user_id, self.service, self.params["name"])]

    def require_rest(self):
        web = HttpWebServices(self.client, self.moodle.settings)
        enabled, _mobile = web.switches()
        if not enabled or not web.protocols().get("rest"):
            raise WebServicesDisabledError(
                "Web services%s are off: a token would not answer (REST gives HTTP 403)." % (
                    "" if not enabled else " over REST"),
                hint="Run moodleops.auth.moodle_webservice_enable (state: present, protocols: [rest]) first.")

    def run(self):
        state = self.params["state"]
        if self.params["method"] == "login" and state == "present":
            return self.present_by_login()
        self.resolve()
        if state != "absent":
            self.require_rest()
        before = self.matching() if self.params["method"] == "admin" or state != "present" else []
        if state == "absent":
            return self.absent(before)
        if state == "rotated":
            return self.rotated(before)
        return self.present(before)

    def result(self, changed, changes, token, token_id, before, after_rows, verified=False):
        result = {"changed": changed, "changes": changes, "token": token, "token_id": token_id,
                  "user_id": self.user_id, "verified": verified,
                  "service": {"id": self.service.id, "name": self.service.name, "shortname": self.service.shortname}}
        if changed:
            self.moodle.add_diff(result, {"tokens": [row.as_dict() for row in before]}, {"tokens": after_rows})
        self.moodle.reveal(token)
        return result

    def present(self, before):
        entry = self.store.get(self.key)
        known = [row for row in before if entry and row.id == entry.get("token_id")]
        if known:
            self.moodle.redact.add(entry["token"])
            return self.result(False, [], entry["token"], known[0].id, before, [known[0].as_dict()])
        if before:
            raise InvalidInputError(
                "%d token(s) of %s for service %s exist in Moodle (id %s), but their value is not in token_store %s; "
                "Moodle shows a token's value only once." % (len(before), self.params["user"], self.service.label,
                                                             ", ".join(str(row.id) for row in before), self.store.path),
                hint="Use state: rotated to replace them with a new token whose value the module keeps.")
        if entry:
            self.store.drop(self.key)  # deleted in Moodle since: stale
        return self.create(before, ["token for %s on %s: created" % (self.params["user"], self.service.label)])

    def create(self, before, changes):
        if self.moodle.check_mode:
            return self.result(True, changes, None, None, before, [{"id": None, "name": self.params["name"]}])
        known_ids = self.listed_ids  # read just before: by run() for present, by delete() for rotated
        token = self.admin_tokens.create(self.user_id, self.service.id, self.params["name"],
                                         self.params["ip_restriction"], self.valid_until)
        created = [row for row in self.matching() if row.id not in known_ids]
        token_id = created[0].id if created else None
        self.store.put(self.key, {"token": token, "token_id": token_id, "user": self.params["user"],
                                  "service": self.service.label, "name": self.params["name"],
                                  "created": int(time.time())})
        if created and created[0].missing_capabilities:
            self.moodle.module.warn("The token's user lacks capabilities the service's functions need: %s."
                                    % ", ".join(created[0].missing_capabilities))
        verified = self.verify(token)
        return self.result(True, changes, token, token_id, before, [row.as_dict() for row in created], verified)

    def verify(self, token):
        if not self.params["verify"]:
            return False
        try:
            self.client.rest(SITE_INFO, token=token, read_only=True)
            return True
        except AccessDeniedError:
            if SITE_INFO not in self.services.functions(self.service):
                return False
            raise AccessDeniedError(
                "The new token (kept in token_store) is refused by REST: %s cannot use service %s." % (
                    self.params["user"], self.service.label), errorcode="accessexception",
                hint="Give the user webservice/rest:use through a role (moodleops.auth.moodle_role), and check that "
                     "the service is enabled and, if restricted, that the user is authorised on it.")

    def rotated(self, before):
        if not self.moodle.check_mode:
            self.delete(before)
        changes = ["token %s (%s): deleted" % (row.id, row.name) for row in before]
        changes.append("token for %s on %s: created" % (self.params["user"], self.service.label))
        return self.create(before, changes)

    def absent(self, before):
        if before and not self.moodle.check_mode:
            self.delete(before)
        if not self.moodle.check_mode:
            self.store.drop(self.key)
        changes = ["token %s (%s): deleted" % (row.id, row.name) for row in before]
        return self.result(bool(before), changes, None, None, before, [])

    def delete(self, rows):
        for row in rows:
            self.admin_tokens.delete(row.id)
        left = [row.id for row in self.matching() if row.id in set(r.id for r in rows)]
        if left:
            raise WriteNotAppliedError("Moodle answered normally but tokens %s still exist." % left)
        self.store.drop(self.key)

    def present_by_login(self):
        """Only the user's own credentials: no admin page, no user or service lookup."""
        self.user_id = None
        self.service = ExternalService(None, None, None, False, shortname=self.params["service"])
        self.key = store_key(self.client.base_url, self.params["user"].strip().lower(), self.params["service"],
                             self.params["name"])
        entry = self.store.get(self.key)
        changes = ["token for %s on %s: fetched" % (self.params["user"], self.params["service"])]
        if self.moodle.check_mode:
            if entry:
                self.moodle.redact.add(entry["token"])
            return self.result(entry is None, changes if entry is None else [], entry["token"] if entry else None,
                               None, [], [])
        token = token_from_login(self.client, self.params["user"], self.params["user_password"], self.params["service"])
        changed = not entry or entry.get("token") != token
        if changed:
            self.store.put(self.key, {"token": token, "token_id": None, "user": self.params["user"],
                                      "service": self.params["service"], "name": self.params["name"],
                                      "created": int(time.time())})
        verified = False
        if changed and self.params["verify"]:
            try:
                info = self.client.rest(SITE_INFO, token=token, read_only=True)
                self.user_id, verified = info.get("userid"), True
            except AccessDeniedError as error:
                self.moodle.module.warn("Could not verify the token with %s: %s" % (SITE_INFO, self.moodle.redact(str(error))))
        return self.result(changed, changes if changed else [], token, None, [], [], verified)


def main():
    moodle = MoodleModule(dict(
        user=dict(type="str", required=True),
        service=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "rotated", "absent"]),
        method=dict(type="str", default="admin", choices=["admin", "login"]),
        user_password=dict(type="str", no_log=True),
        name=dict(type="str"),
        ip_restriction=dict(type="str"),
        valid_until=dict(type="str"),
        token_store=dict(type="path", default="~/.ansible/moodleops.auth/tokens.json", no_log=False),
        verify=dict(type="bool", default=True),
    ))
    moodle.run(lambda: TokenTask(moodle).run())


if __name__ == "__main__":
    main()
