"""LTI tool registration (flow f21, both versions): moodle.lti.parse_registration_ids, parse_platform_details,
parse_tool_endpoints, parse_enrol_states and LtiTool's create/update/delete on the recorded pages and answers."""

import re
from urllib.parse import parse_qsl

from client_conformance.core import RECORDED_ROOTS, Case, client_on, raw_hrefs, raw_query_values, recorded

from ansible_collections.moodleops.auth.plugins.module_utils.moodle import lti

try:
    from html import unescape
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser
    unescape = HTMLParser().unescape


def _recorded_post(version, name):
    return dict(parse_qsl(recorded(version, name).request_body.decode(), keep_blank_values=True))


def list_ids(rec, version):
    expected = []
    for value in raw_query_values(rec.text, r"register_platform\.php\?", "regid"):
        if int(value) not in expected:
            expected.append(int(value))
    assert lti.parse_registration_ids(rec.page) == expected
    if rec.name.endswith("-empty") or rec.name.endswith("-hop1") and "delete" in rec.name:
        assert expected == []
    else:
        assert expected == [1]


def details_pending(rec, version):
    details = lti.parse_platform_details(rec.text)
    assert details["name"] == "CI test platform"
    assert all(details[option] is None for option in lti.PLATFORM_OPTIONS)


def details_active(rec, version):
    details = lti.parse_platform_details(rec.text)
    posted = _recorded_post(version, "f21-register-platform-edit-post")
    for option, field, _label in lti.FIELDS:
        assert details[option] == posted[field]


def endpoints(rec, version):
    root = RECORDED_ROOTS[version]
    values = [unescape(v) for v in re.findall(r'<input\b[^>]*value="([^"]*)"[^>]*id="lti_tool_endpoint_url_', rec.text)]
    found = lti.parse_tool_endpoints(rec.text)
    assert sorted(v for v in found.values()) == sorted(values)
    assert found["launch_url"] == root + "/enrol/lti/launch.php"
    assert found["jwks_url"] == root + "/enrol/lti/jwks.php"
    assert found["deep_linking_url"] == root + "/enrol/lti/launch_deeplink.php"
    uniqueid = re.search(r"login\.php\?id=([0-9a-f]+)", found["login_url"]).group(1)
    assert found["registration_url"] == root + "/enrol/lti/register.php?token=" + uniqueid


def enrols(rec, version):
    hrefs = raw_hrefs(rec.text, r"admin/enrol\.php\?")
    expected = {}
    for href in hrefs:
        query = dict(parse_qsl(href.split("?", 1)[1]))
        if query.get("action") in ("enable", "disable"):
            expected[query["enrol"]] = query["action"] == "disable"
    assert lti.parse_enrol_states(rec.page) == expected
    assert expected["lti"] is (rec.name != "f21-manageenrols")


def create(rec, version):
    """Add form (387) then its 303 (388): the posted fields are the recorded ones, the regid read from Location."""
    client = client_on(version, rec, recorded(version, "f21-register-platform-add-post"))
    regid = lti.LtiTool(client).create("CI test platform")
    assert regid == int(re.search(r"regid=(\d+)", recorded(version, "f21-register-platform-add-post").location).group(1))
    posted = dict(client.transport.requests[1][3])
    recorded_post = _recorded_post(version, "f21-register-platform-add-post")
    assert set(posted) == set(recorded_post)
    assert posted["name"] == recorded_post["name"]
    assert posted["submitbutton"] == recorded_post["submitbutton"]


def update(rec, version):
    client = client_on(version, rec, recorded(version, "f21-register-platform-edit-post"))
    posted_rec = _recorded_post(version, "f21-register-platform-edit-post")
    values = dict((option, posted_rec[field]) for option, field, _label in lti.FIELDS)
    lti.LtiTool(client).update(1, values)
    posted = dict(client.transport.requests[1][3])
    assert set(posted) == set(posted_rec)
    for key in posted_rec:
        if key != "sesskey":
            assert posted[key] == posted_rec[key], key


def delete(rec, version):
    client = client_on(version, rec, recorded(version, "f21-register-platform-delete-post"))
    lti.LtiTool(client).delete(1)
    posted = dict(client.transport.requests[1][3])
    posted_rec = _recorded_post(version, "f21-register-platform-delete-post")
    assert set(posted) == set(posted_rec)
    assert posted["confirm"] == "1" and posted["regid"] == "1" and posted["action"] == "delete"


CASES = [
    Case("f21-lti-registrations-empty", "lti.parse_registration_ids (no platforms)", list_ids),
    Case("f21-lti-registrations", "lti.parse_registration_ids (row links)", list_ids),
    Case("f21-register-platform-delete-post-hop1", "lti.parse_registration_ids (after delete)", list_ids),
    Case("f21-register-platform-add-post-hop1", "lti.parse_platform_details (pending: '-')", details_pending),
    Case("f21-register-platform-view-platformdetails", "lti.parse_platform_details (pending: '-')", details_pending),
    Case("f21-register-platform-edit-post-hop1", "lti.parse_platform_details (the six fields)", details_active),
    Case("f21-register-platform-add-post-hop1", "lti.parse_tool_endpoints (tool details tab)", endpoints),
    Case("f21-register-platform-edit-post-hop1", "lti.parse_tool_endpoints (tool details tab)", endpoints),
    Case("f21-manageenrols", "lti.parse_enrol_states (#courseenrolmentplugins links)", enrols),
    Case("f21-enrol-enable-lti-hop1", "lti.parse_enrol_states (#courseenrolmentplugins links)", enrols),
    Case("f21-register-platform-add-form", "lti.LtiTool.create (form, 303 regid)", create),
    Case("f21-register-platform-edit-form", "lti.LtiTool.update (form fields, 303)", update),
    Case("f21-register-platform-delete-confirm", "lti.LtiTool.delete (confirm form, 303)", delete),
]
