# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_apilogin_user's ``users_file``: a file of users read on the host that runs the module, turned into the
list of user dicts ``users`` takes (each with the label its messages use: ``users_file line 5``).

* CSV in the format of Moodle's own "Upload users" (admin/tool/uploaduser): a header row of Moodle field names,
  UTF-8 with or without a BOM, delimiter ``,`` ``;`` tab or ``:`` (the one the header uses most), ``"`` quoting.
  Empty lines are skipped, values are trimmed (uploaduser trims them too), an empty cell is a field not given.
  Column names are matched without regard to case, as uploaduser matches its standard fields.
* ``.json``, ``.yml``, ``.yaml``: a list of the same dicts as ``users`` (or a dict whose ``users`` key holds it).

Columns of Moodle's format that auth_apilogin cannot write (``password``, ``oldusername``, ``profile_field_*``,
``course1``, ``cohort1``, ...) are refused naming the line and the column, before anything is read from Moodle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import json
import os
import re

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import APILOGIN_SETTABLE_FIELDS

OPTION = "users_file"
DELIMITERS = (",", ";", "\t", ":")          # uploaduser's comma, semicolon, tab, colon
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", ":": "colon"}
STRUCTURED = {".json": "JSON", ".yml": "YAML", ".yaml": "YAML"}

# Columns of uploaduser's format that name no column auth_apilogin can write: column -> why, what to do instead.
REFUSED_COLUMNS = {
    "password": "auth_apilogin users log in through the plugin's one-time login (login: true) and need no "
                "password; the plugin would store it unhashed",
    "oldusername": "renaming by the old username is uploaduser's own; give match_field: idnumber (or email) and the "
                   "new username instead",
    "deleted": "deleting is state: absent (a task or file of its own)",
    "htmleditor": "a user preference, not a column of the user table",
    "interests": "interests are tags, not a column of the user table",
    "forcepasswordchange": "a user preference; auth_apilogin users have no password",
}
REFUSED_PATTERNS = (
    (re.compile(r"^profile_field_.+$"), "custom profile fields are stored outside the user table, which is all the "
                                        "plugin writes"),
    (re.compile(r"^(sysrole|cohort|course|group|type|role|enrolperiod|enrolstatus|enroltimestart)\d+$"),
     "enrolments, groups, cohorts and roles are not user columns; assign them with Moodle's own tools"),
)
# The Moodle columns the module knows otherwise (its users: dict refuses them with its own reason).
ENTRY_COLUMNS = ("id", "icq", "skype", "yahoo", "aim", "msn", "url", "secret")
KNOWN_COLUMNS = frozenset(APILOGIN_SETTABLE_FIELDS + ENTRY_COLUMNS)


def _refusal(column):
    """Why ``column`` (lower case) cannot be taken, or None."""
    if column in REFUSED_COLUMNS:
        return REFUSED_COLUMNS[column]
    for pattern, reason in REFUSED_PATTERNS:
        if pattern.match(column):
            return reason
    return None


def read_users_file(path, cwd=None):
    """[(label, user dict)] of the file at ``path`` (relative: to ``cwd``, else the module's working directory),
    or InvalidInputError naming the option, the path, what is wrong (line and column) and the fix."""
    if not path or not str(path).strip():
        raise InvalidInputError("%s is empty: give the path of a CSV, JSON or YAML file of users." % OPTION)
    full = os.path.expanduser(str(path))
    if cwd and not os.path.isabs(full):
        full = os.path.join(cwd, full)
    try:
        with open(full, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as error:
        raise InvalidInputError(
            "users_file %s: cannot be read on the host that runs the module (%s)" % (path, error.strerror or error),
            hint="The file is read where the module runs: with a remote host, copy it there first, or run the "
                 "task on the controller (delegate_to: localhost or connection: local); check the path and that "
                 "this user may read it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise InvalidInputError("users_file %s: is not UTF-8 (line %d)" % (path, line),
                                hint="Save it as UTF-8 (spreadsheets: CSV UTF-8), as Moodle's Upload users expects.")
    kind = STRUCTURED.get(os.path.splitext(full)[1].lower())
    if kind:
        return parse_structured(text, kind, path)
    return parse_csv(text, path)


# ---------------------------------------------------------------------------------------------- JSON, YAML
def parse_structured(text, kind, path="users_file"):
    """[(label, dict)] of a JSON or YAML list of user dicts."""
    try:
        if kind == "JSON":
            value = json.loads(text)
        else:
            try:
                import yaml
            except ImportError:
                raise InvalidInputError(
                    "users_file %s: is YAML, but PyYAML is not installed on the host that runs the module" % path,
                    hint="Install PyYAML there, give the users as JSON or CSV, or run the task on the "
                         "controller (which has it).")
            value = yaml.safe_load(text)
    except ValueError as error:     # json.JSONDecodeError and yaml.YAMLError's subclasses below
        raise InvalidInputError("users_file %s: is not valid %s (%s)" % (path, kind, error),
                                hint="Fix the file, or give the users as CSV.")
    except Exception as error:  # pylint: disable=broad-except  # yaml.YAMLError (no common base with ValueError)
        if not type(error).__module__.startswith("yaml"):
            raise
        raise InvalidInputError("users_file %s: is not valid %s (%s)" % (path, kind, " ".join(str(error).split())),
                                hint="Fix the file, or give the users as CSV.")
    if isinstance(value, dict) and isinstance(value.get("users"), list):
        value = value["users"]
    if not isinstance(value, list):
        raise InvalidInputError("users_file %s: holds %s, not a list of users" % (path, type(value).__name__),
                                hint="Write a list of dicts, one per user, with the same keys as users: (username, firstname, ...).")
    return [("%s[%d]" % (OPTION, index), item) for index, item in enumerate(value)]


# ---------------------------------------------------------------------------------------------- CSV
def detect_delimiter(header):
    """The delimiter the header line uses most (outside quotes); ``,`` for a one-column header."""
    counts = dict((delimiter, 0) for delimiter in DELIMITERS)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _records(text, delimiter):
    """(line number where the record starts, [cells]) of every record, empty lines left out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ValueError("line %d: %s" % (reader.line_num, error))
        line, start = start, reader.line_num + 1
        if not cells or all(not cell.strip() for cell in cells):
            continue
        yield line, cells


def parse_header(cells, path="users_file"):
    """The column names (lower case) of the header row, or InvalidInputError naming every bad column."""
    problems, columns, seen = [], [], {}
    for position, raw in enumerate(cells, 1):
        name = raw.strip()
        lower = name.lower()
        where = "column %d" % position
        if not name:
            problems.append("%s has no name" % where)
        elif lower in seen:
            problems.append("%s (%s) repeats column %d" % (where, name, seen[lower]))
        elif lower not in KNOWN_COLUMNS and _refusal(lower) is None:
            problems.append("%s (%s) is not a field of Moodle's Upload users format that auth_apilogin can write"
                            % (where, name))
        seen.setdefault(lower, position)
        columns.append(lower)
    if "username" not in seen and not problems:
        problems.append("there is no username column")
    if problems:
        raise InvalidInputError(
            "users_file %s: line 1 is not a header of Moodle's Upload users format: %s" % (path, "; ".join(problems)),
            hint="The first line names the fields (username, firstname, lastname, email, idnumber, auth, "
                 "suspended, city, ...); valid columns here: %s." % ", ".join(APILOGIN_SETTABLE_FIELDS))
    return columns


def parse_csv(text, path="users_file"):
    """[(label, user dict)] of a CSV in Moodle's Upload users format; every problem named by line and column."""
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise InvalidInputError("users_file %s: is empty" % path,
                                hint="Write a header line of Moodle field names and one line per user.")
    delimiter = detect_delimiter(first)
    try:
        records = list(_records(text, delimiter))
    except ValueError as error:
        raise InvalidInputError("users_file %s: is not valid CSV (%s)" % (path, error),
                                hint="Close every quoted value with \" and double a \" inside one (\"\").")
    columns = parse_header(records[0][1], path)
    reasons = [_refusal(column) for column in columns]      # once per column, not per cell
    problems, users, usernames = [], [], {}
    for line, cells in records[1:]:
        label = "%s line %d" % (OPTION, line)
        if len(cells) != len(columns):
            problems.append("line %d has %d values, the header %d (a %s inside a value needs quotes)" % (
                line, len(cells), len(columns), DELIMITER_NAMES[delimiter]))
            continue
        user = {}
        for position, column, reason, cell in zip(range(1, len(columns) + 1), columns, reasons, cells):
            value = cell.strip()
            if not value:
                continue            # an empty cell: the field is not given (left as it is)
            if reason is not None:
                if column == "deleted" and value == "0":
                    continue        # uploaduser's "do not delete"
                problems.append("line %d, column %d (%s): %s" % (line, position, column, reason))
                continue
            user[column] = value
        username = user.get("username", "").lower()
        if username in usernames:
            problems.append("line %d repeats username %s of line %d" % (line, user["username"], usernames[username]))
            continue
        if username:
            usernames[username] = line
        users.append((label, user))
    if problems:
        shown = problems[:20]
        more = " (and %d more)" % (len(problems) - 20) if len(problems) > 20 else ""
        raise InvalidInputError(
            "users_file %s: cannot be applied (nothing was read or written): %s%s" % (path, "; ".join(shown), more),
            hint="Fix those lines, or leave the columns out; auth_apilogin writes only columns of the user "
                 "table: %s." % ", ".join(APILOGIN_SETTABLE_FIELDS))
    if not users:
        raise InvalidInputError("users_file %s: has a header but no users" % path,
                                hint="Add one line per user below the header.")
    return users
