"""moodle_site_info without export_defaults: what equals Moodle's default is left out of the description, read from
the real 4.5.6 and 5.1.3 recordings (../shared/moodle-fixtures) with the client's own parsers.

* Defaults of auth plugin settings are the "Default: X" lines Moodle prints under each setting (div.form-defaultinfo):
  auth_userkey's page (f10-userkey-settings-get, a fresh site) shows one under 24 of its 25 settings (not under
  mappingfield, whose select has no selected option there); after f10-userkey-settings-post (mappingfield,
  keylifetime, iprestriction, redirecturl, ssourl, createuser, updateuser) f10-userkey-settings-get-2 shows six of
  them away from their default (mappingfield was posted as username, which has no default to compare with).
* Defaults of an account are what the add-user form (f23-newuser-form, user/editadvanced.php?id=-1) fills in:
  maildisplay 2, timezone 99, lang en, everything else empty, force password change off.
Expected values come from the recordings' index.json facts and raw text, not from the code under test."""

import re

import pytest

from client_conformance.core import client_on, exchange_exists, fixtures_available, recorded

from ansible_collections.moodleops.auth.plugins.module_utils.site import defaults as site_defaults
from ansible_collections.moodleops.auth.plugins.module_utils.site import export as site_export
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import users as ua
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings

VERSIONS = [version for version in ("4.5.6", "5.1.3") if fixtures_available(version)]
needs_fixtures = pytest.mark.skipif(not VERSIONS, reason="../shared/moodle-fixtures is not present")
USERKEY = "s_auth_userkey_"
# f10-userkey-settings-post changed these away from the page's defaults; f10-userkey-settings-get-2 shows them so.
CHANGED_BY_POST = {"keylifetime", "iprestriction", "redirecturl", "ssourl", "createuser", "updateuser"}


def raw_defaults(text, prefix):
    """{setting: 'Default: X' text} straight from the HTML: each div.form-item#admin-<name> up to the next one."""
    found = {}
    for chunk in re.split(r'<div class="form-item row"', text)[1:]:
        name = re.search(r'name="%s([a-z0-9_]+)"' % prefix, chunk)
        info = re.search(r'class="form-defaultinfo[^"]*">([^<]*)<', chunk)
        if name and info:
            found[name.group(1)] = " ".join(info.group(1).split())
    return found


class RecordedSettings:
    """HttpSettings' section_form and the client's page cache on recorded settings pages ({section: Recorded});
    a section without a recording is 'Section error!'."""

    def __init__(self, pages):
        self.pages = pages
        self.client = self
        self.asked = []

    def section_form(self, section):
        self.asked.append(section)
        if section not in self.pages:
            raise InvalidInputError("The admin settings section '%s' does not exist on this site." % section)
        return self.pages[section].page.form(form_id="adminsettings")

    def page(self, path, params=None):
        return self.pages[params["section"]].page


# ------------------------------------------------------------------------------------------------ settings pages
@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_fresh_userkey_page_every_setting_at_its_default(version):
    rec = recorded(version, "f10-userkey-settings-get")
    raw = raw_defaults(rec.text, USERKEY)
    assert len(raw) == 24 and "mappingfield" not in raw
    assert raw["keylifetime"] == "Default: 60" and raw["iprestriction"] == "Default: No"
    settings = HttpSettings(client_on(version, rec))
    values, _types = site_export.auth_plugin_settings(settings, "userkey")
    defaults = site_defaults.auth_plugin_defaults(settings, "userkey")
    assert settings.client.transport.request_count == 1  # the defaults come from the page already read
    assert set(defaults) == set(raw)
    assert defaults["keylifetime"] == "60" and defaults["iprestriction"] == "0" and defaults["createuser"] == "0"
    assert defaults["ipwhitelist"] == "" and defaults["redirecturl"] == ""  # "Default: Empty"
    assert all(defaults["field_lock_%s" % field] == "unlocked" for field in ("firstname", "email", "idnumber"))
    assert "mappingfield" not in values  # no option selected on a fresh site: nothing to compare either
    assert dict((key, values[key]) for key in defaults) == defaults


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_changed_userkey_settings_are_not_defaults(version):
    rec = recorded(version, "f10-userkey-settings-get-2")
    settings = HttpSettings(client_on(version, rec))
    values, _types = site_export.auth_plugin_settings(settings, "userkey")
    defaults = site_defaults.auth_plugin_defaults(settings, "userkey")
    differ = set(key for key in values if key not in defaults or values[key] != defaults[key])
    assert differ == CHANGED_BY_POST | {"mappingfield"}
    assert values["keylifetime"] == "300" and defaults["keylifetime"] == "60"


def test_cas_data_mapping_defaults():
    """auth_cas without PHP ldap (4.5.6, f20-cas-settings-noldap): 68 data mapping settings, each with its default
    shown."""
    if "4.5.6" not in VERSIONS or not exchange_exists("4.5.6", "f20-cas-settings-noldap"):
        pytest.skip("no recording of auth_cas's settings page")
    rec = recorded("4.5.6", "f20-cas-settings-noldap")
    raw = raw_defaults(rec.text, "s_auth_cas_")
    settings = HttpSettings(client_on("4.5.6", rec))
    values, _types = site_export.auth_plugin_settings(settings, "cas")
    defaults = site_defaults.auth_plugin_defaults(settings, "cas")
    assert set(defaults) == set(raw) and len(defaults) == 68
    assert set(raw.values()) <= {"Default: Empty", "Default: On creation", "Default: Never", "Default: Unlocked"}
    assert all(values[key] == defaults[key] for key in defaults)


def _form(html):
    return Page('<form id="adminsettings">%s</form>' % html).form(form_id="adminsettings")


def test_default_value_per_control():
    form = _form('<input type="hidden" name="s__c" value="0"><input type="checkbox" name="s__c" value="1">'
                 '<select name="s__s"><option value="a">Alpha</option><option value="b">Beta  one</option></select>'
                 '<select name="s__m" multiple><option value="a">Alpha</option></select>'
                 '<input type="text" name="s__t" value="x"><textarea name="s__ta"></textarea>')
    assert site_defaults.default_value(form, "s__c", "Default: Yes") == "1"
    assert site_defaults.default_value(form, "s__c", "Default: No") == "0"
    assert site_defaults.default_value(form, "s__s", "Default: Beta one") == "b"
    assert site_defaults.default_value(form, "s__s", "Default: Gamma") is None     # not an option: unknown
    assert site_defaults.default_value(form, "s__m", "Default: Alpha") is None     # multi-select: not compared
    assert site_defaults.default_value(form, "s__t", "Default: Empty") == ""
    assert site_defaults.default_value(form, "s__t", "Default: 60") == "60"
    assert site_defaults.default_value(form, "s__ta", "Default: Empty") == ""
    assert site_defaults.default_value(form, "s__t", "Standard: 60") is None       # another language: unknown
    assert site_defaults.default_value(form, "s__nothere", "Default: 1") is None


def test_default_info_belongs_to_its_own_setting():
    """A setting without a default line does not take the next setting's."""
    html = ('<div class="form-item row" id="admin-a"><div class="form-setting"><select name="s_x_a">'
            '<option value="u">U</option></select></div></div>'
            '<div class="form-item row" id="admin-b"><div class="form-setting"><input name="s_x_b" value="">'
            '<div class="form-defaultinfo text-muted">Default: Empty</div></div></div>')
    assert site_defaults.default_info(html) == {"s_x_b": "Default: Empty"}


# ------------------------------------------------------------------------------------------------ auth plugins
@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("export_defaults", [False, True])
def test_auth_plugins_left_out_and_kept(version, export_defaults):
    """f10-manageauths-get-final: email, userkey, apilogin enabled in that order, the rest disabled. Without
    export_defaults the disabled ones (no settings read with auth_settings enabled) are left out, the enabled ones
    stay in order, and userkey (as f10-userkey-settings-get-2 shows it) keeps only the settings away from their
    default (and mappingfield, which has none); with it, everything as read."""
    rec = recorded(version, "f10-manageauths-get-final")
    enabled = [re.search(r"auth=([a-z0-9_]+)", href).group(1)
               for href in re.findall(r'href="([^"]*auth\.php\?[^"]*action=disable[^"]*)"', rec.text)]
    available = [re.search(r"auth=([a-z0-9_]+)", href).group(1)
                 for href in re.findall(r'href="([^"]*auth\.php\?[^"]*action=enable[^"]*)"', rec.text)]
    assert enabled == ["email", "userkey", "apilogin"] and available
    settings = RecordedSettings({"authsettinguserkey": recorded(version, "f10-userkey-settings-get-2")})
    reader = site_export.SiteReader(client_on(version, rec), settings, Redactor(), auth_settings="enabled",
                                    export_defaults=export_defaults)
    found = reader.read_auth_plugins()
    names = [entry["name"] for entry in found["description"]]
    userkey = [entry for entry in found["description"] if entry["name"] == "userkey"][0]
    assert settings.asked == ["authsettingemail", "authsettinguserkey"] + \
        (["authsettinguserkey"] if not export_defaults else []) + ["authsettingapilogin"]  # defaults: same page
    assert found["site"]["settings"]["userkey"]["keylifetime"] == "300"   # the audit facts keep everything
    assert len(found["site"]["settings"]["userkey"]) == 25
    summary = reader.defaults_summary()
    if export_defaults:
        assert names == enabled + available
        assert len(userkey["settings"]) == 25
        assert summary["auth_plugins"] == [] and summary["auth_settings"] == {}
    else:
        assert names == enabled
        assert all(entry["state"] == "enabled" for entry in found["description"])
        assert set(userkey["settings"]) == CHANGED_BY_POST | {"mappingfield"}
        assert summary["auth_plugins"] == available
        assert summary["auth_setting_count"] == 25 - 7 and len(summary["auth_settings"]["userkey"]) == 18
        assert "enabled" in summary["auth_plugins_why"]


def test_disabled_plugin_with_a_setting_away_from_its_default_is_kept():
    """auth_settings all: a disabled plugin stays when one of its settings differs from the default."""
    if "4.5.6" not in VERSIONS or not exchange_exists("4.5.6", "f20-cas-settings-noldap"):
        pytest.skip("no recording of auth_cas's settings page")
    manageauths = recorded("4.5.6", "f10-manageauths-get")       # email enabled; cas among the disabled ones
    cas = recorded("4.5.6", "f20-cas-settings-noldap")
    cas.text = cas.text.replace('value="oncreate" selected', 'value="oncreate"', 1).replace(
        '<option value="onlogin" >', '<option value="onlogin" selected>', 1)   # one setting away from its default
    cas._page = None
    settings = RecordedSettings({"authsettingcas": cas})
    reader = site_export.SiteReader(client_on("4.5.6", manageauths), settings, Redactor(), auth_settings="all",
                                    export_defaults=False)
    found = reader.read_auth_plugins()
    entries = dict((entry["name"], entry) for entry in found["description"])
    assert entries["cas"]["state"] == "disabled" and list(entries["cas"]["settings"].values()) == ["onlogin"]
    assert "cas" not in reader.defaults_left_out["auth_plugins"]
    assert "ldap" in reader.defaults_left_out["auth_plugins"]    # no settings page recorded: nothing to write
    assert len(reader.defaults_left_out["auth_settings"]["cas"]) == 67


# ------------------------------------------------------------------------------------------------ accounts
@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("edit", ["f23-edit-svcmanual-form", "f23-edit-svcmanual-form-2"])
def test_account_fields_as_a_new_account_has_them_are_left_out(version, edit):
    new = recorded(version, "f23-newuser-form")
    new_pairs = dict(new.facts["page_form_fields"])
    assert (new_pairs["maildisplay"], new_pairs["timezone"], new_pairs["lang"]) == ("2", "99", "en")
    new_user = ua.UserAdmin(client_on(version, new)).form().values
    rec = recorded(version, edit)
    pairs = dict(rec.facts["page_form_fields"])
    user_id = int(rec.request_path.split("id=")[1].split("&")[0])
    user_form = ua.UserAdmin(client_on(version, rec)).form(user_id)
    entry = site_export.user_entry("svc_manual", {"auth": "manual"}, user_form)
    before = dict(entry, profile=dict(entry.get("profile") or {}))
    left_out = site_defaults.user_defaults_left_out(entry, new_user)
    for key, value in before["profile"].items():
        raw = pairs.get("description_editor[text]" if key == "description" else key, "")
        default = raw == "" or raw == new_pairs.get("description_editor[text]" if key == "description" else key)
        assert (key in left_out) == default, key
        assert (key in (entry.get("profile") or {})) == (not default), key
    assert ("idnumber" in left_out) == (pairs["idnumber"] == "")
    assert ("force_password_change" in left_out) == (pairs[ua.FORCE_CHANGE_FIELD] == "0")
    assert set(entry) | set(left_out) >= {"username", "auth", "firstname", "lastname", "email"}
    for key in ("username", "auth", "firstname", "lastname", "email"):
        assert entry[key] == before[key]
    if edit == "f23-edit-svcmanual-form":   # created with names and e-mail only: nothing else to write
        assert set(entry) == {"username", "auth", "firstname", "lastname", "email"}
    else:                                   # f23-edit-svcmanual-post set the city
        assert entry["profile"] == {"city": pairs["city"]} and pairs["city"]


def test_unknown_new_user_form_leaves_out_only_empty_fields():
    entry = {"username": "u", "auth": "manual", "firstname": "A", "lastname": "B", "email": "a@example.edu",
             "idnumber": "", "profile": {"city": "", "timezone": "99", "maildisplay": "2"},
             "force_password_change": True}
    left_out = site_defaults.user_defaults_left_out(entry, {})
    assert left_out == ["city", "idnumber"]
    assert entry["profile"] == {"timezone": "99", "maildisplay": "2"} and entry["force_password_change"] is True
