"""The site description schema (plugins/plugin_utils/site_schema.py) and its validation (site_validate.py,
action plugin moodle_site_validate): valid descriptions pass, every problem is reported with its path, secrets are
never shown, the schema agrees with the modules' argument specs, and the generated files are current."""

import datetime
import importlib
import json
import os
import subprocess
import sys
from unittest import mock

import pytest
import yaml

from collection_paths import REPO_ROOT, collection_root

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import APILOGIN_SETTABLE_FIELDS, APILOGIN_TEXT_FIELDS
from ansible_collections.moodleops.auth.plugins.module_utils.site.registry import SECTIONS as REGISTERED
from ansible_collections.moodleops.auth.plugins.plugin_utils import site_schema, site_validate
from ansible_collections.moodleops.auth.plugins.plugin_utils.site_schema import SCHEMA, SECTION_ORDER
from ansible_collections.moodleops.auth.plugins.plugin_utils.site_validate import validate

jsonschema = pytest.importorskip("jsonschema")

EXAMPLE = os.path.join(REPO_ROOT, "playbooks", "examples", "site.yml")
SECRET = "Sup3r-Secret#Value"


def complete_site():
    """The brief's description, every section."""
    return {
        "webservices": {"enabled": True, "protocols": ["rest"], "exclusive": False, "mobile": False},
        "users": [{"username": "ci_bot", "auth": "webservice", "firstname": "CI", "lastname": "Bot",
                   "email": "ci-bot@example.edu", "password": "{{ vault_ci_bot_password }}"}],
        "roles": [{"shortname": "ws_ci", "name": "CI web services", "context_levels": ["system"],
                   "capabilities": {"webservice/rest:use": "allow", "moodle/webservice:createtoken": "allow"},
                   "users": ["ci_bot"]}],
        "services": [{"name": "CI bootstrap", "shortname": "ci_bootstrap",
                      "functions": ["core_webservice_get_site_info", "core_user_get_users_by_field"],
                      "restricted_users": True, "authorised_users": ["ci_bot"]}],
        "tokens": [{"user": "ci_bot", "service": "ci_bootstrap", "name": "ci", "valid_until": "2027-06-30",
                    "ip_restriction": "10.0.0.0/8"}],
        "auth_plugins": [{"name": "userkey", "state": "enabled",
                          "settings": {"mappingfield": "username", "keylifetime": 60}}],
        "oauth2_issuers": [{"name": "Campus IdP", "client_id": "moodle", "client_secret": "{{ vault_oauth2_secret }}",
                            "show_on_login_page": "everywhere", "require_confirmation": True,
                            "endpoints": {"authorization_endpoint": "https://idp.example.edu/authorize"},
                            "user_field_mappings": {"email": "email"}}],
        "apilogin": {"secret": "{{ vault_apilogin_secret }}",
                     "users": [{"username": "stud1", "firstname": "S", "lastname": "One", "email": "s1@example.edu"}]},
        "lti_platforms": [{"name": "Canvas", "platform_id": "https://canvas.instructure.com", "client_id": "1000042",
                           "authentication_request_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
                           "jwks_url": "https://sso.canvaslms.com/api/lti/security/jwks",
                           "access_token_url": "https://sso.canvaslms.com/login/oauth2/token"}],
        "mfa": {"enabled": True, "factors": {"iprange": {"enabled": True, "weight": 100,
                                                         "settings": {"safeips": ["10.0.0.0/8"]}}},
                "factor_order": ["iprange"]},
    }


def example_site():
    with open(EXAMPLE) as handle:
        return yaml.safe_load(handle)["moodle_site"]


def changed(*edits):
    """complete_site() with edits: (path, value) sets, (path, DELETE) removes."""
    site = complete_site()
    for path, value in edits:
        parent = site
        for key in path[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[path[-1]]
        elif isinstance(parent, list) and path[-1] == len(parent):
            parent.append(value)
        else:
            parent[path[-1]] = value
    return site


DELETE = object()
P = "moodle_site"

NUM = "; YAML read this unquoted value as the number %s; quote it as written, e.g. %s"
YAML_TRUE = "YAML read this unquoted value as true (an unquoted yes/no/on/off/true/false is a boolean); "
YAML_FALSE = "YAML read this unquoted value as false (an unquoted yes/no/on/off/true/false is a boolean); "

# (id, description, exactly the problems expected)
INVALID = [
    # wrong types, every level
    ("site-not-mapping", ["users"], ["moodle_site: a list is not of type 'object'"]),
    ("webservices-not-mapping", changed((["webservices"], [True])),
     [P + ".webservices: a list is not of type 'object'"]),
    ("webservices-enabled-str", changed((["webservices", "enabled"], "yes")),
     [P + ".webservices.enabled: 'yes' is not of type 'boolean'"]),
    ("webservices-protocols-str", changed((["webservices", "protocols"], "rest")),
     [P + ".webservices.protocols: a string is not of type 'array'"]),
    ("webservices-mobile-int", changed((["webservices", "mobile"], 1)),
     [P + ".webservices.mobile: 1 is not of type 'boolean'"]),
    ("users-not-list", changed((["users"], {"username": "x"})), [P + ".users: a mapping is not of type 'array'"]),
    ("user-not-mapping", changed((["users", 0], "ci_bot")), [P + ".users[0]: a string is not of type 'object'"]),
    ("site-templated-to-text", "{'users': [{'username': 'x', 'password': '%s'}]}" % SECRET,
     [P + ": a string is not of type 'object' (Ansible turned it into text: a value inside it could not be templated "
          "back, such as an unquoted date - quote dates, e.g. valid_until: \"2027-06-30\")"]),
    ("user-username-int", changed((["users", 0, "username"], 7)),
     [P + ".users[0].username: 7 is not of type 'string'" + NUM % ("7", 'username: "7"')]),
    ("user-state-choice", changed((["users", 0, "state"], "deleted")),
     [P + ".users[0].state: 'deleted' is not one of ['present', 'absent', 'suspended']"]),
    ("user-update-password-choice", changed((["users", 0, "update_password"], "never")),
     [P + ".users[0].update_password: 'never' is not one of ['on_create', 'always']"]),
    ("user-force-str", changed((["users", 0, "force_password_change"], "true")),
     [P + ".users[0].force_password_change: 'true' is not of type 'boolean'"]),
    ("user-profile-list", changed((["users", 0, "profile"], ["city"])),
     [P + ".users[0].profile: a list is not of type 'object'"]),
    ("user-profile-value", changed((["users", 0, "profile"], {"city": ["Lisbon"]})),
     [P + ".users[0].profile.city: a list is not of type 'string', 'integer', 'null'"]),
    ("role-context-level-choice", changed((["roles", 0, "context_levels"], ["system", "site"])),
     [P + ".roles[0].context_levels[1]: 'site' is not one of "
          "['system', 'user', 'category', 'course', 'module', 'block']"]),
    ("role-permission-choice", changed((["roles", 0, "capabilities", "webservice/rest:use"], "yes")),
     [P + '.roles[0].capabilities["webservice/rest:use"]: \'yes\' is not one of '
          "['allow', 'prevent', 'prohibit', 'inherit']"]),
    ("role-capability-name", changed((["roles", 0, "capabilities", "rest_use"], "allow")),
     [P + ".roles[0].capabilities.rest_use: is not a capability name (component/area:name)"]),
    ("role-users-str", changed((["roles", 0, "users"], "ci_bot")),
     [P + ".roles[0].users: a string is not of type 'array'"]),
    ("service-function-int", changed((["services", 1], {"shortname": "s2", "functions": ["a", 42]})),
     [P + ".services[1].functions[1]: 42 is not of type 'string'" + NUM % ("42", '- "42"')]),
    ("service-restricted-str", changed((["services", 0, "restricted_users"], "yes")),
     [P + ".services[0].restricted_users: 'yes' is not of type 'boolean'"]),
    ("token-state-choice", changed((["tokens", 0, "state"], "revoked")),
     [P + ".tokens[0].state: 'revoked' is not one of ['present', 'rotated', 'absent']"]),
    ("token-method-choice", changed((["tokens", 0, "method"], "password")),
     [P + ".tokens[0].method: 'password' is not one of ['admin', 'login']"]),
    ("token-valid-until-int", changed((["tokens", 0, "valid_until"], 86400)),
     [P + ".tokens[0].valid_until: 86400 is not of type 'string'" + NUM % ("86400", 'valid_until: "86400"')]),
    ("auth-plugin-state-choice", changed((["auth_plugins", 0, "state"], "on")),
     [P + ".auth_plugins[0].state: 'on' is not one of ['enabled', 'disabled', 'absent']"]),
    ("auth-plugin-position-zero", changed((["auth_plugins", 0, "position"], 0)),
     [P + ".auth_plugins[0].position: 0 is less than the minimum of 1"]),
    ("auth-plugin-setting-list", changed((["auth_plugins", 0, "settings", "keylifetime"], [60])),
     [P + ".auth_plugins[0].settings.keylifetime: a list is not of type 'string', 'integer', 'number', 'boolean'"]),
    ("apilogin-match-field-choice", changed((["apilogin", "match_field"], "name")),
     [P + ".apilogin.match_field: 'name' is not one of ['id', 'username', 'email', 'idnumber']"]),
    ("apilogin-user-state-choice", changed((["apilogin", "users", 0, "state"], "gone")),
     [P + ".apilogin.users[0].state: 'gone' is not one of ['present', 'absent', 'suspended']"]),
    ("apilogin-user-id-str", changed((["apilogin", "users", 0, "id"], "3")),
     [P + ".apilogin.users[0].id: '3' is not of type 'integer'"]),
    # YAML's booleans and numbers where text belongs: what YAML did and how to quote it
    ("yaml-country-no", changed((["users", 0, "profile"], {"country": False})),
     [P + ".users[0].profile.country: False is not of type 'string', 'integer', 'null'; " + YAML_FALSE
      + 'quote it, e.g. country: "NO"']),
    ("yaml-lang-no", changed((["users", 0, "profile"], {"lang": False})),
     [P + ".users[0].profile.lang: False is not of type 'string', 'integer', 'null'; " + YAML_FALSE
      + 'quote it, e.g. lang: "no"']),
    ("yaml-auth-plugin-name-on", changed((["auth_plugins", 0, "name"], True)),
     [P + ".auth_plugins[0].name: True is not of type 'string'; " + YAML_TRUE + 'quote it, e.g. name: "on"']),
    ("yaml-role-users-bool", changed((["roles", 0, "users"], ["ci_bot", False])),
     [P + ".roles[0].users[1]: False is not of type 'string'; " + YAML_FALSE + 'quote it, e.g. - "off"']),
    ("yaml-apilogin-country-no", changed((["apilogin", "users", 0, "country"], False)),
     [P + ".apilogin.users[0].country: False is not of type 'string', 'integer'; " + YAML_FALSE
      + 'quote it, e.g. country: "NO"']),
    ("yaml-apilogin-city-yes", changed((["apilogin", "users", 0, "city"], True)),
     [P + ".apilogin.users[0].city: True is not of type 'string', 'integer'; " + YAML_TRUE
      + 'quote it, e.g. city: "on"']),
    ("yaml-idnumber-number", changed((["users", 0, "idnumber"], 4.1)),
     [P + ".users[0].idnumber: 4.1 is not of type 'string'" + NUM % ("4.1", 'idnumber: "4.1"')]),
    # unknown keys, every level
    ("unknown-section", changed((["user"], [])),
     [P + ".user: unknown key (did you mean 'users'?)"]),
    ("unknown-webservices-key", changed((["webservices", "enable"], True)),
     [P + ".webservices.enable: unknown key (did you mean 'enabled'?)"]),
    ("unknown-webservices-state", changed((["webservices", "state"], "present")),
     [P + ".webservices.state: unknown key (allowed: enabled, exclusive, mobile, protocols, services)"]),
    ("unknown-user-key", changed((["users", 0, "first_name"], "CI")),
     [P + ".users[0].first_name: unknown key (did you mean 'firstname'?)"]),
    ("unknown-user-connection-option", changed((["users", 0, "login_username"], "admin")),
     [P + ".users[0].login_username: unknown key (did you mean 'username'?)"]),
    ("unknown-profile-key", changed((["users", 0, "profile"], {"cty": "Lisbon", "profile_field_team": "ci"})),
     [P + ".users[0].profile.cty: unknown key (did you mean 'city'?)"]),
    ("unknown-role-key", changed((["roles", 0, "capability"], {})),
     [P + ".roles[0].capability: unknown key (did you mean 'capabilities'?)"]),
    ("unknown-service-key", changed((["services", 0, "authorized_users"], ["ci_bot"])),
     [P + ".services[0].authorized_users: unknown key (did you mean 'authorised_users'?)"]),
    ("unknown-token-connection-option", changed((["tokens", 0, "url"], "https://moodle.example.edu")),
     [P + ".tokens[0].url: unknown key (allowed: invalid_token_value, ip_restriction, method, name, service, state, "
          "token_store, token_value, user, user_password, valid_until, verify)"]),
    ("unknown-auth-plugin-key", changed((["auth_plugins", 0, "setting"], {})),
     [P + ".auth_plugins[0].setting: unknown key (did you mean 'settings'?)"]),
    ("unknown-apilogin-key", changed((["apilogin", "login"], True)),
     [P + ".apilogin.login: unknown key (allowed: match_field, parallel, report_unchanged, secret, stop_on_error, users)"]),
    ("unknown-apilogin-user-column", changed((["apilogin", "users", 0, "emial"], "x@example.edu")),
     [P + ".apilogin.users[0].emial: unknown key (did you mean 'email'?)"]),
    # missing required
    ("missing-username", changed((["users", 0, "username"], DELETE)),
     [P + ".users[0]: 'username' is a required property"]),
    ("missing-role-shortname", changed((["roles", 0, "shortname"], DELETE)),
     [P + ".roles[0]: 'shortname' is a required property"]),
    ("missing-service-names", changed((["services", 0, "name"], DELETE), (["services", 0, "shortname"], DELETE)),
     [P + ".services[0]: needs shortname or name"]),
    ("missing-token-user-service", changed((["tokens", 0], {"name": "x"})),
     [P + ".tokens[0]: 'service' is a required property", P + ".tokens[0]: 'user' is a required property"]),
    ("missing-auth-plugin-name", changed((["auth_plugins", 0, "name"], DELETE)),
     [P + ".auth_plugins[0]: 'name' is a required property"]),
    ("missing-apilogin-users", changed((["apilogin", "users"], DELETE)),
     [P + ".apilogin: 'users' is a required property"]),
    ("missing-apilogin-match-field",
     changed((["apilogin", "match_field"], "email"), (["apilogin", "users", 1], {"username": "stud2"})),
     [P + ".apilogin.users[1]: 'email' is a required property"]),
    ("missing-apilogin-username", changed((["apilogin", "users", 0, "username"], DELETE)),
     [P + ".apilogin.users[0]: 'username' is a required property"]),
    # several at once: all listed, sorted by path (indexes numerically)
    ("several", changed((["webservices", "exclusive"], "no"), (["users", 0, "usrname"], "x"),
                        (["services", 0, "functions"], [1, "ok", 3]), (["tokens", 0, "service"], DELETE),
                        (["roles"], [{"shortname": "r%d" % i} for i in range(11)] + [{"shortname": 5}])),
     [P + ".roles[11].shortname: 5 is not of type 'string'" + NUM % ("5", 'shortname: "5"'),
      P + ".services[0].functions[0]: 1 is not of type 'string'" + NUM % ("1", '- "1"'),
      P + ".services[0].functions[2]: 3 is not of type 'string'" + NUM % ("3", '- "3"'),
      P + ".tokens[0]: 'service' is a required property",
      P + ".users[0].usrname: unknown key (did you mean 'username'?)",
      P + ".webservices.exclusive: 'no' is not of type 'boolean'"]),
    # semantic rules
    ("duplicate-username", changed((["users", 1], {"username": "CI_Bot"})),
     [P + ".users[1].username: duplicate username 'ci_bot' (first at moodle_site.users[0].username)"]),
    ("duplicate-role", changed((["roles", 1], {"shortname": "ws_ci"})),
     [P + ".roles[1].shortname: duplicate role shortname 'ws_ci' (first at moodle_site.roles[0].shortname)"]),
    ("duplicate-service", changed((["services", 1], {"shortname": "ci_bootstrap", "name": "Other"})),
     [P + ".services[1].shortname: duplicate service shortname 'ci_bootstrap' "
          "(first at moodle_site.services[0].shortname)"]),
    ("duplicate-token", changed((["tokens", 1], {"user": "ci_bot", "service": "ci_bootstrap", "name": "ci",
                                                 "state": "rotated"})),
     [P + ".tokens[1]: duplicate token (user@service#name) 'ci_bot@ci_bootstrap#ci' (first at moodle_site.tokens[0])"]),
    ("duplicate-auth-plugin", changed((["auth_plugins", 1], {"name": "auth_userkey", "state": "disabled"})),
     [P + ".auth_plugins[1].name: duplicate auth plugin 'userkey' (first at moodle_site.auth_plugins[0].name)"]),
    ("duplicate-apilogin-user", changed((["apilogin", "users", 1], {"username": "STUD1"})),
     [P + ".apilogin.users[1].username: duplicate username 'stud1' (first at moodle_site.apilogin.users[0].username)"]),
    ("refers-to-deleted-user", changed((["users", 0, "state"], "absent")),
     [P + ".roles[0].users[0]: user 'ci_bot' is deleted by this description (users: state: absent)",
      P + ".services[0].authorised_users[0]: user 'ci_bot' is deleted by this description (users: state: absent)",
      P + ".tokens[0].user: user 'ci_bot' is deleted by this description (users: state: absent)"]),
    ("token-for-deleted-service", changed((["services", 0, "state"], "absent")),
     [P + ".tokens[0].service: service 'ci_bootstrap' is deleted by this description (services: state: absent)"]),
    ("valid-until-not-date", changed((["tokens", 0, "valid_until"], "2027-02-30")),
     [P + ".tokens[0].valid_until: '2027-02-30' is not a date (YYYY-MM-DD) or a number of seconds"]),
    ("valid-until-text", changed((["tokens", 0, "valid_until"], "next year")),
     [P + ".tokens[0].valid_until: 'next year' is not a date (YYYY-MM-DD) or a number of seconds"]),
    ("position-without-enabled", changed((["auth_plugins", 0, "state"], DELETE), (["auth_plugins", 0, "position"], 1)),
     [P + ".auth_plugins[0].position: position needs state: enabled"]),
]

VALID = [
    ("complete", complete_site()),
    ("empty", {}),
    ("one-section", {"webservices": {}}),
    ("example-playbook", example_site()),
    ("valid-until-seconds", changed((["tokens", 0, "valid_until"], "86400"))),
    ("valid-until-yaml-date", changed((["tokens", 0, "valid_until"], datetime.date(2027, 6, 30)))),
    ("absent-items", {"users": [{"username": "x", "state": "absent"}], "roles": [{"shortname": "r", "state": "absent"}],
                      "services": [{"shortname": "s", "state": "absent"}],
                      "tokens": [{"user": "x", "service": "s", "state": "absent"}],
                      "auth_plugins": [{"name": "cas", "state": "absent"}],
                      "apilogin": {"users": [{"username": "y", "state": "absent"}]}}),
    ("custom-profile-field", changed((["users", 0, "profile"], {"profile_field_team": "ci", "maildisplay": 0}))),
    ("apilogin-flags-boolean", changed((["apilogin", "users", 0, "suspended"], True),
                                       (["apilogin", "users", 0, "emailstop"], False))),
    ("apilogin-by-id", changed((["apilogin", "match_field"], "id"), (["apilogin", "users"], [{"id": 7, "suspended": 1}]))),
]


CASES = dict((case[0], case) for case in INVALID)


def test_enough_invalid_cases():
    assert len(INVALID) >= 40
    assert len(set(case[0] for case in INVALID)) == len(INVALID)


@pytest.mark.parametrize("name,site", VALID, ids=[case[0] for case in VALID])
def test_valid(name, site):
    assert validate(site) == []


@pytest.mark.parametrize("name,site,expected", INVALID, ids=[case[0] for case in INVALID])
def test_invalid(name, site, expected):
    assert validate(site) == expected


def test_schema_only():
    site = changed((["users", 1], {"username": "ci_bot"}), (["users", 0, "state"], 3))
    assert validate(site, semantic=False) == [
        P + ".users[0].state: 3 is not of type 'string'" + NUM % ("3", 'state: "3"')]


def test_sorted_by_path():
    problems = validate(CASES["several"][1])
    assert problems == sorted(problems, key=lambda line: [int(part) if part.isdigit() else part
                                                          for part in line.split(":")[0].replace("]", "").split("[")])


SECRET_HINT = "; YAML read this unquoted value as a boolean or a number; quote it"
SECRET_CASES = [
    ("user-password-int", changed((["users", 0, "password"], 918273645)), "918273645",
     P + ".users[0].password: value hidden: is not of type 'string'" + SECRET_HINT),
    ("user-password-list", changed((["users", 0, "password"], [SECRET])), SECRET,
     P + ".users[0].password: value hidden: is not of type 'string'"),
    ("apilogin-secret-mapping", changed((["apilogin", "secret"], {"value": SECRET})), SECRET,
     P + ".apilogin.secret: value hidden: is not of type 'string'"),
    ("apilogin-secret-int", changed((["apilogin", "secret"], 5647382910)), "5647382910",
     P + ".apilogin.secret: value hidden: is not of type 'string'" + SECRET_HINT),
    ("token-user-password", changed((["tokens", 0, "user_password"], 31415926)), "31415926",
     P + ".tokens[0].user_password: value hidden: is not of type 'string'" + SECRET_HINT),
    ("setting-apikey", changed((["auth_plugins", 0, "settings", "apikey"], [SECRET])), SECRET,
     P + ".auth_plugins[0].settings.apikey: value hidden: is not of type 'string', 'integer', 'number', 'boolean'"),
    ("whole-user-wrong-type", changed((["users"], {"username": "x", "password": SECRET})), SECRET,
     P + ".users: a mapping is not of type 'array'"),
    ("misspelt-password-key", changed((["users", 0, "pasword"], SECRET)), SECRET,
     P + ".users[0].pasword: unknown key (did you mean 'password'?)"),
    ("apilogin-password-column", changed((["apilogin", "users", 0, "password"], SECRET)), SECRET,
     P + ".apilogin.users[0].password: unknown key"),
]


@pytest.mark.parametrize("name,site,secret,expected", SECRET_CASES, ids=[case[0] for case in SECRET_CASES])
def test_secret_never_shown(name, site, secret, expected):
    problems = validate(site)
    assert expected in problems
    assert not any(secret in problem for problem in problems)
    result = run_action({"site": site})
    assert secret not in json.dumps(result)


# --- the action plugin ---------------------------------------------------------------------------------------------

def run_action(args):
    from ansible_collections.moodleops.auth.plugins.action.moodle_site_validate import ActionModule
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = False
    action = ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    return action.run(task_vars={})


def test_action_valid():
    result = run_action({"site": complete_site()})
    assert result["valid"] and not result.get("failed") and result["problems"] == []
    assert result["sections"] == list(SECTION_ORDER)
    assert result["changed"] is False


def test_action_invalid_lists_every_problem_in_msg():
    site, expected = CASES["several"][1], CASES["several"][2]
    result = run_action({"site": site})
    assert result["failed"] and result["valid"] is False
    assert result["problems"] == expected
    assert result["msg"].splitlines() == ["moodle_site is not valid (%d problems):" % len(expected)] + expected
    assert result["sections"] == ["webservices", "users", "roles", "services", "tokens", "auth_plugins",
                                  "oauth2_issuers", "apilogin", "lti_platforms", "mfa"]


def test_action_needs_site_and_takes_semantic():
    assert "missing required argument: site" in run_action({})["msg"]
    site = changed((["users", 1], {"username": "ci_bot"}))
    assert run_action({"site": site, "semantic": "no"})["valid"]
    assert not run_action({"site": site, "semantic": True})["valid"]


def test_missing_jsonschema_named(monkeypatch):
    monkeypatch.setattr(site_validate, "jsonschema", None)
    with pytest.raises(site_validate.MissingDependencyError, match="pip install jsonschema"):
        validate({})
    action = importlib.import_module("ansible_collections.moodleops.auth.plugins.action.moodle_site_validate")
    monkeypatch.setattr(action, "jsonschema", None)
    result = run_action({"site": {}})
    assert result["failed"] and "pip install jsonschema" in result["msg"]


# --- the schema and the modules agree ------------------------------------------------------------------------------

class Captured(Exception):
    def __init__(self, spec, kwargs):
        Exception.__init__(self)
        self.spec = spec
        self.kwargs = kwargs


def module_spec(name):
    """The module's own options (as main() passes them to MoodleModule: without the connection options)."""
    from ansible_collections.moodleops.auth.plugins.module_utils import module as module_utils_module

    def capture(self, argument_spec, transport=False, **kwargs):
        raise Captured(argument_spec, kwargs)

    module = importlib.import_module("ansible_collections.moodleops.auth.plugins.modules.%s" % name)
    with mock.patch.object(module_utils_module.MoodleModule, "__init__", capture):
        with pytest.raises(Captured) as captured:
            module.main()
    return captured.value.spec


# Options of the modules that are the connection (moodle_user logs in with these; its username/password are the
# managed account's).
CONNECTION_LIKE = {"login_username", "login_password"}
JSON_TYPES = {"str": "string", "bool": "boolean", "int": "integer", "list": "array", "dict": "object",
              "path": "string", "float": "number"}

# Module options deliberately not in a section's entries: section -> {option: reason}.
LEFT_OUT = {
    "apilogin": {
        "user": "one user; the section is bulk (users)",
        "login": "one user only (logUser)", "user_agent": "with login only", "redirect": "with login only",
        "state": "per user: apilogin.users[].state",
        "users_file": "a file of users read by the module; the description is itself a file"},
}
# section -> (module, schema of one entry, module options deliberately not in the entries: reason), from the registry.
SECTIONS = dict((section.name, (section.module, SCHEMA["properties"][section.name].get(
    "items", SCHEMA["properties"][section.name]), LEFT_OUT.get(section.name, {}))) for section in REGISTERED)
# Required in the description although not by the module: (section, key): reason.
REQUIRED_HERE = {("apilogin", "users"): "the module needs user or users; the section is bulk"}


def schema_option(schema, option):
    """The schema key for a module option: the same name, or the key that says x-moodleops-option."""
    for key, sub in schema["properties"].items():
        if sub.get("x-moodleops-option") == option and key != option:
            return key, sub
    return option, schema["properties"].get(option)


@pytest.mark.parametrize("section", list(SECTIONS))
def test_schema_mirrors_module_options(section):
    module, schema, left_out = SECTIONS[section]
    spec = module_spec(module)
    assert schema["x-moodleops-module"] == "moodleops.auth." + module
    options = dict((name, option) for name, option in spec.items() if name not in CONNECTION_LIKE)
    problems = []
    mapped = set()
    for name, option in sorted(options.items()):
        if name in left_out:
            continue
        key, sub = schema_option(schema, name)
        if sub is None:
            problems.append("%s: option %s missing from the schema" % (section, name))
            continue
        mapped.add(key)
        if key != name:  # renamed (webservices.enabled = state): the values map to the module's choices/default
            values = sub["x-moodleops-values"]
            if sorted(values.values()) != sorted(option["choices"]):
                problems.append("%s.%s: values %s, module choices %s" % (section, key, values, option["choices"]))
            if values[json.dumps(sub["default"])] != option.get("default"):
                problems.append("%s.%s: default differs" % (section, key))
            continue
        kind = option.get("type", "str")
        if sub.get("type") != JSON_TYPES[kind]:
            problems.append("%s.%s: type %s, module %s" % (section, key, sub.get("type"), kind))
        if kind == "list" and "elements" in option and option["elements"] != "dict":
            if sub["items"].get("type") != JSON_TYPES[option["elements"]]:
                problems.append("%s.%s: elements %s, module %s" % (section, key, sub["items"], option["elements"]))
        choices = sub.get("enum") if kind != "list" else sub["items"].get("enum")
        extension = sub.get("x-moodleops-extension", {}).get("choices", [])
        if choices is not None:
            choices = [choice for choice in choices if choice not in extension]
        if sorted(choices or []) != sorted(option.get("choices") or []):
            problems.append("%s.%s: choices %s, module %s" % (section, key, choices, option.get("choices")))
        if bool(option.get("required") or (section, key) in REQUIRED_HERE) != (key in schema.get("required", [])):
            problems.append("%s.%s: required differs" % (section, key))
        if sub.get("default") != option.get("default"):
            problems.append("%s.%s: default %r, module %r" % (section, key, sub.get("default"), option.get("default")))
    for key, sub in schema["properties"].items():
        if key not in mapped:
            problems.append("%s.%s: not an option of %s" % (section, key, module))
    assert not problems, "\n".join(problems)


def test_no_connection_options_in_entries():
    from ansible_collections.moodleops.auth.plugins.module_utils.argspec import CONNECTION_ARGSPEC, TRANSPORT_ARGSPEC
    connection = (set(CONNECTION_ARGSPEC) | set(TRANSPORT_ARGSPEC) | CONNECTION_LIKE) - {"username", "password"}
    for section, (_module, schema, _left_out) in SECTIONS.items():
        assert not connection & set(schema["properties"]), section
    # moodle_user's username/password are the account's; no other entry has them
    for section in ("webservices", "roles", "services", "tokens", "auth_plugins", "apilogin"):
        assert not {"username", "password"} & set(SECTIONS[section][1]["properties"]), section


def test_apilogin_users_mirror_module():
    from ansible_collections.moodleops.auth.plugins.module_utils.moodle import apilogin
    items = SCHEMA["properties"]["apilogin"]["properties"]["users"]["items"]
    assert set(items["properties"]) == set(APILOGIN_SETTABLE_FIELDS) | {"id", "state"}
    spec = module_spec("moodle_apilogin_user")
    assert items["properties"]["state"]["enum"] == spec["state"]["choices"]
    assert items["properties"]["state"]["default"] == spec["state"]["default"]
    assert sorted(apilogin.MATCH_FIELDS) == sorted(spec["match_field"]["choices"])


def test_shared_lists_mirror_module_utils():
    from ansible_collections.moodleops.auth.plugins.module_utils.moodle import roles
    assert set(APILOGIN_TEXT_FIELDS) < set(APILOGIN_SETTABLE_FIELDS)
    assert set(site_schema.CONTEXT_LEVELS) == set(roles.CONTEXT_LEVELS)
    assert set(site_schema.PERMISSIONS) == set(roles.PERMISSIONS)


def test_every_object_is_closed():
    """additionalProperties false everywhere, except the free-form maps (which constrain their values)."""
    open_maps = []

    def walk(schema, where):
        if schema.get("type") == "object" or "properties" in schema:
            if schema.get("additionalProperties") is not False:
                assert isinstance(schema.get("additionalProperties"), dict), where
                open_maps.append(where)
            for key in ("properties", "patternProperties"):
                for name, item in schema.get(key, {}).items():
                    walk(item, where + "." + name)
            if isinstance(schema.get("additionalProperties"), dict):
                walk(schema["additionalProperties"], where + ".*")
        if isinstance(schema.get("items"), dict):
            walk(schema["items"], where + "[]")
    walk(SCHEMA, "moodle_site")
    assert sorted(open_maps) == ["moodle_site.auth_plugins[].settings", "moodle_site.mfa.factors",
                                 "moodle_site.mfa.factors.*.settings", "moodle_site.mfa.settings",
                                 "moodle_site.oauth2_issuers[].endpoints",
                                 "moodle_site.oauth2_issuers[].user_field_mappings", "moodle_site.roles[].capabilities"]


def test_schema_is_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


# --- generated files -----------------------------------------------------------------------------------------------

def test_exported_json_and_doc_are_current():
    tools = os.path.join(REPO_ROOT, "tools")
    sys.path.insert(0, tools)
    try:
        schema_doc = importlib.import_module("schema_doc")
    finally:
        sys.path.remove(tools)
    for path, text in schema_doc.outputs().items():
        with open(path, encoding="utf-8") as handle:
            assert handle.read() == text, "%s is not current: run python3 tools/schema_doc.py" % path
    with open(schema_doc.JSON_PATH) as handle:
        assert json.load(handle) == json.loads(json.dumps(SCHEMA))


def test_doc_names_every_key():
    with open(os.path.join(REPO_ROOT, "docs", "site-description.md")) as handle:
        doc = handle.read()

    def keys(schema):
        for key, sub in schema.get("properties", {}).items():
            yield key
            for inner in (sub, sub.get("items", {})):
                if isinstance(inner, dict):
                    yield from keys(inner)
    missing = [key for key in set(keys(SCHEMA)) if "`%s`" % key not in doc]
    assert not missing


def test_example_playbook_runs():
    """The example is a vars file for playbooks/provision_site.yml; --tags validate only validates it (no request:
    MOODLE_URL points nowhere)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1", MOODLE_URL="http://127.0.0.1:9")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    run = subprocess.run([playbook if os.path.exists(playbook) else "ansible-playbook", "-i", "localhost,",
                          os.path.join(REPO_ROOT, "playbooks", "provision_site.yml"), "-e", "@" + EXAMPLE,
                          "--tags", "validate",
                          "-e", "ansible_python_interpreter=%s" % sys.executable], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "Ci-Bot#2027" not in run.stdout and "Teacher#2027" not in run.stdout
