#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_site
short_description: Apply a site description (every section) in one task, with one login
version_added: 0.2.0
description:
  - Converges the sections C(webservices), C(users), C(roles), C(services), C(tokens), C(auth_plugins),
    C(oauth2_issuers), C(apilogin), C(lti_platforms) and C(mfa) of a site description (docs/site-description.md) in
    one task, with one login and one connection, in that order.
  - Each entry is handled exactly as one task of its module would handle it (M(moodleops.auth.moodle_webservice_enable),
    M(moodleops.auth.moodle_user), M(moodleops.auth.moodle_role), M(moodleops.auth.moodle_external_service),
    M(moodleops.auth.moodle_token), M(moodleops.auth.moodle_auth_plugin), M(moodleops.auth.moodle_apilogin_user)
    once per user state, M(moodleops.auth.moodle_lti_platform), M(moodleops.auth.moodle_oauth2_issuer),
    M(moodleops.auth.moodle_mfa)) - the entry's keys are that module's
    options, checked the same way, read first and written only where they differ, every write read back.
    An idempotent re-run makes no write.
  - The first entry that fails ends the task (as a failing task ends a play), with a message naming the section,
    the entry's index and its name (for example C(roles[1] (ws_ci)) and then what went wrong); RV(sections) holds the entries done.
  - The roles moodleops.auth.webservices and moodleops.auth.sso apply their sections with this module.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: >-
      Reads the site and reports what would change; writes nothing. Entries that refer to accounts or services an
      earlier entry would create are checked without them (roles, services) or skipped (tokens), and say so.
  diff_mode:
    support: full
    description: One before/after per entry that changes (never a secret).
options:
  site:
    description:
      - The site description (the variable C(moodle_site) of the roles). Only the sections of O(sections) are read;
        C(webservices) takes C(enabled) (true, false) for that module's C(state) (present, absent).
      - Validate it first with M(moodleops.auth.moodle_site_validate); this module checks each entry as its module
        would, one after the other.
    type: dict
    required: true
  sections:
    description:
      - The sections to apply. They are always applied in the order of the choices; a section missing from
        O(site) is skipped.
    type: list
    elements: str
    choices: [webservices, users, roles, services, tokens, auth_plugins, oauth2_issuers, apilogin, lti_platforms, mfa]
    default: [webservices, users, roles, services, tokens, auth_plugins, oauth2_issuers, apilogin, lti_platforms, mfa]
  tokens_rotate:
    description: Rotate every token of the description that is not C(state=absent) (C(state=rotated)), instead of its state.
    type: bool
    default: false
  tokens_filter:
    description: Only the tokens whose key C(<user>@<service>[#<name>]) matches this regular expression (empty means all).
    type: str
    default: ""
notes:
  - >-
    RV(tokens) holds token values: put C(no_log: true) on the task. RV(changes), RV(sections) and the diff never
    hold a token value or a password.
  - Needs a site administrator account (O(auth_method=password)). C(users) entries log in with the connection's
    O(username) and O(password); their own C(username) and C(password) are the managed account's.
seealso:
  - module: moodleops.auth.moodle_site_validate
  - module: moodleops.auth.moodle_token
"""

EXAMPLES = r"""
- name: The web services side of the description, in one task
  moodleops.auth.moodle_site:
    site: "{{ moodle_site }}"
  register: site_result
  no_log: true  # RV(tokens)

- name: What changed (no secret)
  ansible.builtin.debug:
    msg: "{{ site_result.changes }}"

- name: Rotate the CI tokens only
  moodleops.auth.moodle_site:
    site: "{{ moodle_site }}"
    sections: [tokens]
    tokens_rotate: true
    tokens_filter: "^ci_bot@"
  no_log: true
"""

RETURN = r"""
sections:
  description:
    - Per section applied, one result per entry in the description's order (the entries done when the task failed).
    - Each has C(entry) (the username, shortname, name or C(user@service[#name]) of tokens), C(index), C(changed),
      C(changes), and the state keys its module returns (C(user), C(role), C(service), C(token_id), C(plugin),
      C(auth_order), C(web_services)...; never a token value); C(diff) with --diff when it changed; C(skipped) and
      C(msg) for a token left out; C(left_out) for accounts check mode left out of a role or service.
  returned: always
  type: dict
  sample: {"roles": [{"entry": "ws_ci", "index": 0, "changed": false, "changes": [], "role": {"shortname": "ws_ci"}}]}
changes:
  description: What changed (or would change in check mode), one line each, prefixed by the entry (C(roles[0] (ws_ci))).
  returned: always
  type: list
  elements: str
  sample: ["users[0] (ci_bot): created"]
tokens:
  description: >-
    The value of each token of the description that was not skipped and not C(state=absent), by key
    C(<user>@<service>[#<name>]) (null in check mode before creation). Sensitive.
  returned: always
  type: dict
report:
  description: >-
    The entries that changed (or would in check mode) or carry a message or a warning, in order, each with
    C(section), C(entry), C(changed), C(changes) and, when there is one, C(msg), C(warnings) (what the entry's module
    would have warned; ansible-core before 2.19 shows no warning of a C(no_log) task, so the roles print these),
    C(summary) (apilogin), C(tool) (LTI) and C(diff) (with --diff): what the roles show entry by entry. Never a
    secret.
  returned: always
  type: list
  elements: dict
  sample: [{"section": "users", "entry": "ci_bot", "changed": true, "changes": ["user ci_bot: created"]}]
requests:
  description: >-
    Per section applied, its C(objects) (entries; users for C(apilogin)), the HTTP C(requests) it made and how many
    of them were C(writes). A page is read once per task until the task writes, so a later section may make fewer
    requests thanks to an earlier one.
  returned: always
  type: dict
  sample: {"roles": {"objects": 2, "requests": 3, "writes": 0}}
debug:
  description: Request counts of this task.
  returned: always
  type: dict
  sample: {"http_requests": 42, "http_writes": 0, "transport": "http"}
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.site.apply import SITE_OPTIONS, SiteApply


def main():
    moodle = MoodleModule(SITE_OPTIONS, name="moodle_site")
    moodle.perform(SiteApply)


if __name__ == "__main__":
    main()
