"""Authentication plugins: moodle.auth_plugins.HttpAuthPlugins.read (manageauths enable/disable links, in order),
set_enabled."""

import re

from client_conformance.core import Case, client_on

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.auth_plugins import HttpAuthPlugins


def manageauths(rec, version):
    state = HttpAuthPlugins(client_on(version, rec)).read()
    links = re.findall(r'auth\.php\?sesskey=[^"&]*&amp;action=(enable|disable)&amp;auth=([a-z0-9_]+)', rec.text)
    assert links, "the recording has toggle links"
    assert state["enabled"] == [name for action, name in links if action == "disable"]
    assert state["available"] == [name for action, name in links if action == "enable"]


def toggled(rec, version):
    match = re.search(r"action=([a-z]+)&auth=([a-z0-9_]+)", rec.request_path)
    HttpAuthPlugins(client_on(version, rec)).set_enabled(match.group(2), match.group(1) == "enable")
    assert rec.status == 303


READ = "moodle.auth_plugins.HttpAuthPlugins.read (manageauths links, auth order)"
CASES = [Case(name, READ, manageauths) for name in (
    "f10-manageauths-get", "f10-manageauths-get-after", "f10-auth-up-apilogin-hop1", "f10-auth-down-apilogin-hop1",
    "f10-manageauths-get-final", "f19-manageauths-after-enable", "f21-manageauths", "f21-auth-enable-lti-hop1")] + [
    Case("f20-manageauths", READ, manageauths, versions=("4.5.6",)),
    Case("f20-auth-enable-cas-hop1", READ, manageauths, versions=("4.5.6",)),
    Case("f10-auth-enable-userkey", "moodle.auth_plugins.HttpAuthPlugins.set_enabled (303)", toggled),
    Case("f10-auth-down-apilogin", "moodle.auth_plugins.HttpAuthPlugins.set_enabled (303)", toggled),
]
