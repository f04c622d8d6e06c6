# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validates a site description on the controller: no connection to the host, no request to Moodle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.moodleops.auth.plugins.plugin_utils.site_validate import (
    MISSING_JSONSCHEMA,
    ROOT,
    MissingDependencyError,
    jsonschema,
    sections,
    validate,
)


class ActionModule(ActionBase):
    """moodle_site_validate: checks a site description on the controller."""
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("site", "semantic"))
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        """Validate the ``site`` argument: valid, problems and sections; failed when not valid."""
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        result["changed"] = False
        if "site" not in self._task.args:
            result.update(failed=True, msg="missing required argument: site (the site description, e.g. "
                                           "site: \"{{ moodle_site }}\")")
            return result
        semantic = self._task.args.get("semantic", True)
        if not isinstance(semantic, bool):
            try:
                from ansible.module_utils.parsing.convert_bool import boolean
                semantic = boolean(semantic, strict=True)
            except TypeError:
                result.update(failed=True, msg="semantic: %r is not a boolean" % (semantic,))
                return result
        if jsonschema is None:
            result.update(failed=True, msg=MISSING_JSONSCHEMA)
            return result
        site = self._task.args["site"]
        try:
            problems = validate(site, semantic=semantic)
        except MissingDependencyError as error:
            result.update(failed=True, msg=str(error))
            return result
        result.update(valid=not problems, problems=problems, sections=sections(site))
        if problems:
            result["failed"] = True
            result["msg"] = "%s is not valid (%d problem%s):\n%s" % (
                ROOT, len(problems), "" if len(problems) == 1 else "s", "\n".join(problems))
        else:
            result["msg"] = "%s is valid (%s)" % (ROOT, ", ".join(result["sections"]) or "no sections")
        return result
