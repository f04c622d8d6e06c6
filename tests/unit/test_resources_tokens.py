"""Unit tests of plugins/module_utils/resources/tokens.py: moodle_token's option checks (before any request), the
action chosen from the two states, the change lines, and TokenByLogin through the converge runner on a fake
client (the whole module against the simulator: sim/test_token_checks.py, integration target moodle_token)."""

import json

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils.converge import converge
from ansible_collections.moodleops.auth.plugins.module_utils.errors import AccessDeniedError, InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.resources import tokens
from ansible_collections.moodleops.auth.plugins.module_utils.resources.tokens import (
    TOKEN_OPTIONS,
    TokenByLogin,
    TokenResource,
    token_resource,
)
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import store_key

URL = "https://moodle.example.edu"
TOKEN = "0123456789abcdef0123456789abcdef"


class Service:
    label = "ci_bootstrap"


class FakeClient:
    base_url = URL
    caches_session = False

    def __init__(self, answer=None):
        self.answer = answer
        self.calls = []

    def rest(self, function, token=None, read_only=False):
        self.calls.append((function, token))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class FakeState:
    def __init__(self, path):
        self.path_of_store = path

    def token_store(self, option=None):
        return option or self.path_of_store

    def path(self, kind):
        return None


class FakeMoodle:
    """What the token resources use of a MoodleModule; ``client`` fails the test unless one is given."""

    def __init__(self, tmp_path, check_mode=False, diff=False, client=None, **options):
        self.params = dict((name, spec.get("default")) for name, spec in TOKEN_OPTIONS.items())
        self.params.update(user="ci_bot", service="ci_bootstrap", **options)
        self.check_mode = check_mode
        self.diff_wanted = diff
        self.transport = "http"
        self.open_client = None
        self.state = FakeState(str(tmp_path / "tokens.json"))
        self.redact = Redactor()
        self.revealed = set()
        self.warnings = []
        self._client = client

    @property
    def client(self):
        assert self._client is not None, "a request before the options were checked"
        self.open_client = self._client
        return self._client

    def reveal(self, secret):
        self.revealed.add(secret)

    def warn(self, warning):
        self.warnings.append(warning)


@pytest.mark.parametrize("options, message", [
    ({"valid_until": "2001-01-01"}, "valid_until 2001-01-01 is not in the future."),
    ({"valid_until": "soon"}, "valid_until 'soon' is neither a date (YYYY-MM-DD) nor a number of seconds."),
    ({"method": "login"}, "method: login needs user_password (the password of ci_bot)."),
    ({"token_value": " "}, "token_value is empty."),
    ({"token_value": TOKEN, "state": "rotated"}, "token_value checks a token the play already holds"),
    ({"token_value": TOKEN, "method": "login", "user_password": "pw"}, "it is present with method: login"),
    ({"invalid_token_value": "rotate"}, "invalid_token_value needs token_value."),
])
@pytest.mark.parametrize("resource", [TokenResource, TokenByLogin])
def test_options_are_checked_before_any_request(tmp_path, resource, options, message):
    moodle = FakeMoodle(tmp_path, **options)
    task = resource(moodle)     # sends nothing, creates no client
    with pytest.raises(InvalidInputError) as caught:
        task.check_options()
    assert message in str(caught.value)
    assert moodle.open_client is None and not (tmp_path / "tokens.json").exists()


def test_secret_options_are_redacted_from_the_start(tmp_path):
    moodle = FakeMoodle(tmp_path, token_value=TOKEN, user_password="Pass#word1")
    TokenResource(moodle)
    assert TOKEN in moodle.redact.secrets and "Pass#word1" in moodle.redact.secrets


def rows(*ids):
    return {"tokens": [{"id": token_id, "name": "ci"} for token_id in ids]}


NEW = {"tokens": [{"id": None, "name": "ci"}]}


@pytest.mark.parametrize("options, before, after, action", [
    ({"state": "absent"}, rows(7, 8), rows(), "delete"),
    ({"state": "absent"}, rows(), rows(), None),
    ({"state": "rotated"}, rows(7), NEW, "rotate"),
    ({"state": "rotated"}, rows(), NEW, "rotate"),
    ({}, rows(), NEW, "create"),
    ({}, rows(7), rows(7), None),                   # kept: the store has its value
    ({}, rows(7, 8), rows(7), None),                # kept: the one the store knows
    ({"token_value": TOKEN}, rows(7), rows(7), None),
    ({"token_value": TOKEN, "invalid_token_value": "rotate"}, rows(7), NEW, "rotate"),
    ({"token_value": TOKEN, "invalid_token_value": "rotate"}, rows(), NEW, "rotate"),
])
def test_action_is_a_function_of_the_states_and_options(tmp_path, options, before, after, action):
    resource = TokenResource(FakeMoodle(tmp_path, **options))
    assert resource.action(before, after) == action
    assert resource.action(before, after) == action     # no state kept between calls


@pytest.mark.parametrize("options, before, after, lines", [
    ({"state": "absent"}, rows(7), rows(), ["token 7 (ci): deleted"]),
    ({"state": "absent"}, rows(), rows(), []),
    ({"state": "rotated"}, rows(7), NEW, ["token 7 (ci): deleted", "token for ci_bot on ci_bootstrap: created"]),
    ({}, rows(), NEW, ["token for ci_bot on ci_bootstrap: created"]),
    ({}, rows(7, 8), rows(7), []),
])
def test_change_lines(tmp_path, options, before, after, lines):
    resource = TokenResource(FakeMoodle(tmp_path, **options))
    resource.service = Service()
    assert resource.describe(before, after) == lines


def test_result_changes_nothing(tmp_path):
    store = tmp_path / "tokens.json"
    key = store_key(URL, "ci_bot", "ci_bootstrap")
    store.write_text(json.dumps({"tokens": {key: {"token": TOKEN, "token_id": 7}}}))
    moodle = FakeMoodle(tmp_path, state="absent")
    resource = TokenResource(moodle)
    resource.service, resource.key = Service(), key
    resource.service.id, resource.service.name, resource.service.shortname = 3, "CI bootstrap", "ci_bootstrap"

    class Plan:
        action = "delete"
    result = resource.result(Plan())
    assert result["token"] is None and result["service"]["id"] == 3
    assert key in json.loads(store.read_text())["tokens"]


def test_the_resource_of_a_task(tmp_path):
    assert isinstance(token_resource(FakeMoodle(tmp_path)), TokenResource)
    assert isinstance(token_resource(FakeMoodle(tmp_path, state="absent", method="login")), TokenResource)
    assert isinstance(token_resource(FakeMoodle(tmp_path, method="login", user_password="pw")), TokenByLogin)


# -- TokenByLogin through the runner ----------------------------------------------------------------------------------

def login_task(tmp_path, stored=None, **kwargs):
    if stored is not None:
        key = store_key(URL, "ci_bot", "ci_bootstrap")
        (tmp_path / "tokens.json").write_text(json.dumps({"tokens": {key: {"token": stored, "token_id": None}}}))
    return FakeMoodle(tmp_path, method="login", user_password="Pass#word1", **kwargs)


def fetched(monkeypatch, value=TOKEN):
    calls = []
    monkeypatch.setattr(tokens, "token_from_login", lambda client, user, password, service: calls.append(user) or value)
    return calls


def stored_tokens(tmp_path):
    return json.loads((tmp_path / "tokens.json").read_text())["tokens"]


@pytest.mark.parametrize("stored, changed, token", [(None, True, None), (TOKEN, False, TOKEN)])
def test_login_in_check_mode_reads_only_the_store(tmp_path, monkeypatch, stored, changed, token):
    calls = fetched(monkeypatch)
    moodle = login_task(tmp_path, stored=stored, check_mode=True, diff=True, client=FakeClient())
    result = converge(moodle, TokenByLogin(moodle))
    assert calls == []
    assert result == {"changed": changed, "changes": ["token for ci_bot on ci_bootstrap: fetched"] if changed else [],
                      "token": token, "token_id": None, "user_id": None, "verified": False,
                      "missing_capabilities": None, "service": {"id": None, "name": None, "shortname": "ci_bootstrap"}}


def test_login_fetches_stores_and_verifies_a_new_value(tmp_path, monkeypatch):
    calls = fetched(monkeypatch)
    client = FakeClient({"userid": 5})
    moodle = login_task(tmp_path, stored="f" * 32, client=client)
    result = converge(moodle, TokenByLogin(moodle))
    assert calls == ["ci_bot"] and client.calls == [("core_webservice_get_site_info", TOKEN)]
    assert result["changed"] and result["changes"] == ["token for ci_bot on ci_bootstrap: fetched"]
    assert (result["token"], result["user_id"], result["verified"]) == (TOKEN, 5, True)
    assert TOKEN in moodle.revealed
    entry = stored_tokens(tmp_path)[store_key(URL, "ci_bot", "ci_bootstrap")]
    assert (entry["token"], entry["token_id"], entry["service"]) == (TOKEN, None, "ci_bootstrap")


def test_login_keeps_a_stored_value_that_is_still_current(tmp_path, monkeypatch):
    fetched(monkeypatch)
    client = FakeClient({"userid": 5})
    moodle = login_task(tmp_path, stored=TOKEN, client=client)
    result = converge(moodle, TokenByLogin(moodle))
    assert not result["changed"] and result["changes"] == [] and client.calls == []
    assert (result["token"], result["user_id"], result["verified"]) == (TOKEN, None, False)


def test_login_warns_when_the_new_value_cannot_be_verified(tmp_path, monkeypatch):
    fetched(monkeypatch)
    moodle = login_task(tmp_path, client=FakeClient(AccessDeniedError("Access control exception")))
    result = converge(moodle, TokenByLogin(moodle))
    assert result["changed"] and result["verified"] is False and result["user_id"] is None
    assert moodle.warnings == [
        "Could not verify the token with core_webservice_get_site_info: Access control exception"]
