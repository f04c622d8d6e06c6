"""Unit tests of plugins/module_utils/moodle/tokens.py: the token report (admin/webservice/tokens.php) read from real
Moodle answers (4.5.6 and 5.1.3) replayed from ../shared/moodle-fixtures, and the pure helpers (report dates,
valid_until, IP restriction sets; address_allowed is tested in sim/test_token_checks.py). The login and replay
helpers are test_core_against_recordings'."""

import datetime

import pytest

from recorded_replay import VERSIONS, ReplayServer, exchange, fixtures_available, has_exchanges
from test_core_against_recordings import ADMIN, ADMIN_LOGIN_F16, client_for, need

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.tokens import (
    AdminTokens,
    parse_report_date,
    parse_token_rows,
    parse_valid_until,
    restriction_set,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page

recorded = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")


def recorded_page(version, name):
    if not has_exchanges(version, [name]):
        pytest.skip("moodle-%s has not recorded %s" % (version, name))
    return Page(exchange(name, version)["body"].decode("utf-8", "replace"))


@recorded
@pytest.mark.parametrize("version", VERSIONS)
def test_token_report_read_path(version):
    with ReplayServer(need(version, ADMIN_LOGIN_F16 + ["f22-tokens-report"]), version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        rows = AdminTokens(client).list()
    assert [row.name for row in rows] == ["ci-wsuser01", "ci-ciuser"]  # index.json report_rows of 314
    assert [row.user_id for row in rows] == [4, 3]  # wsuser01 4, ciuser 3 (fixtures README)
    assert all(row.service_name == "CI bootstrap ci_bootstrap" for row in rows)
    assert "moodle/user:create" in rows[0].missing_capabilities


@recorded
@pytest.mark.parametrize("version", VERSIONS)
def test_token_report_pages_read_path(version):
    steps = need(version, ADMIN_LOGIN_F16 + ["f17-tokens-report-page1", "f17-tokens-report-get-page-param"])
    with ReplayServer(steps, version) as site:
        client, _unused = client_for(site.url, **ADMIN)
        rows = AdminTokens(client).list()
    assert len(rows) == 42  # index.json table.total_rows
    assert site.seen[-1][1] == "/admin/webservice/tokens.php?page=1"


@recorded
@pytest.mark.parametrize("version", VERSIONS)
def test_parse_token_rows_reads_every_column_and_skips_the_padding(version):
    page = recorded_page(version, "f22-tokens-report")   # 2 tokens, padded with empty rows up to 30
    rows = parse_token_rows(page)
    assert len(rows) == 2
    assert [row.user_fullname for row in rows] == ["WS User 01", "CI User"]
    assert [row.email for row in rows] == ["wsuser01@example.com", "ciuser@example.com"]
    assert [row.last_access for row in rows] == [None, None]        # "Never"
    assert [row.creator for row in rows] == ["Admin User", "Admin User"]
    assert [row.ip_restriction for row in rows] == [None, None]
    assert [row.valid_until for row in rows] == ["21 December 2026, 12:00 AM"] * 2
    assert [row.valid_until_date for row in rows] == ["2026-12-21"] * 2
    assert rows[1].missing_capabilities == ["moodle/user:create", "moodle/user:viewhiddendetails",
                                            "moodle/course:useremail", "moodle/user:update"]


@recorded
def test_as_dict_keeps_the_keys_moodle_token_returns():
    row = parse_token_rows(recorded_page("4.5.6", "f22-tokens-report"))[0]
    assert sorted(row.as_dict()) == ["id", "ip_restriction", "missing_capabilities", "name", "user_id", "valid_until"]


@pytest.mark.parametrize("text, expected", [
    ("21 December 2026, 12:00 AM", "2026-12-21"),
    ("1 march 2027", "2027-03-01"),
    ("31 February 2027", None),
    ("Never", None),
    ("", None),
    (None, None),
])
def test_parse_report_date(text, expected):
    assert parse_report_date(text) == expected


def test_parse_valid_until():
    assert parse_valid_until(None) is None and parse_valid_until(" ") is None
    assert parse_valid_until("2030-01-02") == datetime.date(2030, 1, 2)
    assert parse_valid_until("86400") >= datetime.date.today()
    with pytest.raises(InvalidInputError) as caught:
        parse_valid_until("tomorrow")
    assert "neither a date (YYYY-MM-DD) nor a number of seconds" in str(caught.value)


def test_restriction_set_ignores_spaces_and_order():
    assert restriction_set("10.0.0.1, 192.0.2.0/24") == restriction_set("192.0.2.0/24,10.0.0.1")
    assert restriction_set(None) == restriction_set("") == frozenset()
