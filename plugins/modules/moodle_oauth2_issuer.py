#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_oauth2_issuer
short_description: One OAuth 2 service (issuer) of Moodle, with its endpoints and user field mappings
version_added: 0.3.0
description:
  - Creates, updates or deletes one OAuth 2 service of Moodle (Site administration > Server > OAuth 2 services,
    C(admin/tool/oauth2/issuers.php)), found by O(name). Moodle's login with it is the authentication plugin
    C(auth_oauth2), enabled with M(moodleops.auth.moodle_auth_plugin).
  - Reads first and writes only what differs (the issuer form, each endpoint, each user field mapping), then reads
    back. A second run changes nothing.
  - The client secret can be compared (Moodle's edit form shows it in clear), so a changed O(client_secret) is
    detected and written, an unchanged one is not. It never appears in the result, the changes, the diff or an
    error (shown as C(********)).
  - With O(base_url), Moodle discovers the endpoints when it creates the service (only then, never on edit), the
    Moodle server fetching C(<base_url>/.well-known/openid-configuration). When Moodle's curl security blocks
    it, Moodle keeps the service without endpoints; the module fails naming the admin settings
    C(curlsecurityblockedhosts) and C(curlsecurityallowedport) (section C(httpsecurity)). The next run that gives a
    O(base_url) finds that service (a base URL but no endpoint at all), deletes it and creates it again, so that
    discovery runs again.
  - Templates (O(service) other than V(custom)) are created from Moodle's template buttons (Google, Microsoft, ...)
    and always discover; without internet access from the Moodle server they fail the same way.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the site and reports what would change; writes nothing (a new service's id is unknown).
  diff_mode:
    support: full
    description: Shows the service before and after, the client secret masked.
options:
  name:
    description: The service's name in Moodle; its identity.
    type: str
    required: true
  state:
    description: V(present) creates or updates the service, V(absent) deletes it (with its endpoints and mappings).
    type: str
    choices: [present, absent]
    default: present
  service:
    description:
      - The template a new service is created from (the buttons of the list), or V(custom).
      - The type of an existing service cannot change.
    type: str
    choices: [custom, google, microsoft, facebook, nextcloud, linkedin, clever, moodlenet]
    default: custom
  client_id:
    description: The client ID the provider gave Moodle.
    type: str
  client_secret:
    description: The client secret the provider gave Moodle. Compared with what Moodle holds (its form shows it).
    type: str
  base_url:
    description:
      - The service base URL (the issuer); https only. On create, Moodle discovers the endpoints from it.
      - Changing it on an existing service does not discover again; delete the service (O(state=absent)) first.
    type: str
  image:
    description: Logo URL shown on the login page button.
    type: str
  show_on_login_page:
    description:
      - V(everywhere) = Login page and internal services (1), V(login_page) = Login page only (2), V(internal) =
        Internal services only (0, Moodle's default), V(smtp) = SMTP with XOAUTH2 only (3).
    type: str
    choices: [everywhere, login_page, internal, smtp]
  login_page_name:
    description: Name displayed on the login page (default the name).
    type: str
  system_email:
    description: SMTP email (for V(smtp)).
    type: str
  login_scopes:
    description: Scopes included in a login request (Moodle's default C(openid profile email)).
    type: str
  login_scopes_offline:
    description: Scopes included in a login request for offline access.
    type: str
  login_params:
    description: Additional parameters included in a login request (C(a=1&b=2)).
    type: str
  login_params_offline:
    description: Additional parameters included in a login request for offline access.
    type: str
  allowed_domains:
    description: Login domains (comma separated); empty allows every domain.
    type: str
  require_confirmation:
    description:
      - Require email verification. With V(false) and a login page service, Moodle requires the C(acceptrisk) box
        on every save; the module ticks it.
    type: bool
  basic_auth:
    description: Authenticate token requests via HTTP headers.
    type: bool
  enabled:
    description: Whether the service is enabled (the list's Enable / Disable).
    type: bool
  endpoints:
    description:
      - "Endpoints by name: C(authorization_endpoint), C(token_endpoint), C(userinfo_endpoint), ... (a name without
        C(_endpoint) gets it: C(authorization) is C(authorization_endpoint)) -> https URL."
    type: dict
  endpoints_mode:
    description:
      - V(append) adds the endpoints given and changes their URLs, keeping the others (the discovered ones).
      - V(exact) also deletes the endpoints not given (the discovered C(discovery_endpoint) too, unless given).
    type: str
    choices: [append, exact]
    default: append
  user_field_mappings:
    description: User field mappings, the provider's claim -> Moodle's user field (C(given_name) -> C(firstname)).
    type: dict
  user_field_mappings_mode:
    description: V(append) adds and changes the mappings given; V(exact) also deletes the others.
    type: str
    choices: [append, exact]
    default: append
notes:
  - Needs a site administrator account; there is no CLI transport for it.
  - Discovery runs on the Moodle server, with Moodle's curl security (C(curlsecurityblockedhosts),
    C(curlsecurityallowedport)); see docs/sign-in-oauth2.md.
  - The system account (C(Connect to a system account)) needs a browser login at the provider and is not managed.
seealso:
  - module: moodleops.auth.moodle_auth_plugin
  - name: OAuth 2 services
    description: Moodle documentation.
    link: https://docs.moodle.org/405/en/OAuth_2_services
"""

EXAMPLES = r"""
- name: A Keycloak realm as an OpenID Connect provider (endpoints discovered)
  moodleops.auth.moodle_oauth2_issuer:
    name: Keycloak
    base_url: https://sso.example.edu/realms/staff
    client_id: moodle
    client_secret: "{{ vault_keycloak_secret }}"
    show_on_login_page: everywhere
    require_confirmation: false
    login_page_name: Staff login
    user_field_mappings:
      preferred_username: username
  register: keycloak

- name: Enable OAuth 2 logins
  moodleops.auth.moodle_auth_plugin:
    name: oauth2
    state: enabled

- name: A provider without discovery, endpoints given
  moodleops.auth.moodle_oauth2_issuer:
    name: Legacy IdP
    client_id: moodle-client
    client_secret: "{{ vault_legacy_secret }}"
    show_on_login_page: login_page
    require_confirmation: true
    endpoints:
      authorization: https://idp.example.edu/authorize
      token: https://idp.example.edu/token
      userinfo: https://idp.example.edu/userinfo
    user_field_mappings:
      given_name: firstname
      family_name: lastname
      email: email

- name: Remove a service
  moodleops.auth.moodle_oauth2_issuer:
    name: Old IdP
    state: absent
"""

RETURN = r"""
issuer_id:
  description: The service's id (null when absent, or new in check mode).
  returned: always
  type: int
  sample: 1
issuer:
  description: The service after the run, the client secret shown as C(********) (null when absent, or new in check
    mode).
  returned: always
  type: dict
  sample:
    id: 1
    name: Keycloak
    service: custom
    client_id: moodle
    client_secret: "********"
    base_url: https://sso.example.edu/realms/staff
    show_on_login_page: everywhere
    require_confirmation: false
    enabled: true
endpoints:
  description: Its endpoints, name -> URL.
  returned: always
  type: dict
  sample: {authorization_endpoint: "https://sso.example.edu/realms/staff/protocol/openid-connect/auth"}
user_field_mappings:
  description: Its user field mappings, external claim -> Moodle user field.
  returned: always
  type: dict
  sample: {given_name: firstname, family_name: lastname, email: email}
login_url:
  description:
    - The login page button's URL, C(<url>/auth/oauth2/login.php?id=N), when Moodle offers the service for login
      (enabled, client ID and secret, login page, authorization, token and userinfo endpoints); else null.
    - Derived, not read from the logged-out login page; the button there adds the visitor's C(sesskey).
  returned: always
  type: str
  sample: https://moodle.example.edu/auth/oauth2/login.php?id=1
changes:
  description: What was (or in check mode would be) changed; never the secret.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.oauth2_issuers import (
    OAUTH2_ISSUER_OPTIONS,
    OAuth2Issuer,
)


def main():
    moodle = MoodleModule(OAUTH2_ISSUER_OPTIONS, name="moodle_oauth2_issuer")
    moodle.converge(OAuth2Issuer)


if __name__ == "__main__":
    main()
