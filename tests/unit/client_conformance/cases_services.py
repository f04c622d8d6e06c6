"""External services, their functions and authorised users (flow f06): moodle.services."""

import re

from client_conformance.core import Case, client_on, raw_id_options, raw_option_values, raw_query_values, recorded

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.services import (
    ExternalService,
    ExternalServices,
    parse_service_list,
)


def service(service_id=3, name="CI bootstrap"):
    return ExternalService(service_id, name, True, False, shortname="ci_bootstrap")


# -- services list and form --------------------------------------------------------------------------------------
def services_list(rec, version):
    found = parse_service_list(rec.page)  # the list's own reading, without the per-service edit forms
    ids = [int(value) for value in raw_query_values(rec.text, r"/admin/webservice/service\.php\?id=\d+$", "id")
           if int(value) > 0]  # service.php?id=0 is the "Add" link
    assert [item.id for item in found] == ids
    for item in found:
        row = re.search(r'<tr[^>]*>(?:(?!</tr>).)*service\.php\?id=%d"(?:(?!</tr>).)*</tr>' % item.id, rec.text, re.S)
        assert row and item.name in re.sub(r"<[^>]+>", " ", row.group(0))
        assert item.enabled == ("dimmed_text" not in row.group(0))
    builtin = re.search(r'<table[^>]*id="builtinservices".*?</table>', rec.text, re.S).group(0)
    assert set(item.id for item in found if item.builtin) == set(
        int(value) for value in re.findall(r"service\.php\?id=(\d+)\"", builtin))


def edit_form(rec, version):
    services = ExternalServices(client_on(version, rec))
    item = ExternalService(int(re.search(r"id=(\d+)", rec.request_path).group(1)), "?", True, False)
    services.read_form(item)
    shortname = re.search(r'name="shortname"[^>]*value="([^"]*)"', rec.text)
    assert item.shortname == ((shortname.group(1) or None) if shortname else None)
    for flag in ("enabled", "restrictedusers", "downloadfiles", "uploadfiles"):
        checked = re.search(r'<input[^>]*name="%s"[^>]*type="checkbox"[^>]*>' % flag, rec.text) or \
            re.search(r'<input[^>]*type="checkbox"[^>]*name="%s"[^>]*>' % flag, rec.text)
        assert item.settings[flag] == bool(checked and " checked" in checked.group(0)), flag
    capabilities = [value for value, _label in raw_option_values(rec.text, "requiredcapability")]
    assert item.capabilities == set(capabilities)
    assert item.settings["requiredcapability"] in (None,) + tuple(capabilities)


def add_form(rec, version):
    form = ExternalServices(client_on(version, rec)).edit_form(0)
    assert form.control("name").value in (None, "")
    assert form.control("_qf__external_service_form") is not None


def service_saved(rec, version):
    client = client_on(version, recorded(version, "f06-service-add-form"), rec)
    new_id = ExternalServices(client).save(0, {"name": "CI bootstrap", "shortname": "ci_bootstrap"})
    assert new_id == int(re.search(r"service_functions\.php\?id=(\d+)", rec.location).group(1))


def service_deleted(rec, version):
    client = client_on(version, recorded(version, "f06-service-delete-confirm"), rec)
    ExternalServices(client).delete(ExternalService(4, "Throwaway", True, False))
    assert rec.location.endswith("section=externalservices")


# -- functions ---------------------------------------------------------------------------------------------------
def addable_functions(rec, version):
    """The real add form starts fids[] with <option value="">No selection</option> (the bug that started this)."""
    found = ExternalServices(client_on(version, rec)).addable_functions(service())
    raw = raw_option_values(rec.text, "fids[]")
    assert ("", "No selection") in raw  # the placeholder is really there
    expected = dict((label.split(":", 1)[0].strip(), number) for number, label in
                    raw_id_options(rec.text, "fids[]").items())
    assert found == expected and len(found) == len(raw) - 1


def service_functions(rec, version):
    """service_functions.php?id=3 after adding the two functions posted in f06-functions-add-post."""
    found = ExternalServices(client_on(version, rec)).functions(service())
    posted = [int(value) for name, value in recorded(version, "f06-functions-add-post").facts["form_fields"]
              if name == "fids[]"]
    labels = raw_id_options(recorded(version, "f06-functions-add-form").text, "fids[]")
    assert found == dict((labels[fid].split(":", 1)[0], fid) for fid in posted)
    assert sorted(found.values()) == sorted(int(v) for v in raw_query_values(rec.text, r"action=delete", "fid"))


def functions_added(rec, version):
    client = client_on(version, rec)
    ExternalServices(client).add_functions(service(), [330, 233])
    assert rec.status == 303


# -- authorised users --------------------------------------------------------------------------------------------
def authorised_users(rec, version):
    service_id = int(re.search(r"id=(\d+)", rec.request_path).group(1))
    found = ExternalServices(client_on(version, rec)).authorised_user_ids(service(service_id))
    assert found == set(raw_id_options(rec.text, "removeselect[]"))
    if not found:  # the empty selector's disabled &nbsp; option must not become an id
        assert raw_option_values(rec.text, "removeselect[]") == [(None, "")]


def users_changed(rec, version):
    client = client_on(version, rec)
    ExternalServices(client).change_users(service(), add=[3])
    assert rec.status == 200
    assert 3 in raw_id_options(rec.text, "removeselect[]")


CASES = [
    Case("f06-externalservices-get", "moodle.services.parse_service_list (builtin/custom tables, ids, dimmed)", services_list),
    Case("f06-externalservices-get-2", "moodle.services.parse_service_list (builtin/custom tables, ids, dimmed)",
         services_list),
    Case("f06-service-edit-disable-hop1", "moodle.services.parse_service_list (builtin/custom tables, ids, dimmed)",
         services_list),
    Case("f06-service-delete-post-hop1", "moodle.services.parse_service_list (builtin/custom tables, ids, dimmed)",
         services_list),
    Case("f06-service-edit-form", "moodle.services.ExternalServices.read_form (shortname, flags, capabilities)", edit_form),
    Case("f06-service-edit-form2", "moodle.services.ExternalServices.read_form (shortname, flags, capabilities)", edit_form),
    Case("f06-service-add-form", "moodle.services.ExternalServices.edit_form(0)", add_form),
    Case("f06-service-add-post", "moodle.services.ExternalServices.save (303 -> new id)", service_saved),
    Case("f06-service-delete-post", "moodle.services.ExternalServices.delete (303)", service_deleted),
    Case("f06-functions-add-form", "moodle.services.ExternalServices.addable_functions (fids[] without placeholder)",
         addable_functions),
    Case("f06-functions-add-post-hop1", "moodle.services.ExternalServices.functions (delete links' fid)", service_functions),
    Case("f06-functions-add-post", "moodle.services.ExternalServices.add_functions (303)", functions_added),
    Case("f06-service-users-get", "moodle.services.ExternalServices.authorised_user_ids (removeselect[])", authorised_users),
    Case("f06-service-users-add-teacher1", "moodle.services.ExternalServices.authorised_user_ids (removeselect[])",
         authorised_users),
    Case("f11-userkey-service-users-get", "moodle.services.ExternalServices.authorised_user_ids (removeselect[])",
         authorised_users),
    Case("f11-userkey-service-users-add-admin", "moodle.services.ExternalServices.authorised_user_ids (removeselect[])",
         authorised_users),
    Case("f18-service-users", "moodle.services.ExternalServices.authorised_user_ids (removeselect[])", authorised_users),
    Case("f06-service-users-add-teacher1", "moodle.services.ExternalServices.change_users (200, user listed)", users_changed),
]
