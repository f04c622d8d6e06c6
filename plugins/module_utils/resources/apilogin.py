# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_apilogin_user: users through auth_apilogin's signed API (module_utils/moodle/apilogin.py) as a converge
resource, one user or many (each failing on its own, written over a few connections at once), and its options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.moodleops.auth.plugins.module_utils.argspec import env_fallback
from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MoodleError,
    PartialFailure,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.apilogin import (
    REMOVED_FIELDS,
    ApiLogin,
    php_string,
    worker_transport,
)
from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import yaml_boolean_problem
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import (
    APILOGIN_SETTABLE_FIELDS,
    APILOGIN_TEXT_FIELDS,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section
from ansible_collections.moodleops.auth.plugins.module_utils.users_file import read_users_file
from ansible_collections.moodleops.auth.plugins.module_utils.worker_pool import run_in_workers

REFUSED_FIELDS = {
    "password": "the plugin stores an updateUser password unhashed and hashes the wrong field on createUser; "
                "users of this plugin log in through login: true (logUser) and need no password",
    "secret": "the plugin never returns or sets it safely",
    "deleted": "use state: absent",
    "id": "Moodle assigns it; use it only as the match field (match_field: id)",
}
# Always read (with an explicit fields[] list: without one the plugin selects removed columns and fails on 3.11+).
BASE_READ_FIELDS = ("id", "username", "email", "idnumber", "auth", "suspended", "deleted")

BULK_READ_FROM = 20          # entries from which all users are read with one getAllUsers
# parallel: connections writing at once. Each one keeps a PHP worker of the Moodle host busy; small sites run 5-10
# (pm.max_children) and more connections than the host has cores gain nothing, so never more than a few.
PARALLEL_MAX = 8
PARALLEL_DEFAULT = 4
UNIQUE_FIELDS = ("username", "email", "idnumber")   # what createUser/updateUser refuse to share with another user
CREATE_REQUIRED = ("username", "firstname", "lastname", "email")
# Sets for the per-field checks of every entry (10,000 entries: tuples of 34 names were a tenth of an unchanged run).
SETTABLE = frozenset(APILOGIN_SETTABLE_FIELDS)
TEXT_FIELDS = frozenset(APILOGIN_TEXT_FIELDS)
TRUE_TEXTS = ("1", "true", "yes", "on")
FALSE_TEXTS = ("0", "false", "no", "off", "")


def _as_bool(value, label):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_TEXTS:
        return True
    if text in FALSE_TEXTS:
        return False
    raise ValueError("%s: suspended must be a boolean, not %r" % (label, value))


def _stored(value):
    return "" if value is None else str(value)


class Entry:
    """One user of the task: its match value, the fields it wants, the suspension it wants."""

    def __init__(self, label, key, fields, suspended):
        self.label = label
        self.key = key
        self.fields = fields            # {column: wanted string}
        self.suspended = suspended      # True / False / None (leave alone)
        self.current = None
        self.ambiguous = 0
        self.action = "unchanged"
        self.update = {}                # {column: (old, new)}
        self.suspend = None             # True / False: a suspendUser / unsuspendUser call
        self.create = None              # userdata for createUser
        self.user_id = None
        self.after = None
        self.failed = False
        self.msg = None
        self.done = False

    @property
    def changed(self):
        """The entry writes something."""
        return self.action in ("created", "updated", "deleted")

    def change_lines(self):
        """The ``changes`` lines of this user."""
        who = "user %s" % self.key
        if self.action == "created":
            return ["%s: created" % who]
        if self.action == "deleted":
            return ["%s: deleted" % who]
        lines = ["%s: %s %r -> %r" % (who, field, old, new) for field, (old, new) in sorted(self.update.items())]
        if self.suspend is not None:
            lines.append("%s: %s" % (who, "suspended" if self.suspend else "unsuspended"))
        return lines

    def unique_values(self):
        """The usernames, emails and idnumbers this write takes or frees (lower case): two writes sharing one must
        keep their input order, as the plugin's uniqueness checks depend on which ran first."""
        values = set()
        sources = [self.create or {}, self.current or {}, dict((field, new) for field, (old, new) in self.update.items())]
        for source in sources:
            for field in UNIQUE_FIELDS:
                value = _stored(source.get(field)).strip().lower()
                if value:
                    values.add(value)
        return values

    def diff_parts(self):
        """(before, after) of this user for ``--diff``."""
        if self.action == "created":
            return {}, dict(self.create)
        if self.action == "deleted":
            return dict((k, _stored(v)) for k, v in self.current.items()), {}
        before = dict((field, old) for field, (old, new) in self.update.items())
        after = dict((field, new) for field, (old, new) in self.update.items())
        if self.suspend is not None:
            before["suspended"], after["suspended"] = ("0", "1") if self.suspend else ("1", "0")
        return before, after


class ApiLoginUsers(Resource):
    """Users through auth_apilogin's signed API: one (user) or many (users, each failing on its own)."""

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.state = self.params["state"]
        self.match = self.params["match_field"]
        self.users_file = self.params.get("users_file")     # not an option of the site description's entries
        self.bulk = self.params["users"] is not None or self.users_file is not None
        self.parallel = PARALLEL_DEFAULT if self.params.get("parallel") is None else self.params["parallel"]
        self.entries = []               # the users of the task (check_options reads them from the options)
        self.fields = list(BASE_READ_FIELDS)
        self.api = None
        self.token = None

    # -- checks before anything is read or written -----------------------------------------------------------
    def check_options(self):
        """What the options alone show wrong (the secret, login with users or another state, parallel, every user
        entry), before any request; keeps the entries and the columns to read."""
        if not self.params["secret"]:
            raise InvalidInputError("secret is required: the plugin's apikey, which every request is signed with.",
                                    hint="Set secret or the MOODLE_APILOGIN_SECRET environment variable.")
        self.moodle.redact.add(self.params["secret"])
        if self.params["login"]:
            if self.bulk:
                raise InvalidInputError("login: true works with user (one user), not %s." % (
                    "users_file" if self.users_file is not None else "users"))
            if self.state != "present":
                raise InvalidInputError("login: true needs state: present (a %s user cannot log in)." % self.state)
        if not 1 <= self.parallel <= PARALLEL_MAX:
            raise InvalidInputError(
                "parallel must be between 1 and %d, not %d." % (PARALLEL_MAX, self.parallel),
                hint="Each connection keeps one PHP worker of the Moodle host busy; more than a few starve its other "
                     "users and gain nothing on a host with few cores.")
        if self.users_file is not None:
            labelled = read_users_file(self.users_file)
        elif self.bulk:
            labelled = [("users[%d]" % index, item) for index, item in enumerate(self.params["users"])]
        else:
            labelled = [("user", self.params["user"])]
        self.entries = self.validate(labelled)
        self.fields = list(BASE_READ_FIELDS)
        for entry in self.entries:
            for field in entry.fields:
                if field not in self.fields:
                    self.fields.append(field)

    def validate(self, labelled):
        """The entries of ``labelled`` ([(label, user dict)]: users, users_file or user), or InvalidInputError naming
        every problem."""
        problems, entries, seen = [], [], {}
        for label, item in labelled:
            if not isinstance(item, dict):
                problems.append("%s is not a dict" % label)
                continue
            entry, entry_problems = self.entry(label, item)
            problems.extend(entry_problems)
            if entry is None:
                continue
            if entry.key in seen:
                problems.append("%s repeats %s %s of %s" % (label, self.match, entry.key, seen[entry.key]))
                continue
            seen[entry.key] = label
            entries.append(entry)
        if not labelled:
            problems.append("users_file holds no users" if self.users_file is not None else "users is empty")
        if problems:
            raise InvalidInputError("Invalid user entries (nothing was read or written): %s." % "; ".join(problems),
                                    hint="Valid fields: %s." % ", ".join(APILOGIN_SETTABLE_FIELDS))
        return entries

    def entry(self, label, item):
        """(Entry or None, [problems]) of one user dict of the task."""
        problems = []
        key = item.get(self.match)
        if key is None or str(key).strip() == "":
            return None, ["%s has no %s (the match_field)" % (label, self.match)]
        key = str(key).strip()
        if self.match == "id" and not key.isdigit():
            return None, ["%s: id %r is not a number" % (label, key)]
        fields, suspended = {}, None
        for name, value in item.items():
            if value is None:
                continue
            if name == "id" and self.match == "id":
                continue
            if value.__class__ is str and name in SETTABLE and name != "suspended":
                fields[name] = value            # the common case (a CSV cell, a YAML string): as php_string does
            elif name in REFUSED_FIELDS:
                problems.append("%s: %s is not supported (%s)" % (label, name, REFUSED_FIELDS[name]))
            elif name in REMOVED_FIELDS:
                problems.append("%s: %s is a user profile field since Moodle 3.11, not a column the plugin can write"
                                % (label, name))
            elif name not in SETTABLE:
                problems.append("%s: unknown field %s" % (label, name))
            elif name == "suspended":
                try:
                    suspended = _as_bool(value, label)
                except ValueError as error:
                    problems.append(str(error))
            elif isinstance(value, (dict, list)):
                problems.append("%s: %s must be a single value" % (label, name))
            elif isinstance(value, bool) and name in TEXT_FIELDS:   # a users_file in YAML (users: is
                problems.append("%s.%s %s" % (label, name, yaml_boolean_problem(value, name)))  # checked earlier)
            else:
                fields[name] = php_string(value)
        if "username" in fields and fields["username"] != fields["username"].strip().lower():
            problems.append("%s: username %r must be lower case without surrounding spaces (Moodle's login lowercases "
                            "what people type)" % (label, fields["username"]))
        if self.state == "suspended":
            if suspended is False:
                problems.append("%s: suspended: false contradicts state: suspended" % label)
            suspended = True
        if self.state == "absent":
            fields, suspended = {}, None
        return Entry(label, key, fields, suspended), problems

    # -- read ------------------------------------------------------------------------------------------------
    def read_entries(self):
        """The current user of every entry: one getUser each, or one getAllUsers for a large bulk task."""
        if self.bulk and len(self.entries) >= BULK_READ_FROM:
            index = self.read_all()
            for entry in self.entries:
                found = index.get(entry.key, [])
                entry.ambiguous = len(found) if len(found) > 1 else 0
                entry.current = found[0] if len(found) == 1 else None
        else:
            for entry in self.entries:
                entry.current = self.read_one(self.match, entry.key)

    def read_all(self):
        """{match value: [non-deleted users with it]} from one getAllUsers."""
        index, match = {}, self.match
        for user in self.api.get_all_users(self.fields):
            deleted, value = user.get("deleted"), user.get(match)
            if deleted == "1" or (deleted is not None and deleted.__class__ is not str and _stored(deleted) == "1"):
                continue
            if value is not None and value.__class__ is not str:
                value = _stored(value)
            if not value:
                continue
            found = index.get(value)
            if found is None:
                index[value] = [user]
            else:
                found.append(user)
        return index

    def read_one(self, field, value, api=None):
        """The non-deleted user whose ``field`` is ``value`` (over ``api``, or the task's), or None."""
        user = (api or self.api).get_user(field, value, self.fields)
        if user is None or _stored(user.get("deleted")) == "1":
            return None
        return user

    # -- plan (still before any write) -----------------------------------------------------------------------
    def plan_entries(self):
        """Choose each entry's action from what was read; InvalidInputError for entries that cannot be applied."""
        problems = []
        for entry in self.entries:
            current = entry.current
            if entry.ambiguous:
                problems.append("%s: %d users have %s %s" % (entry.label, entry.ambiguous, self.match, entry.key))
                continue
            if current is not None:
                entry.user_id = int(current["id"])
            if self.state == "absent":
                if current is not None:
                    entry.action = "deleted"
                continue
            if current is None:
                problem = self.plan_create(entry)
                if problem:
                    problems.append(problem)
                continue
            for field, wanted in entry.fields.items():
                have = current.get(field)
                if have == wanted:
                    continue            # the plugin answers strings: most fields need no conversion
                have = _stored(have)
                if have != wanted:
                    entry.update[field] = (have, wanted)
            if entry.suspended is not None and (_stored(current.get("suspended")) == "1") != entry.suspended:
                entry.suspend = entry.suspended
            if entry.update or entry.suspend is not None:
                entry.action = "updated"
        if problems:
            raise InvalidInputError("Cannot apply the user entries (nothing was written): %s." % "; ".join(problems))

    def plan_create(self, entry):
        """Plan the createUser of ``entry``; a problem (text) when it cannot be created, else None."""
        if self.match == "id":
            return "%s: no user with id %s, and users cannot be created with a given id (use another match_field)" % (
                entry.label, entry.key)
        data = dict(entry.fields)
        data[self.match] = entry.key
        missing = [field for field in CREATE_REQUIRED if not data.get(field)]
        if missing:
            return "%s: user %s does not exist, and creating it needs %s" % (entry.label, entry.key, ", ".join(missing))
        now = str(int(time.time()))
        userdata = {"auth": "manual", "confirmed": "1", "mnethostid": "1", "timecreated": now, "timemodified": now}
        userdata.update(data)
        if entry.suspended:
            userdata["suspended"] = "1"
        entry.create = userdata
        entry.action = "created"
        return None

    # -- write -----------------------------------------------------------------------------------------------
    def apply_entry(self, entry, api=None):
        """The writes of one entry over ``api`` (a worker's own connection, or the task's)."""
        api = api or self.api
        if entry.action == "created":
            entry.user_id = api.create_user(entry.create)
            if entry.user_id is None:
                found = self.read_one(self.match, entry.key, api)
                entry.user_id = int(found["id"]) if found else None
        elif entry.action == "deleted":
            api.delete_user(entry.user_id)
        elif entry.action == "updated":
            if entry.update:
                api.update_user(entry.user_id, dict((field, new) for field, (old, new) in entry.update.items()))
            if entry.suspend is not None:
                api.set_suspended(entry.user_id, entry.suspend)
        entry.done = True

    def apply_in_order(self, todo):
        """One write after the other on the task's connection (stop_on_error stops at the first failing user)."""
        stop = False
        for entry in todo:
            if stop:
                entry.action, entry.msg = "skipped", "not attempted (stop_on_error after an earlier failure)"
                continue
            try:
                self.apply_entry(entry)
            except MoodleError as error:
                if not self.bulk:
                    raise
                self.fail_entry(entry, error)
                stop = self.params["stop_on_error"]

    def apply_parallel(self, todo, workers):
        """The independent writes over ``workers`` connections, then, in input order on the task's connection, the
        writes that share a username, email or idnumber with another write (their outcome depends on the order).
        Outcomes are recorded in input order, exactly as apply_in_order records them."""
        independent, ordered = self.split_by_shared_values(todo)
        main = self.api.transport
        extra = [worker_transport(main) for dummy in range(min(workers, len(independent)) - 1)]
        apis = [self.api] + [ApiLogin(transport, self.api.secret, self.moodle.redact, self.api.clock)
                             for transport in extra]
        try:
            errors = run_in_workers(independent, lambda api, entry: self.apply_entry(entry, api), apis,
                                    stop_after=lambda error: not isinstance(error, MoodleError))
        finally:
            for transport in extra:
                main.request_count += transport.request_count
                main.write_count += transport.write_count
                transport.close()
        for entry, error in zip(independent, errors):
            if error is None:
                continue
            if not isinstance(error, MoodleError):
                raise error
            self.fail_entry(entry, error)
        self.apply_in_order(ordered)

    @staticmethod
    def split_by_shared_values(todo):
        """(independent, ordered): the writes that share no username, email or idnumber with another write, and
        those that do (kept in input order)."""
        touched = [entry.unique_values() for entry in todo]
        counts = {}
        for values in touched:
            for value in values:
                counts[value] = counts.get(value, 0) + 1
        independent, ordered = [], []
        for entry, values in zip(todo, touched):
            (ordered if any(counts[value] > 1 for value in values) else independent).append(entry)
        return independent, ordered

    def worker_count(self, todo):
        """Connections for the writes: 1 for one user, with stop_on_error (its order is the point) or login."""
        if not self.bulk or self.params["stop_on_error"] or self.params["login"]:
            return 1
        return max(1, min(self.parallel, len(todo)))

    def verify_entry(self, entry, after):
        """Compare what was read back with what was wanted; raise WriteNotAppliedError when it differs."""
        if entry.action == "deleted":
            if after is not None:
                raise WriteNotAppliedError("auth_apilogin answered deleteUser normally but user %s still exists."
                                           % entry.key)
            return
        if after is None:
            raise WriteNotAppliedError("auth_apilogin answered %s normally but user %s cannot be read back." % (
                "createUser" if entry.action == "created" else "updateUser", entry.key))
        wanted = dict(entry.create if entry.action == "created" else entry.fields)
        if entry.suspended is not None:
            wanted["suspended"] = "1" if entry.suspended else "0"
        wrong = sorted(field for field, value in wanted.items()
                       if field in self.fields and _stored(after.get(field)) != value)
        if wrong:
            raise WriteNotAppliedError("User %s was written, but reading it back shows other values for: %s." % (
                entry.key, ", ".join(wrong)))

    def read_back(self):
        """Read the written users back and verify each (a bulk task records a failure on the entry)."""
        written = [entry for entry in self.entries if entry.done]
        if not written:
            return
        by_id = None
        if self.bulk and len(self.entries) >= BULK_READ_FROM:
            by_id = dict((_stored(user.get("id")), user) for user in self.api.get_all_users(self.fields)
                         if _stored(user.get("deleted")) != "1")
        for entry in written:
            try:
                if by_id is not None:
                    after = by_id.get(str(entry.user_id)) if entry.user_id else None
                elif entry.user_id:
                    after = self.read_one("id", str(entry.user_id))
                else:
                    after = self.read_one(self.match, entry.key)
                self.verify_entry(entry, after)
                entry.after = after
            except MoodleError as error:
                if not self.bulk:
                    raise
                self.fail_entry(entry, error)

    def fail_entry(self, entry, error):
        """Record ``error`` as the outcome of ``entry`` (bulk tasks fail user by user)."""
        entry.failed = True
        entry.msg = self.moodle.redact(str(error))

    # -- the converge protocol ---------------------------------------------------------------------------------
    def read(self):
        """{match value: the user found, or None} for every entry."""
        self.api = ApiLogin(self.moodle.client.transport, self.params["secret"], self.moodle.redact)
        self.read_entries()
        return dict((entry.key, entry.current) for entry in self.entries)

    def desired(self, before):
        """Plan every entry (still before any write); {match value: the user, None when deleted}."""
        self.plan_entries()
        return dict((entry.key, None if entry.action == "deleted" else entry.current) for entry in self.entries)

    def action(self, before, after):
        """One user: the default (create, update, delete). Many: "update" when any entry writes, else None, from the
        entries' plans (each entry's own action is in results); the default would normalise and compare the states of
        every user again, a third of an unchanged 10,000-user run."""
        if not self.bulk:
            return Resource.action(self, before, after)
        return "update" if any(entry.changed for entry in self.entries) else None

    def describe(self, before, after):
        """The change lines of the entries that change (and of the login token)."""
        lines = []
        for entry in self.entries:
            if entry.changed and (not entry.failed or entry.done):
                lines.extend(entry.change_lines())
        if self.params["login"]:
            lines.append("user %s: login token created" % self.entries[0].key)
        return lines

    def apply(self, plan):
        """The writes, over one connection or several; then the login token (login: true)."""
        todo = [entry for entry in self.entries if entry.changed]
        workers = self.worker_count(todo)
        if workers > 1:
            self.apply_parallel(todo, workers)
        else:
            self.apply_in_order(todo)
        if self.params["login"]:
            entry = self.entries[0]
            self.token = self.api.log_user(entry.user_id, self.params["user_agent"], self.params["redirect"])
            self.moodle.redact.add(self.token)

    def verify(self, plan):
        """Read the written users back; the change lines of users that failed before any write are dropped."""
        self.read_back()
        plan.lines = self.describe(None, None)  # users that failed before any write changed nothing
        return dict((entry.key, entry.after) for entry in self.entries)

    def result(self, plan):
        """The result of one user (user) or of many (users: results and summary)."""
        return self.single_result() if not self.bulk else self.bulk_result()

    def diff(self, plan):
        """Before and after of the user (user) or of every user written (users)."""
        if self.bulk:
            before, after = {}, {}
            for entry in self.entries:
                if entry.changed and (entry.done or self.moodle.check_mode):
                    before[entry.key], after[entry.key] = entry.diff_parts()
            return {"users": before}, {"users": after}
        entry = self.entries[0]
        if not entry.changed:
            return None
        before, after = entry.diff_parts()
        return {"user": before}, {"user": after}

    def single_result(self):
        """The result of a task with one user (and its login token with login: true)."""
        entry = self.entries[0]
        user = entry.after if entry.done else (None if entry.action == "deleted" else entry.current)
        if self.state == "absent":
            user = None
        result = {"action": entry.action, "user": user, "user_id": None if self.state == "absent" else entry.user_id}
        if self.params["login"]:
            token = None if self.moodle.check_mode else self.token
            self.moodle.reveal(token)
            result.update({"token": token, "login_url": "%s/login/index.php?token=%s" % (
                self.moodle.client.base_url, token) if token else None})
        return result

    def bulk_result(self):
        """``results`` holds the users something happened to (all of them with report_unchanged); ``summary``
        counts every user. An unchanged run is one count, not an entry per user."""
        results, changes, summary = [], [], dict.fromkeys(
            ("created", "updated", "deleted", "unchanged", "failed", "skipped"), 0)
        every_user = self.params["report_unchanged"]
        for entry in self.entries:
            action = "failed" if entry.failed else entry.action
            summary[action] += 1
            if action == "unchanged" and not every_user:
                continue
            lines = entry.change_lines() if entry.changed else []
            if not entry.failed or entry.done:
                changes.extend(lines)
            wrote = entry.changed and (entry.done or self.moodle.check_mode)
            results.append({"user": entry.key, "action": action, "changed": wrote, "user_id": entry.user_id,
                            "changes": lines, "failed": entry.failed, "msg": entry.msg})
        result = {"results": results, "summary": summary, "invocation": {"module_args": self.echoed_args()}}
        failed = [item for item in results if item["failed"]]
        if failed:
            result["changed"] = any(item["changed"] for item in results)
            result["changes"] = changes
            if result["changed"] and self.moodle.diff_wanted:
                before, after = self.diff(None)
                result["diff"] = {"before": before, "after": after}
            self.fail(result, failed)
        return result

    def fail(self, result, failed):
        """Fail the task with the per-user results (MoodleModule.run puts them next to msg)."""
        first = "; ".join("%s: %s" % (item["user"], item["msg"]) for item in failed[:3])
        more = " (and %d more)" % (len(failed) - 3) if len(failed) > 3 else ""
        msg = "%d of %d users failed: %s%s" % (len(failed), len(self.entries), first, more)
        raise PartialFailure(msg, result)

    def echoed_args(self):
        """The task's arguments as Ansible echoes them back (``invocation``), without the users list: echoing
        10,000 users back is most of an unchanged bulk run's output."""
        args = dict(self.params)
        if self.params["users"] is not None:
            args["users"] = "(%d users, not echoed)" % len(self.params["users"])
        if args.get("secret"):
            args["secret"] = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
        return args


APILOGIN_OPTIONS = dict(
    secret=dict(type="str", no_log=True, fallback=(env_fallback, ["MOODLE_APILOGIN_SECRET"])),
    user=dict(type="dict"),
    users=dict(type="list", elements="dict"),
    match_field=dict(type="str", default="username", choices=["id", "username", "email", "idnumber"]),
    state=dict(type="str", default="present", choices=["present", "absent", "suspended"]),
    login=dict(type="bool", default=False),
    user_agent=dict(type="str"),
    redirect=dict(type="str"),
    stop_on_error=dict(type="bool", default=False),
    parallel=dict(type="int", default=PARALLEL_DEFAULT),
    report_unchanged=dict(type="bool", default=False),
)
# The module's options: the site description's entries and users_file (the description is itself a file).
APILOGIN_MODULE_OPTIONS = dict(APILOGIN_OPTIONS, users_file=dict(type="path"))


# -- the site description's section ---------------------------------------------------------------------------------
APILOGIN_STATES = ("present", "suspended", "absent")     # one entry (one moodle_apilogin_user run) per state


def apilogin_entries(value):
    """The apilogin section as moodle_apilogin_user runs: one per user state, each user without its state key."""
    if not value:
        return []
    common = dict((key, item) for key, item in value.items() if key != "users")
    entries = []
    for state in APILOGIN_STATES:
        users = [dict((key, item) for key, item in user.items() if key != "state") for user in value.get("users") or []
                 if isinstance(user, dict) and (user.get("state") or "present") == state]
        if users:
            entries.append(dict(common, state=state, users=users))
    return entries


def apilogin_label(entry):
    """``present users alice, bob`` (by the match field)."""
    field = entry.get("match_field") or "username"
    return "%s users %s" % (entry.get("state"), ", ".join("%s" % user.get(field) for user in entry.get("users") or []))


SECTION = Section("apilogin", order=70, role="sso", module="moodle_apilogin_user", options=APILOGIN_OPTIONS,
                  resource=ApiLoginUsers, label=apilogin_label, entries=apilogin_entries,
                  objects=lambda entries: sum(len(entry.get("users") or []) for entry in entries))
