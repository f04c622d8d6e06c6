"""The converge runner (plugins/module_utils/converge.py): check mode, no change, read-back, --diff, secrets."""

import contextlib
import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.moodleops.auth.plugins.module_utils.converge import (
    Resource,
    converge,
    differences,
    normalise,
)
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import StateDir

try:  # ansible-core 2.19+: module args carry a serialization profile
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core 2.16-2.18
    patch_module_args = None

SECRET = "Very-Secret-Value-42"
TOKEN = "0123456789abcdef0123456789abcdef"


class FakeAnsible:
    def __init__(self, diff):
        self._diff = diff
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


class FakeMoodle:
    """What the runner uses of a MoodleModule: params, check_mode, diff_wanted, transport, state, open_client,
    redact."""

    def __init__(self, params, check_mode=False, diff=False):
        self.params = params
        self.check_mode = check_mode
        self.diff_wanted = diff
        self.open_client = None
        self.transport = params.get("transport") or "http"
        self.state = StateDir()
        self.module = FakeAnsible(diff)
        self.redact = Redactor()
        self.revealed = set()

    def reveal(self, secret):
        self.revealed.add(secret)


class Site:
    """A pretend Moodle: settings that writes change, unless they do not stick."""

    def __init__(self, **settings):
        self.settings = dict(settings)
        self.writes = []
        self.reads = 0
        self.sticky = True

    def write(self, name, value):
        self.writes.append(name)
        if self.sticky:
            self.settings[name] = value


class Settings(Resource):
    name = "settings"

    def __init__(self, moodle, site):
        Resource.__init__(self, moodle)
        self.site = site

    def read(self):
        self.site.reads += 1
        return dict(self.site.settings, id=7)

    def desired(self, before):
        return dict(before, **self.params["settings"])

    def describe(self, before, after):
        return ["%s: %s -> %s" % (key, before.get(key), after[key]) for key in sorted(after)
                if key != "id" and before.get(key) != after[key]]

    def apply(self, plan):
        for key in sorted(plan.after):
            if key != "id" and plan.before.get(key) != plan.after[key]:
                self.site.write(key, plan.after[key])


def run(site, settings, **kwargs):
    moodle = FakeMoodle({"settings": settings}, **kwargs)
    return moodle, converge(moodle, Settings(moodle, site))


def test_check_mode_writes_nothing_and_reports_truthfully():
    site = Site(enabled="0", protocols="rest")
    _moodle, result = run(site, {"enabled": "1"}, check_mode=True)
    assert site.writes == []
    assert result["changed"] is True
    assert result["changes"] == ["enabled: 0 -> 1"]
    assert result["settings"]["enabled"] == "1"      # the state the task would leave
    assert site.reads == 1                           # no read-back without a write


def test_no_change_no_write_no_diff():
    site = Site(enabled="1")
    _moodle, result = run(site, {"enabled": "1"}, diff=True)
    assert site.writes == []
    assert result["changed"] is False and result["changes"] == []
    assert "diff" not in result


def test_a_change_is_written_read_back_and_returned_as_found():
    site = Site(enabled="0", mobile="0")
    _moodle, result = run(site, {"enabled": "1"})
    assert site.writes == ["enabled"]               # only what differs
    assert site.reads == 2                           # read, then read back
    assert result["changed"] is True and result["changes"] == ["enabled: 0 -> 1"]
    assert result["settings"] == {"id": 7, "enabled": "1", "mobile": "0"}
    assert "diff" not in result                      # no --diff


def test_a_write_that_does_not_stick_fails_naming_it():
    site = Site(enabled="0", mobile="0")
    site.sticky = False
    with pytest.raises(WriteNotAppliedError) as failure:
        run(site, {"enabled": "1", "mobile": "0"})
    assert "enabled" in str(failure.value) and "mobile" not in str(failure.value)
    assert site.writes == ["enabled"]


def test_diff_only_with_diff_and_a_change():
    site = Site(enabled="0")
    _moodle, result = run(site, {"enabled": "1"}, diff=True)
    assert result["diff"] == {"before": {"id": 7, "enabled": "0"}, "after": {"id": 7, "enabled": "1"}}
    _moodle, again = run(site, {"enabled": "1"}, diff=True)
    assert "diff" not in again
    _moodle, check = run(Site(enabled="0"), {"enabled": "1"}, diff=True, check_mode=True)
    assert check["diff"]["after"]["enabled"] == "1"


def test_invalid_input_found_by_check_stops_before_any_write():
    class Picky(Settings):
        def check(self, before, after):
            raise InvalidInputError("settings.enabled must be 0 or 1.")

    site = Site(enabled="0")
    moodle = FakeMoodle({"settings": {"enabled": "2"}})
    with pytest.raises(InvalidInputError):
        converge(moodle, Picky(moodle, site))
    assert site.writes == []


def test_secrets_never_reach_changes_or_diff_even_revealed_ones():
    class Careless(Settings):
        """A resource that puts a secret into its change lines and state (what the runner must catch)."""

        def describe(self, before, after):
            return ["password: %s" % after["password"], "token: %s" % TOKEN]

        def result(self, plan):
            self.moodle.reveal(TOKEN)
            return {"settings": plan.after, "token": TOKEN}

    site = Site(password="old")
    moodle = FakeMoodle({"settings": {"password": SECRET}}, diff=True)
    moodle.redact.add(SECRET)
    moodle.redact.add(TOKEN)
    result = converge(moodle, Careless(moodle, site))
    shown = json.dumps({"changes": result["changes"], "diff": result["diff"]})
    assert SECRET not in shown and TOKEN not in shown
    assert result["token"] == TOKEN                  # returned on purpose, outside changes and diff


def test_absent_and_side_effects():
    class Gone(Settings):
        def desired(self, before):
            return None

        def describe(self, before, after):
            return ["settings: deleted"] if before is not None else []

        def apply(self, plan):
            self.site.settings = None
            plan.effect("cache purged")

        def read(self):
            return None if self.site.settings is None else dict(self.site.settings)

    site = Site(enabled="1")
    moodle = FakeMoodle({}, check_mode=True)
    result = converge(moodle, Gone(moodle, site))
    assert result["changes"] == ["settings: deleted"] and result["settings"] is None
    assert site.settings is not None
    moodle = FakeMoodle({})
    result = converge(moodle, Gone(moodle, site))
    assert result["changes"] == ["settings: deleted", "cache purged"] and site.settings is None
    again = converge(moodle, Gone(moodle, site))
    assert again["changed"] is False and again["changes"] == []


def test_normalise_drops_ids_and_nulls_and_orders_lists():
    assert normalise({"id": 3, "a": None, "b": [2, 1], "c": {"id": 1, "d": None}}) == {"b": [1, 2], "c": {}}
    assert differences({"id": 1, "a": None, "b": ["x", "y"]}, {"id": 2, "b": ["y", "x"]}) == []
    assert differences({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ["b"]
    assert differences(None, {"a": 1}) == ["existence"] and differences(None, None) == []


def test_moodle_module_converge_exits_with_the_result_and_debug(monkeypatch, capsys):
    args = {"url": "https://moodle.example.edu", "username": "admin", "password": SECRET,
            "_ansible_remote_tmp": "/tmp", "_ansible_keep_remote_files": False, "_ansible_diff": True}
    if patch_module_args is None:
        monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args})))
        context = contextlib.nullcontext()
    else:
        context = patch_module_args(args)
    site = Site(enabled="0")

    class Module(Settings):
        def __init__(self, moodle):
            Settings.__init__(self, moodle, site)
            self.params = {"settings": {"enabled": "1", "note": "pw=%s" % SECRET}}

    with context:
        with pytest.raises(SystemExit):
            MoodleModule({}).converge(Module)
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] is True
    assert result["debug"] == {"http_requests": 0, "http_writes": 0, "transport": "http"}
    assert "diff" in result and SECRET not in json.dumps(result)
    assert sorted(site.writes) == ["enabled", "note"]
