# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Moodle releases the collection is tested against, and what it says about the others."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

TESTED_BRANCHES = ((4, 5), (5, 1))
TESTED_TEXT = ", ".join("%d.%d" % branch for branch in TESTED_BRANCHES)
_BRANCH = re.compile(r"^(\d+)\.(\d+)")


def release_branch(release):
    """'4.5.6 (Build: 20250811)' -> (4, 5); None when unknown."""
    match = _BRANCH.match(release or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def is_tested(release):
    """Whether the release belongs to a branch the collection is tested against."""
    return release_branch(release) in TESTED_BRANCHES


def untested_warning(release):
    """A warning for a release outside the tested branches, or None (also None when the release is unknown)."""
    branch = release_branch(release)
    if branch is None or branch in TESTED_BRANCHES:
        return None
    if branch < TESTED_BRANCHES[0]:
        where = "older than"
    elif branch > TESTED_BRANCHES[-1]:
        where = "newer than"
    else:
        where = "between"
    return ("Moodle %s is %s the releases moodleops.auth is tested against (%s). Its pages are tried as they are; "
            "a page that differs fails with a message naming it." % (release, where, TESTED_TEXT))
