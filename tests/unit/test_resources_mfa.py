"""plugins/module_utils/resources/mfa.py: moodle_mfa: the checks of the options alone (before any request) and the
lockout prediction of check mode, on states given here (the pages: tests/unit/test_moodle_mfa.py and
client_conformance/cases_mfa.py; the whole module against the simulator: tests/unit/sim/test_mfa.py and
tests/integration/targets/moodle_mfa)."""

import pytest

from options_only import OptionsOnly, options_error

from ansible_collections.moodleops.auth.plugins.module_utils.resources.mfa import MFA_OPTIONS, MfaResource, lines


@pytest.mark.parametrize("options, message", [
    (dict(factors={"iprange": "on"}), "factors.iprange must be a dict"),
    (dict(factors={"iprange": {"enable": True}}), "factors.iprange: unknown key enable"),
    (dict(factors={"iprange": {"weight": "x"}}), "factors.iprange.weight must be a whole number"),
    (dict(factors={"iprange": {"weight": 5000}}), "factors.iprange.weight must be between 0 and 1000"),
    (dict(factors={"iprange": {"settings": {"enabled": True}}}), "factors.iprange.settings: give enabled"),
    (dict(factor_order=["totp", "factor_totp"]), "factor_order names a factor twice"),
    (dict(factors={"totp": {"enabled": False}}, factor_order=["totp"]), "factor_order names totp"),
    (dict(settings={"enabled": True}), "settings.enabled: use the option enabled"),
])
def test_options_alone_fail_before_any_request(options, message):
    assert message in (options_error(MfaResource, MFA_OPTIONS, **options) or "")


def test_valid_options_pass():
    assert options_error(MfaResource, MFA_OPTIONS, enabled=True, factor_order=["factor_iprange"], factors={
        "factor_iprange": {"enabled": True, "weight": 100, "settings": {"safeips": ["127.0.0.1/32"]}}}) is None


def state(**factors):
    names = ("admin", "auth", "email", "iprange", "nosetup", "totp", "role")
    result = {"enabled": True, "settings": {}, "factors": {}, "order": []}
    for name in names:
        enabled, weight, settings = factors.get(name, (False, 100, {}))
        result["factors"][name] = {"enabled": enabled, "weight": weight, "settings": settings}
        if enabled:
            result["order"].append(name)
    return result


class Predicting(MfaResource):
    """The prediction without a site: the controller's address and the pages' stored values are given."""

    def __init__(self, address="127.0.0.1", auth_method="password"):
        context = OptionsOnly(MFA_OPTIONS)
        context.connection = {"username": "admin", "auth_method": auth_method}
        MfaResource.__init__(self, context)
        self._ip = address

    def factor_form(self, name):
        raise AssertionError("every value is in the state")


@pytest.mark.parametrize("factors, passes, passing", [
    ({"iprange": (True, 100, {"safeips": "127.0.0.1/32"}), "totp": (True, 100, {})}, True, ["iprange"]),
    ({"iprange": (True, 100, {"safeips": "10.0.0.0/8"}), "totp": (True, 100, {})}, False, []),
    ({"iprange": (True, 50, {"safeips": "127.0.0.1"}), "totp": (True, 100, {})}, False, ["iprange"]),
    ({"iprange": (True, 50, {"safeips": "127.0.0."}), "auth": (True, 50, {"goodauth": "manual"})}, True,
     ["auth", "iprange"]),
    ({"auth": (True, 100, {"goodauth": "email,ldap"})}, False, []),
    ({"totp": (True, 100, {}), "email": (True, 100, {})}, False, []),
    ({"admin": (True, 100, {}), "role": (True, 100, {})}, False, []),
    ({"nosetup": (True, 100, {}), "totp": (True, 100, {})}, True, ["nosetup"]),
    ({}, False, []),
])
def test_the_prediction_counts_what_the_automation_passes_by_itself(factors, passes, passing):
    found = Predicting().predict_login(state(**factors))
    assert found["passes"] is passes and found["passing_factors"] == passing
    assert found["method"] == "prediction" and found["address"] == "127.0.0.1"


def test_a_cas_account_is_predicted_by_its_auth_type():
    goodauth = {"auth": (True, 100, {"goodauth": "cas"})}
    assert Predicting(auth_method="cas").predict_login(state(**goodauth))["passes"] is True
    assert Predicting().predict_login(state(**goodauth))["passes"] is False


def test_the_refusal_names_the_factor_and_the_address():
    resource = Predicting(address="192.0.2.7")
    check = resource.predict_login(state(totp=(True, 100, {})))
    text = resource.lockout_message(check, "would intercept") + " " + resource.lockout_fix(check)
    assert "totp" in text and "weight 0 of the 100" in text and "192.0.2.7/32" in text and "'admin'" in text


def test_textareas_compare_by_lines():
    assert lines("127.0.0.1/32\r\n\n 10.0.0.0/8 ") == ["127.0.0.1/32", "10.0.0.0/8"]
    assert lines(["a", " ", "b"]) == ["a", "b"]
