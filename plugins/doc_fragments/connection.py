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
      - It needs the scheme C(http://) or C(https://) and a host; a trailing slash is fine. The module fails
        before any request when O(url) names a page (C(.php)) or holds a C(?query) or C(#fragment).
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
      - Given as V(true) in the task with an C(http://) O(url), the module fails (plain HTTP has no certificate to
        verify). The default and E(MOODLE_VALIDATE_CERTS) (which the AWX credential type always sets) do not fail.
    type: bool
    default: true
  ca_path:
    description:
      - A CA bundle (PEM) to verify the site's certificate with. Falls back to E(MOODLE_CA_PATH).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer (at least 1).
    type: int
    default: 30
  retries:
    description:
      - How many times a request that is safe to repeat (reads) is retried after a connection error or an
        HTTP 502, 503 or 504, with exponential backoff. Writes are never repeated.
    type: int
    default: 3
  session_cache:
    description:
      - Keep the logged-in session (O(auth_method=password) or V(cas)) between tasks, so that a play logs in once
        per site and user instead of once per task. Falls back to E(MOODLE_SESSION_CACHE).
      - The session (its cookies and sesskey, never the password) is kept in one file of mode 0600 per site,
        user, auth method and password, in a directory of mode 0700 on the host that runs the module
        (C(sessions) in O(state_dir), or E(MOODLEOPS_SESSION_DIR)). The file name is a hash over the
        URL, O(username), O(auth_method), O(cas_url) and a PBKDF2 hash of O(password), so that another user, or a
        changed or wrong password, never reuses the session.
      - An entry unused for 30 minutes, or older than 8 hours, is not used. A session Moodle no longer accepts
        (a redirect to the login page, an C(invalidsesskey) or C(servicerequireslogin) answer) is dropped and
        the task logs in again once. A form POST Moodle refused that way is then sent again once, with the new
        sesskey; this is safe because Moodle checks the session before a page changes anything.
      - A cached session is not logged out at the end of the task; it ends with Moodle's C(sessiontimeout).
        Turn caching off with V(false); each task then logs in and logs out, as before.
    type: bool
    default: true
  state_dir:
    description:
      - The directory where the collection keeps its files on the host that runs the module, created with mode 0700.
        It holds C(sessions/) (O(session_cache)), C(locks/) (one lock file per site and object, so that forks changing
        one object take turns) and C(tokens.json) (the token store of C(moodleops.auth.moodle_token)).
        Falls back to E(MOODLEOPS_STATE_DIR), then C(~/.ansible/moodleops.auth).
      - When it cannot be created (a C(become_user) whose home is not writable, a read-only home), a private
        directory of the user under the system's temporary directory is used (C(moodleops.auth-<uid>), mode 0700,
        refused when another user owns it), with one warning; when that fails too, the session cache and the locks
        are off for the task, with one warning. The cli transport (modules that have it) keeps no state and never touches it.
      - An empty E(MOODLEOPS_STATE_DIR), like every empty E(MOODLE_*) variable (what AWX injects for a field left
        blank), counts as not set.
    type: path
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
