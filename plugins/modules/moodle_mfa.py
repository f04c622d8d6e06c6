#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_mfa
short_description: Switch Moodle's multi-factor authentication (tool_mfa) and configure its factors
version_added: 0.1.0
description:
  - Ensures Moodle's multi-factor authentication (tool_mfa, part of Moodle since 4.3) is on or off, which factors
    are enabled with which weight and settings, their order, and tool_mfa's own settings (C(lockout),
    C(redir_exclusions), C(debugmode), C(guidance), C(guidancecontent)).
  - Reads first and writes only what differs (each factor through its settings page
    C(admin/settings.php?section=factor_<name>), MFA itself on C(section=managemfa)), then reads back.
  - Unknown factors and unknown settings fail before any write, naming them and listing what the site offers
    (the factor table of the managemfa page, the fields of each factor's settings page).
  - >-
    The guard (O(lockout_check)): MFA applies at login. After a change that leaves MFA on, the module logs its own
    account in anew (a new session, no session cache). If Moodle sends that login to C(/admin/tool/mfa/auth.php),
    the change is reverted through the session the module still holds, and the task fails naming the factor that
    would let the automation through (for example C(iprange) with the controller's address as Moodle sees it). In
    check mode the same is predicted without writing; see docs/sign-in-mfa.md for what is predicted and what only
    the login proves.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the site, reports what would change and predicts whether the automation's login would be
      intercepted (refusing such a change); writes nothing.
  diff_mode:
    support: full
    description: Shows MFA, the factors, their order and the settings named, before and after.
options:
  enabled:
    description: MFA on (V(true)) or off (V(false)). Omitted leaves it as it is.
    type: bool
  factors:
    description:
      - Factors by name (C(iprange), C(auth), C(totp), C(email), C(nosetup), C(admin), C(role), C(capability),
        C(cohort), C(grace), C(sms), C(token), C(webauthn), as the site lists them), each a dict of
        C(enabled) (bool), C(weight) (int) and C(settings) (dict).
      - Setting names are those of the factor's settings page without C(s_factor_<name>_), for example iprange
        C(safeips) (a list of ranges), auth C(goodauth) (a list of auth plugin names), totp C(window) (seconds) and
        C(totplink), email C(duration) (seconds) and C(suspend).
      - Factors not named are left as they are.
    type: dict
    default: {}
  factor_order:
    description:
      - The order of the enabled factors (their names). Named factors are enabled; enabled factors not named
        follow in their current order. Omitted leaves the order as Moodle keeps it.
    type: list
    elements: str
  settings:
    description:
      - tool_mfa's own settings on the managemfa page, for example C(lockout) (attempts), C(redir_exclusions)
        (a list of URLs), C(debugmode), C(guidance), C(guidancecontent).
    type: dict
    default: {}
  lockout_check:
    description:
      - Prove after a change that leaves MFA on that the automation's own account still logs in (and revert the
        change if not); in check mode, predict it. Set V(false) only when the account is meant to be locked out.
    type: bool
    default: true
notes:
  - Needs a site administrator account (O(auth_method=password) or C(cas)); the task logs in through Moodle's login
    form, which MFA also guards.
seealso:
  - module: moodleops.auth.moodle_auth_plugin
"""

EXAMPLES = r"""
- name: MFA on; the automation passes through the IP range of the controller
  moodleops.auth.moodle_mfa:
    enabled: true
    factors:
      iprange:
        enabled: true
        weight: 100
        settings:
          safeips: [192.0.2.10/32]
      totp:
        enabled: true
        weight: 100
    factor_order: [iprange, totp]

- name: MFA off again
  moodleops.auth.moodle_mfa:
    enabled: false
"""

RETURN = r"""
mfa:
  description: MFA after the task (in check mode, as it would be).
  returned: success
  type: dict
  contains:
    enabled:
      description: Whether MFA is on.
      type: bool
    factors:
      description: Every factor the site offers, by name, with C(enabled), C(weight), C(order) (place among the
        enabled factors, null when disabled) and C(settings) (those named in the task).
      type: dict
    factor_order:
      description: The enabled factors in order.
      type: list
      elements: str
    settings:
      description: The tool_mfa settings named in the task.
      type: dict
  sample: {"enabled": true, "factor_order": ["iprange"], "settings": {},
           "factors": {"iprange": {"enabled": true, "weight": 100, "order": 1, "settings": {"safeips": ["127.0.0.1/32"]}}}}
login_check:
  description:
    - What the guard found. C(method) is C(prediction) (check mode, or no change) or C(login) (a fresh login proved
      it); C(passes), C(passing_factors) and C(weight) (what the automation gets without a code), C(address) (the
      controller's address as Moodle sees it). C(checked) is false when MFA ends up off or O(lockout_check=false).
  returned: success
  type: dict
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
from ansible_collections.moodleops.auth.plugins.module_utils.resources.mfa import MFA_OPTIONS, MfaResource


def main():
    moodle = MoodleModule(MFA_OPTIONS, name="moodle_mfa")
    moodle.converge(MfaResource)


if __name__ == "__main__":
    main()
