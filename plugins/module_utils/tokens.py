# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web service tokens: the admin page (admin/webservice/tokens.php) and login/token.php."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    MoodleError,
    PageError,
    web_service_error,
)
from ansible_collections.moodleops.auth.plugins.module_utils.pages import Page, id_param

TOKENS_PATH = "admin/webservice/tokens.php"
TOKEN_PHP = "login/token.php"
ROWS_PER_PAGE = 30
_TOKEN_VALUE = re.compile(r'id="copytoclipboardtoken"[^>]*>\s*([0-9a-fA-F]{32})\s*<')


class TokenRow:
    """One row of the token report: everything but the value, which Moodle never lists."""

    def __init__(self, token_id, name, user_id, service_name, service_shortname, ip_restriction, valid_until,
                 missing_capabilities):
        self.id = token_id
        self.name = name
        self.user_id = user_id
        self.service_name = service_name
        self.service_shortname = service_shortname
        self.ip_restriction = ip_restriction
        self.valid_until = valid_until
        self.missing_capabilities = missing_capabilities

    def is_for(self, user_id, service, name=None):
        """The report's service cell holds the name, then the shortname in a muted line."""
        cell = self.service_name
        names = (service.name, ("%s %s" % (service.name, service.shortname)) if service.shortname else service.name)
        return self.user_id == user_id and cell in names and (name is None or self.name == name)

    def as_dict(self):
        return {"id": self.id, "name": self.name, "user_id": self.user_id, "ip_restriction": self.ip_restriction,
                "valid_until": self.valid_until, "missing_capabilities": self.missing_capabilities}


class AdminTokens:
    def __init__(self, client):
        self.client = client

    def _page(self, params=None):
        try:
            return self.client.page(TOKENS_PATH, params=params)
        except PageError as error:
            if "access denied" in error.page_message.lower():
                raise AccessDeniedError(
                    "User '%s' may not manage tokens (%s answered 'Access denied')." % (
                        self.client.options.get("username"), TOKENS_PATH),
                    hint="Use a site administrator account.")
            raise

    def list(self):
        """Every token row, all report pages (30 rows each; short pages are padded with empty rows)."""
        rows, page_number = [], 0
        while True:
            page = self._page(params={"page": page_number} if page_number else None)
            found = self._rows(page)
            rows.extend(found)
            if len(found) < ROWS_PER_PAGE or page_number > 200:
                return rows
            page_number += 1

    @staticmethod
    def _rows(page):
        rows = []
        for row in page.rows:
            # Short report pages are padded with empty <tr class="emptyrow">: only rows with a token id count.
            token_ids = [id_param(link.href, "tokenid") for link in row.links if "action=delete" in link.href]
            token_ids = [token_id for token_id in token_ids if token_id is not None]
            if not token_ids or len(row.cells) < 9:
                continue
            user_ids = [id_param(link.href, "id") for link in row.links if "/user/profile.php" in link.href]
            user_ids = [user_id for user_id in user_ids if user_id is not None]
            service_cell = row.cells[3]
            missing = re.findall(r"[a-z]+/[a-z_]+:[a-z_]+", row.cells[8])
            rows.append(TokenRow(token_ids[0], row.cells[0], user_ids[0] if user_ids else None, service_cell,
                                 None, row.cells[4] or None, row.cells[5] or None, missing))
        return rows

    def create(self, user_id, service_id, name=None, ip_restriction=None, valid_until=None):
        """Create a token and read its value, which Moodle shows once, on the next page."""
        form_page = self._page(params={"action": "create"})
        form = self.client.require_form(form_page, TOKENS_PATH, field="_qf__core_webservice_token_form",
                                        what="the token form")
        data = [("action", "create"), ("sesskey", self.client.sesskey), ("_qf__core_webservice_token_form", "1"),
                ("mform_isexpanded_id_token", "1"), ("name", name or ""), ("user", user_id), ("service", service_id),
                ("iprestriction", ip_restriction or "")]
        if form.control("validuntil[day]") is not None:
            if valid_until is not None:
                data.extend([("validuntil[enabled]", "1"), ("validuntil[day]", valid_until.day),
                             ("validuntil[month]", valid_until.month), ("validuntil[year]", valid_until.year)])
            else:  # unticked "enabled" = no expiry (4.5 pre-ticks 30 days ahead)
                today = form.current_values()
                data.extend([(key, today.get(key) or "") for key in ("validuntil[day]", "validuntil[month]",
                                                                     "validuntil[year]")])
        data.append(("submitbutton", "Save changes"))
        response = self.client.post(TOKENS_PATH, data)
        if not response.is_redirect:
            page = Page(response.text)
            problems = page.alerts + page.error_messages
            text = "; ".join(problems) or "the form came back (HTTP %s)" % response.status
            if "not allowed for this service" in text:
                raise AccessDeniedError("Moodle will not create the token: %s" % text, errorcode="usernotallowed",
                                        hint="Authorise the user on the restricted service first "
                                             "(moodleops.auth.moodle_external_service: authorised_users).")
            raise MoodleError("Moodle did not create the token: %s" % text)
        shown = self.client.get(TOKENS_PATH)
        match = _TOKEN_VALUE.search(shown.text)
        if not match:
            raise MoodleError("Moodle created the token but did not show its value (div#copytoclipboardtoken).",
                              hint="On Moodle 4.1/4.2 the value is in the token list instead; this version is not "
                                   "supported for method admin yet.")
        self.client.redact.add(match.group(1))
        return match.group(1)

    def delete(self, token_id):
        self._page(params={"action": "delete", "tokenid": token_id})
        response = self.client.post(TOKENS_PATH, [("tokenid", token_id), ("action", "delete"), ("confirm", "1"),
                                                  ("sesskey", self.client.sesskey)])
        if not response.is_redirect:
            raise MoodleError("Moodle did not delete token %s (HTTP %s)." % (token_id, response.status))


def token_from_login(client, username, password, service):
    """login/token.php: the user's newest valid token for the service, created when the rules allow."""
    client.redact.add(password)
    response = client.transport.request("POST", TOKEN_PHP, data=[("username", username), ("password", password),
                                                                 ("service", service)])
    try:
        answer = response.json()
    except ValueError:
        raise MoodleError("%s answered HTTP %s with something other than JSON." % (TOKEN_PHP, response.status))
    if answer.get("token"):
        client.redact.add(answer["token"])
        if answer.get("privatetoken"):
            client.redact.add(answer["privatetoken"])
        return answer["token"]
    code = answer.get("errorcode")
    hints = {
        "invalidlogin": "Check user and user_password (the account must log in with a password, not SSO).",
        "cannotcreatetoken": "The user lacks moodle/webservice:createtoken (site admins never get one here): "
                             "grant it through a role, or use method: admin.",
        "usernotallowed": "The service is restricted: authorise the user on it.",
        "servicenotavailable": "No enabled service has that shortname.",
        "enablewsdescription": "Enable web services (moodleops.auth.moodle_webservice_enable).",
    }
    error = web_service_error(code, answer.get("error"), answer.get("debuginfo"), via=TOKEN_PHP)
    if code in hints:
        error.hint = hints[code]
    raise error
