# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keeps secrets out of every message, result and traceback text."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover - Python 2 controller/targets are not supported
    from urllib import quote, quote_plus

MASK = "********"

# Query or form parameters whose values are secret wherever they appear (URLs in requests' exception texts).
SECRET_PARAMETERS = ("sesskey", "wstoken", "token", "password", "logintoken", "key", "privatetoken",
                     "MoodleSession", "MOODLEID1_", "signature", "apikey", "secret")
_PARAMETER_PATTERN = re.compile(
    r"(?i)\b(%s)(=|%%3D)([^&\s'\";,)]+)" % "|".join(re.escape(name) for name in SECRET_PARAMETERS))
_MIN_SECRET_LENGTH = 4


class Redactor:
    """Remembers secret values and masks them (raw and URL-encoded) in any text."""

    def __init__(self, secrets=None, patterns=True):
        self.patterns = patterns
        self._secrets = set()
        self._on_add = []
        for secret in secrets or ():
            self.add(secret)

    def on_add(self, callback):
        """Call ``callback(secret)`` for every secret added from now on (used to feed module.no_log_values)."""
        self._on_add.append(callback)
        for secret in self._secrets:
            callback(secret)

    def add(self, secret):
        """Remember a secret (values shorter than 4 characters are ignored) and tell the on_add callbacks."""
        if secret is None:
            return
        secret = str(secret)
        if len(secret) < _MIN_SECRET_LENGTH or secret in self._secrets:
            return
        self._secrets.add(secret)
        for callback in self._on_add:
            callback(secret)

    @property
    def secrets(self):
        """The secrets remembered so far (a frozenset)."""
        return frozenset(self._secrets)

    def __call__(self, text):
        if text is None:
            return text
        text = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            for form in (secret, quote(secret, safe=""), quote_plus(secret, safe="")):
                if form in text:
                    text = text.replace(form, MASK)
        if not self.patterns:
            return text
        return _PARAMETER_PATTERN.sub(lambda match: match.group(1) + match.group(2) + MASK, text)


def redact_structure(value, redactor):
    """Return a copy of a JSON-like structure with every string passed through ``redactor``."""
    if isinstance(value, dict):
        return dict((key, redact_structure(item, redactor)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [redact_structure(item, redactor) for item in value]
    if isinstance(value, str):
        return redactor(value)
    return value
