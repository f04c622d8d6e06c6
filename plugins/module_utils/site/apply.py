# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_site: the sections of a site description in one module run (one login, one connection), as one loop over
the section registry (site/registry.py).

Each entry is what one task of its module would be: its options are the entry's keys, validated against that
module's argument spec with the connection of this run, checked by the same input checks (module_utils.input_checks)
and run through the same converge runner (module_utils.converge) in an :class:`EntryContext`. What differs between
sections is declared by each section (site/section.py), next to its resource. The first failing entry ends the run,
as a failing task ends a play."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.moodleops.auth.plugins.module_utils import input_checks
from ansible_collections.moodleops.auth.plugins.module_utils.argspec import moodle_argument_spec
from ansible_collections.moodleops.auth.plugins.module_utils.converge import Action, converge
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.module import EntryContext
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import is_secret_setting
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.site.registry import SECTION_NAMES, SECTIONS
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import PENDING

SITE_OPTIONS = dict(
    site=dict(type="dict", required=True),
    sections=dict(type="list", elements="str", choices=list(SECTION_NAMES), default=list(SECTION_NAMES)),
    tokens_rotate=dict(type="bool", default=False, no_log=False),
    tokens_filter=dict(type="str", default="", no_log=False),
)


def description_secrets(site):
    """The secrets of the description's entries (the no_log options of each section's module, secret settings),
    known before the first entry runs: masked everywhere in the result (its invocation included), even in the entries
    after a failure."""
    for section in SECTIONS:
        entries = site.get(section.name)
        secret_options = section.secret_options()
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                continue
            for option in secret_options:
                yield entry.get(option)
            settings = entry.get("settings")
            for name, value in (settings.items() if isinstance(settings, dict) else []):
                if is_secret_setting(name) and value not in (None, ""):
                    yield "%s" % value


def given(mapping):
    """The keys given a value (null is as if left out, like the roles' default(omit))."""
    return dict((key, value) for key, value in (mapping or {}).items() if value is not None)


class SiteApply(Action):
    """Apply the sections asked for, in the registry's order; ``run()`` returns the moodle_site result. An action of
    its own: each entry's resource runs the converge protocol, check mode included."""

    def __init__(self, moodle):
        Action.__init__(self, moodle)
        params = moodle.params
        self.site = params["site"]
        self.sections = [section for section in SECTIONS if section.name in params["sections"]]
        self.rotate = params["tokens_rotate"]
        try:
            self.filter = re.compile(params["tokens_filter"]) if params["tokens_filter"] else None
        except re.error as error:
            raise InvalidInputError("tokens_filter is not a regular expression: %s." % error)
        for secret in description_secrets(self.site):
            moodle.redact.add(secret)
        self.connection = given(dict((key, value) for key, value in params.items() if key not in SITE_OPTIONS))
        self.pending = {}       # kind ("user", "service") -> names check mode would create
        self.results = dict((section.name, []) for section in self.sections)
        self.changes, self.diffs, self.secrets = [], [], {}
        self.requests = {}

    # -- check mode: objects this run would create --------------------------------------------------------------------
    def is_pending(self, kind, name):
        """Check mode: whether this run would create the object ``name`` of ``kind``."""
        return name in self.pending.get(kind, ())

    def leave_out_pending(self, section, entry):
        """Check mode: the accounts the run would create cannot be referred to yet; the entry goes without them."""
        left_out = []
        for option in section.pending_lists:
            names = entry.get(option)
            if isinstance(names, list):
                left_out.extend(name for name in names if self.is_pending("user", name))
                entry[option] = [name for name in names if not self.is_pending("user", name)]
        return left_out

    def note_pending(self, section, entry, record):
        """Check mode: the objects this entry would create (they have no id yet)."""
        if not self.moodle.check_mode or section.creates is None:
            return
        kind, result_key, keys = section.creates
        state = record.get(result_key)
        if isinstance(state, dict) and state.get("id") is None and entry.get("state", "present") != "absent":
            self.pending.setdefault(kind, set()).update(entry.get(key) for key in keys if entry.get(key))

    # -- one entry ------------------------------------------------------------------------------------------------------
    def params_for(self, section, entry):
        """(the entry's options as its module would have them, the connection it logs in with): validated against
        the module's spec, with the connection of this run."""
        spec = moodle_argument_spec(section.options, transport=section.transport)
        raw = given(entry)
        connection = dict((key, value) for key, value in section.connection_options(dict(self.connection)).items()
                          if key in spec)
        found = input_checks.mapping_problems(spec, raw)
        if not found:
            unknown = sorted(set(raw) - set(section.options))
            if unknown:
                raise InvalidInputError("%s has no option %s." % (section.module, ", ".join(unknown)))
            validation = ArgumentSpecValidator(spec).validate(dict(given(connection), **raw))
            for secret in validation._no_log_values:
                self.moodle.redact.add(secret)
            if validation.error_messages:
                raise InvalidInputError("; ".join(validation.error_messages) + ".")
            params = validation.validated_parameters
        else:
            params = dict(raw)
        input_checks.check_options(section.module, spec, params, raw, found)
        return params

    def apply_entry(self, section, index, entry, where):
        """Run one entry of a section as its module would (or skip it); return its record for the result."""
        record = {"entry": section.label(entry), "index": index}
        skipped = None
        if section.skip is not None:
            entry, skipped = section.skip(entry, self)
        if skipped:
            changes = section.pending_changes(entry, skipped) if section.pending_changes else []
            record.update(skipped=True, changed=bool(changes), changes=changes, msg=skipped)
            self.changes.extend("%s: %s" % (where, line) for line in changes)
            return record
        left_out = self.leave_out_pending(section, entry) if self.moodle.check_mode else []
        params = self.params_for(section, entry)
        context = EntryContext(self.moodle, params, connection=section.login(params))
        self.moodle.redact.add(context.connection.get("password"))
        result = converge(context, section.resource(context))
        if context.warnings:
            record["warnings"] = list(context.warnings)
        if section.returns_secret is not None:
            secret = result.pop(section.returns_secret, None)
            if entry.get("state", "present") != "absent":
                self.secrets[record["entry"]] = secret
        diff = result.pop("diff", None)
        record.update(result)
        if left_out:
            record["left_out"] = left_out
            record["msg"] = "left out %s: %s" % (", ".join(left_out), PENDING)
        self.changes.extend("%s: %s" % (where, line) for line in record.get("changes") or [])
        if diff is not None:
            record["diff"] = diff
            self.diffs.append(dict(diff, before_header=where, after_header=where))
        self.note_pending(section, entry, record)
        return record

    # -- the run --------------------------------------------------------------------------------------------------------
    def referenced_usernames(self):
        """Every account the sections to apply name: looked up in one request before the first entry."""
        names = []
        for section in self.sections:
            for entry in self.site.get(section.name) or [] if section.account_options else []:
                for option in section.account_options:
                    value = entry.get(option) if isinstance(entry, dict) else None
                    names.extend(value if isinstance(value, list) else [value])
        return [name for name in names if isinstance(name, str) and name.strip()]

    def prefetch_users(self, usernames):
        """One lookup for every account the description names (counted with the first section that needs it)."""
        try:
            Users(self.moodle.client).prefetch(usernames)
        except MoodleError:
            pass        # the entry that needs a user meets the same failure and names itself

    def run(self):
        """Apply each section's entries in order until the first failure; return the moodle_site result."""
        failure = None
        usernames = self.referenced_usernames()
        for section in self.sections:
            entries = section.entries(self.site.get(section.name))
            counted = self.moodle.debug_info()
            if usernames and section.account_options:
                self.prefetch_users(usernames)
                usernames = None
            for index in range(len(entries)):
                entry = section.prepare(entries, index)
                where = section.where(entries[index], index)
                try:
                    self.results[section.name].append(self.apply_entry(section, index, entry, where))
                except Exception as error:  # pylint: disable=broad-except  # the failure names the entry
                    failure = self.moodle.failure(error, where=where)
                    break
            self.count_requests(section, entries, counted)
            if failure is not None:
                break
        return self.result(failure)

    def report(self):
        """The entries that changed (or would) or carry a message, in order, as the roles show them one by one."""
        shown = []
        for section in self.sections:
            for record in self.results[section.name]:
                if not (record.get("changed") or record.get("msg") or record.get("warnings")):
                    continue
                line = {"section": section.name, "entry": record["entry"], "changed": bool(record.get("changed")),
                        "changes": record.get("changes") or []}
                for key in ("msg", "warnings", "summary", "tool", "diff"):
                    if record.get(key) is not None:
                        line[key] = record[key]
                shown.append(line)
        return shown

    def count_requests(self, section, entries, before):
        """HTTP requests and writes of the section (this run reads a page once until it writes: a later section
        may use what an earlier one read)."""
        after = self.moodle.debug_info()
        self.requests[section.name] = {"objects": section.objects(entries),
                                       "requests": after["http_requests"] - before["http_requests"],
                                       "writes": after["http_writes"] - before["http_writes"]}

    def result(self, failure):
        """The moodle_site result (its tokens revealed); with ``failure``, its keys and failed=True."""
        changed = any(record.get("changed") for records in self.results.values() for record in records)
        result = {"changed": changed, "sections": self.results, "changes": self.changes, "tokens": self.secrets,
                  "requests": self.requests, "report": self.report()}
        for secret in self.secrets.values():
            self.moodle.reveal(secret)
        if self.diffs and self.moodle.diff_wanted:
            result["diff"] = self.diffs
        if failure is not None:
            result.update(failure, failed=True)
        return result
