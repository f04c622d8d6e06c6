# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""auth_userkey's web service: a one-time login URL for a user (auth_userkey_request_login_url), what its refusals
mean, and the URL it answers (login.php?key=...&wantsurl=...). The module's action: resources/userkey.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover
    from urllib import urlencode

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    InvalidInputError,
    MoodleApiError,
    PluginNotInstalledError,
)

FUNCTION = "auth_userkey_request_login_url"


def request_login_url(client, user):
    """The one-time login URL auth_userkey gives for ``user`` (the fields it maps users by, ip); its refusals as
    errors that say what to change."""
    try:
        answer = client.rest(FUNCTION, {"user": user})
    except MoodleApiError as error:
        raise explain(error)
    except AccessDeniedError as error:
        raise explain(error)
    url = answer.get("loginurl")
    if not url:
        raise MoodleApiError("%s answered without a loginurl." % FUNCTION)
    return url


def with_wants_url(url, wants):
    """The login URL that lands on ``wants`` after the login (wantsurl=), or ``url`` as it is without one."""
    if wants:
        return "%s&%s" % (url, urlencode({"wantsurl": wants}))
    return url


def login_key(url):
    """The one-time key of a login URL (key=...)."""
    return url.split("key=", 1)[-1].split("&", 1)[0]


def explain(error):
    """The error of a refused request_login_url call, with what it means for auth_userkey (the hint or a more precise
    error class)."""
    detail = " Moodle said: %s" % error.message
    if error.errorcode == "accessexception":
        error.hint = ("auth_userkey must be enabled (moodleops.auth.moodle_auth_plugin), the token's user needs "
                      "webservice/rest:use, the token must be for the 'User key authentication web service' (which "
                      "has the function), and the user must be authorised on it.")
    elif error.errorcode == "nopermissions":
        error.hint = "The token's user lacks auth/userkey:generatekey: grant it through a role (moodleops.auth.moodle_role)."
    elif error.errorcode in ("invalidrecord", "invalidrecordunknown"):
        return PluginNotInstalledError("The function %s does not exist: auth_userkey is not installed." % FUNCTION,
                                       error.errorcode)
    elif error.errorcode == "invalidparameter":
        return InvalidInputError(
            "auth_userkey refused the user.%s" % detail, error.errorcode,
            hint="Usually one of: user lacks the field the plugin maps by (its mappingfield: username, email or "
                 "idnumber); no such user and the plugin's createuser is off; createuser is on but username, "
                 "email, firstname or lastname is missing; the plugin's iprestriction is on and ip is not given. "
                 "Turn on Moodle's debugging to see which.")
    return error
