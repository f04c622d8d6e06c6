"""Tokens: moodle.tokens.parse_token_rows (report rows), AdminTokens (list, create form, created value, delete) and
token_from_login."""

import re

import pytest

from client_conformance.core import Case, client_on, recorded

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.tokens import (
    AdminTokens,
    parse_report_date,
    parse_token_rows,
    token_from_login,
)


def report(rec, version):
    rows = parse_token_rows(rec.page)
    ids = [int(value) for value in re.findall(r'tokens\.php\?[^"]*tokenid=(\d+)', rec.text.replace("&amp;", "&"))]
    assert [row.id for row in rows] == list(dict.fromkeys(ids))
    users = [int(value) for value in re.findall(r'<tr[^>]*>(?:(?!</tr>).)*?/user/profile\.php\?id=(\d+)', rec.text, re.S)]
    assert all(row.user_id in users for row in rows)
    facts = rec.facts
    if facts.get("report_rows"):  # header + rows as the lab read them
        expected = facts["report_rows"][1:]
        assert [row.name for row in rows] == [cells[0] for cells in expected]
        assert [row.service_name for row in rows] == [cells[3] for cells in expected]
        assert [row.valid_until for row in rows] == [cells[5] or None for cells in expected]
        assert [sorted(row.missing_capabilities) for row in rows] == [
            sorted(re.findall(r"[a-z]+/[a-z_]+:[a-z_]+", cells[8])) for cells in expected]
        assert [row.user_fullname for row in rows] == [cells[1] or None for cells in expected]
        assert [row.email for row in rows] == [cells[2] or None for cells in expected]
        assert [row.last_access is None for row in rows] == [
            cells[6].lower() in ("", "never", "-") for cells in expected]
        assert [row.creator for row in rows] == [cells[7] or None for cells in expected]
        assert [row.valid_until_date for row in rows] == [parse_report_date(cells[5]) for cells in expected]
    if facts.get("table"):
        table = facts["table"]
        assert len(rows) == table["rows"]
        names = [row.name for row in rows]
        assert names[:len(table["first_names"])] == table["first_names"]
        assert names[-len(table["last_names"]):] == table["last_names"]
    if 'class="emptyrow' in rec.text:
        assert len(rows) < rec.text.count("<tr")  # padding rows were skipped


def report_pages(rec, version):
    """list() walks ?page=N while pages are full (30 rows): page 1 of 42 tokens, then ?page=1 (12 rows)."""
    client = client_on(version, rec, recorded(version, "f17-tokens-report-get-page-param"))
    rows = AdminTokens(client).list()
    assert len(rows) == int(rec.facts["table"]["total_rows"])
    assert client.transport.requests[1][2] == {"page": 1}


def create_form(rec, version):
    form = rec.page.form_with_field("_qf__core_webservice_token_form")
    assert form is not None
    for name in ("name", "user", "service", "iprestriction", "validuntil[day]", "validuntil[month]", "validuntil[year]"):
        assert form.control(name) is not None, name
    values = form.current_values()
    for name in ("validuntil[day]", "validuntil[month]", "validuntil[year]"):
        selected = re.search(r'<select[^>]*name="%s".*?<option value="(\d+)"\s*selected' % re.escape(name), rec.text, re.S)
        assert selected and values[name] == selected.group(1), name
    services = [value for value, _label in form.control("service").choices()]
    assert services and all(value.isdigit() for value in services)


def token_created(rec, version):
    shown = recorded(version, rec.name + "-hop1")
    client = client_on(version, recorded(version, "f07-token-create-form"), rec, shown)
    value = AdminTokens(client).create(3, 3, name="ci-teacher1")
    assert value == re.search(r'id="copytoclipboardtoken"[^>]*>\s*([0-9a-f]{32})', shown.text).group(1)
    assert value in client.redact.secrets


def token_refused(rec, version):
    client = client_on(version, recorded(version, "f07-token-create-form"), rec)
    with pytest.raises(errors.AccessDeniedError) as caught:
        AdminTokens(client).create(2, 3)
    assert "not allowed for this service" in str(caught.value) and "not allowed for this service" in rec.text


def tokens_denied(rec, version):
    with pytest.raises(errors.AccessDeniedError):
        AdminTokens(client_on(version, rec, username="teacher1")).list()


def token_deleted(rec, version):
    client = client_on(version, recorded(version, "f07-token-delete-confirm"), rec)
    AdminTokens(client).delete(2)
    assert rec.status == 303


def token_php(rec, version):
    answer = rec.json()
    client = client_on(version, rec)
    if answer.get("token"):
        assert token_from_login(client, "teacher1", "Teacher#12345", "ci_bootstrap") == answer["token"]
        assert answer["token"] in client.redact.secrets
    else:
        with pytest.raises(errors.MoodleError) as caught:
            token_from_login(client, "teacher1", "Teacher#12345", "ci_bootstrap")
        assert caught.value.errorcode == answer["errorcode"]


TOKEN_PHP = ["f07-tokenphp-wsoff", "f07-tokenphp-wson-restoff-wrongpw", "f07-tokenphp-teacher1-ci-notoken",
             "f07-tokenphp-wrongpw", "f07-tokenphp-missing-service", "f07-tokenphp-unknown-service",
             "f07-tokenphp-teacher1-mobile-1", "f07-tokenphp-teacher1-ci", "f07-tokenphp-admin-mobile",
             "f07-tokenphp-admin-ci", "f07-tokenphp-get", "f14-maint-tokenphp"]
REPORT = "moodle.tokens.parse_token_rows (token report rows, padding skipped)"
CASES = [
    Case("f07-tokens-list-empty", REPORT, report),
    Case("f07-tokens-list-after", REPORT, report),
    Case("f07-tokens-list-final", REPORT, report),
    Case("f07-token-delete-post-hop1", REPORT, report),
    Case("f22-tokens-report", REPORT, report),
    Case("f17-tokens-report-page1", REPORT, report),
    Case("f17-tokens-report-get-page-param", REPORT, report),
    Case("f17-tokens-report-page1", "moodle.tokens.AdminTokens.list (?page=N while pages are full)", report_pages),
    Case("f07-token-create-form", "moodle.tokens.AdminTokens.create (token form, validuntil)", create_form),
    Case("f11-token-create-form", "moodle.tokens.AdminTokens.create (token form, validuntil)", create_form),
    Case("f07-token-create-post", "moodle.tokens.AdminTokens.create (303, value in div#copytoclipboardtoken)",
         token_created),
    Case("f07-token-create-admin-notallowed", "moodle.tokens.AdminTokens.create (not allowed -> AccessDeniedError)",
         token_refused),
    Case("f02-teacher1-tokens", "moodle.tokens.AdminTokens.list (Access denied -> AccessDeniedError)", tokens_denied),
    Case("f07-token-delete-post", "moodle.tokens.AdminTokens.delete (confirm page + 303)", token_deleted),
] + [Case(name, "moodle.tokens.token_from_login (login/token.php JSON)", token_php) for name in TOKEN_PHP]
