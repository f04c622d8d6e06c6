"""plugins/module_utils/moodle/apilogin.py: auth_apilogin's signature, checked against the recorded real calls (the
f12-apilogin-* exchanges, index.json apilogin_signature_input), and the answers of services.php turned into errors
that say what to do."""

import hashlib
import json
import os
from urllib.parse import parse_qsl

import pytest

from collection_paths import SHARED_FIXTURES
from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import apilogin
from ansible_collections.moodleops.auth.plugins.module_utils.errors import AccessDeniedError, MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import Response
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor

FIXTURES = os.path.join(SHARED_FIXTURES, "moodle-4.5.6")
LAB_KEY = "lab-apilogin-secret-0123456789"      # preconditions.json, before f12-apilogin-unpatched-getuser
WRONG_KEY = "not-the-apikey"                     # f12-apilogin-wrong-secret (215) was signed with it on purpose
CORRUPTED = 214                                  # f12-apilogin-bad-signature: its signature replaced on purpose


def signed_exchanges():
    index = os.path.join(FIXTURES, "index.json")
    if not os.path.exists(index):
        return []
    with open(index) as handle:
        return [entry for entry in json.load(handle) if "apilogin_signature_input" in entry]


def request_pairs(entry):
    with open(os.path.join(FIXTURES, entry["name"] + ".request.txt"), "rb") as handle:
        raw = handle.read().decode("utf-8")
    body = raw.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in raw else raw.split("\n\n", 1)[1]
    return parse_qsl(body, keep_blank_values=True)


EXCHANGES = signed_exchanges()
needs_fixtures = pytest.mark.skipif(not EXCHANGES, reason="../shared/moodle-fixtures is absent")


@needs_fixtures
def test_all_signed_calls_are_in_the_fixtures():
    assert len(EXCHANGES) == 24
    assert len([entry for entry in EXCHANGES if entry["n"] != CORRUPTED]) == 23


@needs_fixtures
@pytest.mark.parametrize("entry", EXCHANGES, ids=lambda entry: str(entry["n"]))
def test_signature_input_is_what_the_plugin_hashed(entry):
    params = apilogin.top_level([(k, v) for k, v in request_pairs(entry) if k != "signature"])
    assert apilogin.signature_input(params) == entry["apilogin_signature_input"]


@needs_fixtures
@pytest.mark.parametrize("entry", [e for e in EXCHANGES if e["n"] != CORRUPTED], ids=lambda entry: str(entry["n"]))
def test_recorded_signatures_of_the_23_valid_calls_are_recomputed(entry):
    pairs = request_pairs(entry)
    recorded = dict(pairs)["signature"]
    key = WRONG_KEY if entry["n"] == 215 else LAB_KEY
    assert apilogin.sign(apilogin.top_level(pairs), key) == recorded


@needs_fixtures
def test_the_corrupted_signature_does_not_match():
    entry = [e for e in EXCHANGES if e["n"] == CORRUPTED][0]
    pairs = request_pairs(entry)
    assert apilogin.sign(apilogin.top_level(pairs), LAB_KEY) != dict(pairs)["signature"]


def test_signed_body_signs_what_it_posts():
    pairs = apilogin.signed_body("getUser", {"userid": "teacher1", "useridfield": "username",
                                             "fields": ["id", "username"]}, LAB_KEY, now=1795296574)
    assert pairs[:-1] == [("method", "getUser"), ("time", "1795296574"), ("userid", "teacher1"),
                          ("useridfield", "username"), ("fields[0]", "id"), ("fields[1]", "username")]
    text = "fieldsArraymethodgetUsertime1795296574useridteacher1useridfieldusername"    # as f12-apilogin-getuser-fields
    assert pairs[-1] == ("signature", hashlib.sha256((LAB_KEY + text).encode()).hexdigest())


def test_nested_values_and_booleans_sign_like_php():
    pairs = apilogin.signed_body("createUser", {"userdata": {"username": "a", "suspended": True}}, "k", now=7)
    assert apilogin.signature_input(apilogin.top_level(pairs[:-1])) == "methodcreateUsertime7userdataArray"
    assert ("userdata[suspended]", "1") in pairs
    assert apilogin.php_string(False) == "0" and apilogin.php_string(None) == ""


def test_sort_is_byte_order():
    assert apilogin.signature_input({"b": "1", "B": "2", "a_": "3", "a": "4"}) == "B2a4a_3b1"


def test_answer_parsing_tolerates_php_warnings_before_the_json():
    text = 'Warning: Array to string conversion in lib.php on line 3\n{\n    "data": "5",\n    "success": true\n}'
    assert apilogin.parse_answer(text) == {"data": "5", "success": True}


class FakeTransport:
    def __init__(self, status, body):
        self.status, self.body, self.sent = status, body, []

    def request(self, method, path, data=None, write=False, idempotent=None, **kwargs):
        self.sent.append((method, path, data, write))
        return Response(method, path, self.status, {}, self.body, path)

    def check_redirect_target(self, response):
        pass


def test_the_published_plugin_on_45_is_named_with_its_fix():
    api = apilogin.ApiLogin(FakeTransport(500, b""), LAB_KEY, Redactor())
    with pytest.raises(errors.ApiLoginPluginError) as caught:
        api.get_user("username", "teacher1", ["id"])
    text = str(caught.value)
    assert "HTTP 500" in text and "require_once($CFG->dirroot.'/cache/lib.php');" in text
    assert "auth/apilogin/services.php" in text


def test_wrong_secret_is_a_clear_message_without_the_secret():
    body = b'{\n    "message": "Invalid signature.",\n    "success": false\n}'
    redactor = Redactor()
    api = apilogin.ApiLogin(FakeTransport(200, body), "wrong-secret-value", redactor)
    with pytest.raises(AccessDeniedError) as caught:
        api.get_user("username", "teacher1", ["id"])
    text = redactor(str(caught.value))
    assert "secret does not match" in text and "apikey" in text and "wrong-secret-value" not in text


def test_ip_not_allowed_names_allowipaddr():
    body = b'{"message": "Access denied. Requests not allowed from IP address: 192.0.2.9", "success": false}'
    api = apilogin.ApiLogin(FakeTransport(200, body), LAB_KEY, Redactor())
    with pytest.raises(AccessDeniedError) as caught:
        api.delete_user(5)
    assert "allowipaddr" in str(caught.value) and "192.0.2.9" in str(caught.value)


def test_user_not_found_is_none_and_reads_are_not_writes():
    transport = FakeTransport(200, b'{"message": "User not found with username equal to x.", "success": false}')
    api = apilogin.ApiLogin(transport, LAB_KEY, Redactor())
    assert api.get_user("username", "x", ["id"]) is None
    assert transport.sent[0][3] is False


def test_other_plugin_messages_stay_moodle_errors():
    body = b'{"message": "Another user was found with the same email.", "success": false}'
    api = apilogin.ApiLogin(FakeTransport(200, body), LAB_KEY, Redactor())
    with pytest.raises(MoodleError) as caught:
        api.create_user({"username": "a"})
    assert "same email" in str(caught.value)


def test_signatures_are_masked_by_pattern_not_registered_one_per_request():
    """One secret per request made redacting a 10,000-user result cost users x requests; the signature is only in
    the POST body, and "signature=..." is masked in any text."""
    transport = FakeTransport(200, b'{"data": [], "success": true}')
    redactor = Redactor()
    api = apilogin.ApiLogin(transport, LAB_KEY, redactor)
    for dummy in range(3):
        api.get_all_users(["id"])
    signatures = [dict(data)["signature"] for method, path, data, write in transport.sent]
    assert len(set(signatures)) >= 1 and redactor.secrets == frozenset([LAB_KEY])
    text = redactor("POST auth/apilogin/services.php?method=getAllUsers&signature=%s failed" % signatures[0])
    assert signatures[0] not in text and "signature=********" in text
