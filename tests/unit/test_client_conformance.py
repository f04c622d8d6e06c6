"""Client conformance: every page or answer the client (plugins/module_utils) reads, taken from the real Moodle
recordings in ../shared/moodle-fixtures (moodle-4.5.6 and moodle-5.1.3), parsed by the client's own code.

Each case (tests/unit/client_conformance/cases_*.py, format in that package's docstring) runs against each
version folder that has its exchange; the terminal summary prints
``client conformance: N/M recorded pages parsed as expected (moodle-<version>)``.

What the client reads (grep client.page/get/post/rest/ajax/transport.request/Page( in plugins/), and the
cases module covering it:

* auth.PasswordAuth (login page): GET login/index.php -> form#login + logintoken, M.cfg wwwroot (cases_login)
* auth.PasswordAuth (after the login POST): the login POST's redirects (testsession / back to login), the error page
  (p#loginerrormessage / alerts), the landing page's M.cfg userId + sesskey and footer release (cases_login)
* client.MoodleClient.get: an admin page without session redirects to login (cases_login)
* client.MoodleClient.page: HTML error pages (404 + p.errormessage) -> PageError (cases_login, cases_roles)
* page_parser.Page.mcfg/sesskey/user_id/release: logged-in pages, footer 'Version' line (cases_login)
* moodle.admin_settings.HttpSettings.section_form/read/available/write: admin/settings.php?section=...
  form#adminsettings, the save answer (303, or the form back on a bad sesskey), 'Section error!'
  (cases_admin_settings)
* moodle.webservice.HttpWebServices.protocols/set_protocol: webserviceprotocols toggle links, protocols.php answer
  (cases_webservice)
* moodle.services.parse_service_list, ExternalServices.edit_form/read_form/save/delete/functions/addable_functions/
  authorised_user_ids/change_users: externalservices tables, service.php form, service_functions.php list and
  add form (fids[]), service_users.php selectors (cases_services)
* moodle.users.Users.ids_for/usernames_for (client.ajax core_user_get_users_by_field) (cases_users)
* moodle.roles.Roles.list/definition/advanced_form/blank_definition/save/assigned_user_ids/delete:
  manage.php table, define.php preset + role forms, assign.php selectors and its refusal (cases_roles)
* moodle.tokens.parse_token_rows, AdminTokens.list/create/delete: tokens.php report (padded rows, pages), create form, the
  created token's value, 'not allowed for this service', access denied for non-admins (cases_tokens)
* moodle.tokens.token_from_login: login/token.php JSON (token / errorcode) (cases_tokens)
* moodle.auth_plugins.HttpAuthPlugins.read/set_enabled: manageauths enable/disable links in order, admin/auth.php
  answer (cases_auth_plugins)
* moodle.apilogin.ApiLogin.call/parse_answer/get_user/...: auth/apilogin/services.php JSON and the unpatched empty 500
  (cases_apilogin)
* moodle.userkey.request_login_url: auth_userkey_request_login_url's loginurl and refusals (cases_userkey)
* client.MoodleClient.rest: webservice/rest/server.php JSON (site info release) and its errors incl. 5.1's
  invalidrecordunknown; client.MoodleClient.ajax: lib/ajax/service.php answers and errors (cases_client)

The cases files line up with plugins/module_utils/moodle/<area>.py and tests/moodle_sim/pages/<area>*.py
(tests/unit/test_layout.py)."""

import pytest

from client_conformance.core import (
    VERSIONS,
    exchange_exists,
    fixtures_available,
    load_cases,
    record_result,
    recorded,
)

CASES = load_cases()
RUNS = [(case, version) for case in CASES for version in case.versions
        if version in VERSIONS and exchange_exists(version, case.name)]

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")


@pytest.mark.parametrize("case, version", RUNS, ids=["%s-%s" % (version, case.name) for case, version in RUNS])
def test_client_reads_recorded_page(case, version):
    passed = False
    try:
        case.check(recorded(version, case.name), version)
        passed = True
    finally:
        record_result(version, passed)


def test_every_case_names_a_recorded_exchange():
    """A typo in a case name must not silently drop the case."""
    unknown = [case.name for case in CASES if not any(exchange_exists(version, case.name) for version in case.versions)]
    assert unknown == []
    assert len(set((case.name, case.reads) for case in CASES)) == len(CASES)
