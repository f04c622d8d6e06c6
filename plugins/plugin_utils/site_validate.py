# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of a site description (``moodle_site``) on the controller, before any request: the JSON Schema of
site_schema.py (with the ``jsonschema`` package), the checks each module runs on its options before any request
(module_utils/input_checks.py: empty names, control characters, Moodle's column limits, URLs) and the rules a schema
cannot express (duplicates, references to users the description deletes, dates). Every problem is one line ``<path>: <what is wrong>``; secret values are
never shown."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import difflib
import re

from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import (
    MODULE_RULES,
    YAML_BOOLEAN_WORDS,
    value_problems,
    yaml_example,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import SECRET_SETTING
from ansible_collections.moodleops.auth.plugins.plugin_utils.site_schema import (
    SCHEMA,
    SECRET_KEYS,
    SECTION_ORDER,
)

try:
    import jsonschema
except ImportError:  # pragma: no cover - exercised by the missing-dependency test
    jsonschema = None

ROOT = "moodle_site"
MISSING_JSONSCHEMA = ("Validating a site description needs the Python package jsonschema on the controller "
                      "(the Python that runs ansible-playbook): pip install jsonschema")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_SHOWN = 80


class MissingDependencyError(Exception):
    """A package validation needs (jsonschema) is missing on the controller."""
    pass


def path_text(path, root=ROOT):
    """moodle_site.services[1].functions[0]; keys that are not identifiers are quoted: capabilities["a/b:c"]."""
    text = root
    for element in path:
        if isinstance(element, int) and not isinstance(element, bool):
            text += "[%d]" % element
        elif _IDENTIFIER.match(str(element)):
            text += "." + str(element)
        else:
            text += '["%s"]' % str(element).replace("\\", "\\\\").replace('"', '\\"')
    return text


def is_secret_path(path):
    """Whether a value at this path is (or is inside) a secret: password, secret, user_password, token, and auth
    plugin settings named like one (apikey, bind_pw, ...)."""
    for index, element in enumerate(path):
        if not isinstance(element, str):
            continue
        if element in SECRET_KEYS:
            return True
        if index > 0 and path[index - 1] == "settings" and SECRET_SETTING.search(element):
            return True
    return False


def shown(value):
    """A value as problems show it: scalars as Python shows them (shortened), containers by their kind only."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[:_MAX_SHOWN - 4] + "...'"
    return text


def plain(value):
    """The description as plain JSON-like Python data (Ansible's string, mapping and sequence types, dates as
    Ansible passes them to modules: ISO text)."""
    if isinstance(value, dict):
        return dict((str(key) if isinstance(key, str) else key, plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _sort_key(problem):
    path, message = problem
    return (tuple((0, element, "") if isinstance(element, int) else (1, 0, str(element)) for element in path),
            message)


def _unknown_keys(error):
    schema = error.schema
    known = list(schema.get("properties", {}))
    patterns = list(schema.get("patternProperties", {}))
    problems = []
    for key in error.instance:
        if key in known or any(re.search(pattern, str(key)) for pattern in patterns):
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.7)
        if close:
            message = "unknown key (did you mean '%s'?)" % close[0]
        elif len(known) <= 12:
            message = "unknown key (allowed: %s)" % ", ".join(sorted(known))
        else:
            message = "unknown key"
        problems.append((list(error.path) + [key], message))
    return problems


def _types(expected):
    if isinstance(expected, list):
        return ", ".join("'%s'" % name for name in expected)
    return "'%s'" % expected


def _yaml_hint(path, instance, expected, secret):
    """A boolean or a number where text belongs is YAML's reading of an unquoted word (country: NO, name: on,
    idnumber: 12345): say so, and how to quote it. The spelling is gone once YAML parsed it: the example guesses."""
    if "string" not in expected or instance is None or not isinstance(instance, (bool, int, float)):
        return ""
    if secret:
        return "; YAML read this unquoted value as a boolean or a number; quote it"
    key = path[-1] if path and isinstance(path[-1], str) else None
    if isinstance(instance, bool):
        what = "%s (%s is a boolean)" % ("true" if instance else "false", YAML_BOOLEAN_WORDS)
    else:
        what = "the number %s" % instance
    return "; YAML read this unquoted value as %s; quote it%s, e.g. %s" % (
        what, "" if isinstance(instance, bool) else " as written", yaml_example(key, instance, quote='"'))


def _schema_problems(error):
    """The problems of one jsonschema error: (path list, message)."""
    path = list(error.path)
    validator = error.validator
    if validator == "additionalProperties" and error.validator_value is False:
        return _unknown_keys(error)
    if "propertyNames" in error.relative_schema_path:
        key = error.instance
        if error.schema.get("x-moodleops-message"):
            return [(path + [key], error.schema["x-moodleops-message"])]
        if validator == "pattern":
            return [(path + [key], "key does not match %r" % error.validator_value)]
        return [(path + [key], "invalid key")]
    if validator == "required":
        missing = [key for key in error.validator_value if isinstance(error.instance, dict) and key not in error.instance]
        named = re.match(r"^(.+) is a required property$", error.message)
        return [(path, "%s is a required property" % (named.group(1) if named else repr(missing[0])))]
    if validator == "anyOf" and all(set(option) == {"required"} for option in error.validator_value):
        names = [" and ".join(option["required"]) for option in error.validator_value]
        return [(path, "needs %s" % " or ".join(names))]
    secret = is_secret_path(path)
    value = "value hidden:" if secret else shown(error.instance)
    if validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        if isinstance(error.instance, str) and set(expected) & {"object", "array"}:
            # text where a mapping or list belongs may be a whole templated structure (secrets included): not shown
            message = "a string is not of type %s" % _types(error.validator_value)
            if error.instance.lstrip().startswith(("{", "[")):
                message += (" (Ansible turned it into text: a value inside it could not be templated back, such as "
                            "an unquoted date - quote dates, e.g. valid_until: \"2027-06-30\")")
            return [(path, message)]
        return [(path, "%s is not of type %s%s" % (value, _types(error.validator_value),
                                                   _yaml_hint(path, error.instance, expected, secret)))]
    if validator == "enum":
        return [(path, "%s is not one of %r" % (value, error.validator_value))]
    if validator == "minimum":
        return [(path, "%s is less than the minimum of %r" % (value, error.validator_value))]
    if validator == "pattern":
        return [(path, "%s does not match %r" % (value, error.validator_value))]
    if validator == "const":
        return [(path, "%s is not %r" % (value, error.validator_value))]
    if secret or isinstance(error.instance, (dict, list)):
        return [(path, "%s does not satisfy %s" % (value, validator))]
    return [(path, error.message)]


def schema_problems(site):
    """(path, message) of every way ``site`` breaks the schema."""
    if jsonschema is None:
        raise MissingDependencyError(MISSING_JSONSCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = list(validator.iter_errors(site))
    # a value of the wrong type is not also reported for its choices, pattern or minimum
    wrong_type = set(tuple(error.path) for error in errors if error.validator == "type")
    problems = []
    for error in errors:
        if error.validator in ("enum", "const", "pattern", "minimum") and tuple(error.path) in wrong_type \
                and "propertyNames" not in error.relative_schema_path:
            continue
        problems.extend(_schema_problems(error))
    return problems


def _items(site, section):
    """(index, item) of a list section's mapping items."""
    items = site.get(section) if isinstance(site, dict) else None
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _absent(item):
    return item.get("state") == "absent"


def _duplicates(entries, what):
    """entries: (path, key) in description order; a problem at every repeat naming the first."""
    first = {}
    problems = []
    for path, key in entries:
        if key is None:
            continue
        if key in first:
            problems.append((path, "duplicate %s %s (first at %s)" % (what, shown(key), path_text(first[key]))))
        else:
            first[key] = path
    return problems


def _is_date(value):
    if re.match(r"^\d+$", value.strip()):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", value.strip()):
        return False
    try:
        datetime.datetime.strptime(value.strip(), "%Y-%m-%d")
    except ValueError:
        return False
    return True


def _text(value):
    return value if isinstance(value, str) else None


def semantic_problems(site):
    """(path, message) of the rules the schema cannot express. Works on any input (skips what is malformed)."""
    if not isinstance(site, dict):
        return []
    problems = []
    users = _items(site, "users")
    problems.extend(_duplicates(
        [(["users", i, "username"], _text(user.get("username")) and user["username"].lower()) for i, user in users],
        "username"))
    deleted = set(user["username"].lower() for _i, user in users
                  if _absent(user) and isinstance(user.get("username"), str))

    def refers(path, username, what):
        if isinstance(username, str) and username.lower() in deleted:
            problems.append((path, "%s %s is deleted by this description (users: state: absent)" % (what, shown(username))))

    roles = _items(site, "roles")
    problems.extend(_duplicates([(["roles", i, "shortname"], _text(role.get("shortname"))) for i, role in roles],
                                "role shortname"))
    for i, role in roles:
        if not _absent(role) and isinstance(role.get("users"), list):
            for j, username in enumerate(role["users"]):
                refers(["roles", i, "users", j], username, "user")

    services = _items(site, "services")
    problems.extend(_duplicates(
        [(["services", i, "shortname"], _text(service.get("shortname"))) for i, service in services],
        "service shortname"))
    problems.extend(_duplicates(
        [(["services", i, "name"], _text(service.get("name"))) for i, service in services], "service name"))
    removed_services = set()
    for i, service in services:
        if _absent(service):
            removed_services.update(key for key in (_text(service.get("shortname")), _text(service.get("name"))) if key)
        elif isinstance(service.get("authorised_users"), list):
            for j, username in enumerate(service["authorised_users"]):
                refers(["services", i, "authorised_users", j], username, "user")

    tokens = _items(site, "tokens")
    keys = []
    for i, token in tokens:
        user, service, name = _text(token.get("user")), _text(token.get("service")), token.get("name")
        if user is not None and service is not None:
            keys.append((["tokens", i], "%s@%s#%s" % (user.lower(), service, name if isinstance(name, str) else "")))
        if not _absent(token):
            refers(["tokens", i, "user"], user, "user")
            if service is not None and service in removed_services:
                message = "service %s is deleted by this description (services: state: absent)" % shown(service)
                problems.append((["tokens", i, "service"], message))
        if isinstance(token.get("valid_until"), str) and not _is_date(token["valid_until"]):
            problems.append((["tokens", i, "valid_until"],
                             "%s is not a date (YYYY-MM-DD) or a number of seconds" % shown(token["valid_until"])))
    problems.extend(_duplicates(keys, "token (user@service#name)"))

    plugins = _items(site, "auth_plugins")
    problems.extend(_duplicates(
        [(["auth_plugins", i, "name"], _text(plugin.get("name")) and re.sub("^auth_", "", plugin["name"].strip()))
         for i, plugin in plugins], "auth plugin"))
    for i, plugin in plugins:
        if plugin.get("position") is not None and plugin.get("state") != "enabled":
            problems.append((["auth_plugins", i, "position"], "position needs state: enabled"))

    apilogin = site.get("apilogin")
    if isinstance(apilogin, dict):
        field = apilogin.get("match_field") if isinstance(apilogin.get("match_field"), str) else "username"
        entries = []
        for i, user in _items(apilogin, "users"):
            value = user.get(field)
            if isinstance(value, str) and field in ("username", "email"):
                value = value.lower()
            entries.append((["apilogin", "users", i, field], value if isinstance(value, (str, int)) else None))
        problems.extend(_duplicates(entries, field))
    return problems


def _section_entries(site, section):
    """([section] or [section, index], mapping) of a section: the mapping itself or each mapping of its list."""
    value = site.get(section)
    if isinstance(value, dict):
        return [([section], value)]
    return [([section, index], item) for index, item in _items(site, section)]


def rule_problems(site):
    """(path, message) of the checks each module runs on its options before any request (input_checks.py):
    empty names, control characters, Moodle's column limits, allowed characters, URLs."""
    if not isinstance(site, dict):
        return []
    problems = []
    for section in SECTION_ORDER:
        schema = SCHEMA["properties"][section]
        module = schema.get("items", schema).get("x-moodleops-module", "").rpartition(".")[2]
        rules = MODULE_RULES.get(module)
        if not rules:
            continue
        for prefix, item in _section_entries(site, section):
            problems.extend((prefix + path, message) for path, message in value_problems(rules, item))
    return problems


def validate(site, semantic=True):
    """Every problem of ``site`` (a moodle_site value) as sorted lines; an empty list when it is valid."""
    site = plain(site)
    problems = schema_problems(site) + rule_problems(site)
    if semantic:
        problems.extend(semantic_problems(site))
    unique = dict(((tuple(path), message), (path, message)) for path, message in problems)
    return ["%s: %s" % (path_text(path), message) for path, message in sorted(unique.values(), key=_sort_key)]


def sections(site):
    """The sections present, in the order they are applied."""
    if not isinstance(site, dict):
        return []
    return [name for name in SECTION_ORDER if name in site]
