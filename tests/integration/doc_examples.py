"""The example playbooks of README.md and docs/*.md, as test_doc_examples.py runs them: extraction of the fenced
```yaml blocks, their keys (file + heading), the play a task list is wrapped in, and ansible-playbook runs of them
with the connection in the MOODLE_* environment, as the docs tell users to set it."""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import yaml

from collection_paths import REPO_ROOT, collection_root

DOC_FILES = ["README.md"] + sorted(os.path.join("docs", name) for name in os.listdir(os.path.join(REPO_ROOT, "docs"))
                                   if name.endswith(".md"))
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^\s`]*)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
RECAP = re.compile(r"(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
PLACEHOLDER_SITE = "https://moodle.example.edu"


class Block(object):
    """One fenced code block of a Markdown file."""

    def __init__(self, path, heading, info, text, line):
        self.path = path            # relative to the repository root
        self.heading = heading      # the nearest heading above it
        self.info = info            # the fence's info string (yaml, bash, ...)
        self.text = text            # the content, dedented by the fence's indentation
        self.line = line            # line number of the opening fence
        self.key = None             # "<path>#<heading>", "[n]" added when a heading holds several

    @property
    def digest(self):
        """A short hash of the content: a skip entry names the version of the example it was reviewed for."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:10]


def code_blocks(path):
    """Every fenced code block of one Markdown file (fences may be indented, e.g. inside a list item)."""
    with open(os.path.join(REPO_ROOT, path)) as handle:
        lines = handle.read().splitlines()
    blocks, heading, index = [], "", 0
    while index < len(lines):
        line = lines[index]
        opening = FENCE.match(line)
        if opening:
            indent, fence = opening.group("indent"), opening.group("fence")
            closing = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{%d,}\\s*$" % len(fence))
            body, index = [], index + 1
            start = index
            while index < len(lines) and not closing.match(lines[index]):
                body.append(lines[index][len(indent):] if lines[index].startswith(indent) else lines[index].lstrip())
                index += 1
            blocks.append(Block(path, heading, opening.group("info").lower(), "\n".join(body) + "\n", start))
        else:
            found = HEADING.match(line)
            if found:
                heading = found.group(2)
        index += 1
    return blocks


def all_blocks():
    """The code blocks of README.md and docs/*.md, each with its key."""
    blocks = [block for path in DOC_FILES for block in code_blocks(path)]
    per_heading = {}
    for block in blocks:
        per_heading.setdefault((block.path, block.heading, block.info), []).append(block)
    for (path, heading, _info), group in per_heading.items():
        for number, block in enumerate(group, 1):
            block.key = "%s#%s" % (path, heading) + ("[%d]" % number if len(group) > 1 else "")
    return blocks


def kind_of(block):
    """'play' (a list of plays), 'tasks' (a list of tasks, to be wrapped in a play), or None (not a playbook)."""
    try:
        data = yaml.safe_load(block.text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, list) or not data or not all(isinstance(item, dict) for item in data):
        return None
    if all("hosts" in item for item in data):
        return "play"
    if not any("hosts" in item for item in data):
        return "tasks"
    return None


def yaml_examples():
    """Every ```yaml (or yml) block of the docs with its kind (None: not a playbook)."""
    return [(block, kind_of(block)) for block in all_blocks() if block.info in ("yaml", "yml")]


def playbook_text(blocks, title):
    """The playbook a user writes from the example(s): a play as written, or a task list inside a play on localhost.

    Several blocks (an example and the earlier examples whose results it uses) become one play, in order."""
    kinds = [kind_of(block) for block in blocks]
    if kinds == ["play"]:
        return blocks[0].text
    assert all(kind == "tasks" for kind in kinds), (title, kinds)
    tasks = "".join("".join("    " + line if line.strip() else "\n" for line in block.text.splitlines(True))
                    for block in blocks)
    return ("- name: %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n" % json.dumps(title)) + tasks


def substitute_site(text, url):
    """The one substitution every user makes: their site's address for the placeholder."""
    return text.replace(PLACEHOLDER_SITE, url)


def ansible_bin(name):
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else name


def user_env(home, url, extra=None):
    """The environment of a user's shell: the connection in MOODLE_*, the collection installed, a home of its own."""
    env = dict((name, value) for name, value in os.environ.items()
               if not name.startswith(("MOODLE", "ANSIBLE_")))   # no test-run state dirs, no inherited connection
    env.update({
        "HOME": str(home),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": collection_root(),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "MOODLE_URL": url,
        "MOODLE_USERNAME": "admin",
        "MOODLE_PASSWORD": "Admin#12345",
    })
    env.update(extra or {})
    return env


def recap(output):
    """{"ok", "changed", "unreachable", "failed"} summed over the hosts of the last PLAY RECAP, or None."""
    tail = output[output.rfind("PLAY RECAP"):] if "PLAY RECAP" in output else ""
    found = RECAP.findall(tail)
    if not found:
        return None
    totals = {"ok": 0, "changed": 0, "unreachable": 0, "failed": 0}
    for _host, ok, changed, unreachable, failed in found:
        for name, value in zip(("ok", "changed", "unreachable", "failed"), (ok, changed, unreachable, failed)):
            totals[name] += int(value)
    return totals


def run(command, env, cwd, timeout=300, stdin=None):
    """(return code, output, seconds) of one command."""
    start = time.time()
    done = subprocess.run(command, env=env, cwd=str(cwd), input=stdin, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout, check=False)
    return done.returncode, done.stdout, time.time() - start


def control(url, path, body=None):
    """The simulator's control API (what cfg.php, the admin or a fixture would do on a real site)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + "/__sim__/" + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def shell_commands(text):
    """The commands of a ```bash block as a user types them: continuation lines joined, comments and blanks dropped."""
    commands, current = [], ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        commands.append((current + line).strip())
        current = ""
    return commands
