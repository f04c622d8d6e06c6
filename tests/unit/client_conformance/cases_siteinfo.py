"""moodle_site_info (module_utils/site/export.py and findings.py; the token report through moodle/tokens.py) on
every page it reads, from the real 4.5.6 and 5.1.3 recordings:
the token report with its other columns, auth plugin settings pages (and the page auth_apilogin does not have),
the auth order read into auth_plugins entries, roles, users and services read into description entries, the
switches and protocols. Expected values come from index.json facts and the raw text, never from the parsers."""

import datetime
import re

from client_conformance.core import (
    Case,
    client_on,
    form_field,
    raw_hrefs,
    raw_input_value,
    recorded,
)
from client_conformance.cases_admin_settings import raw_setting_values, raw_settings_form

from ansible_collections.moodleops.auth.plugins.module_utils.moodle import tokens
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import is_secret_setting
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.roles import RoleDefinition, is_capability
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.services import ExternalService, ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.site import export, findings
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import users as ua
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import HttpWebServices


def _date_oracle(text):
    """'21 December 2026, 12:00 AM' -> '2026-12-21' with strptime (independent of parse_report_date)."""
    if not text:
        return None
    return datetime.datetime.strptime(text.split(",")[0].strip(), "%d %B %Y").date().isoformat()


# ------------------------------------------------------------------------------------------------ token report
def token_report(rec, version):
    rows = tokens.parse_token_rows(rec.page)
    ids = [int(value) for value in re.findall(r'tokens\.php\?[^"]*tokenid=(\d+)', rec.text.replace("&amp;", "&"))]
    assert [row.id for row in rows] == list(dict.fromkeys(ids))
    assert all(isinstance(row, tokens.TokenRow) for row in rows)
    expected = (rec.facts.get("report_rows") or [])[1:]
    if expected:
        header = rec.facts["report_rows"][0]
        assert header[6].startswith("Last access") and header[7].startswith("Creator")
        assert [row.name for row in rows] == [cells[0] for cells in expected]
        assert [row.user_fullname for row in rows] == [cells[1] for cells in expected]
        assert [row.email for row in rows] == [cells[2] or None for cells in expected]
        assert [row.last_access for row in rows] == [None if cells[6] == "Never" else cells[6] for cells in expected]
        assert [row.creator for row in rows] == [cells[7] for cells in expected]
        assert [row.valid_until_date for row in rows] == [_date_oracle(cells[5]) for cells in expected]
        assert [row.ip_restriction for row in rows] == [cells[4] or None for cells in expected]
    for row in rows:  # every date the report shows is read as one; 'This token has no expiry date.' is none
        if row.valid_until and re.search(r"\d{4}", row.valid_until):
            assert row.valid_until_date == _date_oracle(row.valid_until)
        else:
            assert row.valid_until_date is None
            assert row.valid_until in (None, "This token has no expiry date.")


def token_report_site(rec, version):
    """SiteReader.read_tokens on the report: owners through core_user_get_users_by_field, services by name cell,
    nothing in the token store -> every token in not_exported and no description entry, no value anywhere."""
    rows = tokens.parse_token_rows(rec.page)
    ajax = recorded(version, "f09-ajax-users-by-field")
    client = client_on(version, rec, ajax)
    reader = export.SiteReader(client, None, Redactor(), token_store="/nonexistent/tokens.json")
    services = [{"id": 3, "name": "CI bootstrap", "shortname": "ci_bootstrap"},
                {"id": 1, "name": "Moodle mobile web service", "shortname": "moodle_mobile_app"}]
    if len(set(row.user_id for row in rows)) > 1 or not rows:
        return  # the recorded AJAX answer names one user set; the single-owner reports are enough here
    found = reader.read_tokens(services)
    assert found["description"] == []
    assert [token["id"] for token in found["site"]] == [row.id for row in rows]
    assert len(reader.not_exported) == len(rows)
    values = re.findall(r"\b[0-9a-f]{32}\b", rec.text)
    assert not any(value in repr(found) for value in values)


def report_date(rec, version):
    """parse_report_date on every 'Valid until' cell of the report (and 'Never'/empty as no date)."""
    for cells in (rec.facts.get("report_rows") or [])[1:]:
        assert tokens.parse_report_date(cells[5]) == _date_oracle(cells[5])
        assert tokens.parse_report_date(cells[6]) == (None if cells[6] == "Never" else _date_oracle(cells[6]))


# ------------------------------------------------------------------------------------------- auth plugin settings
def plugin_settings(name):
    def check(rec, version):
        values, types = export.auth_plugin_settings(HttpSettings(client_on(version, rec)), name)
        prefix = "s_auth_%s_" % name
        raw = dict((field[len(prefix):], value) for field, value in raw_setting_values(raw_settings_form(rec.text)).items()
                   if field.startswith(prefix) and value is not None and "[" not in field)
        assert values == raw
        secret_inputs = set(re.findall(r'<input[^>]*type="password"[^>]*name="%s([a-z_0-9]+)"' % prefix, rec.text) +
                            re.findall(r'<input[^>]*name="%s([a-z_0-9]+)"[^>]*type="password"' % prefix, rec.text))
        assert set(key for key in values if is_secret_setting(key, types.get(key))) >= secret_inputs
        if name == "userkey":
            assert values["iprestriction"] in ("0", "1")
            assert values["iprestriction"] == raw_setting_values(raw_settings_form(rec.text))["s_auth_userkey_iprestriction"]
    return check


def plugin_without_page(rec, version):
    """auth_apilogin: 'Section error!' (404) -> settings unknown (None), after confirming the account is an admin."""
    assert rec.status == 404 and "Section error" in rec.text
    client = client_on(version, rec, recorded(version, "f03-optionalsubsystems-get"))
    assert export.auth_plugin_settings(HttpSettings(client), "apilogin") == (None, {})


def auth_order(rec, version):
    """read_auth_plugins: enabled plugins in order first (state enabled), then the available ones (disabled);
    auth_userkey's settings read for the security report, auth_apilogin's reported unknown."""
    enabled = [re.search(r"auth=([a-z0-9_]+)", href).group(1)
               for href in raw_hrefs(rec.text, r"auth\.php\?.*action=disable")]
    available = [re.search(r"auth=([a-z0-9_]+)", href).group(1)
                 for href in raw_hrefs(rec.text, r"auth\.php\?.*action=enable")]
    answers = [rec]
    for name in enabled:
        if name == "userkey":
            answers.append(recorded(version, "f10-userkey-settings-get-2"))
        elif name == "apilogin":
            answers.extend([recorded(version, "f10-apilogin-settings-get"), recorded(version, "f03-optionalsubsystems-get")])
    client = client_on(version, *answers)
    reader = export.SiteReader(client, HttpSettings(client), Redactor(), auth_settings="none")
    found = reader.read_auth_plugins()
    assert [entry["name"] for entry in found["description"]] == enabled + available
    assert [entry["state"] for entry in found["description"]] == ["enabled"] * len(enabled) + ["disabled"] * len(available)
    assert all("settings" not in entry for entry in found["description"])
    if "apilogin" in enabled:
        assert "apilogin" in found["site"]["settings_unknown"]
    if "userkey" in enabled:
        page = recorded(version, "f10-userkey-settings-get-2")
        assert found["site"]["settings"]["userkey"]["iprestriction"] == \
            raw_setting_values(raw_settings_form(page.text))["s_auth_userkey_iprestriction"]
    assert not client.transport.answers  # exactly the pages listed above


# ------------------------------------------------------------------------------------------- roles, users, services
def role_entry(rec, version):
    definition = RoleDefinition(11, rec.page.form("rolesform"))
    entry = export.role_entry(definition, ["ciuser"])
    pairs = rec.facts["page_form_fields"]
    permission = {"1": "allow", "-1": "prevent", "-1000": "prohibit"}
    expected = dict((name, permission[value]) for name, value in pairs if is_capability(name) and value in permission)
    assert entry["capabilities"] == expected and "inherit" not in entry["capabilities"].values()
    for name in ("shortname", "name", "description", "archetype"):
        assert entry[name] == (form_field(pairs, name) or "")
    assert entry["exclusive"] is True and entry["users"] == ["ciuser"]


def user_entry(rec, version):
    user_id = int(rec.request_path.split("id=")[1].split("&")[0])
    user_form = ua.UserAdmin(client_on(version, rec)).form(user_id)
    pairs = rec.facts["page_form_fields"]
    entry = export.user_entry("svcmanual", {"auth": "manual"}, user_form)
    for name in ("firstname", "lastname", "email", "idnumber", "auth"):
        assert entry[name] == form_field(pairs, name), name
    assert "password" not in entry and "newpassword" not in entry.get("profile", {})
    for key, value in entry["profile"].items():
        field = "description_editor[text]" if key == "description" else key
        assert value == (form_field(pairs, field) or ""), key
    assert entry["force_password_change"] == (form_field(pairs, ua.FORCE_CHANGE_FIELD) == "1")
    assert (entry.get("state") == "suspended") == (form_field(pairs, "suspended") == "1")


def service_entry(rec, version):
    """A custom service's edit form read into a services[] entry (every setting moodle_external_service has)."""
    service_id = int(re.search(r"id=(\d+)", rec.request_path).group(1))
    service = ExternalService(service_id, raw_input_value(rec.text, "name"), True, False)
    ExternalServices(client_on(version, rec)).read_form(service)
    read = {"id": service.id, "name": service.name, "shortname": service.shortname, "builtin": False,
            "enabled": service.settings["enabled"], "restricted_users": service.settings["restrictedusers"],
            "authorised_users": ["teacher1"], "required_capability": service.settings["requiredcapability"],
            "can_download_files": service.settings["downloadfiles"], "can_upload_files": service.settings["uploadfiles"],
            "functions": ["core_webservice_get_site_info"], "component": None}
    entry = export.SiteReader.service_entry(read)
    assert entry["shortname"] == raw_input_value(rec.text, "shortname")
    assert entry["name"] == raw_input_value(rec.text, "name")
    for option, field in (("enabled", "enabled"), ("restricted_users", "restrictedusers"),
                          ("can_download_files", "downloadfiles"), ("can_upload_files", "uploadfiles")):
        assert entry[option] == _raw_checked(rec.text, field), option
    assert ("authorised_users" in entry) == entry["restricted_users"]
    assert entry["required_capability"] == ""  # the recorded services need none


def _raw_checked(text, name):
    for tag in re.findall(r"<input\b[^>]*>", text):
        if re.search(r'\sname="%s"' % re.escape(name), tag) and re.search(r'\stype="checkbox"', tag):
            return bool(re.search(r"\schecked", tag))
    raise AssertionError("no checkbox %s in the recording" % name)


def switches(rec, version):
    """webservices: enablewebservices and enablemobilewebservice from optionalsubsystems."""
    client = client_on(version, rec)
    enabled, mobile = HttpWebServices(client, HttpSettings(client)).switches()
    raw = raw_setting_values(raw_settings_form(rec.text))
    assert enabled == (raw["s__enablewebservices"] == "1")
    assert mobile == (raw["s__enablemobilewebservice"] == "1")


def security_from_recorded(rec, version):
    """security_findings on what the recorded userkey settings page and token report say."""
    raw = raw_setting_values(raw_settings_form(rec.text))
    site = {"web_services": {"enabled": True, "mobile": False, "protocols": {"rest": True}},
            "services": [], "tokens": [],
            "auth_plugins": {"enabled": ["userkey", "apilogin"], "settings": {
                "userkey": {"iprestriction": raw["s_auth_userkey_iprestriction"]}}}}
    checks = [finding["check"] for finding in findings.security_findings(site)]
    assert ("userkey_iprestriction_off" in checks) == (raw["s_auth_userkey_iprestriction"] != "1")
    assert "apilogin_allowipaddr_unknown" in checks


TOKEN_REPORTS = ["f07-tokens-list-empty", "f07-tokens-list-after", "f07-tokens-list-final", "f22-tokens-report",
                 "f17-tokens-report-page1", "f17-tokens-report-get-page-param"]
USERKEY_PAGES = ["f10-userkey-settings-get", "f10-userkey-settings-get-2", "f11-uk-settings-createuser-on-get",
                 "f11-uk-settings-iprestriction-on-get", "f11-uk-settings-iprestriction-off-get"]
CASES = (
    [Case(name, "moodle.tokens.parse_token_rows (last access, creator, valid until as a date)", token_report)
     for name in TOKEN_REPORTS]
    + [Case(name, "site.export.SiteReader.read_tokens (owners, services, not_exported)", token_report_site)
       for name in ("f07-tokens-list-after", "f22-tokens-report")]
    + [Case("f22-tokens-report", "moodle.tokens.parse_report_date (Valid until, Last access)", report_date)]
    + [Case(name, "site.export.auth_plugin_settings (authsettinguserkey)", plugin_settings("userkey"))
       for name in USERKEY_PAGES]
    + [Case("f20-cas-settings", "site.export.auth_plugin_settings (authsettingcas, bind_pw secret)",
            plugin_settings("cas"), versions=("4.5.6",)),
       Case("f20-cas-settings-noldap", "site.export.auth_plugin_settings (authsettingcas)", plugin_settings("cas"),
            versions=("4.5.6",)),
       Case("f10-apilogin-settings-get", "site.export.auth_plugin_settings (no page: settings unknown)",
            plugin_without_page)]
    + [Case(name, "site.export.SiteReader.read_auth_plugins (order, states, userkey/apilogin settings)", auth_order)
       for name in ("f10-manageauths-get", "f10-manageauths-get-after", "f10-manageauths-get-final",
                    "f19-manageauths-after-enable")]
    + [Case(name, "site.export.role_entry (role form -> roles[] entry)", role_entry)
       for name in ("f16-role-edit-form", "f16-role-add-show-advanced")]
    + [Case(name, "site.export.user_entry (user form -> users[] entry)", user_entry)
       for name in ("f23-edit-svcmanual-form", "f23-edit-svcmanual-form-2")]
    + [Case(name, "site.export.SiteReader.service_entry (service form -> services[] entry)", service_entry)
       for name in ("f06-service-edit-form", "f06-service-edit-form2")]
    + [Case(name, "webservice.HttpWebServices.switches (webservices section)", switches)
       for name in ("f03-optionalsubsystems-get", "f03-optionalsubsystems-get-after", "f05-optionalsubsystems-get-after-mobile")]
    + [Case(name, "site.findings.security_findings (userkey iprestriction, apilogin unknown)", security_from_recorded)
       for name in USERKEY_PAGES]
)
