# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks every module runs before it creates a client (so before any request): URLs, identifiers (no
control characters, Moodle's column limits, allowed characters), booleans YAML made of unquoted yes/no, and an
``http://`` url with validate_certs given as true. The same rules check a site description (site_validate.py).

Each rule returns what is wrong with a value (a phrase without the option's name) or None; ``check_options``
raises InvalidInputError naming the option (or its path, such as ``users[0].email``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import APILOGIN_TEXT_FIELDS, PROFILE_FIELDS

_CONTROL = re.compile(u"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The lowest values that mean something (an HTTP timeout of 0 s is refused by requests; ids count from 1).
MINIMUMS = {"timeout": 1, "retries": 0, "userid": 1, "course_id": 1, "poll_interval": 0.1}
URL_MAX = 2048   # the practical limit of browsers and web servers
_SHOWN = 40


def did_you_mean(name, valid):
    """' (did you mean X?)' for the valid name closest to a refused one, or ''."""
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return " (did you mean %s?)" % close[0] if close else ""


def _shown(value):
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "...'"


class Rule:
    """What a string option may hold. ``pattern`` is a regular expression the whole value must match and
    ``allowed`` says it in words; ``empty`` allows an empty string; ``lines`` allows newlines and tabs."""

    def __init__(self, max_length, pattern=None, allowed=None, empty=False, lines=False, url=False, page_ok=True,
                 secret=False):
        self.max_length = max_length
        self.secret = secret
        self.pattern = re.compile(pattern) if pattern else None
        self.allowed = allowed
        self.empty = empty
        self.lines = lines
        self.url = url
        self.page_ok = page_ok

    def show(self, value):
        """The value as messages quote it; a secret's value is never shown, not even in part."""
        return "the value" if self.secret else _shown(value)

    def problem(self, value):
        """What is wrong with ``value`` under this rule (a phrase), or None; values that are not strings pass."""
        if not isinstance(value, str):
            return None
        if value == "" or (not value.strip() and not self.empty):
            return None if self.empty else "must not be empty"
        if (_CONTROL_BUT_LINES if self.lines else _CONTROL).search(value):
            return "holds a control character (%s)" % self.show(value)
        if self.max_length and len(value) > self.max_length:
            return "has %d characters; Moodle stores at most %d" % (len(value), self.max_length)
        if value != value.strip() and not self.lines:
            return "starts or ends with spaces (%s)" % self.show(value)
        if self.url:
            return url_problem(value, self.page_ok, self.show(value))
        if self.pattern and not self.pattern.match(value):
            return "%s may hold only %s" % (self.show(value), self.allowed)
        return None


def url_problem(value, page_ok=True, shown=None):
    """What is wrong with an http(s) URL (quoted as ``shown``), or None."""
    shown = shown or _shown(value)
    try:
        parts = urlsplit(value)
        port = parts.port   # raises ValueError for a port that is not a number
    except ValueError as error:
        return "is not a URL (%s)" % error
    if port == 0:
        return "%s has port 0" % shown
    if parts.scheme not in ("http", "https"):
        return "%s needs the scheme http:// or https://" % shown
    if not parts.hostname:
        return "%s has no host name" % shown
    if " " in value:
        return "%s holds a space" % shown
    if not page_ok:
        if parts.query or parts.fragment or value.endswith(("?", "#")):
            return "%s must be the site's address (wwwroot) without ?query or #fragment" % shown
        if parts.path.rstrip("/").endswith(".php"):
            return "%s is a page; give the site's address (wwwroot), such as %s" % (shown, site_of_page(parts))
    return None


# Moodle's top-level directories (and the front page scripts): a page URL's path up to the first of them is the
# wwwroot's path (https://host/moodle/login/index.php -> https://host/moodle).
_MOODLE_DIRS = ("admin", "auth", "blocks", "blog", "badges", "calendar", "cohort", "course", "enrol", "error",
                "files", "grade", "group", "lib", "local", "login", "message", "mod", "my", "notes", "question",
                "report", "tag", "theme", "user", "webservice")


def site_of_page(parts):
    """The likely wwwroot of a page URL (urlsplit parts): the path before Moodle's own directories, or before the
    script at the site's top (index.php)."""
    segments = [segment for segment in parts.path.split("/") if segment]
    for index, segment in enumerate(segments):
        if segment in _MOODLE_DIRS or index == len(segments) - 1:
            segments = segments[:index]
            break
    return "%s://%s%s" % (parts.scheme, parts.netloc, "".join("/" + segment for segment in segments))


def identifier(max_length, pattern=None, allowed=None):
    """A Rule for a name: at most ``max_length`` characters, matching ``pattern`` (said as ``allowed``) when given."""
    return Rule(max_length, pattern=pattern, allowed=allowed)


def text(max_length, empty=False, lines=False):
    """A Rule for free text of at most ``max_length`` characters (``empty``, ``lines``: see Rule)."""
    return Rule(max_length, empty=empty, lines=lines)


def url(page_ok=True):
    """A Rule for an http(s) URL; ``page_ok=False`` allows only a site's address (no page, query or fragment)."""
    return Rule(URL_MAX, url=True, page_ok=page_ok)


# Moodle's columns (lib/db/install.xml) and the characters its forms keep (clean_param).
USERNAME = identifier(100, r"^\S+$", "no spaces (PARAM_USERNAME)")
ROLE_SHORTNAME = identifier(100, r"^[A-Za-z0-9_-]+$", "letters, digits, _ and - (PARAM_ALPHANUMEXT)")
SERVICE_SHORTNAME = identifier(255, r"^[A-Za-z0-9_-]+$", "letters, digits, _ and - (PARAM_ALPHANUMEXT)")
SERVICE = identifier(255)   # a shortname or a name
PLUGIN = identifier(100, r"^[a-z][a-z0-9_]*$", "lower case letters, digits and _ (a plugin name without auth_)")
FUNCTION = identifier(200, r"^[a-z][a-z0-9_]*$", "lower case letters, digits and _ (a web service function)")
PROTOCOL = identifier(50, r"^[a-z][a-z0-9_]*$", "lower case letters, digits and _ (rest, soap)")
CAPABILITY = identifier(255, r"^[^/:\s]+/[^/:\s]+:[^/:\s]+$", "a capability name (component/area:name)")
IP_LIST = identifier(255, r"^[0-9A-Fa-f.:/,* -]+$", "IP addresses and ranges separated by commas")
NAME = text(100)
TOKEN = Rule(128, r"^[A-Za-z0-9]+$", "letters and digits (a web service token)", secret=True)
EMAIL = identifier(100, r"^[^@\s]+@[^@\s]+$", "one address (name@domain)")

CONNECTION_RULES = {
    "url": url(page_ok=False),
    "cas_url": url(),
    "username": USERNAME,
    "token": TOKEN,
    "ca_path": text(4096),
    "moodle_root": text(4096),
    "php_executable": text(4096),
}

MODULE_RULES = {
    "moodle_webservice_enable": {"protocols": PROTOCOL, "services": SERVICE},
    "moodle_info": {},
    "moodle_site_info": {"token_store": text(4096)},
    "moodle_external_service": {"name": text(200), "shortname": SERVICE_SHORTNAME, "functions": FUNCTION,
                                "authorised_users": USERNAME, "required_capability": Rule(255, empty=True)},
    "moodle_role": {"shortname": ROLE_SHORTNAME, "name": text(254), "description": text(65535, empty=True, lines=True),
                    "archetype": Rule(30, r"^[a-z]*$", "lower case letters (manager, user, ...)", empty=True),
                    "users": USERNAME},
    "moodle_token": {"user": USERNAME, "service": SERVICE, "name": text(255), "ip_restriction": IP_LIST,
                     "valid_until": identifier(30), "token_store": text(4096), "token_value": TOKEN},
    "moodle_user": {"username": USERNAME, "auth": identifier(20, r"^[a-z][a-z0-9_]*$", "a plugin name (manual, ...)"),
                    "firstname": NAME, "lastname": NAME, "email": EMAIL, "idnumber": text(255, empty=True),
                    "login_username": USERNAME},
    "moodle_auth_plugin": {"name": PLUGIN},
    "moodle_userkey_url": {"ip": IP_LIST, "wants_url": url()},
    "moodle_apilogin_user": {"user_agent": text(1024), "redirect": url()},
    "moodle_lti_platform": {"name": text(255), "platform_id": text(1333), "client_id": text(1333),
                            "authentication_request_url": url(), "jwks_url": url(), "access_token_url": url()},
    "moodle_eduauth": {"appid": identifier(40), "app_token": Rule(40, secret=True), "target_url": url(),
                       "callforward": url()},
    # mdl_oauth2_issuer: name, loginpagename char(255); clientid, clientsecret text; the image field maxlength 1024
    "moodle_oauth2_issuer": {"name": text(255), "client_id": text(1333), "client_secret": Rule(1333, secret=True),
                             "base_url": url(), "image": Rule(1024, url=True), "login_page_name": text(255, empty=True)},
}

# What YAML turns into a boolean (YAML 1.1, as Ansible reads playbooks): once parsed, the spelling is gone.
YAML_BOOLEAN_WORDS = "an unquoted yes/no/on/off/true/false"
# Keys of free-form dict options whose values are text (or a select of the user form that a boolean cannot pick):
# a boolean there is YAML's reading of an unquoted word. moodle_user's profile: its standard fields (custom
# profile_field_* may be checkboxes, checked on the form); moodle_apilogin_user's user columns that hold text.
TEXT_KEYS = {
    "moodle_user": {"profile": PROFILE_FIELDS},
    "moodle_apilogin_user": {"user": APILOGIN_TEXT_FIELDS, "users": APILOGIN_TEXT_FIELDS},
}
# How a boolean was probably spelt, for the example of quoting it (country: NO is Norway, lang: no Norwegian).
_SPELLINGS = {("country", False): "NO", ("lang", False): "no"}


def yaml_example(key, value, quote="'"):
    """``key: 'off'``: how to write ``value`` (a boolean or a number YAML made of an unquoted word) as text."""
    if isinstance(value, bool):
        text = _SPELLINGS.get((key, value), "on" if value else "off")
    else:
        text = "%s" % value
    quoted = "%s%s%s" % (quote, text, quote)
    return "%s: %s" % (key, quoted) if key else "- %s" % quoted


def yaml_boolean_problem(value, key):
    """The problem of a boolean given where text belongs (the option's name goes before it)."""
    return "is the boolean %s, not text: YAML read %s as a boolean; quote the value, e.g. %s" % (
        "true" if value else "false", YAML_BOOLEAN_WORDS, yaml_example(key, value))


def control_kind(form, name):
    """What a form field is (page_parser.Form): 'checkbox' (a checkbox, with or without its hidden 0), 'select',
    'multiselect', 'text' (text, password, number ... inputs and textareas), or None (not on the form, or only
    hidden inputs, such as a file manager's draft area)."""
    controls = form.controls_named(name)
    if any(control.tag == "input" and control.type in ("checkbox", "radio") for control in controls):
        return "checkbox"
    for control in controls:
        if control.tag == "select":
            return "multiselect" if control.multiple else "select"
        if control.tag == "textarea":
            return "text"
        if control.tag == "input" and control.type not in ("hidden", "submit", "button", "image", "reset", "file"):
            return "text"
    return None


def select_values(form, name):
    """The values a select offers (blank placeholders left out)."""
    control = form.control(name)
    return [option[0] for option in control.options if option[0] is not None and option[0].strip()]


def boolean_control_problem(form, name, value, key):
    """What is wrong with the boolean ``value`` for the form field ``name`` (shown as ``key``), or None: fine for a
    checkbox (1/0) and for a select offering exactly 0 and 1; for text, or a select of other values, it is YAML's
    reading of an unquoted yes/no/on/off/true/false."""
    if not isinstance(value, bool):
        return None
    kind = control_kind(form, name)
    became = "%s, which would be written as %d" % ("true" if value else "false", 1 if value else 0)
    if kind == "text":
        return "is a text field, but YAML read %s as a boolean (%s); quote the value, e.g. %s" % (
            YAML_BOOLEAN_WORDS, became, yaml_example(key, value))
    if kind in ("select", "multiselect"):
        values = select_values(form, name)
        if kind == "select" and sorted(values) == ["0", "1"]:
            return None
        shown = values[:12]
        return ("is a choice of %s%s, but YAML read %s as a boolean (%s); give one of those values, quoted, e.g. "
                "%s: '%s'" % (", ".join(shown), ", ..." if len(values) > len(shown) else "", YAML_BOOLEAN_WORDS,
                              became, key, values[0] if values else "..."))
    return None


def value_problems(rules, values):
    """(path, problem) for each string (or string list element) of ``values`` that breaks its rule; a path is a
    list of keys: [option] or [option, index]."""
    found = []
    for option in sorted(rules):
        value = values.get(option)
        if isinstance(value, (list, tuple)):
            items = [([option, index], item) for index, item in enumerate(value)]
        else:
            items = [([option], value)]
        for path, item in items:
            problem = rules[option].problem(item)
            if problem:
                found.append((path, problem))
    return found


def path_label(path):
    """[option, 0, field] as option[0].field."""
    text = ""
    for key in path:
        text += "[%d]" % key if isinstance(key, int) else ("." if text else "") + key
    return text


def boolean_problems(argument_spec, raw, text_keys=None, prefix=""):
    """(option, problem) for each str option (or list element, or str sub-option of a dict or a list of dicts, or
    a key of ``text_keys``: {dict option: keys that hold text}) given a boolean, which Ansible would turn into
    'True'/'False' (or Moodle into '1'/'0'): YAML made it of an unquoted yes, no, true, false, on or off."""
    found = []
    text_keys = text_keys or {}
    raw = raw if isinstance(raw, dict) else {}
    for option in sorted(argument_spec):
        spec = argument_spec[option] or {}
        value = raw.get(option)
        kind = spec.get("type", "str")
        path = prefix + option
        if kind in ("str", "path") and isinstance(value, bool):
            found.append((path, yaml_boolean_problem(value, option)))
        elif kind == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                where = "%s[%d]" % (path, index)
                if spec.get("elements") in ("str", "path") and isinstance(item, bool):
                    found.append((where, yaml_boolean_problem(item, None)))
                elif spec.get("elements") == "dict" and isinstance(item, dict):
                    found.extend(_nested_boolean_problems(spec, item, text_keys.get(option), where + "."))
        elif kind == "dict" and isinstance(value, dict):
            found.extend(_nested_boolean_problems(spec, value, text_keys.get(option), path + "."))
    return found


def _nested_boolean_problems(spec, value, keys, prefix):
    """The booleans inside one dict: its sub-options (``options``) or, free-form, its ``keys`` that hold text."""
    if spec.get("options"):
        return boolean_problems(spec["options"], value, prefix=prefix)
    return [(prefix + key, yaml_boolean_problem(value[key], key))
            for key in sorted(keys or ()) if isinstance(value.get(key), bool)]


def number_problems(params):
    """(option, problem) for numbers below what they can mean (a timeout of 0 seconds, a negative id)."""
    found = []
    for option in sorted(MINIMUMS):
        value = params.get(option)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < MINIMUMS[option]:
            found.append((option, "is %s; it must be at least %s" % (value, MINIMUMS[option])))
    return found


def mapping_problems(argument_spec, raw):
    """(option, problem) for dict options given something Ansible cannot turn into a mapping: its own message
    ('dictionary requested, could not parse JSON or key=value') does not name the option."""
    found = []
    for option in sorted(argument_spec):
        value = raw.get(option)
        if argument_spec[option].get("type") != "dict" or value is None or isinstance(value, dict):
            continue
        try:
            check_type_dict(value)
        except (TypeError, ValueError):
            found.append((option, "must be a mapping (key: value), not the %s %s" % (type(value).__name__, _shown(value))))
    return found


def holds_nul(value):
    """Whether a NUL character is anywhere in the arguments: Ansible's syslog logging of the invocation fails on
    it with a message that names no option, so such a run skips that logging and fails here naming it."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_nul(item) for item in value)
    return False


def relaxed(argument_spec, problems):
    """The spec with the options of ``problems`` taken as they are (type raw), so the module can fail naming them."""
    spec = dict(argument_spec)
    for option, _problem in problems:
        spec[option] = dict((key, value) for key, value in spec[option].items() if key not in ("type", "options"))
        spec[option]["type"] = "raw"
    return spec


def tls_problems(params, raw):
    """An http:// url with validate_certs given explicitly as true: there is no certificate to verify."""
    given = raw.get("validate_certs")
    if given is True or (isinstance(given, str) and given.strip().lower() in ("yes", "true", "on", "1")):
        if isinstance(params.get("url"), str) and params["url"].lower().startswith("http://"):
            return [("url", "is http:// but validate_certs is true: plain HTTP has no certificate to verify; "
                            "use https:// (or drop validate_certs)")]
    return []


def check_options(module_name, argument_spec, params, raw, found=()):
    """Raise InvalidInputError naming every option that breaks its rule (nothing has been sent yet); ``found``:
    problems known already (mapping_problems)."""
    rules = dict(CONNECTION_RULES)
    rules.update(MODULE_RULES.get(module_name, {}))
    rules = dict((option, rule) for option, rule in rules.items() if option in argument_spec)
    found = list(found) + boolean_problems(argument_spec, raw or {}, TEXT_KEYS.get(module_name)) + \
        number_problems(params)
    named = set(path for path, _problem in found)
    found.extend((path_label(path), problem) for path, problem in value_problems(rules, params)
                 if path_label(path) not in named)
    found.extend(tls_problems(params, raw or {}))
    if found:
        typed_by_yaml = any("YAML" in problem for _path, problem in found)     # the quoting advice only then
        raise InvalidInputError("Invalid options (nothing was sent to Moodle): %s." % "; ".join(
            "%s %s" % (path, problem) for path, problem in found),
            hint="Fix the options named (quote text that YAML could read as a boolean or a number)." if typed_by_yaml
            else "Fix the options named.")


def task_arguments():
    """The module's arguments as the task gave them (before Ansible's type conversion and env fallbacks): tells a
    boolean from the text 'True', and validate_certs given in the task from its default or MOODLE_VALIDATE_CERTS."""
    from ansible.module_utils import basic
    try:
        raw = basic._load_params()
    except Exception:  # pylint: disable=broad-except  # the arguments were loaded once already: never fails here
        return {}
    return raw if isinstance(raw, dict) else {}
