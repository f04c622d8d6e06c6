"""plugins/module_utils/moodle/oauth2.py against the real Moodle answers (4.5.6 and 5.1.3) of flow f25 in
../shared/moodle-fixtures: what each parser reads from the issuers list, the issuer form, the endpoints and
mappings tables, the confirmations, the field errors and the notifications, and the form submission the driver
builds (the recorded browser POSTs are the oracle). The driver's whole exchanges: client_conformance/cases_oauth2.py."""

from urllib.parse import parse_qsl

import pytest

from client_conformance.core import fixtures_available, recorded

from ansible_collections.moodleops.auth.plugins.module_utils.errors import FormRejectedError, HttpsOnlyError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import oauth2

pytestmark = pytest.mark.skipif(not fixtures_available(), reason="../shared/moodle-fixtures is not present")
VERSIONS = ["4.5.6", "5.1.3"]


@pytest.mark.parametrize("version", VERSIONS)
def test_issuers_final_list(version):
    rows = oauth2.parse_issuer_rows(recorded(version, "f25-issuers-final").page)
    assert [(r["id"], r["name"], r["enabled"]) for r in rows] == [
        (1, "Test IdP", True), (3, "Discovery IdP", True), (4, "Discovery IdP", True), (5, "Google", True),
        (6, "Microsoft", True)]
    assert [r["position"] for r in rows] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("version", VERSIONS)
def test_disabled_issuer_has_an_enable_link(version):
    rows = oauth2.parse_issuer_rows(recorded(version, "f25-issuer-disable-hop1").page)
    assert rows == [{"id": 1, "name": "Test IdP", "display_name": "Test IdP", "enabled": False, "position": 0}]


@pytest.mark.parametrize("version", VERSIONS)
def test_edit_form_echoes_the_secret_before_and_after_the_edit(version):
    first = oauth2.parse_issuer_form(recorded(version, "f25-issuer-edit-form").page)
    second = oauth2.parse_issuer_form(recorded(version, "f25-issuer-edit-form-2").page)
    assert first["clientsecret"] == "S3cret-oauth-xyz"
    assert second["clientsecret"] == "S3cret-oauth-xyz-2"
    assert first["loginscopesoffline"] == "openid profile email offline_access"


@pytest.mark.parametrize("version", VERSIONS)
def test_no_form_no_values(version):
    assert oauth2.parse_issuer_form(recorded(version, "f25-issuers-list").page) is None
    assert oauth2.parse_confirm_form(recorded(version, "f25-issuers-list").page) is None


@pytest.mark.parametrize("version", VERSIONS)
def test_discovered_endpoints_and_mappings(version):
    endpoints = oauth2.parse_endpoint_rows(recorded(version, "f25-discovery-endpoints").page)
    assert [e["name"] for e in endpoints] == ["discovery_endpoint", "authorization_endpoint", "token_endpoint",
                                              "userinfo_endpoint", "end_session_endpoint"]
    assert endpoints[0]["url"] == "https://127.0.0.1:8445/.well-known/openid-configuration"
    mappings = dict((m["external"], m["internal"]) for m in
                    oauth2.parse_mapping_rows(recorded(version, "f25-discovery-userfieldmappings").page))
    assert mappings == {"given_name": "firstname", "middle_name": "middlename", "family_name": "lastname",
                        "email": "email", "nickname": "alternatename", "picture": "picture", "address": "address",
                        "phone": "phone1", "locale": "lang"}


@pytest.mark.parametrize("version", VERSIONS)
def test_submission_matches_the_browser(version):
    """The edit form with the recorded changes typed in gives the recorded POST (advcheckboxes, acceptrisk apart)."""
    form = recorded(version, "f25-issuer-edit-form").page.form_with_field(oauth2.ISSUER_FORM)
    data = oauth2.submission(form, {"clientid": "moodle-lab-client-2", "clientsecret": "S3cret-oauth-xyz-2",
                                    "requireconfirmation": False}, checkboxes=("basicauth", "requireconfirmation"))
    data += [("acceptrisk", "1"), ("submitbutton", "Save changes")]
    posted = parse_qsl(recorded(version, "f25-issuer-edit-post").request_body.decode(), keep_blank_values=True)
    assert sorted(data) == sorted(posted)


@pytest.mark.parametrize("version", VERSIONS)
def test_rejections(version):
    with pytest.raises(HttpsOnlyError) as raised:
        raise oauth2.rejected("p", recorded(version, "f25-endpoint-badurl-post").text, {"url": "endpoints"})
    assert raised.value.option == "endpoints"
    error = oauth2.rejected("p", recorded(version, "f25-issuer-create-norisk-post").text, {"baseurl": "base_url"})
    assert isinstance(error, FormRejectedError) and error.fields == ["acceptrisk"]
    assert "acceptrisk: Required" in str(error)


def test_discovery_failure_texts():
    assert oauth2.discovery_failure("error/Could not discover service endpoints: The URL is blocked. \u00d7") == \
        "Could not discover service endpoints: The URL is blocked."
    assert oauth2.discovery_failure("Changes saved") is None
    assert oauth2.discovery_failure(None) is None
