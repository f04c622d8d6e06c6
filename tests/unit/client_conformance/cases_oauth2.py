"""OAuth 2 services (flow f25, both versions): moodle.oauth2's parse_issuer_rows, parse_issuer_form,
parse_endpoint_rows, parse_mapping_rows, parse_confirm_form, parse_field_errors, parse_notifications,
parse_template_buttons, discovery_failure and rejected, and OAuth2Admin's create/update/delete/set_enabled and
endpoint/mapping writes on the recorded pages and answers."""

from urllib.parse import parse_qsl

import pytest

from client_conformance.core import Case, client_on, raw_hrefs, recorded

from ansible_collections.moodleops.auth.plugins.module_utils.errors import HttpsOnlyError, OAuth2DiscoveryError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import oauth2
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page


def _posted(version, name):
    return parse_qsl(recorded(version, name).request_body.decode(), keep_blank_values=True)


def _same_post(sent, version, name):
    """What the client sent is what the browser sent (as a multiset of pairs; the sesskey is the stub's)."""
    expected = sorted((k, v) for k, v in _posted(version, name) if k != "sesskey")
    got = sorted((k, v) for k, v in sent if k != "sesskey")
    assert got == expected


def issuer_rows(rec, version):
    """The rows as the index's issuer_rows (independent: the recorder's own table reading)."""
    expected = []
    for row in rec.facts.get("issuer_rows", []):
        edit = [href for href in row["links"] if "action=edit" in href][0]
        expected.append({"id": int(dict(parse_qsl(edit.split("?", 1)[1]))["id"]), "name": row["cells"][0],
                         "display_name": row["cells"][2], "enabled": any("action=disable" in h for h in row["links"]),
                         "position": len(expected)})
    assert oauth2.parse_issuer_rows(rec.page) == expected
    if rec.name == "f25-issuers-final":
        assert [i["id"] for i in expected] == [1, 3, 4, 5, 6]


def issuers_empty(rec, version):
    assert oauth2.parse_issuer_rows(rec.page) == []
    assert oauth2.parse_template_buttons(rec.page) == list(oauth2.TEMPLATES) + ["custom"]
    assert [button["hidden"][1][1] for button in rec.facts["tool_buttons"] if button["label"] != "Custom"] == \
        list(oauth2.TEMPLATES)


def custom_form(rec, version):
    values = oauth2.parse_issuer_form(rec.page)
    fields = dict(rec.facts["page_form_fields"])
    for _option, field in oauth2.TEXT_FIELDS:
        assert values[field] == fields[field], field
    assert values["showonloginpage"] == "0" and values["requireconfirmation"] is True and values["basicauth"] is False
    assert values["id"] == "0" and values["action"] == "edit" and values["servicetype"] == ""


def edit_form_secret(rec, version):
    """The edit form echoes the client secret in clear: what the module compares."""
    values = oauth2.parse_issuer_form(rec.page)
    assert values["clientsecret"] == "S3cret-oauth-xyz-2"
    assert values["clientid"] == "moodle-lab-client-2"
    assert values["id"] == "1" and values["showonloginpage"] == "1" and values["requireconfirmation"] is False
    assert values["image"] == "https://127.0.0.1:8445/logo.png"


def template_form(rec, version):
    values = oauth2.parse_issuer_form(rec.page)
    assert values["servicetype"] == "google" and values["action"] == "savetemplate" and values["type"] == "google"
    assert values["baseurl"] == "https://accounts.google.com/" and values["showonloginpage"] == "1"


def endpoint_rows(rec, version):
    expected = []
    for row in rec.facts["endpoint_rows"]:
        edit = [href for href in row["links"] if "action=edit" in href][0]
        expected.append({"id": int(dict(parse_qsl(edit.split("?", 1)[1]))["endpointid"]), "name": row["cells"][0],
                         "url": row["cells"][1]})
    assert oauth2.parse_endpoint_rows(rec.page) == expected
    assert len(expected) == len(raw_hrefs(rec.text, r"endpoints\.php\?[^\"]*action=edit"))


def mapping_rows(rec, version):
    expected = []
    for row in rec.facts["mapping_rows"]:
        edit = [href for href in row["links"] if "action=edit" in href][0]
        expected.append({"id": int(dict(parse_qsl(edit.split("?", 1)[1]))["userfieldmappingid"]),
                         "external": row["cells"][0], "internal": row["cells"][1]})
    assert oauth2.parse_mapping_rows(rec.page) == expected
    assert len(expected) == 9


def empty_children(rec, version):
    assert oauth2.parse_endpoint_rows(rec.page) == [] and oauth2.parse_mapping_rows(rec.page) == []


def confirm(rec, version):
    post = {"f25-endpoint-delete-confirm": "f25-endpoint-delete-post",
            "f25-mapping-delete-confirm": "f25-mapping-delete-post",
            "f25-issuer-delete-throwaway-confirm": "f25-issuer-delete-throwaway-post"}[rec.name]
    _same_post(oauth2.parse_confirm_form(rec.page), version, post)
    assert oauth2.parse_confirm_message(rec.page).startswith("Are you sure you want to delete the ")


def field_errors(rec, version):
    expected = {"f25-issuer-create-norisk-post": {"acceptrisk": "Required"},
                "f25-issuer-create-emptyname-post": {"name": "You must supply a value here."},
                "f25-endpoint-add-authorization-http-post": {"url": oauth2.SSL_ONLY},
                "f25-endpoint-badurl-post": {"url": oauth2.SSL_ONLY},
                "f25-issuer-discovery-http-post": {"baseurl": oauth2.SSL_ONLY}}[rec.name]
    assert oauth2.parse_field_errors(rec.text) == expected
    if "url" in expected or "baseurl" in expected:
        with pytest.raises(HttpsOnlyError) as raised:
            raise oauth2.rejected("x", rec.text, {"baseurl": "base_url", "url": "endpoints"})
        assert raised.value.errorcode == "sslonlyaccess"
        assert raised.value.option == ("base_url" if "baseurl" in expected else "endpoints")


def notifications(rec, version):
    found = oauth2.parse_notifications(rec.text)
    expected = [tuple(alert.rstrip(" \u00d7")[len("alert-"):].split(": ", 1)) for alert in rec.facts["alerts"]]
    assert found == expected
    if rec.name == "f25-issuer-discovery-blocked-post-hop1":
        assert oauth2.discovery_failure(found[0][1]) == "Could not discover service endpoints: The URL is blocked."
    else:
        assert all(oauth2.discovery_failure(text) is None for _kind, text in found)


def template_404(rec, version):
    assert rec.status == 404
    assert oauth2.discovery_failure("; ".join(Page(rec.text).error_messages)) == \
        "Could not discover service endpoints: The URL is blocked."


def create(rec, version):
    """'Custom' button (483), the list before (482), the create POST (486: 303) and its landing page (487)."""
    client = client_on(version, rec, recorded(version, "f25-issuers-empty"), recorded(version, "f25-issuer-create-post"),
                       recorded(version, "f25-issuer-create-post-hop1"), recorded(version, "f25-issuer-create-post-hop1"))
    posted = dict(_posted(version, "f25-issuer-create-post"))
    fields = dict((field, posted[field]) for _option, field in oauth2.TEXT_FIELDS)
    fields.update(showonloginpage=posted["showonloginpage"], requireconfirmation=False, basicauth=False)
    issuer_id = oauth2.OAuth2Admin(client).create(fields, accept_risk=True)
    assert issuer_id == 1
    method, _path, _params, data = client.transport.requests[2]
    assert method == "POST"
    _same_post(data, version, "f25-issuer-create-post")


def create_blocked(rec, version):
    """Discovery blocked: 303 to the list (548) whose alert-danger (549) is OAuth2DiscoveryError naming the settings."""
    client = client_on(version, rec, recorded(version, "f25-issuers-list-2"),
                       recorded(version, "f25-issuer-discovery-blocked-post"),
                       recorded(version, "f25-issuer-discovery-blocked-post-hop1"))
    posted = dict(_posted(version, "f25-issuer-discovery-blocked-post"))
    fields = dict((field, posted[field]) for _option, field in oauth2.TEXT_FIELDS)
    fields.update(showonloginpage="1", requireconfirmation=False)
    with pytest.raises(OAuth2DiscoveryError) as raised:
        oauth2.OAuth2Admin(client).create(fields, accept_risk=True)
    text = str(raised.value)
    assert "The URL is blocked." in text and "curlsecurityblockedhosts" in text and "curlsecurityallowedport" in text
    assert "disc-secret" not in text
    _same_post(client.transport.requests[2][3], version, "f25-issuer-discovery-blocked-post")


def template_blocked(rec, version):
    """savetemplate's 404 error page (561) is OAuth2DiscoveryError too."""
    client = client_on(version, rec, recorded(version, "f25-issuers-list-google"),
                       recorded(version, "f25-template-google-post"))
    posted = dict(_posted(version, "f25-template-google-post"))
    fields = {"name": "Google", "clientid": posted["clientid"], "clientsecret": posted["clientsecret"]}
    with pytest.raises(OAuth2DiscoveryError):
        oauth2.OAuth2Admin(client).create(fields, template="google", accept_risk=True)
    assert client.transport.requests[0][3][:2] == [("action", "edittemplate"), ("type", "google")]
    _same_post(client.transport.requests[2][3], version, "f25-template-google-post")


def update(rec, version):
    client = client_on(version, rec, recorded(version, "f25-issuer-edit-post"),
                       recorded(version, "f25-issuer-edit-post-hop1"))
    oauth2.OAuth2Admin(client).update(1, {"clientid": "moodle-lab-client-2", "clientsecret": "S3cret-oauth-xyz-2"},
                                      accept_risk=True)
    _same_post(client.transport.requests[1][3], version, "f25-issuer-edit-post")


def delete_issuer(rec, version):
    client = client_on(version, rec, recorded(version, "f25-issuer-delete-throwaway-post"))
    oauth2.OAuth2Admin(client).delete(2)
    _same_post(client.transport.requests[1][3], version, "f25-issuer-delete-throwaway-post")


def disable(rec, version):
    client = client_on(version, rec)
    oauth2.OAuth2Admin(client).set_enabled(1, False)
    assert client.transport.requests[0][2]["action"] == "disable" and client.transport.requests[0][2]["id"] == "1"


def add_endpoint(rec, version):
    client = client_on(version, rec, recorded(version, "f25-endpoint-add-token-post"))
    oauth2.OAuth2Admin(client).save_endpoint(1, "token_endpoint", "https://127.0.0.1:8445/token")
    _same_post(client.transport.requests[1][3], version, "f25-endpoint-add-token-post")


def edit_endpoint(rec, version):
    client = client_on(version, rec, recorded(version, "f25-endpoint-edit-post"))
    oauth2.OAuth2Admin(client).save_endpoint(1, "token_endpoint", "https://127.0.0.1:8445/oauth/token", endpoint_id=2)
    _same_post(client.transport.requests[1][3], version, "f25-endpoint-edit-post")


def delete_endpoint(rec, version):
    client = client_on(version, rec, recorded(version, "f25-endpoint-delete-post"))
    oauth2.OAuth2Admin(client).delete_endpoint(1, 3)
    _same_post(client.transport.requests[1][3], version, "f25-endpoint-delete-post")


def add_mapping(rec, version):
    client = client_on(version, rec, recorded(version, "f25-mapping-add-preferredusername-post"))
    oauth2.OAuth2Admin(client).save_mapping(1, "preferred_username", "username")
    _same_post(client.transport.requests[1][3], version, "f25-mapping-add-preferredusername-post")


def delete_mapping(rec, version):
    client = client_on(version, rec, recorded(version, "f25-mapping-delete-post"))
    oauth2.OAuth2Admin(client).delete_mapping(1, 4)
    _same_post(client.transport.requests[1][3], version, "f25-mapping-delete-post")


CASES = [
    Case("f25-issuers-empty", "oauth2.parse_issuer_rows / parse_template_buttons (empty list, buttons)", issuers_empty),
    Case("f25-issuers-list", "oauth2.parse_issuer_rows (one issuer)", issuer_rows),
    Case("f25-issuer-disable-hop1", "oauth2.parse_issuer_rows (disabled: Enable link)", issuer_rows),
    Case("f25-issuers-final", "oauth2.parse_issuer_rows (five issuers, list order)", issuer_rows),
    Case("f25-issuer-discovery-blocked-post-hop1", "oauth2.parse_issuer_rows (after a blocked discovery)", issuer_rows),
    Case("f25-issuer-custom-form", "oauth2.parse_issuer_form (new custom issuer)", custom_form),
    Case("f25-issuer-edit-form-2", "oauth2.parse_issuer_form (the secret echoed)", edit_form_secret),
    Case("f25-template-google-form", "oauth2.parse_issuer_form (Google template)", template_form),
    Case("f25-endpoints-list", "oauth2.parse_endpoint_rows", endpoint_rows),
    Case("f25-discovery-endpoints", "oauth2.parse_endpoint_rows (discovered)", endpoint_rows),
    Case("f25-discovery-userfieldmappings", "oauth2.parse_mapping_rows (discovered)", mapping_rows),
    Case("f25-endpoints-empty", "oauth2.parse_endpoint_rows (none)", empty_children),
    Case("f25-userfieldmappings-empty", "oauth2.parse_mapping_rows (none)", empty_children),
    Case("f25-endpoint-delete-confirm", "oauth2.parse_confirm_form (endpoint)", confirm),
    Case("f25-mapping-delete-confirm", "oauth2.parse_confirm_form (mapping)", confirm),
    Case("f25-issuer-delete-throwaway-confirm", "oauth2.parse_confirm_form (issuer)", confirm),
    Case("f25-issuer-create-norisk-post", "oauth2.parse_field_errors (acceptrisk)", field_errors),
    Case("f25-issuer-create-emptyname-post", "oauth2.parse_field_errors (name)", field_errors),
    Case("f25-endpoint-add-authorization-http-post", "oauth2.rejected (sslonlyaccess, endpoint)", field_errors),
    Case("f25-endpoint-badurl-post", "oauth2.rejected (sslonlyaccess, not a URL)", field_errors),
    Case("f25-issuer-discovery-http-post", "oauth2.rejected (sslonlyaccess, base URL)", field_errors),
    Case("f25-issuer-create-post-hop1", "oauth2.parse_notifications (Changes saved)", notifications),
    Case("f25-issuer-discovery-blocked-post-hop1", "oauth2.parse_notifications / discovery_failure", notifications),
    Case("f25-endpoint-delete-post-hop1", "oauth2.parse_notifications (Endpoint deleted)", notifications),
    Case("f25-template-google-post", "oauth2.discovery_failure (savetemplate 404)", template_404),
    Case("f25-issuer-custom-form", "oauth2.OAuth2Admin.create (button, form, 303, list)", create),
    Case("f25-issuer-custom-form-3", "oauth2.OAuth2Admin.create (discovery blocked)", create_blocked),
    Case("f25-template-google-form", "oauth2.OAuth2Admin.create (template, 404)", template_blocked),
    Case("f25-issuer-edit-form", "oauth2.OAuth2Admin.update (edit form, acceptrisk again)", update),
    Case("f25-issuer-delete-throwaway-confirm", "oauth2.OAuth2Admin.delete (confirm, 303)", delete_issuer),
    Case("f25-issuer-disable", "oauth2.OAuth2Admin.set_enabled (disable link)", disable),
    Case("f25-endpoint-add-token-form", "oauth2.OAuth2Admin.save_endpoint (new)", add_endpoint),
    Case("f25-endpoint-edit-form", "oauth2.OAuth2Admin.save_endpoint (edit)", edit_endpoint),
    Case("f25-endpoint-delete-confirm", "oauth2.OAuth2Admin.delete_endpoint", delete_endpoint),
    Case("f25-mapping-add-preferredusername-form", "oauth2.OAuth2Admin.save_mapping (new)", add_mapping),
    Case("f25-mapping-delete-confirm", "oauth2.OAuth2Admin.delete_mapping", delete_mapping),
]
