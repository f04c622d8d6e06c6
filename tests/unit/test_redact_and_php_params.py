from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import canonical_from_redirect
from ansible_collections.moodleops.auth.plugins.module_utils.php_params import flatten_params
from ansible_collections.moodleops.auth.plugins.module_utils.redact import MASK, Redactor, redact_structure


def test_known_secrets_are_masked_raw_and_url_encoded():
    redact = Redactor(["Admin#12345"])
    text = redact("password=Admin%2312345 and Admin#12345 and Admin%2312345")
    assert "Admin" not in text and text.count(MASK) == 3


def test_secret_parameters_in_urls_are_masked_even_when_unknown():
    redact = Redactor()
    url = "http://x/login/logout.php?sesskey=AbCdEf1234&x=1 wstoken=ffff0000ffff0000 MoodleSession=abc123def"
    text = redact(url)
    assert "AbCdEf1234" not in text and "ffff0000ffff0000" not in text and "abc123def" not in text
    assert "x=1" in text


def test_redactor_feeds_callbacks_for_no_log_values():
    seen = set()
    redact = Redactor(["first-secret"])
    redact.on_add(seen.add)
    redact.add("second-secret")
    redact.add("abc")  # too short to be a secret worth masking everywhere
    assert seen == {"first-secret", "second-secret"}


def test_structures_are_redacted_recursively():
    redact = Redactor(["tok-0123456789"])
    value = {"a": ["x tok-0123456789", {"b": "tok-0123456789"}], "n": 3, "t": True}
    assert redact_structure(value, redact) == {"a": ["x " + MASK, {"b": MASK}], "n": 3, "t": True}


def test_php_bracket_encoding_of_nested_parameters():
    pairs = flatten_params({"users": [{"username": "bob", "customfields": [{"type": "a", "value": 1}]}],
                            "flag": True, "values": ["teacher1", "admin"], "empty": []})
    assert pairs == [
        ("users[0][username]", "bob"),
        ("users[0][customfields][0][type]", "a"),
        ("users[0][customfields][0][value]", "1"),
        ("flag", "1"),
        ("values[0]", "teacher1"),
        ("values[1]", "admin"),
    ]


def test_canonical_wwwroot_from_a_scheme_redirect():
    assert canonical_from_redirect("login/index.php", "https://moodle.example/login/index.php") == \
        "https://moodle.example"
    assert canonical_from_redirect("login/index.php", "https://example/moodle/login/index.php?x=1") == \
        "https://example/moodle"
