# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moodle's OAuth 2 services (tool_oauth2: Site administration > Server > OAuth 2 services), the pages: the issuers
list, the issuer form (custom and template), the endpoints and user field mappings of an issuer and the delete
confirmations, as recorded in the f25 exchanges (../shared/moodle-fixtures/, 4.5.6 478-574, 5.1.3 411-507). Paths,
the parse functions (page in, data out) and the OAuth2Admin page driver; the resource is resources/oauth2_issuers.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from html import unescape
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser
    unescape = HTMLParser().unescape

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    FormRejectedError,
    HttpsOnlyError,
    MoodleError,
    OAuth2DiscoveryError,
    PageError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, field_errors, id_param, query_of

ISSUERS_PATH = "admin/tool/oauth2/issuers.php"
ENDPOINTS_PATH = "admin/tool/oauth2/endpoints.php"
MAPPINGS_PATH = "admin/tool/oauth2/userfieldmappings.php"
LOGIN_PATH = "auth/oauth2/login.php"
ISSUER_FORM = "_qf__tool_oauth2_form_issuer"
ENDPOINT_FORM = "_qf__tool_oauth2_form_endpoint"
MAPPING_FORM = "_qf__tool_oauth2_form_user_field_mapping"
# The template buttons of the issuers list (single_button forms: action=edittemplate, type=<type>).
TEMPLATES = ("google", "microsoft", "facebook", "nextcloud", "linkedin", "clever", "moodlenet")
# showonloginpage: the select's values (core\oauth2\issuer SERVICEONLY 0, EVERYWHERE 1, LOGINONLY 2, SMTPWITHXOAUTH2 3)
SHOW_ON_LOGIN_PAGE = {"internal": "0", "everywhere": "1", "login_page": "2", "smtp": "3"}
# (module option, issuer form field) of the form's text fields
TEXT_FIELDS = (
    ("name", "name"),
    ("client_id", "clientid"),
    ("client_secret", "clientsecret"),
    ("base_url", "baseurl"),
    ("image", "image"),
    ("login_page_name", "loginpagename"),
    ("system_email", "systememail"),
    ("login_scopes", "loginscopes"),
    ("login_scopes_offline", "loginscopesoffline"),
    ("login_params", "loginparams"),
    ("login_params_offline", "loginparamsoffline"),
    ("allowed_domains", "alloweddomains"),
)
# Moodle's error/sslonlyaccess text (issuer base URL, endpoint URL)
SSL_ONLY = "For security reasons only https connections are allowed, sorry."
DISCOVERY_FAILED = "Could not discover service endpoints"

NOTIFICATION = re.compile(r'<div class="alert alert-(success|info|warning|danger|error)\b[^"]*"[^>]*>(.*?)<button', re.S)
TAGS = re.compile(r"<[^>]+>")


def _text(html):
    return " ".join(unescape(TAGS.sub(" ", html or "")).split())


def parse_issuer_rows(page):
    """The issuers list (issuers.php): [{id, name, display_name, enabled, position}] in the list's order (sortorder).
    A row is known by its edit link (issuers.php?id=N&action=edit); enabled = it has a Disable link."""
    issuers = []
    for row in page.rows:
        issuer_id = None
        enabled = None
        for link in row.links:
            query = query_of(link.href)
            if "/" + ISSUERS_PATH not in link.href and not link.href.startswith(ISSUERS_PATH):
                continue
            if query.get("action") == "edit":
                issuer_id = id_param(link.href, "id")
            elif query.get("action") in ("enable", "disable"):
                enabled = query["action"] == "disable"
        if issuer_id is None or not row.cells:
            continue
        issuers.append({"id": issuer_id, "name": row.cells[0], "display_name": row.cells[2] if len(row.cells) > 2
                        else "", "enabled": bool(enabled), "position": len(issuers)})
    return issuers


def parse_issuer_form(page):
    """The issuer form (new, template or edit): {form field: value} as it would be saved, None without the form.
    ``clientsecret`` is echoed in clear by Moodle (a plain text input), so it is read like any other field."""
    form = page.form_with_field(ISSUER_FORM)
    if form is None:
        return None
    values = form.current_values()
    found = dict((field, values.get(field) or "") for _option, field in TEXT_FIELDS)
    for field in ("basicauth", "requireconfirmation"):
        found[field] = values.get(field) == "1"
    found["showonloginpage"] = values.get("showonloginpage") or "0"
    hidden = form.hidden_values()
    for field in ("id", "servicetype", "enabled", "sortorder", "action", "type"):
        found[field] = hidden.get(field, "")
    return found


def child_rows(page, path, id_name, first, second):
    """The rows of an issuer's endpoints or mappings table: [{id, first: cell 1, second: cell 2}] in page order, a
    row known by its edit link (``path``?...&``id_name``=N&action=edit)."""
    found = []
    for row in page.rows:
        for link in row.links:
            if path in link.href and query_of(link.href).get("action") == "edit":
                row_id = id_param(link.href, id_name)
                if row_id is not None and len(row.cells) >= 2:
                    found.append({"id": row_id, first: row.cells[0], second: row.cells[1]})
                break
    return found


def parse_endpoint_rows(page):
    """The endpoints table of an issuer (endpoints.php?issuerid=N): [{id, name, url}] in page order."""
    return child_rows(page, ENDPOINTS_PATH, "endpointid", "name", "url")


def parse_mapping_rows(page):
    """The user field mappings table of an issuer: [{id, external, internal}] in page order."""
    return child_rows(page, MAPPINGS_PATH, "userfieldmappingid", "external", "internal")


def parse_confirm_form(page):
    """The Continue form of a delete confirmation (core confirm(): POST with confirm=1): its (name, value) pairs,
    or None when the page is no such confirmation."""
    for form in page.forms:
        if form.method == "post" and form.control("confirm") is not None and \
                form.hidden_values().get("action") == "delete":
            return form.browser_submission()
    return None


def parse_confirm_message(page):
    """The question of a confirmation page (#modal-body), or None."""
    match = re.search(r'id="modal-body"[^>]*>(.*?)</div>', page.html, re.S)
    return _text(match.group(1)) if match else None


def parse_field_errors(html):
    """{field: message} of a form Moodle sent back instead of saving it (page_parser.field_errors)."""
    return dict(field_errors(html))


def parse_notifications(html):
    """[(kind, text)] of the notifications a page shows (alert-success "Changes saved", alert-danger "error/...")."""
    found = []
    for kind, body in NOTIFICATION.findall(html or ""):
        text = _text(body)
        if text:
            found.append(("danger" if kind == "error" else kind, text))
    return found


def parse_template_buttons(page):
    """The service types the issuers list offers as template buttons (edittemplate forms), in page order, plus
    "custom" when the Custom button (action=edit) is there."""
    found = []
    for form in page.forms:
        hidden = form.hidden_values()
        if form.method != "post" or ISSUERS_PATH not in form.action:
            continue
        if hidden.get("action") == "edittemplate" and hidden.get("type"):
            found.append(hidden["type"])
        elif hidden.get("action") == "edit" and set(hidden) == {"action", "sesskey"}:
            found.append("custom")
    return found


def discovery_failure(text):
    """Moodle's reason when ``text`` (an alert or error message) says discovery failed, else None."""
    text = (text or "").strip()
    if DISCOVERY_FAILED not in text:
        return None
    if text.startswith("error/"):
        text = text[len("error/"):]
    return text.rstrip(" \u00d7").strip()


def show_name(value):
    """The option's name for a showonloginpage value."""
    for name, number in SHOW_ON_LOGIN_PAGE.items():
        if number == ("%s" % value):
            return name
    raise MoodleError("Unknown showonloginpage value %r on the issuer form." % value)


def issuer_state(issuer_id, form, enabled, endpoints, mappings):
    """One issuer as moodle_oauth2_issuer's options name it, from its edit form (parse_issuer_form), whether the
    list shows it enabled, and its endpoint and mapping rows. Holds the client secret: for the redactor only."""
    state = {"id": issuer_id, "service": form.get("servicetype") or "custom", "enabled": bool(enabled),
             "require_confirmation": form["requireconfirmation"], "basic_auth": form["basicauth"],
             "show_on_login_page": show_name(form["showonloginpage"]),
             "endpoints": dict((row["name"], row["url"]) for row in endpoints),
             "user_field_mappings": dict((row["external"], row["internal"]) for row in mappings)}
    for option, field in TEXT_FIELDS:
        state[option] = form.get(field) or ""
    return state


class OAuth2Admin:
    """Reads and writes the OAuth 2 services of one site through tool_oauth2's admin pages."""

    def __init__(self, client):
        self.client = client

    # -- reads -------------------------------------------------------------------------------------------------
    def issuers(self):
        """Every issuer of the list: [{id, name, display_name, enabled, position}]."""
        page = self.client.page(ISSUERS_PATH)
        if "custom" not in parse_template_buttons(page) and not parse_issuer_rows(page):
            raise self.client.unexpected(ISSUERS_PATH, "the OAuth 2 services list (issuers and the Custom button)",
                                         page)
        return parse_issuer_rows(page)

    def issuer_form(self, issuer_id):
        """The edit form's values of one issuer (parse_issuer_form)."""
        page = self.client.page(ISSUERS_PATH, params={"id": str(issuer_id), "action": "edit"})
        values = parse_issuer_form(page)
        if values is None:
            raise self.client.unexpected(ISSUERS_PATH + "?action=edit", "the issuer form (%s)" % ISSUER_FORM, page)
        return values

    def endpoints(self, issuer_id):
        """[{id, name, url}] of one issuer."""
        page = self.client.page(ENDPOINTS_PATH, params={"issuerid": str(issuer_id)})
        return parse_endpoint_rows(page)

    def mappings(self, issuer_id):
        """[{id, external, internal}] of one issuer."""
        page = self.client.page(MAPPINGS_PATH, params={"issuerid": str(issuer_id)})
        return parse_mapping_rows(page)

    def read_issuer(self, issuer_id, listed=None):
        """(issuer_state, its endpoint rows, its mapping rows) of one issuer; ``listed``: its row of the issuers list
        when already read (else the list is read for its enabled state)."""
        form = self.issuer_form(issuer_id)
        endpoints = self.endpoints(issuer_id)
        mappings = self.mappings(issuer_id)
        if listed is None:
            listed = next((row for row in self.issuers() if row["id"] == issuer_id), None)
        enabled = listed["enabled"] if listed is not None else form.get("enabled") == "1"
        return issuer_state(issuer_id, form, enabled, endpoints, mappings), endpoints, mappings

    # -- issuers -----------------------------------------------------------------------------------------------
    def create(self, fields, template=None, accept_risk=False):
        """Create an issuer from the Custom button or a template button with ``fields`` ({form field: value}); its
        id. Discovery (base URL given) runs inside this POST: its failure is OAuth2DiscoveryError (the issuer then
        exists without endpoints)."""
        button = [("action", "edittemplate"), ("type", template), ("sesskey", self.client.sesskey),
                  ("docslink", "admin/tool/oauth2/issuers/%s" % template)] if template else \
            [("action", "edit"), ("sesskey", self.client.sesskey)]
        response = self.client.post(ISSUERS_PATH, button, write=False)
        page = Page(response.text)
        form = page.form_with_field(ISSUER_FORM)
        if response.status != 200 or form is None:
            raise self.client.unexpected(ISSUERS_PATH, "the new issuer form (%s)" % ISSUER_FORM, page)
        before = set(issuer["id"] for issuer in self.issuers())
        self._save_issuer(form, fields, accept_risk)
        found = [issuer for issuer in self.issuers() if issuer["id"] not in before]
        if not found:
            raise MoodleError("Moodle answered the new issuer form normally, but no new issuer is in the list.")
        return max(issuer["id"] for issuer in found)

    def update(self, issuer_id, fields, accept_risk=False):
        """Post the issuer's edit form with ``fields`` over what it holds (no discovery: Moodle runs it on create)."""
        page = self.client.page(ISSUERS_PATH, params={"id": str(issuer_id), "action": "edit"})
        form = self.client.require_form(page, ISSUERS_PATH, field=ISSUER_FORM, what="the issuer form")
        self._save_issuer(form, fields, accept_risk)

    def delete(self, issuer_id):
        """Delete an issuer (with its endpoints and mappings) through its confirmation page."""
        self._confirm_delete(ISSUERS_PATH, {"id": str(issuer_id), "action": "delete"})

    def set_enabled(self, issuer_id, enabled):
        """The list's Enable / Disable link (answers 303 whether or not it worked: read back by the caller)."""
        response = self.client.get(ISSUERS_PATH, write=True, follow=False, params={
            "id": str(issuer_id), "sesskey": self.client.sesskey, "action": "enable" if enabled else "disable"})
        if response.status not in (200, 303):
            raise MoodleError("%s answered HTTP %s." % (ISSUERS_PATH, response.status))

    # -- endpoints and mappings --------------------------------------------------------------------------------
    def save_endpoint(self, issuer_id, name, url, endpoint_id=None):
        """Add an endpoint (endpoint_id None) or change one."""
        self._save_child(ENDPOINTS_PATH, issuer_id, "endpointid", endpoint_id, ENDPOINT_FORM,
                         {"name": name, "url": url})

    def delete_endpoint(self, issuer_id, endpoint_id):
        self._confirm_delete(ENDPOINTS_PATH, {"issuerid": str(issuer_id), "endpointid": str(endpoint_id),
                                              "action": "delete"})

    def save_mapping(self, issuer_id, external, internal, mapping_id=None):
        """Add a user field mapping (mapping_id None) or change one."""
        self._save_child(MAPPINGS_PATH, issuer_id, "userfieldmappingid", mapping_id, MAPPING_FORM,
                         {"externalfield": external, "internalfield": internal})

    def delete_mapping(self, issuer_id, mapping_id):
        self._confirm_delete(MAPPINGS_PATH, {"issuerid": str(issuer_id), "userfieldmappingid": str(mapping_id),
                                             "action": "delete"})

    # -- helpers -----------------------------------------------------------------------------------------------
    def _save_issuer(self, form, fields, accept_risk):
        data = submission(form, fields, checkboxes=("basicauth", "requireconfirmation"))
        if accept_risk:
            data.append(("acceptrisk", "1"))
        data.append(("submitbutton", "Save changes"))
        response = self.client.post(ISSUERS_PATH, data)
        name = fields.get("name") or ""
        if response.status == 404 or (not response.is_redirect and response.status != 200):
            page = Page(response.text)
            message = "; ".join(page.error_messages) or "HTTP %s" % response.status
            reason = discovery_failure(message)
            if reason:
                raise OAuth2DiscoveryError(name, fields.get("baseurl") or "", reason)
            raise PageError(message, "/" + ISSUERS_PATH, response.status)
        if not response.is_redirect:
            raise rejected(ISSUERS_PATH, response.text, {"baseurl": "base_url"})
        landing = self.client.follow(response)
        for kind, text in parse_notifications(landing.text):
            reason = discovery_failure(text) if kind == "danger" else None
            if reason:
                raise OAuth2DiscoveryError(name, fields.get("baseurl") or "", reason)
        self.client.forget_pages()

    def _save_child(self, path, issuer_id, id_name, record_id, form_name, fields):
        if record_id is None:
            response = self.client.post(path, [("action", "edit"), ("issuerid", str(issuer_id)),
                                               ("sesskey", self.client.sesskey)], write=False)
            page = Page(response.text)
        else:
            page = self.client.page(path, params={"issuerid": str(issuer_id), id_name: str(record_id),
                                                  "action": "edit"})
        form = page.form_with_field(form_name)
        if form is None:
            raise self.client.unexpected(path, "the form %s" % form_name, page)
        data = submission(form, fields)
        data.append(("submitbutton", "Save changes"))
        response = self.client.post(path, data)
        if not response.is_redirect:
            raise rejected(path, response.text, {"url": "endpoints"})

    def _confirm_delete(self, path, params):
        page = self.client.page(path, params=params)
        data = parse_confirm_form(page)
        if data is None:
            raise self.client.unexpected(path, "the delete confirmation (Continue with confirm=1)", page)
        response = self.client.post(path, data)
        if not response.is_redirect:
            raise MoodleError("Moodle did not confirm the deletion on %s (HTTP %s)." % (path, response.status))


def submission(form, fields, checkboxes=()):
    """What a browser sends for ``form`` with ``fields`` ({name: value}) typed in; advcheckbox fields in
    ``checkboxes`` take a bool (hidden 0, plus 1 when ticked). No button: the caller adds it."""
    data = []
    for name, value in form.browser_submission():
        if name in checkboxes and name in fields:
            continue
        data.append((name, fields[name] if name in fields else value))
    for name, value in fields.items():
        if name in checkboxes:    # advcheckbox: hidden 0, then 1 when ticked
            data.append((name, "0"))
            if value:
                data.append((name, "1"))
        elif form.control(name) is None:
            data.append((name, value))
    return data


def rejected(path, html, url_options):
    """The error for a form Moodle sent back: HttpsOnlyError for error/sslonlyaccess on a URL field (naming the
    option of ``url_options`` {field: option}), else FormRejectedError naming the fields and Moodle's texts."""
    errors = parse_field_errors(html)
    for field, option in url_options.items():
        if errors.get(field) == SSL_ONLY:
            raise HttpsOnlyError(option)
    if not errors:
        return MoodleError("Moodle did not save the form of %s: the form came back without a field error." % path,
                           hint="Re-run; if it persists, save the form once by hand to see what Moodle says.")
    return FormRejectedError("Moodle did not save the form of %s: %s." % (
        path, "; ".join("%s: %s" % (field, text) for field, text in sorted(errors.items()))),
        fields=sorted(errors))
