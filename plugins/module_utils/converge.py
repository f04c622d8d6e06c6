# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One converge protocol for every desired-state module.

A module describes one resource (a :class:`Resource` subclass, next to the pages it drives in module_utils) and
hands it to :func:`converge` (through :meth:`MoodleModule.converge`). The runner, not the resource, owns:

* the order: ``check_options`` (what the options alone show wrong, before any request) -> ``read`` -> ``desired`` ->
  ``check`` (everything that can be known wrong, before any write) -> ``action`` (what the run does: kept in the
  plan) -> ``describe`` (the ``changes`` lines) -> ``apply`` (only when something differs and not in check mode) ->
  ``verify`` (read back and compare) -> ``result`` (the module's keys: no side effects);
* check mode: nothing is applied, ``changed`` and ``changes`` say what would happen;
* ``changed`` (``True`` exactly when ``changes`` is not empty), ``changes`` and ``diff`` (before/after, only with
  ``--diff`` and only when something changed);
* the controller-side lock of the object (``Resource.lock_name``, module_utils.locks, docs/concurrency.md), held
  from ``read`` to the end of ``verify`` when not in check mode, so that tasks changing one object take turns;
* that no secret the run knows (passwords, tokens, setting values marked secret) appears in ``changes`` or
  ``diff``, even one the module returns on purpose (``MoodleModule.reveal``).

States are plain dicts (or ``None`` for "does not exist"); :func:`normalise` is how two states are compared: ids
dropped, ``None`` and absent keys alike, lists of scalars as sets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib

from ansible_collections.moodleops.auth.plugins.module_utils.errors import WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.locks import last_change, note_change, object_lock
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor, redact_structure

IGNORED_KEYS = ("id",)


def normalise(state, ignore=IGNORED_KEYS):
    """A comparable copy of ``state``: keys in ``ignore`` dropped (at every level), ``None`` values dropped (absent
    and null are alike), lists of scalars sorted."""
    if isinstance(state, dict):
        return dict((key, normalise(value, ignore)) for key, value in state.items()
                    if key not in ignore and value is not None)
    if isinstance(state, (list, tuple)):
        items = [normalise(item, ignore) for item in state]
        if all(not isinstance(item, (dict, list)) for item in items):
            return sorted(items, key=lambda item: (str(type(item)), item))
        return items
    return state


def differences(wanted, found, ignore=IGNORED_KEYS):
    """Top-level keys whose normalised values differ between two states (sorted); ``["existence"]`` when only one
    of them exists."""
    if wanted is None or found is None:
        return [] if wanted is None and found is None else ["existence"]
    wanted, found = normalise(wanted, ignore), normalise(found, ignore)
    return sorted(key for key in set(wanted) | set(found) if wanted.get(key) != found.get(key))


class Plan:
    """What one run is about: the state before, the state wanted, the action chosen (``Resource.action``) and the
    change lines between them."""

    def __init__(self, before, after, lines, action=None):
        self.before = before
        self.after = after
        self.action = action
        self.lines = list(lines or [])
        self.effects = []       # what Moodle did along with the writes (reported after apply)
        self.applied = False

    @property
    def changed(self):
        """Whether the run changes something (there are change lines)."""
        return bool(self.lines)

    def effect(self, line):
        """A change Moodle made as a side effect of a write (an admin page's extra switches)."""
        self.effects.append(line)


class Resource:
    """One desired-state resource. Override ``read``, ``desired``, ``describe`` and ``apply``; the rest has
    defaults that fit most resources.

    ``name`` is the key the state is returned under (``role``, ``service``...)."""

    name = "state"
    ignore = IGNORED_KEYS

    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        self._drivers = {}

    def driver(self, page_driver):
        """The page driver ``page_driver`` (a class of module_utils/moodle taking the client) on the run's client,
        made on first use and kept: nothing logs in before the protocol's first read."""
        if page_driver not in self._drivers:
            self._drivers[page_driver] = page_driver(self.moodle.client)
        return self._drivers[page_driver]

    # -- the protocol ------------------------------------------------------------------------------------------
    def check_options(self):
        """Raise InvalidInputError for what the options alone show wrong: runs before the first request."""

    def lock_name(self):
        """(kind, name) of the object this run changes, e.g. ("role", "ws_ci"): the runner holds its controller-side
        lock from read to verify, so concurrent runs on one site take turns. None (the default): no lock."""
        return None

    def read(self):
        """The current state (a dict), or None when the resource does not exist. Reads only."""
        raise NotImplementedError

    def desired(self, before):
        """The state wanted (None: absent), from ``before`` and the options. Reads only."""
        raise NotImplementedError

    def check(self, before, after):
        """Raise InvalidInputError for anything that would fail a write, before the first write."""

    def action(self, before, after):
        """What the run does to go from ``before`` to ``after`` (kept as ``plan.action``): "create", "delete",
        "update", or None when nothing differs. A pure function of the two states; resources with more actions
        (a token's "rotate") override it."""
        if before is None:
            return None if after is None else "create"
        if after is None:
            return "delete"
        return "update" if differences(after, before, self.ignore) else None

    def describe(self, before, after):
        """The ``changes`` lines from ``before`` to ``after`` (never secret values); empty means nothing to do."""
        return ["%s: %r -> %r" % (key, (before or {}).get(key), (after or {}).get(key))
                for key in differences(before or {}, after or {}, self.ignore)]

    def apply(self, plan):
        """Write only what differs between ``plan.before`` and ``plan.after``."""
        raise NotImplementedError

    def verify(self, plan):
        """Read back and compare with ``plan.after``; return the state found, or raise WriteNotAppliedError
        naming what did not stick."""
        found = self.read()
        wrong = differences(plan.after, found, self.ignore)
        if wrong:
            raise WriteNotAppliedError(self.not_applied(plan, wrong, found))
        return found

    def not_applied(self, plan, wrong, found):
        """The WriteNotAppliedError message when reading back shows the keys ``wrong`` differ."""
        return "Moodle answered normally, but reading back shows different %s." % ", ".join(wrong)

    def result(self, plan):
        """The module-specific keys of the result (the state after, under ``name``). Reads the plan only: whatever
        the run changes (Moodle, the token store) is changed in ``apply``."""
        return {self.name: plan.after}

    def diff(self, plan):
        """(before, after) for ``--diff``; None for no diff."""
        return plan.before or {}, plan.after or {}


def site_of(moodle):
    """What identifies the site in lock names: its URL, or its Moodle directory for transport: cli."""
    params = moodle.params
    return (params.get("url") or "").rstrip("/") or "file://%s" % (params.get("moodle_root") or "")


@contextlib.contextmanager
def no_lock():
    """A context manager holding no lock (yields None)."""
    yield None


def lock_for(moodle, resource):
    """The object lock the run holds, or none: check mode writes nothing and takes no lock; transport: cli runs on
    the Moodle host as its web server's user and keeps no state there (the lock serialises one controller's forks)."""
    name = None if moodle.check_mode or moodle.transport == "cli" else resource.lock_name()
    if name is None:
        return no_lock()
    directory = moodle.state.path("locks")
    if directory is None:       # no directory can be had: StateDir warned once, the run goes on unserialised
        return no_lock()
    return object_lock(site_of(moodle), name[0], name[1], directory=directory)


def converge(moodle, resource):
    """Run ``resource`` through the protocol on ``moodle`` (a MoodleModule or a site entry's context) and return the
    result dict."""
    resource.check_options()
    with lock_for(moodle, resource) as lock_file:
        if lock_file is not None:
            forget_reads_before(moodle, last_change(lock_file))
        writes_before = writes_of(moodle)
        try:
            plan = converge_plan(moodle, resource)
        finally:   # a run that wrote, even one that failed after, tells the next holder to read again
            if lock_file is not None and writes_of(moodle) != writes_before:
                note_change(lock_file)
    return result_of(moodle, resource, plan)


def writes_of(moodle):
    """How many writes the run's client has sent so far (0 without a client)."""
    client = moodle.open_client
    return client.transport.write_count if client is not None else 0


def forget_reads_before(moodle, moment):
    """Pages this run read before another run changed the object are stale (moodle_site converges many objects on
    pages it reads once)."""
    client = moodle.open_client
    if client is not None:
        client.forget_pages(read_before=moment)


def converge_plan(moodle, resource):
    """read -> desired -> check -> action -> describe -> apply -> verify; the plan after."""
    before = resource.read()
    after = resource.desired(before)
    resource.check(before, after)
    plan = Plan(before, after, resource.describe(before, after), action=resource.action(before, after))
    if plan.changed and not moodle.check_mode:
        resource.apply(plan)
        plan.after = resource.verify(plan)
        plan.applied = True
    return plan


def result_of(moodle, resource, plan):
    """The run's result dict: the resource's keys, changed, changes and (with --diff) diff, secrets masked."""
    result = resource.result(plan)
    # Secrets the run knows stay out of changes and diff, including the ones the module returns on purpose.
    known = Redactor(moodle.redact.secrets, patterns=False)
    result["changed"] = plan.changed
    result["changes"] = redact_structure(plan.lines + plan.effects, known)
    if plan.changed and moodle.diff_wanted:
        diff = resource.diff(plan)
        if diff is not None:
            result["diff"] = redact_structure({"before": diff[0], "after": diff[1]}, known)
    return result


class Action:
    """A module that acts on each run instead of converging a state (a one-time login URL, an eduauth act, a read of
    the site). The runner (:func:`perform`) owns the order: ``check_options`` (before any request) -> ``preview`` in
    check mode when the action changes the site (nothing is sent that changes anything) or ``run`` otherwise."""

    changes_site = False

    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params

    def check_options(self):
        """Raise InvalidInputError for what the options alone show wrong: runs before the first request."""

    def run(self):
        """Do it; return the module-specific result keys (``changed`` included when the site changed)."""
        raise NotImplementedError

    def preview(self):
        """Check mode of an action that changes the site: what would happen, without a write."""
        return {"changed": True}


def perform(moodle, action):
    """Run ``action`` through the action protocol on ``moodle`` and return the result dict."""
    action.check_options()
    if moodle.check_mode and action.changes_site:
        return action.preview()
    return action.run()
