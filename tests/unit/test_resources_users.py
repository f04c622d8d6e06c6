"""plugins/module_utils/resources/users.py: moodle_user's connection (login_params), its option checks before any
request, and the choices of the user form (the pages themselves: tests/unit/test_moodle_users.py; the whole module
against the simulator: tests/unit/sim/test_users.py)."""

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.resources.users import (
    USER_OPTIONS,
    UserResource,
    login_params,
    require_choice,
)


def test_require_choice_names_the_option():
    with pytest.raises(InvalidInputError) as failure:
        require_choice("profile.country", "XX", ["", "DE", "FR"])
    assert "profile.country 'XX'" in str(failure.value) and "DE, FR" in str(failure.value)


def test_login_params_log_in_as_the_login_account():
    params = {"url": "https://moodle.example.edu", "username": "jdoe", "password": "Jdoe#2027",
              "login_username": "admin", "login_password": "Admin#12345"}
    connection = login_params(params)
    assert connection["username"] == "admin" and connection["password"] == "Admin#12345"
    assert connection["url"] == params["url"] and params["username"] == "jdoe"    # the options stay the account's


class Context:
    """The module context as a resource sees it: the options and the connection, nothing that makes a request."""

    def __init__(self, **options):
        self.params = dict((name, spec.get("default")) for name, spec in USER_OPTIONS.items())
        self.params.update(options)
        self.connection = login_params(self.params)


@pytest.mark.parametrize("options, message", [
    (dict(username="jdoe", login_username=None, login_password=None),
     "moodle_user logs in with login_username and login_password (its username and password are the managed "
     "account's), and login_username and login_password not set."),
    (dict(username="j doe"), "username 'j doe' is not a Moodle username (no spaces)."),
    (dict(username="JDoe"), "username JDoe must be lower case"),
    (dict(username="jdoe", email="jdoe.example.edu"), "email 'jdoe.example.edu' is not an email address"),
    (dict(username="admin", state="absent"), "username admin is the account this module logs in with: it cannot "
                                             "delete itself."),
    (dict(username="jdoe", update_password="always"), "update_password: always needs password."),
    (dict(username="jdoe", update_password="always", password="Admin#12345"),
     "update_password: always needs password (the one given equals the login password and is ignored)."),
    (dict(username="jdoe", profile={"email": "x@example.edu"}), "profile.email: set email as its own option"),
])
def test_options_alone_fail_before_any_request(options, message):
    options.setdefault("login_username", "admin")
    options.setdefault("login_password", "Admin#12345")
    resource = UserResource(Context(**options))
    with pytest.raises(InvalidInputError) as failure:
        resource.check_options()
    assert message in str(failure.value)


def test_good_options_pass():
    UserResource(Context(username="jdoe", email="jdoe@example.edu", login_username="admin",
                         login_password="Admin#12345")).check_options()
