#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_site_validate
short_description: Check a whole site description (moodle_site) before anything is applied
version_added: 0.1.0
description:
  - Validates a site description - the C(moodle_site) variable with the sections C(webservices), C(users),
    C(roles), C(services), C(tokens), C(auth_plugins) and C(apilogin) - against the collection's JSON Schema
    (draft 2020-12, shipped as C(meta/moodle_site.schema.json); every key is described in
    C(docs/site-description.md)).
  - Each section's entries take the options of their module (without the connection options), so a typo, a wrong
    type, a missing required option or a value outside an option's choices is found before the first request.
  - Also checks what a schema cannot express (O(semantic=true)) - duplicate usernames, role shortnames, service
    shortnames or names, auth plugins, apilogin match field values and token keys (C(user@service#name)); a role,
    service or token that refers to a user the description deletes (C(state=absent)); a token for a service the
    description deletes; a C(valid_until) that is neither a date (C(YYYY-MM-DD)) nor a number of seconds; a
    C(position) without C(state=enabled).
  - "Reports every problem at once, one line each, with its path (C(moodle_site.services[1].functions[0]: 42 is not
    of type 'string')), sorted by path (list indexes in numeric order). Secret values (C(password), C(secret), C(user_password), C(token), auth
    plugin settings named like a secret) are never shown, only that they are wrong."
  - Runs on the controller only; it needs no connection to the host and sends no request to Moodle.
author:
  - moodleops.auth contributors (@moodleops)
requirements:
  - jsonschema (Python package, on the controller - C(pip install jsonschema))
attributes:
  action:
    support: full
    description: An action plugin; all of its work happens on the controller.
  check_mode:
    support: full
    description: Validates the same way in check mode; it never changes anything.
  diff_mode:
    support: none
    description: Nothing to show a diff of.
options:
  site:
    description:
      - The site description, usually C("{{ moodle_site }}").
    type: raw
    required: true
  semantic:
    description:
      - Also check the rules the schema cannot express (duplicates, references to deleted users or services, dates).
    type: bool
    default: true
notes:
  - Values are checked as the modules will receive them; a YAML date counts as its C(YYYY-MM-DD) text, as Ansible
    passes it to modules. Quote dates in C(valid_until) all the same - with ansible-core 2.16 a date inside a
    variable turns the whole templated description into text (reported as such).
  - Keys the schema does not know are errors (C(additionalProperties) is false everywhere) - except the free-form
    maps C(roles[].capabilities) (capability to permission), C(auth_plugins[].settings) (setting to value) and
    C(users[].profile) custom fields C(profile_field_<shortname>).
seealso:
  - module: moodleops.auth.moodle_webservice_enable
  - module: moodleops.auth.moodle_role
  - module: moodleops.auth.moodle_external_service
  - module: moodleops.auth.moodle_token
  - module: moodleops.auth.moodle_auth_plugin
  - module: moodleops.auth.moodle_apilogin_user
"""

EXAMPLES = r"""
- name: Check the site description before applying it
  moodleops.auth.moodle_site_validate:
    site: "{{ moodle_site }}"

- name: Only the schema, not the cross-entry rules
  moodleops.auth.moodle_site_validate:
    site: "{{ moodle_site }}"
    semantic: false

- name: Collect the problems without failing the play
  moodleops.auth.moodle_site_validate:
    site: "{{ moodle_site }}"
  register: site_check
  ignore_errors: true

- name: Show them
  ansible.builtin.debug:
    var: site_check.problems
  when: not site_check.valid
"""

RETURN = r"""
valid:
  description: Whether the description has no problem.
  returned: when the validation ran
  type: bool
  sample: false
problems:
  description:
    - "Every problem, C(<path>: <what is wrong>), sorted by path (list indexes in numeric order); empty when valid."
    - Secret values are replaced by C(value hidden).
  returned: when the validation ran
  type: list
  elements: str
  sample:
    - "moodle_site.services[1].functions[0]: 42 is not of type 'string'"
    - "moodle_site.users[0].password: value hidden: is not of type 'string'"
    - "moodle_site.users[1].usrname: unknown key (did you mean 'username'?)"
sections:
  description: The sections present in the description, in the order they are applied.
  returned: when the validation ran
  type: list
  elements: str
  sample: [webservices, users, roles, services, tokens, auth_plugins, apilogin]
msg:
  description: A summary; when the description is invalid, every problem, one per line.
  returned: always
  type: str
  sample: "moodle_site is not valid (1 problem):\nmoodle_site.tokens[0].valid_until: '2027-13-01' is not a date (YYYY-MM-DD) or a number of seconds"
"""
