#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_lti_platform
short_description: Moodle as an LTI 1.3 tool - the plugins it needs and a platform registration
version_added: 0.2.0
description:
  - Makes Moodle an LTI 1.3 (LTI Advantage) tool for a platform (another LMS). It ensures that the enrolment plugin
    C(enrol_lti) (Publish as LTI tool) and the authentication plugin C(auth_lti) are enabled and the site setting
    C(allowframembedding) is on (LTI launches show Moodle in a frame), and that a platform registration exists with
    the given platform details.
  - Returns the tool-side URLs the platform's administrator needs (launch, initiate login, JWKS, deep linking, and the
    dynamic registration URL), read from the registration's tool details tab.
  - The registration is found by O(name); when no registration has that name and O(platform_id) and O(client_id) are
    given, by issuer and client ID (it is then renamed). A second run changes nothing.
  - Without the platform details (only O(name)) the registration is created pending, which is how the registration
    starts. Hand the returned URLs to the platform, then run again with the details it gives back.
  - Which accounts LTI launches use is chosen per published resource (a course or activity published as an LTI
    tool, in the course's C(Published as LTI tools) page), not per registration; see the notes.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the site and reports what would change; writes nothing (a new registration's URLs are unknown).
  diff_mode:
    support: full
    description: Shows the plugins and the registration before and after.
options:
  name:
    description: The platform's name in Moodle (C(Platform name)); the registration's identity.
    type: str
    required: true
  state:
    description: V(present) creates or updates the registration, V(absent) deletes it (with its deployments).
    type: str
    choices: [present, absent]
    default: present
  platform_id:
    description: The platform's issuer (C(Platform ID (issuer))), as the platform states it, e.g. C(https://canvas.instructure.com).
    type: str
  client_id:
    description: The client ID the platform gave the tool.
    type: str
  authentication_request_url:
    description: The platform's OIDC authentication request URL.
    type: str
  jwks_url:
    description: The platform's public keyset (JWKS) URL.
    type: str
  access_token_url:
    description: The platform's OAuth 2 access token URL.
    type: str
  enable_plugins:
    description:
      - With V(true) (and O(state=present)) C(enrol_lti) and C(auth_lti) are enabled and C(allowframembedding) is
        switched on when they are not. With V(false) they are only reported.
    type: bool
    default: true
notes:
  - "Provisioning modes: C(auth_lti) creates or binds Moodle accounts at the first launch of a platform user, as chosen
    per published resource by its C(Provisioning mode) settings (one for instructors, one for learners):
    C(New accounts only (automatic)) = C(auth_plugin_lti::PROVISIONING_MODE_AUTO_ONLY) (1): a new account is created
    and bound to the platform user (issuer + subject); C(Existing and new accounts (prompt)) =
    C(PROVISIONING_MODE_PROMPT_NEW_EXISTING) (2): the user chooses to link an existing account or get a new one;
    C(Existing accounts only (prompt)) = C(PROVISIONING_MODE_PROMPT_EXISTING_ONLY) (3): the user must log in with an
    existing account to link it (for example for deep linking). This module does not publish resources."
  - The platform details form requires all five platform fields; give all of them or none.
  - Needs a site administrator account (O(auth_method=password) or V(cas)); there is no CLI transport for it.
seealso:
  - module: moodleops.auth.moodle_auth_plugin
  - name: Publish as LTI tool
    description: Moodle documentation.
    link: https://docs.moodle.org/405/en/Publish_as_LTI_tool
"""

EXAMPLES = r"""
- name: Register Canvas as an LTI 1.3 platform
  moodleops.auth.moodle_lti_platform:
    name: Canvas
    platform_id: https://canvas.instructure.com
    client_id: "10000000000042"
    authentication_request_url: https://sso.canvaslms.com/api/lti/authorize_redirect
    jwks_url: https://sso.canvaslms.com/api/lti/security/jwks
    access_token_url: https://sso.canvaslms.com/login/oauth2/token
  register: canvas

- name: Hand these to the platform's administrator
  ansible.builtin.debug:
    msg: "{{ canvas.tool }}"

- name: Start a registration (pending) to get the tool URLs first
  moodleops.auth.moodle_lti_platform:
    name: Brightspace

- name: Remove a registration
  moodleops.auth.moodle_lti_platform:
    name: Old platform
    state: absent
"""

RETURN = r"""
registration:
  description: The registration after the run (null when absent, or new in check mode).
  returned: always
  type: dict
  contains:
    id:
      description: Its id (C(regid)).
      type: int
    name:
      description: Platform name.
      type: str
    platform_id:
      description: Issuer.
      type: str
    client_id:
      description: Client ID.
      type: str
    authentication_request_url:
      description: Authentication request URL.
      type: str
    jwks_url:
      description: Public keyset URL.
      type: str
    access_token_url:
      description: Access token URL.
      type: str
    status:
      description: V(active) (all platform details set) or V(pending).
      type: str
tool:
  description: The tool-side URLs for the platform's administrator (null when the registration is absent).
  returned: always
  type: dict
  contains:
    launch_url:
      description: Tool URL (target link / redirection URI), C(/enrol/lti/launch.php).
      type: str
    login_url:
      description: Initiate login URL, C(/enrol/lti/login.php?id=...).
      type: str
    jwks_url:
      description: The tool's public keyset URL, C(/enrol/lti/jwks.php).
      type: str
    deep_linking_url:
      description: Deep linking URL, C(/enrol/lti/launch_deeplink.php).
      type: str
    registration_url:
      description: Dynamic registration URL, C(/enrol/lti/register.php?token=...).
      type: str
  sample:
    launch_url: https://moodle.example.edu/enrol/lti/launch.php
    login_url: https://moodle.example.edu/enrol/lti/login.php?id=4aee85873dd5
    jwks_url: https://moodle.example.edu/enrol/lti/jwks.php
    deep_linking_url: https://moodle.example.edu/enrol/lti/launch_deeplink.php
    registration_url: https://moodle.example.edu/enrol/lti/register.php?token=4aee85873dd5
plugins:
  description: C(enrol_lti), C(auth_lti) and C(allowframembedding) after the run.
  returned: always
  type: dict
  sample: {enrol_lti: true, auth_lti: true, allowframembedding: true}
changes:
  description: What was (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.lti_platform import (
    LTI_PLATFORM_OPTIONS,
    LtiPlatform,
)


def main():
    moodle = MoodleModule(LTI_PLATFORM_OPTIONS, name="moodle_lti_platform")
    moodle.converge(LtiPlatform)


if __name__ == "__main__":
    main()
