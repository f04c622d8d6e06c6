"""plugins/module_utils/resources/oauth2_issuers.py: moodle_oauth2_issuer: the checks of the options alone (before any
request), and the plan made from a state read (what differs, what the run does, the secret kept out of changes and
diff). The pages: tests/unit/test_moodle_oauth2.py; the module against the simulator:
tests/integration/targets/moodle_oauth2_issuer."""

import pytest

from options_only import OptionsOnly, options_error

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Plan
from ansible_collections.moodleops.auth.plugins.module_utils.errors import HttpsOnlyError, InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.resources.oauth2_issuers import (
    OAUTH2_ISSUER_OPTIONS,
    SECRET_MASK,
    OAuth2Issuer,
    endpoint_name,
)

SECRET = "S3cret-oauth-xyz"


def found(**changes):
    """An issuer as read() returns it."""
    state = {"id": 1, "name": "Test IdP", "service": "custom", "client_id": "moodle-lab-client", "client_secret": SECRET,
             "base_url": "", "image": "", "show_on_login_page": "everywhere", "login_page_name": "", "system_email": "",
             "login_scopes": "openid profile email", "login_scopes_offline": "openid profile email",
             "login_params": "", "login_params_offline": "", "allowed_domains": "", "require_confirmation": False,
             "basic_auth": False, "enabled": True,
             "endpoints": {"authorization_endpoint": "https://idp.test/authorize", "token_endpoint": "https://idp.test/token",
                           "userinfo_endpoint": "https://idp.test/userinfo"},
             "user_field_mappings": {"given_name": "firstname", "email": "email"}}
    state.update(changes)
    return state


def resource(**options):
    context = OptionsOnly(OAUTH2_ISSUER_OPTIONS, **dict({"name": "Test IdP", "url": "https://moodle.test"}, **options))
    return OAuth2Issuer(context), context


@pytest.mark.parametrize("options, message", [
    (dict(name="  "), "name must not be empty."),
    (dict(base_url="http://idp.test"), "base_url must start with https://"),
    (dict(endpoints={"authorization": "http://idp.test/authorize"}), "endpoints.authorization must start with https://"),
    (dict(endpoints={"token": "not a url"}), "endpoints.token must start with https://"),
    (dict(endpoints={"": "https://idp.test/x"}), "endpoints: an endpoint name must not be empty."),
    (dict(user_field_mappings={"sub": "nosuchfield"}), "user_field_mappings.sub: 'nosuchfield' is not a Moodle user"),
    (dict(user_field_mappings={" ": "email"}), "user_field_mappings: an external claim name must not be empty."),
    (dict(image="logo.png"), "image must be a complete URL"),
])
def test_options_alone_fail_before_any_request(options, message):
    assert (options_error(OAuth2Issuer, OAUTH2_ISSUER_OPTIONS, **dict({"name": "Test IdP"}, **options))
            or "").startswith(message)


def test_https_refusal_is_its_own_error_with_moodles_errorcode():
    issuer, _context = resource(base_url="http://idp.test")
    with pytest.raises(HttpsOnlyError) as raised:
        issuer.check_options()
    assert raised.value.option == "base_url" and raised.value.errorcode == "sslonlyaccess"


@pytest.mark.parametrize("options", [
    dict(base_url="https://idp.test", endpoints={"authorization": "https://idp.test/a"},
         user_field_mappings={"preferred_username": "username"}),
    dict(state="absent", base_url="http://ignored.test"),     # absent: only the name matters
])
def test_valid_options_pass(options):
    assert options_error(OAuth2Issuer, OAUTH2_ISSUER_OPTIONS, **dict({"name": "Test IdP"}, **options)) is None


def test_the_secret_is_registered_for_redaction_at_once():
    _issuer, context = resource(client_secret="new-secret-42")
    assert "new-secret-42" in context.redact.secrets


def test_unchanged_issuer_plans_nothing():
    issuer, _context = resource(client_secret=SECRET, endpoints={"authorization": "https://idp.test/authorize"},
                                user_field_mappings={"email": "email"}, show_on_login_page="everywhere")
    before = found()
    after = issuer.desired(before)
    assert issuer.describe(before, after) == []
    assert issuer.action(before, after) is None


def test_a_changed_secret_is_detected_and_never_shown():
    issuer, _context = resource(client_secret="S3cret-oauth-xyz-2")
    before = found()
    after = issuer.desired(before)
    lines = issuer.describe(before, after)
    assert lines == ["issuer Test IdP: client_secret"]
    assert issuer.action(before, after) == "update"
    plan = Plan(before, after, lines, action="update")
    diff_before, diff_after = issuer.diff(plan)
    assert diff_before["client_secret"] == diff_after["client_secret"] == SECRET_MASK
    assert SECRET not in repr(issuer.result(Plan(before, before, [], None)))


def test_endpoints_append_keeps_the_others_exact_deletes_them():
    before = found()
    issuer, _context = resource(endpoints={"token": "https://idp.test/oauth/token"})
    append = issuer.desired(before)
    assert append["endpoints"]["userinfo_endpoint"] == "https://idp.test/userinfo"
    assert issuer.describe(before, append) == ["issuer Test IdP: endpoint token_endpoint changed"]
    issuer, _context = resource(endpoints={"token": "https://idp.test/token"}, endpoints_mode="exact")
    exact = issuer.desired(before)
    assert sorted(exact["endpoints"]) == ["token_endpoint"]
    assert issuer.describe(before, exact) == ["issuer Test IdP: endpoint authorization_endpoint deleted",
                                              "issuer Test IdP: endpoint userinfo_endpoint deleted"]


def test_mappings_modes():
    before = found()
    issuer, _context = resource(user_field_mappings={"family_name": "lastname", "email": "idnumber"})
    after = issuer.desired(before)
    assert after["user_field_mappings"] == {"given_name": "firstname", "email": "idnumber", "family_name": "lastname"}
    assert issuer.describe(before, after) == ["issuer Test IdP: user field mapping email changed",
                                              "issuer Test IdP: user field mapping family_name added"]
    issuer, _context = resource(user_field_mappings={"email": "email"}, user_field_mappings_mode="exact")
    assert issuer.describe(before, issuer.desired(before)) == ["issuer Test IdP: user field mapping given_name deleted"]


def test_a_half_created_discovery_issuer_is_created_again():
    """Discovery failed when Moodle created it (base URL, no endpoint): a run with base_url deletes and recreates it."""
    before = found(base_url="https://idp.test", endpoints={}, user_field_mappings={})
    issuer, _context = resource(base_url="https://idp.test")
    after = issuer.desired(before)
    assert issuer.action(before, after) == "recreate"
    assert "id" not in after
    assert issuer.describe(before, after)[0].startswith("issuer Test IdP: recreated")
    issuer, _context = resource()          # no base_url wanted: left as it is
    assert issuer.action(before, issuer.desired(before)) is None


def test_the_service_type_of_an_existing_issuer_cannot_change():
    issuer, _context = resource(service="google")
    before = found()
    with pytest.raises(InvalidInputError):
        issuer.check(before, issuer.desired(before))


def test_new_issuer_holds_only_the_options_given_and_acceptrisk_rule():
    issuer, _context = resource(client_id="c", show_on_login_page="login_page", require_confirmation=False)
    after = issuer.desired(None)
    assert after["service"] == "custom" and "login_scopes" not in after
    assert issuer.describe(None, after) == ["issuer Test IdP: created"]
    assert OAuth2Issuer.accept_risk(after) is True
    assert OAuth2Issuer.accept_risk(dict(after, require_confirmation=True)) is False
    assert OAuth2Issuer.accept_risk(dict(after, show_on_login_page="internal")) is False
    assert OAuth2Issuer.accept_risk({"name": "x"}) is False     # the form's defaults: internal, verification on


def test_absent():
    issuer, _context = resource(state="absent")
    before = found()
    assert issuer.desired(before) is None
    assert issuer.describe(before, None) == ["issuer Test IdP: deleted"]
    assert issuer.describe(None, None) == []


def test_login_url_is_derived_only_for_a_login_issuer():
    issuer, _context = resource()
    assert issuer.login_url(found()) == "https://moodle.test/auth/oauth2/login.php?id=1"
    assert issuer.login_url(found(show_on_login_page="internal")) is None
    assert issuer.login_url(found(enabled=False)) is None
    assert issuer.login_url(found(endpoints={"authorization_endpoint": "https://a", "token_endpoint": "https://t"})) is None


def test_endpoint_names():
    assert endpoint_name("authorization") == "authorization_endpoint"
    assert endpoint_name("end_session_endpoint") == "end_session_endpoint"
