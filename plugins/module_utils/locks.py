# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side locks: one exclusive ``flock`` per site and object, so that hosts of one play that change the same
Moodle object (a role, a service, a user...) take turns instead of racing (see docs/concurrency.md).

The lock file is ``<lock dir>/<sha256(url|kind|name)>.lock``: the name holds no URL, user or secret, the file stays
empty. The kernel releases a flock when its process ends, so a module that dies leaves no stale lock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import fcntl
import hashlib
import os
import time

from ansible_collections.moodleops.auth.plugins.module_utils.errors import LockTimeoutError
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import KIND_ENV, make_private_dir, requested_dir

LOCK_DIR_ENV = KIND_ENV["locks"]
DEFAULT_TIMEOUT = 600
POLL_SECONDS = 0.05


def lock_dir():
    """The directory asked for (not created; the module's StateDir falls back when it cannot be created)."""
    return requested_dir("locks")


def lock_path(url, kind, name, directory=None):
    """The lock file of one object on one site (the site URL without its trailing slash, case kept)."""
    identity = "%s|%s|%s" % ((url or "").rstrip("/"), kind, name)
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()
    return os.path.join(directory or lock_dir(), "%s.lock" % digest)


def open_lock_file(path):
    """Open the lock file at ``path`` (created 0600, directory 0700; a new one gets mtime 0)."""
    make_private_dir(os.path.dirname(path))     # race-free, 0700
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        if error.errno != errno.EEXIST:
            raise
        return os.open(path, os.O_RDWR)
    os.utime(path, (0, 0))      # a new lock: its object was never changed under it (see last_change)
    return handle


def last_change(path):
    """When a run last changed the object under this lock (the lock file's mtime; 0 for never): pages a run read
    before that moment are stale."""
    return os.stat(path).st_mtime


def note_change(path):
    """Say, before releasing the lock, that the object was changed under it."""
    os.utime(path, None)


def acquire(handle, timeout):
    """Take an exclusive flock on ``handle``, waiting up to ``timeout`` seconds; True when taken."""
    deadline = time.time() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except (IOError, OSError) as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
        if time.time() >= deadline:
            return False
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def file_lock(path, timeout=DEFAULT_TIMEOUT, what=None):
    """An exclusive flock on ``path`` (created 0600, its directory 0700) for the ``with`` block."""
    handle = open_lock_file(path)
    try:
        if not acquire(handle, timeout):
            raise LockTimeoutError(
                "%s is still locked by another run after %d seconds (lock file %s)." % (
                    what or "The lock", timeout, path),
                hint="Another task changing the same object is still running (or hangs): wait for it, or stop it. "
                     "A lock is released when its process ends; the file itself can stay.")
        yield path
    finally:
        os.close(handle)  # closing the descriptor releases the flock


def object_lock(url, kind, name, timeout=DEFAULT_TIMEOUT, directory=None):
    """Hold the controller-wide lock of one Moodle object (``kind`` e.g. "role", ``name`` its key) on site ``url``.

    Serialises the tasks of one controller (forks, hosts delegating to it) that change that object; it does nothing
    across controllers (see docs/concurrency.md)."""
    return file_lock(lock_path(url, kind, name, directory), timeout, what="%s %s" % (kind, name))
