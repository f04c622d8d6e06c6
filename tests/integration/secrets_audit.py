"""The secrets audit of the integration runs: every ansible-playbook -vvv output and every file a run leaves behind is
searched for every secret in play, and the totals are printed in pytest's terminal summary (conftest.py).

Files whose purpose is to hold a secret are searched too, for every secret they are not for: the token store may
hold token values (never a password, sesskey or cookie), the session cache a session's cookies and sesskey (never a
password or token), a token file / dotenv file asked for by the play its token."""

import json
import os
import re
import urllib.request

RUNS = []            # (label, outputs searched, files searched)
SECRETS = set()      # every distinct secret searched for
LEAKS = []           # (label, where, count) — a failing test reports them too

# file name -> the kinds of secret that file exists to hold
PURPOSE = {"tokens.json": {"token"}, "token": {"token"}, ".env": {"token"}, "session": {"cookie", "sesskey"}}
MIN_LENGTH = 6       # shorter values would match by chance
WORD = re.compile(r"^[a-z_]+$")   # a field or setting name stored under a secret-sounding key, not a secret


def sim_secrets(sim_url):
    """Every secret the simulator handed out or holds, by kind: sesskeys, session cookies, tokens, passwords..."""
    with urllib.request.urlopen(sim_url + "/__sim__/state") as answer:
        state = json.load(answer)
    found = {}

    def kind_of(key):
        key = key.lower()
        for marker, kind in (("sesskey", "sesskey"), ("sid", "cookie"), ("session", "cookie"), ("cookie", "cookie"),
                             ("password", "password"), ("token", "token"), ("secret", "password"), ("key", "key")):
            if marker in key:
                return kind
        return None

    def walk(value, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and len(value) >= 8 and kind_of(key) and not WORD.match(value):
            found[value] = kind_of(key)
    walk(state)
    return found


def _purpose(path):
    name = os.path.basename(path)
    if name in PURPOSE:
        return PURPOSE[name]
    if "sessions" in path.split(os.sep)[:-1]:     # the session cache's directory
        return PURPOSE["session"]
    if name.endswith(".env") or name.endswith(".token"):
        return {"token"}
    return set()


def _is_token_store(text):
    """moodle_token's store, whatever the play named it: {"tokens": {key: {"token": ...}}}."""
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and set(data) == {"tokens"} and isinstance(data["tokens"], dict)


def files_under(*roots):
    for root in roots:
        if not root or not os.path.isdir(str(root)):
            continue
        for directory, _dirs, names in os.walk(str(root)):
            for name in names:
                path = os.path.join(directory, name)
                if not os.path.islink(path):
                    yield path


def audit(label, outputs, files, secrets):
    """Search ``outputs`` (texts) and ``files`` (paths) for ``secrets`` ({value: kind}); record and return leaks."""
    secrets = dict((value, kind) for value, kind in secrets.items() if value and len(value) >= MIN_LENGTH)
    SECRETS.update(secrets)
    leaks = []
    for index, text in enumerate(outputs):
        hits = [value for value in secrets if value in text]
        if hits:   # with what precedes the first hit (never the value): enough to find where it came from
            before = text[max(0, text.index(hits[0]) - 160):text.index(hits[0])]
            leaks.append((label, "output %d" % (index + 1), sorted(set(secrets[v] for v in hits)), before))
    files = list(files)
    for path in files:
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
        except (IOError, OSError):
            continue
        allowed = _purpose(path) | ({"token"} if _is_token_store(text) else set())
        hits = [value for value, kind in secrets.items() if kind not in allowed and value in text]
        if hits:
            leaks.append((label, path, sorted(set(secrets[v] for v in hits))))
    RUNS.append((label, len(outputs), len(files)))
    LEAKS.extend(leaks)
    return leaks


def summary_lines():
    if not RUNS:
        return []
    outputs = sum(run[1] for run in RUNS)
    files = sum(run[2] for run in RUNS)
    return ["secrets audit: %d runs (%d ansible-playbook -vvv outputs, %d files written) searched for %d distinct "
            "secrets: %d found" % (len(RUNS), outputs, files, len(SECRETS), len(LEAKS))]
