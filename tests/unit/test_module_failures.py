"""MoodleModule.run(): how failures reach the user (message, errorcode, exception) with secrets redacted."""

import contextlib
import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.moodleops.auth.plugins.module_utils.errors import LoginFailedError
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule

PASSWORD = "S3cret-Admin-Pw!"


try:  # ansible-core 2.19+: module args carry a serialization profile
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.16-2.18
    patch_module_args = None


def run_module(monkeypatch, capsys, work, tracebacks=True):
    args = {"url": "https://moodle.example.edu", "username": "admin", "password": PASSWORD,
            "_ansible_remote_tmp": "/tmp", "_ansible_keep_remote_files": False}
    if patch_module_args is None:
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
        context = contextlib.nullcontext()
    else:
        if tracebacks:  # 2.19+: what DISPLAY_TRACEBACK=error asks of modules (default: no tracebacks at all)
            args["_ansible_tracebacks_for"] = ["error"]
        context = patch_module_args(args)
    with context:
        moodle = MoodleModule({})
        with pytest.raises(SystemExit):
            moodle.run(lambda: work(moodle))
    return json.loads(capsys.readouterr().out)


def test_a_python_error_is_one_clear_message_and_the_traceback_goes_to_exception(monkeypatch, capsys):
    def work(moodle):
        return {"id": int("")}  # what a page parser met on a real page: an empty <option value="">

    result = run_module(monkeypatch, capsys, work)
    assert result["failed"] is True
    assert "did not expect" in result["msg"]
    assert "ValueError: invalid literal for int()" in result["msg"]
    assert "please report" in result["msg"] and "tested: 4.5, 5.1" in result["msg"]
    assert "Traceback" not in result["msg"]
    assert "Traceback" in result["exception"] and "int(\"\")" in result["exception"]


def test_secrets_in_an_unexpected_error_are_redacted_from_message_and_traceback(monkeypatch, capsys):
    def work(moodle):
        raise KeyError("password=%s" % PASSWORD)

    result = run_module(monkeypatch, capsys, work)
    assert PASSWORD not in json.dumps(result)
    assert "KeyError" in result["msg"]


def test_expected_failures_stay_a_message_without_traceback(monkeypatch, capsys):
    def work(moodle):
        raise LoginFailedError("Moodle refused the login of admin.", errorcode="invalidlogin")

    result = run_module(monkeypatch, capsys, work, tracebacks=False)
    assert result["msg"].startswith("Moodle refused the login of admin.")
    assert result["errorcode"] == "invalidlogin"
    # 2.16-2.18: no exception key; 2.19+ may attach fail_json's own call stack when tracebacks were asked for
    # earlier in the process, but never the traceback of the expected failure itself
    assert "LoginFailedError" not in result.get("exception", "")


def test_one_translation_for_a_module_and_a_site_entry(monkeypatch, capsys):
    """A partial failure's item results go with a module's failure; a site entry's failure is named by its entry,
    keeps its errorcode and brings no result keys of its own into the run's result (whose changed, changes and diff
    are the run's); the run's own failures (the login) name no entry."""
    from ansible_collections.moodleops.auth.plugins.module_utils.errors import PartialFailure
    failures = {}

    def work(moodle):
        partial = PartialFailure("1 of 2 users failed: bob: no such user", {"changed": True, "changes": ["x"]})
        failures["entry"] = moodle.failure(partial, where="apilogin[0] (present users alice, bob)")
        failures["login"] = moodle.failure(LoginFailedError("Moodle refused the login of admin."),
                                           where="users[0] (jdoe)")
        failures["bug"] = moodle.failure(ValueError("x"), "Traceback (most recent call last): ...", where="roles[1] (r)")
        raise partial

    result = run_module(monkeypatch, capsys, work)
    assert result["changed"] is True and result["changes"] == ["x"] and result["msg"].startswith("1 of 2 users")
    entry = failures["entry"]
    assert entry == {"msg": "apilogin[0] (present users alice, bob): 1 of 2 users failed: bob: no such user"}
    assert failures["login"]["msg"] == "Moodle refused the login of admin."
    assert failures["bug"]["msg"].startswith("roles[1] (r): ") and "exception" in failures["bug"]
