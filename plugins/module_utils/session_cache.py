# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session cache: one logged-in Moodle session per site, user, auth method and password, kept between the
tasks of a play so that they log in once.

One JSON file (mode 0600) per key in a directory of mode 0700 (``sessions`` in the state directory, see
module_utils.state_dir; or E(MOODLEOPS_SESSION_DIR)) on the host that runs the module. The file name is a SHA-256 over the site,
the user, the auth method (and cas_url) and a PBKDF2 hash of the password: another user, or another (wrong or changed) password
never finds the entry. The file holds the session cookies, the sesskey, the user id and the release; never the
password. An entry unused for IDLE_SECONDS, or older than MAX_AGE_SECONDS, is expired."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import tempfile
import time

from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import normalise_base_url
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import KIND_ENV, make_private_dir, requested_dir

DIR_ENV = KIND_ENV["sessions"]
IDLE_SECONDS = 30 * 60          # well below Moodle's default sessiontimeout (8 h)
MAX_AGE_SECONDS = 8 * 3600
_PASSWORD_ROUNDS = 10000        # the key must not be a cheap test of a password guess
FORMAT = 1


def cache_directory():
    """The directory asked for (not created; the module's StateDir falls back when it cannot be created)."""
    return requested_dir("sessions")


def cache_key(url, username, auth_method, password, cas_url=None):
    """The entry's name. ``cas_url`` too: a task that names another CAS server must not reuse a session (its
    login is what checks that server)."""
    site = normalise_base_url(url).lower()
    salt = ("%s\n%s" % (site, username)).encode("utf-8")
    password_hash = hashlib.pbkdf2_hmac("sha256", (password or "").encode("utf-8"), salt, _PASSWORD_ROUNDS).hex()
    identity = json.dumps([FORMAT, site, username, auth_method, password_hash, normalise_base_url(cas_url).lower()])
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


class SessionCache:
    """The cache entry of one key: load(), save(entry), touch(sesskey), drop()."""

    def __init__(self, key, directory=None, now=time.time):
        self.directory = directory or cache_directory()
        self.path = os.path.join(self.directory, key + ".json")
        self.now = now

    def load(self):
        """The entry (dict) when present and fresh, else None; an expired or unreadable entry is dropped."""
        try:
            with open(self.path) as handle:
                entry = json.load(handle)
        except (IOError, OSError, ValueError):
            if os.path.exists(self.path):
                self.drop()
            return None
        if not self._usable(entry):
            self.drop()
            return None
        return entry

    def _usable(self, entry):
        now = self.now()
        return isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("cookies") and \
            entry.get("sesskey") and now - entry.get("last_used", 0) < IDLE_SECONDS and \
            now - entry.get("created", 0) < MAX_AGE_SECONDS

    def save(self, cookies, sesskey, user_id, release=None, created=None):
        """Write the entry: cookies, sesskey, user id, release, when created (default: now) and last used (now)."""
        now = self.now()
        self._write({"format": FORMAT, "cookies": cookies, "sesskey": sesskey, "user_id": user_id,
                     "release": release, "created": created or now, "last_used": now})

    def drop(self):
        """Remove the entry's file (missing is fine)."""
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def _write(self, entry):
        self._make_directory()
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".session-")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w") as out:
                json.dump(entry, out, sort_keys=True)
            os.rename(temporary, self.path)
        except Exception:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def _make_directory(self):
        make_private_dir(self.directory)    # race-free, 0700; an existing directory is left as it is
