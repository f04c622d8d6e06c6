"""playbooks/audit.yml and playbooks/export.yml against a fresh simulator, as 4.5 and as 5.1 (both at once):

1. provision_site.yml applies the example description (playbooks/examples/site.yml);
2. audit.yml with that description: no drift, exit 0 (also with fail_on_drift=true);
3. one setting changed behind Ansible's back (POST /__sim__/cfg, what admin/cli/cfg.php does): audit.yml reports
   exactly that drift and, with fail_on_drift=true, exits non-zero; the site is not changed by the audit;
4. export.yml writes a description that validates against the schema (with its placeholders as they are), and
   provision_site.yml with it reports changed=0;
5. no secret (passwords, the apilogin secret, token values, sesskeys, cookies) in any output or in the file.

test_export_defaults_false_and_true, on the example site just provisioned: export.yml without export_defaults (the
default, false) leaves out what equals Moodle's default and says so in the header; with -e export_defaults=true it
writes everything read; each validates and re-applies with changed=0.

Run times of every step are printed (pytest -s) and kept in tests/output/audit_export_times.json."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from collection_paths import REPO_ROOT, collection_root
from secrets_audit import audit, files_under, sim_secrets
from test_targets import ADMIN_PASSWORD, ansible_playbook

from ansible_collections.moodleops.auth.plugins.plugin_utils.site_validate import validate

PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")
EXAMPLE = os.path.join(PLAYBOOKS, "examples", "site.yml")
# The example's test values (its vault_* defaults) and the apilogin secret the simulator is given.
EXAMPLE_SECRETS = ("Ci-Bot#2027", "Teacher#2027", "apilogin-test-secret", "oauth2-test-secret")
# the export names the OAuth 2 client secret of the example as a vault placeholder: re-applying it needs the value
OAUTH2_SECRET_VAR = "vault_oauth2_campus_idp_client_secret=oauth2-test-secret"
RECAP = re.compile(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
TIMES = {}


def control(sim, path, body):
    request = urllib.request.Request(sim.url + "/__sim__/" + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def sim_state(sim):
    with urllib.request.urlopen(sim.url + "/__sim__/state") as answer:
        return json.load(answer)


def example_description(workdir, moodle):
    """The example description, less two auth_plugins entries that do not apply here: manual (moodle_auth_plugin
    fails on the always-enabled plugin: IndexError in set_order, reported to the module's owner) and, on 5.1, cas
    (auth_cas left core in 5.0: moodle_auth_plugin answers 'not installed' even for state absent)."""
    with open(EXAMPLE) as handle:
        data = yaml.safe_load(handle)
    left_out = ("manual", "cas") if moodle != "4.5" else ("manual",)
    data["moodle_site"]["auth_plugins"] = [entry for entry in data["moodle_site"]["auth_plugins"]
                                           if entry["name"] not in left_out]
    path = workdir / "example.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


class Runner:
    def __init__(self, sim, workdir):
        self.sim = sim
        self.workdir = workdir
        self.outputs = []
        self.times = {}
        home = workdir / "home"
        home.mkdir(parents=True)
        self.env = dict(os.environ)
        self.env.update({
            "HOME": str(home),  # the token store (~/.ansible/moodleops.auth/tokens.json) of this run only
            "ANSIBLE_COLLECTIONS_PATH": collection_root(),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "MOODLE_URL": sim.url,
            "MOODLE_USERNAME": "admin",
            "MOODLE_PASSWORD": ADMIN_PASSWORD,
        })
        self.env.pop("MOODLEOPS_DRIFT_FILE", None)

    def play(self, step, playbook, *extra):
        command = [ansible_playbook(), "-vvv", "-i", "localhost,", os.path.join(PLAYBOOKS, playbook)] + list(extra)
        started = time.time()
        run = subprocess.run(command, env=self.env, cwd=str(self.workdir), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, timeout=900, check=False)
        self.times[step] = round(time.time() - started, 1)
        (self.workdir / ("%s.txt" % step)).write_text(run.stdout)
        self.outputs.append(run.stdout)
        recap = RECAP.findall(run.stdout)
        return run.returncode, run.stdout, tuple(int(value) for value in recap[-1]) if recap else None

    def token_values(self):
        path = self.workdir / "home" / ".ansible" / "moodleops.auth" / "tokens.json"
        if not path.exists():
            return set()
        return set(entry["token"] for entry in json.loads(path.read_text())["tokens"].values() if entry.get("token"))


def fresh_site(sim, workdir):
    """A fresh site set up as the example description needs it (auth_apilogin's apikey and allowipaddr, what an
    administrator sets with cfg.php): a Runner on it and the example description's file."""
    control(sim, "reset", {"state": "fresh"})
    control(sim, "cfg", {"component": "auth_apilogin", "name": "apikey", "set": "apilogin-test-secret"})
    control(sim, "cfg", {"component": "auth_apilogin", "name": "allowipaddr", "set": "127.0.0.1"})
    return Runner(sim, workdir), example_description(workdir, sim.state.moodle.key)


def journey(sim, workdir):
    """The whole story on one simulator; returns the runner (outputs, times) and what was checked."""
    runner, example = fresh_site(sim, workdir)
    report = str(workdir / "audit.json")

    code, out, recap = runner.play("provision", "provision_site.yml", "-e", "@" + example)
    assert code == 0, out[-5000:]

    code, out, recap = runner.play("audit_clean", "audit.yml", "-e", "@" + example, "-e", "audit_report_file=" + report,
                                   "-e", "fail_on_drift=true")
    assert code == 0, out[-5000:]
    clean = json.loads(open(report).read())
    assert clean["drift"] == [], clean["drift"]
    assert "The site is as the description says" in out
    checks = set(finding["check"] for finding in clean["security"])
    assert "apilogin_allowipaddr_unknown" in checks  # no settings page: said, not guessed
    assert "userkey_iprestriction_off" not in checks  # the example turns it on

    before = sim_state(sim)
    control(sim, "cfg", {"component": "auth_userkey", "name": "keylifetime", "set": "120"})
    given_name = [row for row in sim.state.oauth2_mappings.values() if row["externalfield"] == "given_name"][0]
    given_name["internalfield"] = "alternatename"     # an admin changed a user field mapping by hand
    code, out, recap = runner.play("audit_drift", "audit.yml", "-e", "@" + example, "-e", "audit_report_file=" + report,
                                   "-e", "fail_on_drift=true")
    assert code != 0, out[-5000:]
    drift = json.loads(open(report).read())["drift"]
    assert [entry["section"] for entry in drift] == ["auth_plugins", "oauth2_issuers"], drift
    assert [line for line in drift[0]["changes"] if "keylifetime" in line] == drift[0]["changes"]
    assert "120" in drift[0]["changes"][0] and "60" in drift[0]["changes"][0]
    assert any("given_name" in line for line in drift[1]["changes"]), drift[1]
    assert "Drift in 2 task result(s), sections auth_plugins, oauth2_issuers" in out
    given_name["internalfield"] = "firstname"
    after = sim_state(sim)
    for key in ("users", "services", "tokens", "role_caps", "role_assignments", "protocols", "auth"):
        assert after[key] == before[key], key  # the audit wrote nothing (check mode)
    assert after["plugin_config"]["auth_userkey"]["keylifetime"] == "120"

    exported = workdir / "exported.yml"
    code, out, recap = runner.play("export", "export.yml", "-e", "export_file=%s" % exported)
    assert code == 0, out[-5000:]
    text = exported.read_text()
    data = yaml.safe_load(text)
    assert validate(data["moodle_site"]) == [], validate(data["moodle_site"])
    site = data["moodle_site"]
    assert set(site) == {"webservices", "users", "roles", "services", "tokens", "auth_plugins", "oauth2_issuers", "mfa"}
    issuer = site["oauth2_issuers"][0]
    assert issuer["client_secret"] == "{{ vault_oauth2_campus_idp_client_secret }}" and issuer["enabled"]
    assert issuer["user_field_mappings"] == {"given_name": "firstname", "family_name": "lastname", "email": "email"}
    assert site["mfa"]["enabled"] and site["mfa"]["factor_order"][:2] == ["iprange", "totp"]
    assert [user["username"] for user in site["users"]] == ["ci_bot", "jteacher"]
    assert all("password" not in user for user in site["users"])
    assert [role["shortname"] for role in site["roles"]] == ["ws_ci"]
    login = [token for token in site["tokens"] if token.get("method") == "login"]
    assert login and all(token["user_password"] == "{{ vault_%s_password }}" % token["user"] for token in login)
    assert "vault_jteacher_password" in text.split("moodle_site:")[0]  # listed in the header
    userkey = [entry for entry in site["auth_plugins"] if entry["name"] == "userkey"][0]
    assert userkey["settings"]["keylifetime"] == "120" and userkey["state"] == "enabled"

    code, out, recap = runner.play("reapply", "provision_site.yml", "-e", "@%s" % exported,
                                   "-e", "vault_jteacher_password=Teacher#2027", "-e", OAUTH2_SECRET_VAR)
    assert code == 0, out[-5000:]
    assert recap is not None and recap[1] == 0, "re-applying the export changed something: %s" % (recap,)

    code, out, recap = runner.play("audit_export", "audit.yml", "-e", "@%s" % exported,
                                   "-e", "vault_jteacher_password=Teacher#2027", "-e", OAUTH2_SECRET_VAR,
                                   "-e", "audit_report_file=" + report,
                                   "-e", "fail_on_drift=true")
    assert code == 0, out[-5000:]
    assert json.loads(open(report).read())["drift"] == []

    secrets = dict(sim_secrets(sim.url), **dict.fromkeys(runner.token_values(), "token"))
    secrets.update(dict.fromkeys((ADMIN_PASSWORD,) + EXAMPLE_SECRETS, "password"))
    inputs_and_outputs = set("%s.txt" % step for step in runner.times) | {"example.yml"}
    files = [path for path in files_under(workdir, os.environ.get("MOODLEOPS_SESSION_DIR"))
             if os.path.basename(path) not in inputs_and_outputs]      # export, audit report, drift, token store
    leaked = audit("audit.yml, export.yml on Moodle %s" % sim.state.moodle.key, runner.outputs, files, secrets)
    assert not leaked, "secrets found: %s" % leaked
    return runner


def header_lines(text, title):
    """The '#   ...' lines under a '# <title>' heading of an exported file's header."""
    lines, inside = [], False
    for line in text.split("moodle_site:")[0].splitlines():
        if line.startswith("# %s" % title):
            inside = True
        elif inside and line.startswith("#   "):
            lines.append(line[4:])
        elif inside and line.strip() == "#":
            break
    return lines


def user_keys(user):
    """What moodle_user sets of a users[] entry besides the account's identity: profile fields, idnumber,
    force_password_change."""
    keys = set(user.get("profile") or {})
    keys.update(key for key in ("idnumber", "force_password_change") if key in user)
    return keys


def defaults_journey(sim, workdir):
    """Export the provisioned example with export_defaults false (the default) and true; compare; re-apply both."""
    runner, example = fresh_site(sim, workdir)
    code, out, recap = runner.play("provision", "provision_site.yml", "-e", "@" + example)
    assert code == 0, out[-5000:]

    texts, sites = {}, {}
    for label, extra in (("minimal", ()), ("full", ("-e", "export_defaults=true"))):
        path = workdir / ("%s.yml" % label)
        code, out, recap = runner.play("export_" + label, "export.yml", "-e", "export_file=%s" % path, *extra)
        assert code == 0, out[-5000:]
        texts[label] = path.read_text()
        sites[label] = yaml.safe_load(texts[label])["moodle_site"]
        assert validate(sites[label]) == [], (label, validate(sites[label]))
    minimal, full = sites["minimal"], sites["full"]
    assert len(texts["minimal"].splitlines()) < len(texts["full"].splitlines())
    for section in ("webservices", "roles", "services", "tokens"):
        assert minimal[section] == full[section], section

    # users: the same accounts; nothing empty, no field as a new account has it; what is kept is as read
    assert [user["username"] for user in minimal["users"]] == [user["username"] for user in full["users"]]
    left_fields = {}
    for small, big in zip(minimal["users"], full["users"]):
        assert all(value not in ("", None) for value in (small.get("profile") or {}).values()), small
        assert small.get("idnumber", "x") != "" and small.get("force_password_change") is not False, small
        for key in ("username", "auth", "firstname", "lastname", "email"):
            assert small[key] == big[key]
        assert all(big["profile"][key] == value for key, value in (small.get("profile") or {}).items())
        dropped = set(big["profile"]) - set(small.get("profile") or {})
        assert all(big["profile"][key] in ("", "99", "2") for key in dropped), big   # empty, timezone, maildisplay
        left_fields[small["username"]] = len(user_keys(big) - user_keys(small))
    jteacher = [user for user in minimal["users"] if user["username"] == "jteacher"][0]
    assert jteacher["profile"]["city"] == "Lisbon" and jteacher["force_password_change"] is True

    # auth plugins: the enabled ones, in the site's order; userkey only with settings away from their default
    enabled = [entry["name"] for entry in full["auth_plugins"] if entry["state"] == "enabled"]
    disabled = [entry["name"] for entry in full["auth_plugins"] if entry["state"] == "disabled"]
    assert enabled == ["userkey", "apilogin", "lti", "oauth2"] and disabled
    assert [entry["name"] for entry in minimal["auth_plugins"]] == enabled
    assert all(entry["state"] == "enabled" for entry in minimal["auth_plugins"])
    userkey = dict((entry["name"], entry) for entry in minimal["auth_plugins"])["userkey"]["settings"]
    full_userkey = dict((entry["name"], entry) for entry in full["auth_plugins"])["userkey"]["settings"]
    assert userkey == {"iprestriction": "1", "ipwhitelist": "10.0.0.0/8", "mappingfield": "username"}, userkey
    assert len(full_userkey) >= 24 and all(full_userkey[key] == value for key, value in userkey.items())

    # the header says how many were left out, of which accounts and plugins, and why
    left = header_lines(texts["minimal"], "Left out as Moodle's default")
    assert len(left) == 3, left
    assert left[0].startswith("%d user fields of 2 accounts (%s): empty, or as Moodle's add-user form" % (
        sum(left_fields.values()), ", ".join("%s %d" % item for item in left_fields.items()))), left[0]
    settings_left = len(full_userkey) - len(userkey)
    assert left[1].startswith("%d auth plugin settings (userkey %d): equal to the default Moodle shows" % (
        settings_left, settings_left)), left[1]
    assert left[2].startswith("%d auth plugins (%s): disabled" % (len(disabled), ", ".join(disabled))), left[2]
    assert "-e export_defaults=true" in texts["minimal"].split("moodle_site:")[0]
    assert "Moodle's defaults are written too (export_defaults: true)" in texts["full"].split("moodle_site:")[0]
    assert not header_lines(texts["full"], "Left out as Moodle's default")

    for label in ("minimal", "full"):
        code, out, recap = runner.play("reapply_" + label, "provision_site.yml", "-e", "@%s" % (workdir / (
            "%s.yml" % label)), "-e", "vault_jteacher_password=Teacher#2027", "-e", OAUTH2_SECRET_VAR)
        assert code == 0, out[-5000:]
        assert recap is not None and recap[1] == 0, "re-applying the %s export changed something: %s" % (label, recap)

    secrets = dict(sim_secrets(sim.url), **dict.fromkeys(runner.token_values(), "token"))
    secrets.update(dict.fromkeys((ADMIN_PASSWORD,) + EXAMPLE_SECRETS, "password"))
    inputs_and_outputs = set("%s.txt" % step for step in runner.times) | {"example.yml"}
    files = [path for path in files_under(workdir, os.environ.get("MOODLEOPS_SESSION_DIR"))
             if os.path.basename(path) not in inputs_and_outputs]
    leaked = audit("export.yml export_defaults on Moodle %s" % sim.state.moodle.key, runner.outputs, files, secrets)
    assert not leaked, "secrets found: %s" % leaked
    return runner, len(texts["minimal"].splitlines()), len(texts["full"].splitlines())


@pytest.mark.once      # what is left out as a default does not depend on ansible-core: the first line only
def test_export_defaults_false_and_true(fresh_simulators, tmp_path):
    with ThreadPoolExecutor(max_workers=len(fresh_simulators)) as pool:
        futures = [(sim, pool.submit(defaults_journey, sim, tmp_path / sim.state.moodle.key))
                   for sim in fresh_simulators]
        for sim, future in futures:
            runner, minimal, full = future.result()
            print("Moodle %s: export %d lines (export_defaults true: %d); %s" % (
                sim.state.moodle.key, minimal, full, ", ".join("%s %.1fs" % item for item in runner.times.items())))


def test_audit_and_export(fresh_simulators, tmp_path):
    with ThreadPoolExecutor(max_workers=len(fresh_simulators)) as pool:
        futures = [(sim, pool.submit(journey, sim, tmp_path / sim.state.moodle.key)) for sim in fresh_simulators]
        runners = [(sim, future.result()) for sim, future in futures]
    for sim, runner in runners:
        TIMES[sim.state.moodle.key] = runner.times
        print("Moodle %s: %s" % (sim.state.moodle.key, ", ".join("%s %.1fs" % item for item in runner.times.items())))
    output = os.path.join(REPO_ROOT, "tests", "output")
    if os.path.isdir(output):
        with open(os.path.join(output, "audit_export_times.json"), "w") as handle:
            json.dump(TIMES, handle, indent=1, sort_keys=True)
