# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moodle as an LTI 1.3 tool (enrol_lti + auth_lti), the pages: the plugins it needs and its platform registrations
(Site administration > Plugins > Enrolments > Publish as LTI tool > Tool registration), as recorded in the exchanges
f21-lti-registrations, f21-register-platform-* and f21-manageenrols (../shared/moodle-fixtures/). Paths, the parse
functions (page in, data out) and the LtiTool page driver; the resource is resources/lti_platform.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from html import unescape
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser
    unescape = HTMLParser().unescape

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.errors import MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, query_of, toggle_links

SETTINGS_PATH = "admin/settings.php"
REGISTRATIONS_SECTION = "enrolsettingslti_registrations"
REGISTER_PATH = "enrol/lti/register_platform.php"
ENROL_PATH = "admin/enrol.php"
ENROLS_SECTION = "manageenrols"

# (module option, form field, label on the platform details tab)
FIELDS = (
    ("name", "name", "Platform name"),
    ("platform_id", "platformid", "Platform ID (issuer)"),
    ("client_id", "clientid", "Client ID"),
    ("authentication_request_url", "authenticationrequesturl", "Authentication request URL"),
    ("jwks_url", "jwksurl", "Public keyset URL"),
    ("access_token_url", "accesstokenurl", "Access token URL"),
)
PLATFORM_OPTIONS = tuple(option for option, _field, _label in FIELDS[1:])
URL_OPTIONS = ("authentication_request_url", "jwks_url", "access_token_url")
# The tool's endpoints on the tool details tab, by the path of the URL each read-only field shows.
ENDPOINTS = (
    ("registration_url", "/enrol/lti/register.php"),
    ("launch_url", "/enrol/lti/launch.php"),
    ("login_url", "/enrol/lti/login.php"),
    ("jwks_url", "/enrol/lti/jwks.php"),
    ("deep_linking_url", "/enrol/lti/launch_deeplink.php"),
)

DETAIL_ROW = re.compile(r'<th class="col-3">\s*([^<]*?)\s*</th>\s*<td class="col-9">(.*?)</td>', re.S)
ENDPOINT_INPUT = re.compile(r'<input\b[^>]*\bid="lti_tool_endpoint_url_[^"]*"[^>]*>', re.S)
VALUE_ATTRIBUTE = re.compile(r'\bvalue="([^"]*)"')
TAGS = re.compile(r"<[^>]+>")
INVALID_FEEDBACK = re.compile(r'class="[^"]*invalid-feedback[^"]*"[^>]*>\s*([^<]+?)\s*<')


def parse_registration_ids(page):
    """Registration ids in the order of the list (the delete/view links of each row)."""
    ids = []
    for link in page.links_matching(r"enrol/lti/register_platform\.php\?"):
        regid = query_of(link.href).get("regid")
        if regid and regid.isdigit() and int(regid) not in ids:
            ids.append(int(regid))
    return ids


def parse_platform_details(html):
    """The platform details tab: {option: value or None ('-' = not set)} for the six fields."""
    by_label = {}
    for label, cell in DETAIL_ROW.findall(html or ""):
        text = " ".join(unescape(TAGS.sub(" ", cell)).split())
        by_label[unescape(label).strip()] = None if text in ("", "-") else text
    if FIELDS[0][2] not in by_label:
        return None
    return dict((option, by_label.get(label)) for option, _field, label in FIELDS)


def parse_tool_endpoints(html):
    """The tool details tab's read-only URL fields, by what they are (their path)."""
    found = {}
    for tag in ENDPOINT_INPUT.findall(html or ""):
        value = VALUE_ATTRIBUTE.search(tag)
        if not value:
            continue
        url = unescape(value.group(1))
        path = urlsplit(url).path
        for key, suffix in ENDPOINTS:
            if path.endswith(suffix) and key not in found:
                found[key] = url
    return dict((key, found.get(key)) for key, _suffix in ENDPOINTS)


def parse_invalid_feedback(html):
    """The field errors (.invalid-feedback) of a form Moodle sent back instead of saving it."""
    return [unescape(text) for text in INVALID_FEEDBACK.findall(html or "") if text.strip()]


def parse_enrol_states(page):
    """{enrol plugin: enabled?} from the manage enrolments table's enable/disable links."""
    return dict((name, action == "disable") for name, action in toggle_links(page, r"(^|/)admin/enrol\.php\?", "enrol"))


class LtiTool:
    """Reads and writes the LTI tool side of one site through its admin pages."""

    def __init__(self, client):
        self.client = client

    # -- plugins ---------------------------------------------------------------------------------------------
    def enrol_lti_enabled(self):
        """Whether enrol_lti is enabled (manage enrolments table); MoodleError when it is not installed."""
        page = self.client.page(SETTINGS_PATH, params={"section": ENROLS_SECTION})
        self.client.require_element(page, SETTINGS_PATH, "courseenrolmentplugins",
                                    "the table of enrolment plugins (table#courseenrolmentplugins)")
        states = parse_enrol_states(page)
        if "lti" not in states:
            raise MoodleError("The enrolment plugin enrol_lti (Publish as LTI tool) is not installed on the site.",
                              hint="It is part of Moodle core since 3.1; check the site's plugins.")
        return states["lti"]

    def set_enrol_lti(self, enabled):
        """Enable or disable enrol_lti (admin/enrol.php, as the table's links do)."""
        response = self.client.get(ENROL_PATH, write=True, follow=False, params={
            "sesskey": self.client.sesskey, "action": "enable" if enabled else "disable", "enrol": "lti"})
        if response.status not in (200, 303):
            raise MoodleError("admin/enrol.php answered HTTP %s." % response.status)

    # -- registrations --------------------------------------------------------------------------------------
    def registrations(self):
        """Every registration: {id, name, platform_id, ..., status, tool: {endpoints}}."""
        page = self.client.page(SETTINGS_PATH, params={"section": REGISTRATIONS_SECTION})
        if page.form(form_id="adminsettings") is None and "Registered platforms" not in page.html:
            raise self.client.unexpected(SETTINGS_PATH, "the list of registered platforms (Tool registration)", page)
        return [self.registration(regid) for regid in parse_registration_ids(page)]

    def registration(self, regid):
        """One registration from its platform details tab: the six fields, id, status and the tool's URLs."""
        page = self.client.page(REGISTER_PATH, params={"action": "view", "regid": str(regid),
                                                       "tabselect": "platformdetails"})
        details = parse_platform_details(page.html)
        if details is None:
            raise self.client.unexpected(REGISTER_PATH, "the platform details table (Platform name, Platform ID, ...)",
                                         page)
        details["id"] = regid
        details["status"] = "active" if all(details[option] for option in PLATFORM_OPTIONS) else "pending"
        details["tool"] = parse_tool_endpoints(page.html)
        return details

    def create(self, name):
        """Register a platform by name (pending): its id."""
        path = REGISTER_PATH + "?action=add"
        page = self.client.page(REGISTER_PATH, params={"action": "add"})
        form = self.client.require_form(page, REGISTER_PATH, field="name", what="the Register a platform form")
        data = self._submission(form, {"name": name}, "submitbutton")
        response = self.client.post(REGISTER_PATH, data, params={"action": "add"})
        if not response.is_redirect:
            raise self._rejected(path, response)
        regid = query_of(response.location).get("regid")
        if not regid or not regid.isdigit():
            raise self.client.unexpected(path, "a redirect to the new registration (regid=N)",
                                         found="a redirect to %s" % response.location)
        return int(regid)

    def update(self, regid, values):
        """Post the platform details form with ``values`` ({option: value}) over what it holds."""
        params = {"action": "edit", "regid": str(regid)}
        page = self.client.page(REGISTER_PATH, params=params)
        form = self.client.require_form(page, REGISTER_PATH, field="platformid",
                                        what="the platform details form (platformid, clientid, ...)")
        fields = dict((field, values[option]) for option, field, _label in FIELDS if values.get(option) is not None)
        response = self.client.post(REGISTER_PATH, self._submission(form, fields, "submitbutton"), params=params)
        if not response.is_redirect:
            raise self._rejected(REGISTER_PATH + "?action=edit", response)

    def delete(self, regid):
        """Delete a registration through its confirmation form."""
        page = self.client.page(REGISTER_PATH, params={"action": "delete", "regid": str(regid)})
        form = None
        for candidate in page.forms:
            if candidate.control("confirm") is not None and candidate.control("regid") is not None:
                form = candidate
        if form is None:
            raise self.client.unexpected(REGISTER_PATH, "the delete confirmation (a form with confirm and regid)", page)
        response = self.client.post(REGISTER_PATH, form.browser_submission())
        if not response.is_redirect:
            raise self._rejected(REGISTER_PATH + "?action=delete", response)

    # -- helpers ---------------------------------------------------------------------------------------------
    @staticmethod
    def _submission(form, fields, button):
        data = [(name, fields.get(name, value)) for name, value in form.browser_submission()]
        for name, value in fields.items():
            if form.control(name) is None:
                data.append((name, value))
        submit = form.control(button)
        data.append((button, submit.value if submit is not None and submit.value else "Save changes"))
        return data

    def _rejected(self, path, response):
        page = Page(response.text)
        problems = page.error_messages + page.alerts + parse_invalid_feedback(page.html)
        return MoodleError("Moodle did not accept %s (HTTP %s): %s." % (
            path, response.status, "; ".join(problems) or "the form came back"),
            hint="Check the values: every platform detail is required, the URLs must be complete URLs.")
