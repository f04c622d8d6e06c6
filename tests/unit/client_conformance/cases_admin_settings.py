"""Admin settings forms: moodle.admin_settings.HttpSettings (section_form, available, read, write), 'Section error!'."""

import re

import pytest

from client_conformance.core import Case, client_on, form_field, recorded

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings

try:
    from html import unescape
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser
    unescape = HTMLParser().unescape


def section_of(rec):
    match = re.search(r"[?&]section=([^&]+)", rec.request_path)
    return match.group(1)


def raw_settings_form(text):
    match = re.search(r'<form[^>]*id="adminsettings"[^>]*>(.*?)</form>', text, re.S)
    assert match, "the recording has no form#adminsettings"
    return match.group(1)


def _attr(tag, name):
    match = re.search(r'\s%s="([^"]*)"' % name, tag)
    return unescape(match.group(1)) if match else None


def raw_setting_values(form_html):
    """{field: value} for every s_* field, read with regular expressions (independent of page_parser.py):
    a checked checkbox gives its value, else the hidden companion's; a select its selected option;
    a textarea its text; other inputs their value."""
    values, checkboxes = {}, {}
    for tag in re.findall(r"<input\b[^>]*>", form_html):
        name = _attr(tag, "name")
        if not name or not name.startswith("s_") or re.search(r"\sdisabled", tag):
            continue
        kind = (_attr(tag, "type") or "text").lower()
        if kind in ("checkbox", "radio"):
            if re.search(r"\schecked", tag):
                checkboxes[name] = _attr(tag, "value")
            continue
        if kind in ("submit", "button"):
            continue
        values.setdefault(name, _attr(tag, "value") or "")
    values.update(checkboxes)
    for tag, inner in re.findall(r"(<select\b[^>]*>)(.*?)</select>", form_html, re.S):
        name = _attr(tag, "name")
        if name and name.startswith("s_") and "multiple" not in tag:
            chosen = [_attr(option, "value") for option in re.findall(r"<option\b[^>]*>", inner)
                      if re.search(r"\sselected", option)]
            values[name] = chosen[0] if chosen else None
    for tag, inner in re.findall(r"(<textarea\b[^>]*>)(.*?)</textarea>", form_html, re.S):
        name = _attr(tag, "name")
        if name and name.startswith("s_"):
            values[name] = unescape(inner[1:] if inner.startswith("\n") else inner)
    return values


def key_of(field):
    """'s__enablewebservices' -> 'enablewebservices'; 's_auth_userkey_mappingfield' is ambiguous without the
    component, so plugin keys are built from the section's component below."""
    return field[3:] if field.startswith("s__") else None


def settings_page(component=None):
    def check(rec, version):
        section = section_of(rec)
        settings = HttpSettings(client_on(version, rec))
        raw = raw_settings_form(rec.text)
        expected = raw_setting_values(raw)
        names = set(re.findall(r'name="(s_[^"]+)"', raw))
        assert set(settings.available(section)) == names
        keys = {}
        for field in expected:
            if field.startswith("s__"):
                keys[field[3:]] = field
            elif component and field.startswith("s_%s_" % component):
                keys["%s/%s" % (component, field[len("s_%s_" % component):])] = field
        assert keys, "no setting read"
        read = settings.read(section, sorted(keys))
        assert read == dict((key, expected[field]) for key, field in keys.items())
        pairs = rec.facts.get("page_form_fields")
        if pairs:  # what a browser submits unchanged, recorded by the lab
            for key, field in keys.items():
                if form_field(pairs, field) is not None and "[" not in field:
                    assert read[key] == form_field(pairs, field), key
    return check


def section_error_other(rec, version):
    """A plugin section that does not exist ('Section error!' on 404) while core sections work."""
    client = client_on(version, rec, recorded(version, "f03-optionalsubsystems-get"))
    with pytest.raises(errors.InvalidInputError) as caught:
        HttpSettings(client).section_form(section_of(rec))
    assert "Section error!" in str(caught.value) and "Section error!" in rec.text


def not_admin(rec, version):
    client = client_on(version, rec)
    with pytest.raises(errors.NotSiteAdminError):
        HttpSettings(client).read(section_of(rec), ["enablewebservices"])


def saved(get_name):
    def check(rec, version):
        page = recorded(version, get_name)
        client = client_on(version, page, rec)
        sent = dict(rec.facts.get("form_fields") or [])
        section = sent["section"]
        changes = dict((name[3:], value) for name, value in sent.items() if name.startswith("s__"))
        if not changes:  # a plugin section: the component is the first part of s_<component>_<name>
            changes = {"auth_userkey/mappingfield": sent.get("s_auth_userkey_mappingfield", "username")}
        assert rec.status == 303 and "section=%s" % section in rec.location
        HttpSettings(client).write(section, changes)  # a redirect: saved, nothing raised
    return check


def save_refused(rec, version):
    """Moodle answers a rejected sesskey with the form again (HTTP 200, no error text)."""
    client = client_on(version, recorded(version, "f03-optionalsubsystems-get"), rec)
    assert rec.status == 200 and 'id="adminsettings"' in rec.text
    with pytest.raises(errors.SettingsSaveError) as caught:
        HttpSettings(client).write("optionalsubsystems", {"enablewebservices": True})
    assert "came back unchanged" in str(caught.value)


CORE = "moodle.admin_settings.HttpSettings.available/read (form#adminsettings)"
CASES = [
    Case("f03-optionalsubsystems-get", CORE, settings_page()),
    Case("f03-optionalsubsystems-get-after", CORE, settings_page()),
    Case("f03-optionalsubsystems-post-enablews-hop1", CORE, settings_page()),
    Case("f05-optionalsubsystems-get-after-mobile", CORE, settings_page()),
    Case("f05-mobilesettings-get", CORE, settings_page("tool_mobile")),
    Case("f05-mobilesettings-get-after", CORE, settings_page("tool_mobile")),
    Case("f10-userkey-settings-get", CORE, settings_page("auth_userkey")),
    Case("f10-userkey-settings-get-2", CORE, settings_page("auth_userkey")),
    Case("f11-uk-settings-createuser-on-hop1", CORE, settings_page("auth_userkey")),
    Case("f11-uk-settings-iprestriction-on-hop1", CORE, settings_page("auth_userkey")),
    Case("f20-cas-settings-noldap", CORE, settings_page("auth_cas"), versions=("4.5.6",)),
    Case("f20-cas-settings", CORE, settings_page("auth_cas"), versions=("4.5.6",)),
    Case("f21-httpsecurity-get", CORE, settings_page()),
    Case("f21-lti-settings-before-auth", CORE, settings_page("enrol_lti")),
    Case("f23-sitepolicies-get", CORE, settings_page()),
    Case("f10-apilogin-settings-get", "moodle.admin_settings.HttpSettings.section_form ('Section error!' -> InvalidInputError)",
         section_error_other),
    Case("f20-cas-settings-noldap", "moodle.admin_settings.HttpSettings.section_form ('Section error!' -> InvalidInputError)",
         section_error_other, versions=("5.1.3",)),
    Case("f02-teacher1-adminsettings", "moodle.admin_settings.HttpSettings.read (non-admin -> NotSiteAdminError)", not_admin),
    Case("f03-optionalsubsystems-post-enablews", "moodle.admin_settings.HttpSettings.write (303 = saved)",
         saved("f03-optionalsubsystems-get")),
    Case("f05-mobilesettings-post-enable", "moodle.admin_settings.HttpSettings.write (303 = saved)", saved("f05-mobilesettings-get")),
    Case("f10-userkey-settings-post", "moodle.admin_settings.HttpSettings.write (303 = saved)", saved("f10-userkey-settings-get")),
    Case("f21-httpsecurity-post-allowframembedding", "moodle.admin_settings.HttpSettings.write (303 = saved)",
         saved("f21-httpsecurity-get")),
    Case("f03-optionalsubsystems-post-badsesskey", "moodle.admin_settings.HttpSettings.write (form back -> SettingsSaveError)",
         save_refused),
]
