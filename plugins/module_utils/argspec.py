# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs shared by every module: connection and authentication, and the settings transport.
Documented by the doc fragments moodleops.auth.connection and moodleops.auth.transport."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

from ansible.module_utils.errors import AnsibleFallbackNotFound

AUTH_METHOD_CHOICES = ["password", "cas", "token"]


def env_fallback(*names):
    """The first of the environment variables ``names`` that is set and not empty.

    AWX sets every variable its credential type injects, with ``''`` for an input left blank: an empty variable
    means "not set" (an empty option written in a task still fails, naming the option)."""
    for name in names:
        value = os.environ.get(name)
        if value is not None and value.strip() != "":
            return value
    raise AnsibleFallbackNotFound


CONNECTION_ARGSPEC = dict(
    # not required=True: transport=cli needs no url; MoodleModule.client fails naming url/MOODLE_URL when HTTP lacks it
    url=dict(type="str", fallback=(env_fallback, ["MOODLE_URL"])),
    username=dict(type="str", fallback=(env_fallback, ["MOODLE_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["MOODLE_PASSWORD"])),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["MOODLE_TOKEN"])),
    auth_method=dict(type="str", choices=AUTH_METHOD_CHOICES),
    cas_url=dict(type="str", fallback=(env_fallback, ["MOODLE_CAS_URL"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["MOODLE_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["MOODLE_CA_PATH"])),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=3),
    session_cache=dict(type="bool", default=True, fallback=(env_fallback, ["MOODLE_SESSION_CACHE"])),
    state_dir=dict(type="path", fallback=(env_fallback, ["MOODLEOPS_STATE_DIR"])),
)

TRANSPORT_ARGSPEC = dict(
    transport=dict(type="str", default="http", choices=["http", "cli"]),
    moodle_root=dict(type="path"),
    php_executable=dict(type="str", default="php"),
)


def moodle_argument_spec(module_spec, transport=False):
    """The module's own options merged with the connection options (and the transport options)."""
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    if transport:
        spec.update(copy.deepcopy(TRANSPORT_ARGSPEC))
    spec.update(module_spec)
    return spec
