"""Roles: moodle.roles.Roles (manage.php table, define.php forms, assign.php selectors) and
moodle.roles.RoleDefinition."""

import re

import pytest

from client_conformance.core import Case, client_on, form_field, raw_id_options, raw_option_values, recorded

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.roles import RoleDefinition, Roles, is_capability


def roles_list(rec, version):
    found = Roles(client_on(version, rec)).list()
    ids = [int(value) for value in re.findall(r'define\.php\?action=view&amp;roleid=(\d+)"', rec.text)]
    assert sorted(role["id"] for role in found.values()) == sorted(set(ids))
    for shortname, role in found.items():
        row = re.search(r'<tr[^>]*>(?:(?!</tr>).)*roleid=%d"(?:(?!</tr>).)*</tr>' % role["id"], rec.text, re.S)
        text = " ".join(re.sub(r"<[^>]+>", " ", row.group(0)).split())
        assert shortname in text.split() and role["name"] in text
    # the recorded site: ids 1-8 standard roles plus the lab's (index.json / README ids)
    assert found["manager"]["id"] == 1 and found["user"]["id"] == 7


def role_form(rec, version):
    """The advanced role form (form#rolesform): fields, context levels, capabilities, archetypes."""
    form = rec.page.form("rolesform")
    definition = RoleDefinition(11, form)
    pairs = rec.facts.get("page_form_fields")
    assert pairs, "index.json lists what a browser submits"
    for name in ("shortname", "name", "description", "archetype"):
        assert definition.fields[name] == (form_field(pairs, name) or ""), name
    levels = {"system": 10, "user": 30, "category": 40, "course": 50, "module": 70, "block": 80}
    assert definition.context_levels == sorted(name for name, level in levels.items()
                                               if form_field(pairs, "contextlevel%d" % level) == "1")
    permission = {"0": "inherit", "1": "allow", "-1": "prevent", "-1000": "prohibit"}
    expected = dict((name, permission.get(value, value)) for name, value in pairs if is_capability(name))
    assert definition.capabilities == expected
    assert set(expected) <= definition.known_capabilities
    archetypes = [value for value, _label in raw_option_values(rec.text, "archetype")]
    assert definition.archetypes == archetypes and "" in archetypes  # '' = no archetype, a real choice
    assert form.browser_submission() == [tuple(pair) for pair in pairs]


def role_form_basic(rec, version):
    """The basic form (after the preset step) holds capability checkboxes: advanced_form asks for the advanced
    one (posting toggleadvanced), answered by f16-role-add-show-advanced."""
    client = client_on(version, recorded(version, "f16-role-add-show-advanced"))
    form = Roles(client).advanced_form(rec.page, "add", 0)
    method, path, params, data = client.transport.requests[0]
    assert (method, path, params) == ("POST", "admin/roles/define.php", {"action": "add", "roleid": 0})
    assert ("toggleadvanced", "Show advanced") in data
    assert any(control.type == "checkbox" and is_capability(control.name) for control in rec.page.form("rolesform").controls)
    assert form.control("archetype") is not None


def preset_form(rec, version):
    client = client_on(version, rec, recorded(version, "f16-role-add-preset-continue"),
                       recorded(version, "f16-role-add-show-advanced"))
    definition = Roles(client).blank_definition()
    sent = client.transport.requests[1][3]
    assert ("submitbutton", "Continue") in sent and ("_qf__core_role_preset_form", "1") in sent
    assert definition.id == 0 and "webservice/rest:use" in definition.known_capabilities


def role_created(rec, version):
    form = recorded(version, "f16-role-add-show-advanced").page.form("rolesform")
    client = client_on(version, rec)
    new_id = Roles(client).save(RoleDefinition(0, form), {"shortname": "ws_ci", "name": "CI web service"},
                                ["system"], {"webservice/rest:use": "allow"})
    assert new_id == int(re.search(r"roleid=(\d+)", rec.location).group(1))


def assigned_users(rec, version):
    role_id = int(re.search(r"roleid=(\d+)", rec.request_path).group(1))
    found = Roles(client_on(version, rec)).assigned_user_ids(role_id)
    assert found == set(raw_id_options(rec.text, "removeselect[]"))
    if not found:  # the empty selector's disabled &nbsp; option must not become an id
        assert raw_option_values(rec.text, "removeselect[]") == [(None, "")]


def assign_refused(rec, version):
    with pytest.raises(errors.InvalidInputError) as caught:
        Roles(client_on(version, rec)).assigned_user_ids(10)
    shown = re.search(r'<p class="errormessage">([^<]+)</p>', rec.text).group(1)
    assert shown.strip() in str(caught.value)


def role_deleted(rec, version):
    client = client_on(version, recorded(version, "f16-role-delete-confirm"), rec)
    Roles(client).delete(9)
    assert rec.status == 303


CASES = [
    Case("f16-roles-manage", "moodle.roles.Roles.list (manage.php table)", roles_list),
    Case("f16-roles-manage-2", "moodle.roles.Roles.list (manage.php table)", roles_list),
    Case("f16-role-edit-prohibit-hop1", "moodle.roles.Roles.list (manage.php table)", roles_list),
    Case("f16-role-delete-post-hop1", "moodle.roles.Roles.list (manage.php table)", roles_list),
    Case("f16-role-edit-form", "moodle.roles.RoleDefinition (form#rolesform, advanced)", role_form),
    Case("f16-role-add-show-advanced", "moodle.roles.RoleDefinition (form#rolesform, advanced)", role_form),
    Case("f16-role-add-preset-continue", "moodle.roles.Roles.advanced_form (basic form -> toggleadvanced)", role_form_basic),
    Case("f16-role-add-preset-form", "moodle.roles.Roles.blank_definition (preset form)", preset_form),
    Case("f16-role-create-post", "moodle.roles.Roles.save (303 -> new roleid)", role_created),
    Case("f16-assign-role-form", "moodle.roles.Roles.assigned_user_ids (removeselect[])", assigned_users),
    Case("f16-assign-add-two", "moodle.roles.Roles.assigned_user_ids (removeselect[])", assigned_users),
    Case("f16-assign-remove-one", "moodle.roles.Roles.assigned_user_ids (removeselect[])", assigned_users),
    Case("f16-assign-wrong-level", "moodle.roles.Roles.assigned_user_ids (404 not allowed -> InvalidInputError)", assign_refused),
    Case("f16-role-delete-post", "moodle.roles.Roles.delete (confirm page + 303)", role_deleted),
]
