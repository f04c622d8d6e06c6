# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Moodle's password policy: the settings of ``admin/settings.php?section=sitepolicies`` that make it, and the rules
of Moodle's check_password_policy() applied to a password before anything is written."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

POLICY_SECTION = "sitepolicies"
POLICY_KEYS = ("passwordpolicy", "minpasswordlength", "minpassworddigits", "minpasswordlower", "minpasswordupper",
               "minpasswordnonalphanum", "maxconsecutiveidentchars")


def _number(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def policy_violations(password, policy):
    """Moodle's check_password_policy() rules broken by ``password``, in Moodle's words; [] when it complies or the
    policy is off. ``policy``: the sitepolicies settings (strings as stored)."""
    if "%s" % policy.get("passwordpolicy") != "1":
        return []
    password = _unicode(password)
    problems = []
    length = _number(policy.get("minpasswordlength"))
    if len(password) < length:
        problems.append("Passwords must be at least %d characters long." % length)
    for key, test, text in (
            ("minpassworddigits", lambda c: c.isdecimal(), "Passwords must have at least %d digit(s)."),
            ("minpasswordlower", lambda c: c.islower(), "Passwords must have at least %d lower case letter(s)."),
            ("minpasswordupper", lambda c: c.isupper(), "Passwords must have at least %d upper case letter(s)."),
            ("minpasswordnonalphanum", lambda c: not (c.isdecimal() or c.islower() or c.isupper()),
             "The password must have at least %d special character(s) such as *, -, or #.")):
        wanted = _number(policy.get(key))
        if wanted and sum(1 for char in password if test(char)) < wanted:
            problems.append(text % wanted)
    most = _number(policy.get("maxconsecutiveidentchars"))
    if most > 0 and _longest_run(password) > most:
        problems.append("Passwords must have at most %d consecutive identical characters." % most)
    return problems


def _longest_run(text):
    longest = run = 0
    previous = None
    for char in text:
        run = run + 1 if char == previous else 1
        previous = char
        longest = max(longest, run)
    return longest


def _unicode(text):
    try:
        return text.decode("utf-8")  # Python 2 str
    except AttributeError:
        return text
