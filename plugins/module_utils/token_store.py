# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token store: a JSON file (mode 0600) keeping the token values Moodle shows only once.
Keyed by site URL, user, service and token name.

Many tasks may write one store at once (forks, hosts delegating to one controller): ``put`` and ``drop`` hold an
flock on the sibling ``<store>.lock`` (0600), re-read the file inside the lock, change only their key and replace the
file atomically (temporary file + rename). Reads take no lock: a rename never shows a half-written file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.locks import file_lock
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import TOKEN_STORE_NAME, configured_state_dir


def default_path():
    """tokens.json in the state directory (module_utils.state_dir; a module resolves it with its StateDir)."""
    return os.path.join(configured_state_dir(), TOKEN_STORE_NAME)


def store_key(url, user, service, name=None):
    """The key of one token in the store: site URL (no trailing slash), user, service and name."""
    return "%s|%s|%s|%s" % (url.rstrip("/"), user, service, name or "")


class TokenStore:
    """The token store file at ``path`` (default: tokens.json in the state directory)."""
    def __init__(self, path):
        self.path = os.path.expanduser(path or default_path())
        self._entries = None

    @property
    def entries(self):
        """{key: entry} of the store, read from the file on first use."""
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def _load(self):
        if not os.path.exists(self.path):
            return {}
        try:
            with open(self.path) as handle:
                return json.load(handle).get("tokens", {})
        except (IOError, OSError, ValueError) as error:
            raise InvalidInputError("token_store %s cannot be read: %s." % (self.path, error),
                                    hint="Fix or remove the file (it holds JSON written by moodle_token).")

    def get(self, key):
        """The entry stored under ``key``, or None."""
        return self.entries.get(key)

    def values(self):
        """Every token value in the store (entries without one skipped)."""
        return [entry.get("token") for entry in self.entries.values() if entry.get("token")]

    def put(self, key, entry):
        """Store ``entry`` under ``key`` (under the store's lock)."""
        self._update(key, entry)

    def drop(self, key):
        """Remove ``key`` from the store (under the store's lock)."""
        self._update(key, None)

    def _update(self, key, entry):
        """Set (or, for None, remove) one key: under the store's lock, on what the file holds now."""
        with file_lock(self.path + ".lock", what="token_store %s" % self.path):  # creates the directory, 0700
            entries = self._load()
            if entry is None:
                if key not in entries:
                    self._entries = entries
                    return
                del entries[key]
            else:
                entries[key] = entry
            self._write(entries)
            self._entries = entries

    def _write(self, entries):
        directory = os.path.dirname(self.path) or "."
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tokens-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w") as out:
                json.dump({"tokens": entries}, out, indent=2, sort_keys=True)
            os.rename(temporary, self.path)
        except Exception:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        os.chmod(self.path, 0o600)
