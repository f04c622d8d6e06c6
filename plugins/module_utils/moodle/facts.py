# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts about Moodle that several parts of the collection share: the page drivers, the resources, the site
description's schema and validation (plugins/plugin_utils) and the export. Each is written here once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Auth plugin settings named like a secret: masked in changes, diffs and exports, never compared by value.
SECRET_SETTING_PATTERN = r"(^|_)(apikey|secret|password|passwd|pw|bind_pw|token)$"
SECRET_SETTING = re.compile(SECRET_SETTING_PATTERN)

# Settings of auth plugins that have no settings page: only config (transport: cli) can set them.
PAGELESS_SETTINGS = {"apilogin": ("apikey", "allowipaddr")}

# The standard profile fields of every user record, as the user form (user/editadvanced.php) carries them:
# moodle_user's ``profile`` keys besides the custom profile_field_<shortname>.
PROFILE_FIELDS = ("city", "country", "lang", "timezone", "description", "institution", "department", "phone1",
                  "phone2", "address", "maildisplay", "moodlenetprofile", "imagealt", "firstnamephonetic",
                  "lastnamephonetic", "middlename", "alternatename")

# Columns of {user} that auth_apilogin can write (the plugin's $userfields minus the refused ones).
APILOGIN_SETTABLE_FIELDS = (
    "auth", "confirmed", "policyagreed", "suspended", "mnethostid", "username", "idnumber", "firstname", "lastname",
    "email", "emailstop", "phone1", "phone2", "institution", "department", "address", "city", "country", "lang",
    "theme", "timezone", "description", "descriptionformat", "mailformat", "maildigest", "maildisplay",
    "autosubscribe", "trackforums", "calendartype", "imagealt", "lastnamephonetic", "firstnamephonetic",
    "middlename", "alternatename",
)
# The ones that hold text: a boolean there is YAML's reading of an unquoted yes/no/on/off, refused.
APILOGIN_TEXT_FIELDS = (
    "auth", "username", "idnumber", "firstname", "lastname", "email", "phone1", "phone2", "institution",
    "department", "address", "city", "country", "lang", "theme", "timezone", "description", "calendartype",
    "imagealt", "lastnamephonetic", "firstnamephonetic", "middlename", "alternatename",
)


def is_secret_setting(name, control_type=None):
    """A setting whose value is a secret: named like one, or a password control on its settings page."""
    return bool(SECRET_SETTING.search(name)) or control_type == "password"
