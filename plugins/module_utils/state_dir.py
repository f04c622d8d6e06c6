# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the collection keeps its files on the host that runs a module (docs/where-it-runs.md).

Everything lives under one state directory: the option ``state_dir``, else E(MOODLEOPS_STATE_DIR), else
``~/.ansible/moodleops.auth``. Below it: ``sessions/`` (the session cache), ``locks/`` (object locks) and
``tokens.json`` (the token store). E(MOODLEOPS_SESSION_DIR) and E(MOODLEOPS_LOCK_DIR) still name those two
directories on their own.

Directories are created race-free (many forks or processes may create them at the same moment) with mode 0700.
When the state directory cannot be created (a ``become_user`` whose home is not writable, a read-only home in a
container), the module falls back to a private directory of its user under the system's temporary directory
(``<tmp>/moodleops.auth-<uid>``, 0700, owned by that user, never a link), with one warning; when even that fails,
the part that needed it (session cache, object lock) is switched off, again with one warning."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import stat
import tempfile

from ansible_collections.moodleops.auth.plugins.module_utils.errors import LocalStateError

STATE_DIR_ENV = "MOODLEOPS_STATE_DIR"
DEFAULT_STATE_DIR = "~/.ansible/moodleops.auth"
# Older, narrower variables: still honoured for their own directory.
KIND_ENV = {"sessions": "MOODLEOPS_SESSION_DIR", "locks": "MOODLEOPS_LOCK_DIR"}
TOKEN_STORE_NAME = "tokens.json"


def configured_state_dir(option=None):
    """The state directory asked for (not created): option, environment, default; ``~`` expanded."""
    return os.path.expanduser(option or os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR)


def requested_dir(kind, option=None):
    """The directory asked for one kind of state (not created): ``kind`` in the state directory of the option, or
    the kind's own older variable when no option is given, or ``kind`` in the state directory."""
    env = KIND_ENV.get(kind)
    if not option and env and os.environ.get(env):
        return os.path.expanduser(os.environ[env])
    return os.path.join(configured_state_dir(option), kind)


def fallback_state_dir():
    """The private per-user directory used when the configured one cannot be created."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return os.path.join(tempfile.gettempdir(), "moodleops.auth-%d" % uid)


def make_private_dir(path):
    """Create ``path`` and its missing parents, mode 0700 for the ones created; safe when other processes create
    the same directories at the same moment. Raises OSError when it cannot."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        return path
    parent = os.path.dirname(path)
    if parent != path:
        make_private_dir(parent)
    try:
        os.mkdir(path, 0o700)
    except OSError as error:
        if error.errno != errno.EEXIST:
            raise
        if not os.path.isdir(path):
            raise OSError(errno.ENOTDIR, "it exists and is not a directory", path)
        return path     # another process made it first: left as that process made it
    os.chmod(path, 0o700)   # whatever the umask
    return path


def check_private(path):
    """Refuse a fallback directory someone else could have prepared: it must be a real directory of ours, 0700."""
    info = os.lstat(path)
    uid = os.getuid() if hasattr(os, "getuid") else info.st_uid
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
        raise OSError(errno.EPERM, "not a private directory of this user (owner uid %d, mode %o)" % (
            info.st_uid, stat.S_IMODE(info.st_mode)), path)
    return path


def private_fallback():
    """The fallback directory, created and checked to be this user's own (OSError otherwise)."""
    return check_private(make_private_dir(fallback_state_dir()))


def describe_os_error(error):
    """'Permission denied' rather than '[Errno 13] Permission denied: ...'."""
    return getattr(error, "strerror", None) or str(error)


class StateDir:
    """The state directory of one module run. ``path(kind)`` gives the directory of one kind of state (created),
    or None when none can be had; ``warn`` is called once per fallback."""

    def __init__(self, option=None, warn=None):
        self.option = option
        self.warn = warn or (lambda message: None)
        self._warned = set()
        self._paths = {}

    @property
    def root(self):
        """The state directory asked for (not created)."""
        return configured_state_dir(self.option)

    def path(self, kind):
        """The directory for ``kind`` ('sessions', 'locks'), created; None when neither it nor the fallback can be
        created (the caller then works without it)."""
        if kind not in self._paths:
            self._paths[kind] = self._resolve(kind)
        return self._paths[kind]

    def _resolve(self, kind):
        wanted = requested_dir(kind, self.option)
        try:
            return make_private_dir(wanted)
        except (IOError, OSError) as error:
            first = error
        fallback = os.path.join(fallback_state_dir(), kind)
        try:
            make_private_dir(private_fallback())
            make_private_dir(fallback)
        except (IOError, OSError) as error:
            self._warn_once("off-" + kind, "%s cannot be created (%s), nor %s (%s): the %s is off for this task. Set "
                            "state_dir (or MOODLEOPS_STATE_DIR) to a directory this user (uid %s) may write." % (
                                wanted, describe_os_error(first), fallback, describe_os_error(error), WHAT[kind],
                                _uid()))
            return None
        self._warn_once("fallback", "The state directory %s cannot be created (%s): using %s instead (private to uid "
                        "%s, lost on reboot). Set state_dir (or MOODLEOPS_STATE_DIR) to a directory this user may "
                        "write to keep it." % (os.path.dirname(wanted), describe_os_error(first),
                                               fallback_state_dir(), _uid()))
        return fallback

    def token_store(self, option=None):
        """The token store's path: the option as given, else ``tokens.json`` in the state directory (or its
        fallback). An explicit path must be writable; checked by ``check_writable`` before a token is created."""
        if option:
            return os.path.expanduser(option)
        wanted = os.path.join(self.root, TOKEN_STORE_NAME)
        if os.path.exists(wanted) or _can_create_in(self.root):
            return wanted
        fallback = os.path.join(fallback_state_dir(), TOKEN_STORE_NAME)
        if os.path.exists(fallback):
            return fallback
        try:
            private_fallback()
        except (IOError, OSError):
            return wanted       # check_writable names the problem before anything is created
        self._warn_once("tokens", "The state directory %s cannot be created: the token store is %s instead (private "
                        "to uid %s, lost on reboot; a token whose value is lost must be rotated). Set state_dir (or "
                        "MOODLEOPS_STATE_DIR) or token_store to a path this user may write." % (
                            self.root, fallback, _uid()))
        return fallback

    def unusable(self, kind, path, error):
        """A directory that exists but cannot be used (found while writing into it): that part is switched off."""
        self._paths[kind] = None
        self._warn_once("off-" + kind, "%s cannot be written (%s): the %s is off for this task. Set state_dir (or "
                        "MOODLEOPS_STATE_DIR) to a directory this user (uid %s) may write." % (
                            path, describe_os_error(error), WHAT[kind], _uid()))

    def _warn_once(self, key, message):
        if key not in self._warned:
            self._warned.add(key)
            self.warn(message)


WHAT = {"sessions": "session cache (every task logs in)", "locks": "object lock (tasks changing one object on one "
        "site are not serialised)"}


def _uid():
    return os.getuid() if hasattr(os, "getuid") else "?"


def _can_create_in(directory):
    """Whether ``directory`` exists writable, or can be created (it is then created, 0700)."""
    try:
        make_private_dir(directory)
    except (IOError, OSError):
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def check_writable(path, option_name="token_store"):
    """Fail before any write when the file ``path`` cannot be written (its directory created if missing)."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        make_private_dir(directory)
    except (IOError, OSError) as error:
        raise LocalStateError(path, "create the directory %s" % directory, error, option_name)
    if not os.access(directory, os.W_OK | os.X_OK) or (os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK)):
        raise LocalStateError(path, "write the file", OSError(errno.EACCES, "Permission denied", path), option_name)
    return path
