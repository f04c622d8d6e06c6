"""auth_userkey's one-time login URLs (flow f11): moodle.userkey.request_login_url, its answers and refusals."""

import pytest

from client_conformance.core import Case, client_on

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.userkey import request_login_url

TOKEN = "0123456789abcdef0123456789abcdef"


def userkey_url(rec, version):
    answer = rec.json()
    client = client_on(version, rec, token=TOKEN, auth_method="token")
    if "loginurl" in answer:
        found = request_login_url(client, {"username": "teacher1"})
        assert found == answer["loginurl"] and "/auth/userkey/login.php?key=" in found
    else:
        with pytest.raises(errors.MoodleError) as caught:
            request_login_url(client, {"username": "teacher1"})
        assert caught.value.errorcode == answer["errorcode"]
        assert TOKEN not in str(caught.value)


USERKEY = ["f11-uk-existing-user", "f11-uk-missing-user-createoff", "f11-uk-wrong-mappingfield",
           "f11-uk-missing-user-createon-nofields", "f11-uk-missing-user-createon", "f11-uk-iprestriction-noip",
           "f11-uk-iprestriction-otherip", "f11-uk-iprestriction-ip", "f11-uk-existing-user-2",
           "f11-uk-token-wrong-function"]
CASES = [Case(name, "moodle.userkey.request_login_url (loginurl / the refusal, explained)", userkey_url)
         for name in USERKEY]
