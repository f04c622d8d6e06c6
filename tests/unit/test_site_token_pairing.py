"""moodle_site_info's rule for the token store (module_utils/site/token_pairing.py; pruning: site/export.py): a
store entry is a site token's only when id, user, service and name agree; the others of this site are stale, and
pruning removes exactly those.

The store entries are as moodle_token writes them (key url|user (lower case)|service label|name, entry token,
token_id, user, service, name, created); the tokens as read_tokens maps the report (user = the username of the
row's user, or '#<id>' when Moodle did not return the account; service = shortname, or name when it has none)."""

import json

from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.site.export import SiteReader
from ansible_collections.moodleops.auth.plugins.module_utils.site.findings import security_findings
from ansible_collections.moodleops.auth.plugins.module_utils.site.token_pairing import (
    entry_agrees,
    pair_store_entries,
    site_store_entries,
    stale_item,
)

URL = "https://moodle.example.edu"


def entry(token_id, user, service, name=None, created=1700000000, value="a" * 32):
    return {"token": value, "token_id": token_id, "user": user, "service": service, "name": name, "created": created}


def key(user, service, name=None, url=URL):
    return "%s|%s|%s|%s" % (url, user.lower(), service, name or "")


def token(token_id, user, service, name=None):
    return {"id": token_id, "user": user, "service": service, "name": name}


def pair(store, tokens):
    paired, stale = pair_store_entries(site_store_entries(store, URL + "/"), tokens)
    return (dict((token_id, found[0]) for token_id, found in paired.items()),
            dict((found[0], found[3]) for found in stale))


def test_the_real_case_an_id_handed_to_another_users_token():
    """4.5.6 after a restore: the only token is a6_bot's on a6_integration, with the id ci_bot's old token had."""
    store = {key("ci_bot", "ci_bootstrap"): entry(1, "ci_bot", "ci_bootstrap")}
    paired, stale = pair(store, [token(1, "a6_bot", "a6_integration", "Webservice-AbCdE")])
    assert paired == {}
    assert list(stale) == [key("ci_bot", "ci_bootstrap")]
    assert "a6_bot's on a6_integration" in stale[key("ci_bot", "ci_bootstrap")]


def test_of_two_entries_with_one_id_the_one_that_agrees_is_paired_the_other_is_stale():
    store = {key("ci_bot", "ci_bootstrap"): entry(1, "ci_bot", "ci_bootstrap", value="b" * 32),
             key("a6_bot", "a6_integration", "a6"): entry(1, "a6_bot", "a6_integration", "a6", value="c" * 32)}
    for order in (list(store.items()), list(reversed(list(store.items())))):
        paired, stale = pair(dict(order), [token(1, "a6_bot", "a6_integration", "a6")])
        assert paired == {1: key("a6_bot", "a6_integration", "a6")}
        assert list(stale) == [key("ci_bot", "ci_bootstrap")]


def test_each_of_user_service_and_name_must_agree():
    row = token(7, "ci_bot", "ci_bootstrap", "ci")
    assert entry_agrees(key("ci_bot", "ci_bootstrap", "ci").split("|"), row)
    assert entry_agrees(("%s|CI_Bot|ci_bootstrap|ci" % URL).split("|"), row)     # usernames: Moodle's lower case
    assert entry_agrees(key("ci_bot", "ci_bootstrap").split("|"), row)          # no name asked: any name
    assert not entry_agrees(key("ci_bot", "ci_bootstrap", "other").split("|"), row)
    assert not entry_agrees(key("ci_bot", "CI_Bootstrap", "ci").split("|"), row)  # as moodle_token finds it
    assert not entry_agrees(key("a6_bot", "ci_bootstrap", "ci").split("|"), row)
    assert not entry_agrees(key("ci_bot", "a6_integration", "ci").split("|"), row)
    assert not entry_agrees(key("ci_bot", "ci_bootstrap", "ci").split("|"), token(7, None, "ci_bootstrap", "ci"))


def test_a_gone_id_is_stale_and_an_unreadable_owner_is_never_called_stale():
    store = {key("ci_bot", "ci_bootstrap"): entry(3, "ci_bot", "ci_bootstrap"),
             key("a6_bot", "a6_integration"): entry(4, "a6_bot", "a6_integration")}
    paired, stale = pair(store, [token(4, "#12", "a6_integration")])
    assert paired == {}
    assert stale == {key("ci_bot", "ci_bootstrap"): "token 3 no longer exists on the site"}


def test_other_sites_and_other_shapes_are_left_alone():
    store = {key("ci_bot", "ci_bootstrap", url="https://other.example.edu"): entry(1, "ci_bot", "ci_bootstrap"),
             "%s|ci_bot" % URL: entry(1, "ci_bot", "ci_bootstrap"),
             key("ci_bot", "ci_bootstrap"): entry(1, "ci_bot", "ci_bootstrap")}
    assert [found[0] for found in site_store_entries(store, URL)] == [key("ci_bot", "ci_bootstrap")]
    paired, stale = pair(store, [token(1, "ci_bot", "ci_bootstrap")])
    assert paired == {1: key("ci_bot", "ci_bootstrap")} and stale == {}


def test_login_entries_pair_by_user_and_service_and_are_stale_without_any_token():
    store = {key("jteacher", "moodle_mobile_app"): entry(None, "jteacher", "moodle_mobile_app"),
             key("gone", "moodle_mobile_app"): entry(None, "gone", "moodle_mobile_app"),
             key("ci_bot", "ci_bootstrap"): entry(5, "ci_bot", "ci_bootstrap")}
    tokens = [token(5, "ci_bot", "ci_bootstrap"), token(6, "jteacher", "moodle_mobile_app", "Webservice-x")]
    paired, stale = pair(store, tokens)
    assert paired == {5: key("ci_bot", "ci_bootstrap"), 6: key("jteacher", "moodle_mobile_app")}
    assert list(stale) == [key("gone", "moodle_mobile_app")]
    _paired, stale = pair(store, tokens + [token(9, "#40", "moodle_mobile_app")])
    assert stale == {}                      # a token whose owner is unknown could be gone's


def read_with(tmp_path, store, tokens):
    """A SiteReader that has read ``tokens`` with ``store`` in its token store (no site needed)."""
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"tokens": store}))
    reader = SiteReader(object(), None, Redactor(), token_store=str(path))
    _paired, stale = pair_store_entries(site_store_entries(reader.store.entries, URL), tokens)
    reader.stale_store_entries = [stale_item(*found) for found in stale]
    reader._stale_entries = dict((found[0], found[2]) for found in stale)
    return reader, path


def test_prune_removes_exactly_the_stale_entries_and_check_mode_nothing(tmp_path):
    store = {key("ci_bot", "ci_bootstrap"): entry(1, "ci_bot", "ci_bootstrap", value="b" * 32),
             key("a6_bot", "a6_integration", "a6"): entry(1, "a6_bot", "a6_integration", "a6", value="c" * 32),
             key("ci_bot", "ci_bootstrap", url="https://other.example.edu"): entry(9, "ci_bot", "ci_bootstrap")}
    reader, path = read_with(tmp_path, store, [token(1, "a6_bot", "a6_integration", "a6")])
    raw = path.read_text()
    assert reader.prune(check_mode=True) == [key("ci_bot", "ci_bootstrap")]
    assert path.read_text() == raw and not reader.stale_store_entries[0]["pruned"]
    assert reader.prune() == [key("ci_bot", "ci_bootstrap")]
    left = json.loads(path.read_text())["tokens"]
    assert sorted(left) == sorted(k for k in store if k != key("ci_bot", "ci_bootstrap"))
    assert reader.stale_store_entries[0]["pruned"]
    assert security_findings({"tokens": [], "web_services": {"mobile": False}, "services": [],
                              "auth_plugins": {"enabled": [], "settings": {}}}, reader.stale_store_entries) == []
    assert "b" * 32 not in json.dumps(reader.stale_store_entries)


def test_prune_leaves_an_entry_another_task_rewrote_since_the_read(tmp_path):
    store = {key("ci_bot", "ci_bootstrap"): entry(1, "ci_bot", "ci_bootstrap", value="b" * 32)}
    reader, path = read_with(tmp_path, store, [token(1, "a6_bot", "a6_integration", "a6")])
    rewritten = {key("ci_bot", "ci_bootstrap"): entry(2, "ci_bot", "ci_bootstrap", created=1800000000, value="d" * 32)}
    path.write_text(json.dumps({"tokens": rewritten}))            # moodle_token made ci_bot a new token meanwhile
    assert reader.prune() == []
    assert json.loads(path.read_text())["tokens"] == rewritten


def test_a_stale_entry_is_a_low_finding_naming_its_key_never_its_value(tmp_path):
    store = {key("ci_bot", "ci_bootstrap"): entry(1, "ci_bot", "ci_bootstrap", value="e" * 32)}
    reader, _path = read_with(tmp_path, store, [])
    findings = security_findings({"tokens": [], "web_services": {"mobile": False}, "services": [],
                                  "auth_plugins": {"enabled": [], "settings": {}}}, reader.stale_store_entries)
    assert [(item["check"], item["severity"], item["subject"]) for item in findings] == [
        ("token_store_stale_entry", "low", "token_store entry %s" % key("ci_bot", "ci_bootstrap"))]
    assert "e" * 32 not in json.dumps(findings)
