#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_site_info
short_description: Read a live Moodle site back as a site description, with audit and security facts
version_added: 0.2.0
description:
  - Reads, without changing anything, the authentication side of a site and returns it in the shape of the site
    description (the C(moodle_site) variable, see C(docs/site-description.md)) as RV(description), plus the facts an
    audit needs (RV(site), every token, auth plugin and service), a short security report (RV(security)) and, given
    O(managed), what a description does not manage (RV(unmanaged)).
  - RV(description) holds web services and protocols; roles that are not Moodle's standard ones (capabilities set
    to allow, prevent or prohibit, users at system level); external services (custom ones with every setting,
    built-in ones with what can be set on them); tokens whose value this controller's O(token_store) keeps; auth
    plugins in order with their settings; and only the users the other sections refer to (a site has many users,
    the description manages the accounts the integration needs, not the user base).
  - Secrets are never returned. Secret auth plugin settings become placeholders C({{ vault_auth_<plugin>_<setting> }}),
    tokens fetched with method C(login) get C(user_password) C({{ vault_<user>_password }}); RV(placeholders)
    lists them. Users get no password (an existing account keeps its own with the default C(update_password=on_create)).
    Token values are never read.
  - RV(description) leaves out what equals Moodle's default, unless O(export_defaults) asks for everything; what
    it left out, how many and why is in RV(defaults_left_out).
  - Used by C(playbooks/export.yml) (onboarding an existing site) and C(playbooks/audit.yml).
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: The module only reads the site; with O(prune_token_store) check mode lists in RV(pruned) what it
      would remove from the token store and changes nothing.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
options:
  token_store:
    description:
      - The token store of C(moodleops.auth.moodle_token) on the host that runs this module. A token on the site
        becomes a RV(description) entry only when this store keeps its value (Moodle shows a value once, so
        C(moodle_token) can keep only tokens it created); the others are listed in RV(not_exported).
      - A store entry is paired with a token of the site only when token id, user, service and name all agree
        (usernames compared case-insensitively; an entry without a name owns a token of any name, as
        C(moodle_token) does). Entries of this site that pair with no token (after a restore from a backup Moodle
        gives old token ids to new tokens) are listed in RV(stale_store_entries) and RV(security).
      - Only the store's keys and token ids are read, never handed out.
      - Default C(tokens.json) in the state directory (O(state_dir), E(MOODLEOPS_STATE_DIR), C(~/.ansible/moodleops.auth)).
    type: path
  prune_token_store:
    description:
      - Remove this site's stale entries (RV(stale_store_entries)) from O(token_store), under the store's lock; an
        entry another task rewrote since it was read is left alone. Entries of other sites are never touched.
      - Reports C(changed=true) when it removed any (in check mode, when it would remove any), listed in RV(pruned).
      - A value removed is gone; the token it belonged to no longer exists on the site.
    type: bool
    default: false
  auth_settings:
    description:
      - Whose settings RV(description) carries. V(enabled) the enabled auth plugins (one page each), V(all) every
        installed one, V(none) none (order and state only).
      - auth_userkey's and auth_apilogin's settings are read for the security report whenever they are enabled.
    type: str
    choices: [enabled, all, none]
    default: enabled
  export_defaults:
    description:
      - Whether RV(description) also holds what equals Moodle's default. V(false) leaves out, and lists in
        RV(defaults_left_out), what follows.
      - Auth plugin settings equal to the default their settings page shows (the C(Default) line Moodle prints under
        each setting, read from the page the settings come from, so no request of its own). A setting whose page
        shows no default (auth_userkey's C(mappingfield)), or any setting of a page not in English, is kept.
      - User fields that are empty or as Moodle's add-user form (C(user/editadvanced.php?id=-1), one request) fills
        them in for a new account, such as C(profile.timezone=99), C(profile.maildisplay=2), an empty C(idnumber),
        C(force_password_change=false).
      - Disabled auth plugins left with no setting to write. Enabled ones are always listed, in the site's order.
      - Applied to the same site, either description changes nothing. Applied to another site, what was left out is
        not set there (a disabled plugin left out stays as that site has it).
      - V(true) writes everything read (the output before this option).
    type: bool
    default: false
  managed:
    description:
      - What a description manages, to report what it does not (RV(unmanaged)). Only names are read; give no
        secrets here (C(playbooks/audit.yml) passes only these keys).
    type: dict
    suboptions:
      tokens:
        description: Token entries (C(user), C(service), optional C(name)); an entry without name owns every token
          of the user on the service.
        type: list
        elements: dict
      services:
        description: Service entries (C(shortname) and/or C(name)), or their labels.
        type: list
        elements: raw
      webservices_services:
        description: The services C(webservices.services) enables.
        type: list
        elements: str
      auth_plugins:
        description: Auth plugin names.
        type: list
        elements: str
notes:
  - Needs a site administrator account (O(auth_method=password)); C(transport=cli) is not supported (services,
    roles and tokens are database records, not config).
  - auth_apilogin has no settings page (Moodle 4.2 and later), its C(allowipaddr) and C(apikey) live only in the
    config and are reported as unknown over HTTP.
  - The token report shows no creation time, RV(site.tokens)'s C(created) is known only for tokens in O(token_store).
  - Token values are never used, so a stale entry whose token id, user, service and name all happen to agree with a
    new token (the same user given a token of the same name on the same service after a restore, with the same id)
    cannot be told apart from the real one; C(moodle_token) with O(moodleops.auth.moodle_token#module:token_value)
    checks a value against the site.
  - Reading costs about 3 requests per service, 3 per custom role, 2 per exported user and one per token report page
    (30 tokens).
seealso:
  - module: moodleops.auth.moodle_info
  - module: moodleops.auth.moodle_site_validate
"""

EXAMPLES = r"""
- name: Read the site as a description
  moodleops.auth.moodle_site_info:
    url: https://moodle.example.edu
    username: admin
    password: "{{ vault_moodle_admin_password }}"
  register: found

- name: Write it (what playbooks/export.yml does, with the secrets as placeholders)
  ansible.builtin.copy:
    content: "{{ {'moodle_site': found.description} | ansible.builtin.to_nice_yaml(indent=2) }}"
    dest: site-description.yml
    mode: "0600"

- name: After a restore from a backup, remove the token store's entries of tokens that are gone
  moodleops.auth.moodle_site_info:
    url: https://moodle.example.edu
    username: admin
    password: "{{ vault_moodle_admin_password }}"
    auth_settings: none
    prune_token_store: true
  register: pruned

- name: Fail on high findings
  ansible.builtin.assert:
    that: found.security | selectattr('severity', 'equalto', 'high') | list | length == 0
    fail_msg: "{{ found.security | selectattr('severity', 'equalto', 'high') | map(attribute='message') | list }}"
"""

RETURN = r"""
description:
  description:
    - The site as a site description (C(moodle_site)); validates with C(moodleops.auth.moodle_site_validate) and,
      applied to the same site, changes nothing. Sections C(webservices), C(users), C(roles), C(services),
      C(tokens), C(auth_plugins), C(oauth2_issuers) (when the site has any; endpoints and mappings in C(exact) mode,
      the client secret as a vault placeholder listed in RV(placeholders)) and C(mfa) (every factor's state and
      weight, the settings of the enabled ones, their order); C(apilogin) users are identity data and are not
      exported. Without
      O(export_defaults), what equals Moodle's default is left out (RV(defaults_left_out)).
  returned: success
  type: dict
  sample:
    webservices: {enabled: true, protocols: [rest], exclusive: true, mobile: false, services: []}
    users: [{username: ci_bot, auth: webservice, firstname: CI, lastname: Bot, email: ci-bot@example.edu,
             profile: {department: IT}}]
    roles: [{shortname: ws_ci, name: CI web services, description: "", archetype: "", context_levels: [system],
             capabilities: {webservice/rest:use: allow}, exclusive: true, users: [ci_bot]}]
    services: [{shortname: ci_bootstrap, name: CI bootstrap, enabled: true, functions: [core_webservice_get_site_info],
                restricted_users: true, authorised_users: [ci_bot], required_capability: "",
                can_download_files: false, can_upload_files: false}]
    tokens: [{user: ci_bot, service: ci_bootstrap, name: ci, valid_until: "2027-06-30", ip_restriction: 10.0.0.0/8}]
    auth_plugins: [{name: userkey, state: enabled, settings: {iprestriction: "1", mappingfield: username}},
                   {name: apilogin, state: enabled}]
site:
  description: Facts for an audit, beyond what a description holds.
  returned: success
  type: dict
  contains:
    wwwroot:
      description: The site's address.
      type: str
    release:
      description: The release, as the site prints it.
      type: str
    web_services:
      description: C(enabled), C(mobile) and C(protocols) (name to enabled).
      type: dict
    auth_plugins:
      description:
        - C(enabled) (in order), C(available), C(always_enabled), C(settings) (plugin to its settings as read,
          secret ones left out), C(secret_settings) (plugin to the names of its secret settings),
          C(settings_unknown) (plugins without a settings page).
      type: dict
    services:
      description: Every external service with id, name, shortname, builtin, component, enabled, restricted_users,
        authorised_users, required_capability, can_download_files, can_upload_files, functions (null for built-in).
      type: list
      elements: dict
    roles:
      description: Every role (id, shortname, name, builtin; users for exported roles).
      type: list
      elements: dict
    tokens:
      description:
        - Every token on the site, never its value, with id, user, user_id, user_fullname, service (shortname, or
          name), service_name, name, ip_restriction, valid_until (YYYY-MM-DD or null), valid_until_text, expired,
          last_access (as shown, null for never), creator, created (from the token store, else null, as the report does
          not show it), missing_capabilities, value_in_token_store, method.
      type: list
      elements: dict
    oauth2_issuers:
      description:
        - Every OAuth 2 issuer with id, name, service, enabled, show_on_login_page, require_confirmation, basic_auth,
          allowed_domains and the other form fields, endpoints (name to URL), user_field_mappings (claim to field),
          client_secret_set (whether one is set; never the secret).
      type: list
      elements: dict
    mfa:
      description:
        - Multi-factor authentication (tool_mfa) - C(enabled), C(factors) (name to enabled, weight and, for an
          enabled factor, its settings), C(factor_order) (the enabled factors in order); null without tool_mfa.
      type: dict
security:
  description:
    - Findings of what real sites get wrong, each with C(check), C(severity) (high, medium, low, info), C(subject)
      and C(message). Checks are C(token_no_expiry), C(token_expired), C(token_no_ip_restriction),
      C(token_store_stale_entry) (low, subject C(token_store entry <key>), for each entry of RV(stale_store_entries)
      not pruned),
      C(mobile_web_service_on), C(service_not_restricted), C(userkey_iprestriction_off) and
      C(userkey_iprestriction_unknown), C(apilogin_allowipaddr_empty) and C(apilogin_allowipaddr_unknown),
      C(oauth2_email_unconfirmed) (high), C(oauth2_login_button_no_endpoints), C(oauth2_login_button_disabled),
      C(mfa_off) and C(mfa_iprange_everything) (high).
  returned: success
  type: list
  elements: dict
  sample: [{check: token_no_expiry, severity: medium, subject: "token 3 (ci_bot on ci_bootstrap, ci)",
            message: "never expires (valid until: none): give tokens a valid_until and rotate them"}]
placeholders:
  description: The placeholders RV(description) holds instead of secrets (C(variable), C(path), C(what)).
  returned: success
  type: list
  elements: dict
  sample: [{variable: vault_jteacher_password, path: "tokens[user=jteacher].user_password",
            what: "the password of jteacher (method: login fetches the token with it)"}]
defaults_left_out:
  description:
    - What RV(description) leaves out as Moodle's default (O(export_defaults=false); all empty with
      O(export_defaults=true)).
    - C(users) (username to the keys left out), C(user_fields) (how many), C(users_why); C(auth_settings) (plugin to
      the settings left out), C(auth_setting_count), C(auth_settings_why); C(auth_plugins) (the disabled plugins left
      out), C(auth_plugins_why).
  returned: success
  type: dict
  sample: {users: {ci_bot: [city, country, timezone, description, idnumber, force_password_change]}, user_fields: 6,
           users_why: "empty, or as Moodle's add-user form (user/editadvanced.php?id=-1) fills them in for a new
           account (there: maildisplay 2, timezone 99, the rest empty)",
           auth_settings: {userkey: [createuser, redirecturl]}, auth_setting_count: 2,
           auth_settings_why: "equal to the default Moodle shows under them on their settings page ...",
           auth_plugins: [db, email], auth_plugins_why: "disabled, and no settings written for them ..."}
not_exported:
  description: Objects of the site RV(description) leaves out, each with C(kind), what identifies it and C(reason).
  returned: success
  type: list
  elements: dict
stale_store_entries:
  description:
    - Entries of O(token_store) for this site that belong to no token of the site, as read (before any pruning).
      Their token id is gone or now names another token (another user, service or name), or (method C(login)) the
      user has no token on the service. They are not exported.
    - Each has C(key) (C(<url>|<user>|<service>|<name>)), C(user), C(service), C(name), C(token_id), C(method),
      C(created), C(reason) and C(pruned) (removed by O(prune_token_store)); never the value.
  returned: success
  type: list
  elements: dict
  sample: [{key: "https://moodle.example.edu|ci_bot|ci_bootstrap|", user: ci_bot, service: ci_bootstrap, name: null,
            token_id: 1, method: admin, created: "2026-03-02T09:14:00Z", pruned: false,
            reason: "token 1 on the site is another token now: a6_bot's on a6_integration"}]
pruned:
  description: The keys O(prune_token_store) removed from O(token_store) (in check mode, would remove); empty without
    it.
  returned: success
  type: list
  elements: str
  sample: ["https://moodle.example.edu|ci_bot|ci_bootstrap|"]
unmanaged:
  description:
    - With O(managed), what it does not manage but matters for security; C(tokens) (no entry owns them),
      C(services) (enabled and not listed), C(auth_plugins) (enabled and not listed).
  returned: when managed is given
  type: dict
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.site.info import SITE_INFO_OPTIONS, SiteInfo


def main():
    moodle = MoodleModule(SITE_INFO_OPTIONS, name="moodle_site_info")
    moodle.perform(SiteInfo)


if __name__ == "__main__":
    main()
