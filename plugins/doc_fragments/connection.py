# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  url:
    description:
      - The Moodle site's address, exactly as its C($CFG->wwwroot) (scheme, host, port and path).
      - Moodle redirects every request to its wwwroot; when O(url) differs the module fails and names the
        canonical address instead of letting a form POST turn into a GET.
      - Falls back to the E(MOODLE_URL) environment variable.
      - Required for HTTP access; not needed by modules that have the option C(transport) when it is C(cli).
    type: str
  username:
    description:
      - Account to log in with (O(auth_method=password) or V(cas)). Admin modules need a site administrator.
      - Falls back to E(MOODLE_USERNAME).
    type: str
  password:
    description:
      - Password of O(username). Never shown in output, results, diffs or errors.
      - Falls back to E(MOODLE_PASSWORD).
    type: str
  token:
    description:
      - A web service token, for modules and calls that work with one (REST). Sent in POST bodies only.
      - Falls back to E(MOODLE_TOKEN).
    type: str
  auth_method:
    description:
      - How to authenticate. V(password) logs in through Moodle's login form (C(/login/index.php) with its
        logintoken) and checks the session positively. V(token) uses O(token) and opens no session.
        V(cas) signs a CAS account in as a browser does (for sites where the automation account itself is a CAS
        account) - C(/login/index.php?authCAS=CAS), Moodle's redirects to the CAS server, its login form with all
        its hidden fields (Apereo C(execution) and C(_eventId), older C(lt)), the ticket back to Moodle, and checks
        the session positively (C(M.cfg.userId)). It works with the site's auth_cas C(multiauth) on or off. CAS
        accounts cannot use C(login/token.php). auth_cas left Moodle core in 5.0 (separate plugin
        C(moodlehq/moodle-auth_cas)).
      - Default is V(token) when O(token) is given, else V(password).
    type: str
    choices: [password, cas, token]
  cas_url:
    description:
      - Base URL of the CAS server, for O(auth_method=cas), e.g. C(https://cas.example.edu/cas/). Falls back to
        E(MOODLE_CAS_URL).
      - When given, the password is sent only to this server; a Moodle that sends the sign-in elsewhere fails
        before the password leaves. When not given, the CAS server is the one Moodle's auth_cas sends the browser
        to.
      - O(validate_certs) and O(ca_path) apply to the CAS server too (a self-signed CAS certificate - put it in the
        O(ca_path) bundle).
    type: str
  validate_certs:
    description:
      - Verify the site's TLS certificate. Turn off only for test sites. Falls back to E(MOODLE_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (PEM) to verify the site's certificate with. Falls back to E(MOODLE_CA_PATH).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: int
    default: 30
  retries:
    description:
      - How many times a request that is safe to repeat (reads) is retried after a connection error or an
        HTTP 502, 503 or 504, with exponential backoff. Writes are never repeated.
    type: int
    default: 3
notes:
  - Put the connection options once under C(module_defaults) with C(group/moodleops.auth.moodle).
  - Results carry C(debug.http_requests) and C(debug.http_writes), the number of HTTP requests the task made
    and how many of them asked Moodle to change something.
  - Tested against Moodle 4.5 (LTS) and 5.1. On another release the task warns, naming the tested ones, and
    tries the pages as they are; a page that does not look as expected fails with one message naming the page,
    what was expected, what was found and the release (the traceback only at C(-vvv)).
requirements:
  - requests (on the host that runs the module, for HTTP)
"""

    TRANSPORT = r"""
options:
  transport:
    description:
      - How settings are read and written.
      - V(http) uses Moodle's admin pages as a logged-in site administrator (default).
      - >-
        V(cli) runs Moodle's own C(admin/cli/cfg.php) on the Moodle host itself. Run the task on that host as the
        web server user (C(become: true), C(become_user: www-data)). It needs only Python's standard library
        there, no C(requests). C(cfg.php) writes raw values without the side effects of the admin pages.
    type: str
    choices: [http, cli]
    default: http
  moodle_root:
    description:
      - With O(transport=cli), the directory holding Moodle's C(config.php) on the host.
    type: path
  php_executable:
    description:
      - With O(transport=cli), the PHP CLI binary.
    type: str
    default: php
"""
