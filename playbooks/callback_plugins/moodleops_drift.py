# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collects what a check-mode run would change, per site description section, for playbooks/audit.yml.

Ansible loads callback plugins from the ``callback_plugins`` directory next to a playbook; this one needs no
enabling and stays inert unless a play sets ``moodleops_drift_collect: true`` (audit.yml does). It then records,
for every task result that is ``changed``, the section (the task's tag among the description's sections), the task
name, the loop item's label and the module's ``changes`` lines (for moodleops.auth.moodle_site, which applies many
entries in one task, the roles' report of each entry that changed: a debug message with section and changes), and writes them as JSON to a temporary file whose
path it puts in the environment variable MOODLEOPS_DRIFT_FILE (read by the play with the env and file lookups).

Never a value: results of ``no_log`` tasks contribute only their task name and label; of other tasks only the
``changes`` lines the modules document as free of secrets (token values, passwords and secret settings are never
in them)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: moodleops_drift
type: aggregate
short_description: Per-section drift of a check-mode run (playbooks/audit.yml)
description:
  - Active only in plays that set C(moodleops_drift_collect=true); records changed task results per site
    description section into a JSON file named by E(MOODLEOPS_DRIFT_FILE).
"""

import json
import os
import tempfile

from ansible.plugins.callback import CallbackBase

SECTIONS = ("webservices", "users", "roles", "services", "tokens", "auth_plugins", "oauth2_issuers",
            "apilogin", "lti_platforms", "mfa")
ENV = "MOODLEOPS_DRIFT_FILE"
MOODLE_SITE = ("moodleops.auth.moodle_site", "moodle_site")


def entry_report(answer):
    """What the roles show of one moodle_site entry (a debug task's msg: section, entry, changed, changes), or None."""
    report = answer.get("msg")
    if isinstance(report, dict) and report.get("section") in SECTIONS and isinstance(report.get("changes"), list):
        return report
    return None


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "moodleops_drift"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.active = False
        self.path = None
        self.drift = []

    def v2_playbook_on_play_start(self, play):
        flag = (getattr(play, "vars", None) or {}).get("moodleops_drift_collect")
        self.active = str(flag).strip().lower() in ("true", "yes", "1")
        if self.active and self.path is None:
            handle, self.path = tempfile.mkstemp(prefix="moodleops-drift-", suffix=".json")
            os.close(handle)
            os.environ[ENV] = self.path
            self._write()

    def _write(self):
        with open(self.path, "w") as out:
            json.dump({"drift": self.drift}, out, indent=1, sort_keys=True)

    def _record(self, result, item=False):
        if not self.active:
            return
        answer = result._result
        task = result._task
        if task.action in MOODLE_SITE:
            return  # one result for many entries (no_log when it holds tokens): the roles' report task follows
        report = entry_report(answer)
        if not (report or answer).get("changed") or (not item and "results" in answer):
            return  # a loop's summary: its items were recorded one by one
        tags = list(getattr(task, "tags", None) or [])
        sections = [tag for tag in tags if tag in SECTIONS]
        if not sections:
            return  # validation, set_fact, reads: not the description's sections
        section = report["section"] if report else sections[0]
        entry = {"section": section, "task": task.get_name(), "host": result._host.get_name()}
        label = answer.get("_ansible_item_label")
        if item and label is not None:
            if not isinstance(label, (str, int, float)):
                label = json.dumps(label, sort_keys=True, default=str)
            entry["item"] = label
        no_log = answer.get("_ansible_no_log") or getattr(task, "no_log", False)
        changes = (report or answer).get("changes")
        if not no_log and isinstance(changes, list):
            entry["changes"] = [str(line) for line in changes]
        self.drift.append(entry)
        self._write()

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_item_on_ok(self, result):
        self._record(result, item=True)
