# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token store: a JSON file (mode 0600) keeping the token values Moodle shows only once.
Keyed by site URL, user, service and token name."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError

DEFAULT_PATH = "~/.ansible/moodleops.auth/tokens.json"


def store_key(url, user, service, name=None):
    return "%s|%s|%s|%s" % (url.rstrip("/"), user, service, name or "")


class TokenStore:
    def __init__(self, path):
        self.path = os.path.expanduser(path or DEFAULT_PATH)
        self._entries = None

    @property
    def entries(self):
        if self._entries is None:
            if not os.path.exists(self.path):
                self._entries = {}
            else:
                try:
                    with open(self.path) as handle:
                        self._entries = json.load(handle).get("tokens", {})
                except (IOError, OSError, ValueError) as error:
                    raise InvalidInputError("token_store %s cannot be read: %s." % (self.path, error),
                                            hint="Fix or remove the file (it holds JSON written by moodle_token).")
        return self._entries

    def get(self, key):
        return self.entries.get(key)

    def values(self):
        return [entry.get("token") for entry in self.entries.values() if entry.get("token")]

    def put(self, key, entry):
        self.entries[key] = entry
        self._write()

    def drop(self, key):
        if key in self.entries:
            del self.entries[key]
            self._write()

    def _write(self):
        directory = os.path.dirname(self.path) or "."
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tokens-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w") as out:
                json.dump({"tokens": self.entries}, out, indent=2, sort_keys=True)
            os.rename(temporary, self.path)
        except Exception:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        os.chmod(self.path, 0o600)
