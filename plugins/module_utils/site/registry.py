# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sections of a site description, in the order moodle_site applies them: each declared once, as ``SECTION`` next
to its resource (module_utils/site/section.py says what a declaration holds).

Modules are packed for the target by what they import, so the registry names each resource module here; a new
section adds its import line. Everything else that lists sections (moodle_site's ``sections`` choices, the schema's
order, the validation, the roles' lists, the docs) comes from ``SECTIONS`` or is tested against it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.resources import apilogin as _apilogin
from ansible_collections.moodleops.auth.plugins.module_utils.resources import auth_plugins as _auth_plugins
from ansible_collections.moodleops.auth.plugins.module_utils.resources import lti_platform as _lti_platform
from ansible_collections.moodleops.auth.plugins.module_utils.resources import mfa as _mfa
from ansible_collections.moodleops.auth.plugins.module_utils.resources import oauth2_issuers as _oauth2_issuers
from ansible_collections.moodleops.auth.plugins.module_utils.resources import roles as _roles
from ansible_collections.moodleops.auth.plugins.module_utils.resources import services as _services
from ansible_collections.moodleops.auth.plugins.module_utils.resources import tokens as _tokens
from ansible_collections.moodleops.auth.plugins.module_utils.resources import users as _users
from ansible_collections.moodleops.auth.plugins.module_utils.resources import webservice as _webservice

_RESOURCES = (_webservice, _users, _roles, _services, _tokens, _auth_plugins, _oauth2_issuers, _apilogin, _lti_platform,
              _mfa)
SECTIONS = tuple(sorted((resource.SECTION for resource in _RESOURCES), key=lambda section: section.order))
SECTION_NAMES = tuple(section.name for section in SECTIONS)


def sections_of_role(role):
    """The names of the sections a role applies (``webservices`` or ``sso``), in order."""
    return [section.name for section in SECTIONS if section.role == role]
