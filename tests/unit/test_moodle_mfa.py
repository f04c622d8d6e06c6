"""plugins/module_utils/moodle/mfa.py: the parsers on small pages written here (the real recorded pages of both
releases: tests/unit/client_conformance/cases_mfa.py), Moodle's address_in_subnet forms, and HttpMfa's order moves
with the Referer of the managemfa page (against the simulator: tests/unit/sim/test_mfa.py)."""

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.mfa import (
    address_in_ranges,
    is_interception_url,
    parse_factor_table,
    parse_interception,
    parse_my_ip,
    rows_link,
)

TABLE_45 = """<table class="admintable generaltable" id="managemfatable"><tbody>
<tr class=""><td class="cell c0">IP range</td><td class="cell c1"><a href="tool/mfa/index.php?action=disable&amp;factor=iprange&amp;sesskey=S">x</a></td>
<td class="cell c2"><a href="tool/mfa/index.php?action=down&amp;factor=iprange&amp;sesskey=S">d</a></td><td class="cell c3">100</td></tr>
<tr class=""><td class="cell c0">TOTP</td><td class="cell c1"><a href="tool/mfa/index.php?action=disable&amp;factor=totp&amp;sesskey=S">x</a></td>
<td class="cell c2"><a href="tool/mfa/index.php?action=up&amp;factor=totp&amp;sesskey=S">u</a></td><td class="cell c3">50</td></tr>
<tr class="dimmed_text"><td class="cell c0">Email</td><td class="cell c1"><a href="tool/mfa/index.php?action=enable&amp;factor=email&amp;sesskey=S">x</a></td>
<td class="cell c2"></td><td class="cell c3">100</td></tr></tbody></table>
<table class="admintable generaltable" id="managemfatable"><tbody><tr><td>is on a secured network</td></tr></tbody></table>"""

TABLE_51 = """<div data-region="core_table/dynamic" data-table-handler="admin_setting_managemfa"><table><tbody>
<tr id="r0"><td class="cell c1"><div id="container-admin-toggle-email" data-toggle-method="core_admin_set_plugin_state"
 data-action="togglestate" data-plugin="factor_email" data-state="0" data-value="email"></div></td>
<td class="cell c2" id="r0_c2"></td><td class="cell c3" id="r0_c3">100</td></tr>
<tr id="r1"><td class="cell c1"><div data-toggle-method="core_admin_set_plugin_state" data-action="togglestate"
 data-plugin="factor_totp" data-state="1"></div></td><td class="cell c2"><a data-method="core_admin_set_plugin_order"
 href="http://h/admin/tool/mfa/index.php?sesskey=S&amp;action=up&amp;plugin=totp">u</a></td>
<td class="cell c3" id="r1_c3">75</td></tr></tbody></table>"""


def test_the_factor_table_of_45():
    rows = parse_factor_table(TABLE_45)
    assert [(row["name"], row["enabled"], row["weight"]) for row in rows] == [
        ("iprange", True, 100), ("totp", True, 50), ("email", False, 100)]
    assert rows_link(rows, "totp", "up") == "tool/mfa/index.php?action=up&factor=totp&sesskey=S"
    assert rows_link(rows, "email", "up") is None


def test_the_factor_table_of_51():
    rows = parse_factor_table(TABLE_51)
    assert [(row["name"], row["enabled"], row["weight"]) for row in rows] == [("email", False, 100), ("totp", True, 75)]
    assert rows_link(rows, "totp", "up") == "http://h/admin/tool/mfa/index.php?sesskey=S&action=up&plugin=totp"


def test_no_table():
    assert parse_factor_table("<p>Section error!</p>") == []


@pytest.mark.parametrize("html, ip", [
    ("Nobody will currently pass this factor! You can add your own IP address (<i>127.0.0.1</i>)", "127.0.0.1"),
    ("Your IP (<i>192.0.2.5</i>) is in the list and you will pass this factor.", "192.0.2.5"),
    ("Your IP (2001:db8::1) is not in the list", "2001:db8::1"),
    ("<p>nothing</p>", None),
])
def test_the_address_moodle_sees(html, ip):
    assert parse_my_ip(html) == ip


@pytest.mark.parametrize("address, ranges, inside", [
    ("127.0.0.1", ["127.0.0.1/32"], True),
    ("127.0.0.1", ["10.0.0.0/8", "127.0.0.0/8"], True),
    ("127.0.0.2", ["127.0.0.1"], False),
    ("192.0.2.9", ["192.0.2.1-10"], True),
    ("192.0.2.11", ["192.0.2.1-10"], False),
    ("192.0.2.11", ["192.0.2."], True),
    ("192.0.2.11", ["192.0.2"], True),
    ("192.0.20.1", ["192.0.2"], False),
    ("2001:db8::1", ["2001:db8::/32"], True),
    (None, ["127.0.0.1/32"], False),
    ("127.0.0.1", ["not an address/8"], False),
])
def test_address_in_ranges(address, ranges, inside):
    assert address_in_ranges(address, ranges) is inside


def test_interception_pages():
    unable = '<body id="page-admin-tool-mfa-auth"><h4>Unable to authenticate</h4></body>'
    code = ('<body id="page-admin-tool-mfa-auth"><form><input name="factor" type="alphaext" value="email" />'
            '<input name="verificationcode"></form></body>')
    assert parse_interception(unable) == {"page": "unable", "factor": None}
    assert parse_interception(code) == {"page": "verify", "factor": "email"}
    assert parse_interception('<body id="page-my-index"></body>') is None
    assert parse_interception("", url="http://h/admin/tool/mfa/auth.php") == {"page": "unable", "factor": None}
    assert is_interception_url("http://h/moodle/admin/tool/mfa/auth.php")
    assert not is_interception_url("http://h/my/")
