"""plugins/module_utils/moodle/password_policy.py: Moodle's check_password_policy() rules, one by one (the recorded
sitepolicies page and Moodle's own words for a weak password: tests/unit/test_moodle_users.py)."""

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.password_policy import policy_violations


def test_policy_rules_one_by_one():
    policy = {"passwordpolicy": "1", "minpasswordlength": "10", "minpassworddigits": "2", "minpasswordlower": "1",
              "minpasswordupper": "1", "minpasswordnonalphanum": "2", "maxconsecutiveidentchars": "2"}
    assert policy_violations("Aa1#", policy) == [
        "Passwords must be at least 10 characters long.", "Passwords must have at least 2 digit(s).",
        "The password must have at least 2 special character(s) such as *, -, or #."]
    assert policy_violations("Aa11##xyzw", policy) == []
    assert policy_violations("Aa11##xxxw", policy) == [
        "Passwords must have at most 2 consecutive identical characters."]
    assert policy_violations(u"\u00c4\u00e412#+\u00fc\u00fc-x", policy) == []
