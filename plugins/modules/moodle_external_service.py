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

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.services import SERVICE_OPTIONS, ServiceResource


def main():
    moodle = MoodleModule(SERVICE_OPTIONS, name="moodle_external_service")
    moodle.converge(ServiceResource)


if __name__ == "__main__":
    main()
