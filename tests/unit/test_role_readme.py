"""Every role has a README.md (galaxy-importer refuses a collection with a role without one), current with the role's
meta/argument_specs.yml (tools/role_readme.py --check), with a real hand-written part and an example play; a changed
argument spec makes the README stale, and regenerating it keeps the hand-written part."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from collection_paths import REPO_ROOT, collection_root

TOOL = os.path.join(REPO_ROOT, "tools", "role_readme.py")
ROLES_DIR = os.path.join(REPO_ROOT, "roles")


def load_tool():
    spec = importlib.util.spec_from_file_location("moodleops_role_readme", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


role_readme = load_tool()
ROLES = role_readme.role_names(ROLES_DIR)
FQCN = role_readme.collection_name()


def readme_of(role, roles_dir=ROLES_DIR):
    with open(os.path.join(roles_dir, role, "README.md"), encoding="utf-8") as handle:
        return handle.read()


def main_options(role, roles_dir=ROLES_DIR):
    with open(os.path.join(roles_dir, role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def yaml_blocks(text):
    return [match.group(1) for match in re.finditer(r"^```yaml\n(.*?)^```$", text, re.S | re.M)]


def plays(text):
    """The example plays of a README: its YAML blocks that are lists of mappings with hosts."""
    found = []
    for block in yaml_blocks(text):
        data = yaml.safe_load(block)
        if isinstance(data, list) and data and all(isinstance(play, dict) and "hosts" in play for play in data):
            found.append(block)
    return found


# --- current ---------------------------------------------------------------------------------------------------------

def test_every_role_has_an_argument_spec_and_a_readme():
    folders = sorted(name for name in os.listdir(ROLES_DIR) if os.path.isdir(os.path.join(ROLES_DIR, name)))
    assert folders == ROLES, "every role needs meta/argument_specs.yml (tools/role_readme.py documents it)"
    assert {"site", "webservices", "sso"} <= set(ROLES)
    for role in ROLES:
        assert os.path.isfile(os.path.join(ROLES_DIR, role, "README.md")), "roles/%s/README.md is missing" % role


def test_readmes_are_current():
    assert role_readme.stale() == [], "not current: run python tools/role_readme.py"


def test_check_from_the_command_line():
    run = subprocess.run([sys.executable, TOOL, "--check"], cwd=REPO_ROOT, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("role", ROLES)
def test_readme_documents_every_variable(role):
    text = readme_of(role)
    assert text.startswith("# %s.%s\n" % (FQCN, role))
    for name in main_options(role):
        assert "| `%s` |" % name in text, "roles/%s/README.md: no row for %s" % (role, name)


@pytest.mark.parametrize("role", ROLES)
def test_hand_written_part_explains_the_role_with_an_example(role):
    hand = role_readme.hand_written_part(readme_of(role))
    assert hand is not None and len(hand) > 2000, "roles/%s/README.md: write what the role does" % role
    assert "## Example" in hand
    examples = plays(hand)
    assert examples, "roles/%s/README.md: no example play" % role
    assert any("name: %s.%s" % (FQCN, role) in play for play in examples)
    # the sections the role applies (its *_sections choices) are each explained
    for name, spec in main_options(role).items():
        if name.endswith("sections"):
            for section in spec["choices"]:
                assert "`%s`" % section in hand, "roles/%s/README.md does not explain %s" % (role, section)


def descriptions(data):
    """Every moodle_site value in a parsed YAML block (a vars file, or a task's vars)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "moodle_site" and isinstance(value, dict):
                yield value
            else:
                yield from descriptions(value)
    elif isinstance(data, list):
        for item in data:
            yield from descriptions(item)


@pytest.mark.parametrize("role", ROLES)
def test_example_descriptions_are_valid(role):
    pytest.importorskip("jsonschema")
    from ansible_collections.moodleops.auth.plugins.plugin_utils.site_validate import validate
    found = 0
    for block in yaml_blocks(role_readme.hand_written_part(readme_of(role))):
        for site in descriptions(yaml.safe_load(block)):
            found += 1
            assert validate(site) == [], "roles/%s/README.md: an example description is not valid" % role
    assert found, "roles/%s/README.md: no example moodle_site" % role


def ansible_playbook():
    for candidate in (os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                      shutil.which("ansible-playbook")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.mark.parametrize("role", ROLES)
def test_example_plays_pass_syntax_check(role, tmp_path):
    command = ansible_playbook()
    if command is None:
        pytest.skip("ansible-playbook is not installed next to this Python")
    for index, play in enumerate(plays(role_readme.hand_written_part(readme_of(role)))):
        path = tmp_path / ("example-%d.yml" % index)
        path.write_text(play, encoding="utf-8")
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
        run = subprocess.run([command, "--syntax-check", "-i", "localhost,", str(path)], cwd=str(tmp_path), env=env,
                             capture_output=True, text=True, check=False)
        assert run.returncode == 0, "roles/%s/README.md example %d:\n%s%s" % (role, index, run.stdout, run.stderr)


# --- it can fail, and it keeps what people wrote ------------------------------------------------------------------------

@pytest.fixture
def roles_copy(tmp_path):
    target = tmp_path / "roles"
    shutil.copytree(ROLES_DIR, str(target))
    return str(target)


def edit_spec(roles_dir, role, change):
    path = os.path.join(roles_dir, role, "meta", "argument_specs.yml")
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    change(data["argument_specs"]["main"]["options"])
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)


def test_a_changed_argument_spec_makes_the_readme_stale(roles_copy, capsys):
    assert role_readme.stale(roles_copy) == []
    before = readme_of("site", roles_copy)

    def change(options):
        options["site_sections"]["default"] = ["webservices", "users"]
        options["site_dry_run_report"] = {"description": "A new C(variable).", "type": "bool", "default": False}
    edit_spec(roles_copy, "site", change)

    assert role_readme.stale(roles_copy) == ["site"]
    assert role_readme.main(["--check", "--roles-dir", roles_copy]) == 1
    assert "roles/site/README.md" in capsys.readouterr().out
    assert readme_of("site", roles_copy) == before, "--check wrote a file"

    assert role_readme.main(["--roles-dir", roles_copy]) == 0
    after = readme_of("site", roles_copy)
    assert after != before
    assert "| `site_dry_run_report` | bool |  | `false` |  | A new `variable`. |" in after
    assert "| `site_sections` | list of str |  | `[webservices, users]` |" in after
    assert role_readme.hand_written_part(after) == role_readme.hand_written_part(before)
    assert role_readme.stale(roles_copy) == []


def test_a_changed_generated_part_is_stale_and_restored(roles_copy):
    path = os.path.join(roles_copy, "sso", "README.md")
    original = readme_of("sso", roles_copy)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(original.replace("| `sso_validate` | bool |", "| `sso_validate` | str |"))
    assert role_readme.stale(roles_copy) == ["sso"]
    assert role_readme.main(["--roles-dir", roles_copy]) == 0
    assert readme_of("sso", roles_copy) == original


def test_the_hand_written_part_is_kept(roles_copy):
    path = os.path.join(roles_copy, "webservices", "README.md")
    text = readme_of("webservices", roles_copy).replace(
        "## Tokens\n", "## Tokens\n\nA paragraph an admin added.\n")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    assert role_readme.stale(roles_copy) == [], "an edit of the hand-written part is current as it is"
    assert role_readme.main(["--roles-dir", roles_copy]) == 0
    assert "A paragraph an admin added." in readme_of("webservices", roles_copy)


def test_a_readme_without_markers_is_not_overwritten(roles_copy, capsys):
    path = os.path.join(roles_copy, "sso", "README.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# sso\n\nText someone wrote without the markers.\n")
    assert role_readme.main(["--roles-dir", roles_copy]) == 2
    assert "hand-written part" in capsys.readouterr().err
    assert readme_of("sso", roles_copy) == "# sso\n\nText someone wrote without the markers.\n"


def test_a_new_role_gets_a_readme_to_complete(roles_copy):
    new_role = os.path.join(roles_copy, "newrole")
    shutil.copytree(os.path.join(roles_copy, "sso", "meta"), os.path.join(new_role, "meta"))
    assert "newrole" in role_readme.stale(roles_copy)
    assert role_readme.main(["--roles-dir", roles_copy]) == 0
    text = readme_of("newrole", roles_copy)
    hand = role_readme.hand_written_part(text)
    assert "## What it does" in hand and "Applies the sections `auth_plugins`" in hand
    assert any("name: %s.newrole" % FQCN in play for play in plays(hand))
    assert role_readme.stale(roles_copy) == []


def test_doc_markup_becomes_markdown():
    text = role_readme.markdown_text(
        "See O(moodle_site), C(--tags x), M(moodleops.auth.moodle_token), E(MOODLE_URL), V(true), I(it), B(bold), "
        "U(https://example.edu), L(the docs,https://example.edu/docs).")
    assert text == ("See `moodle_site`, `--tags x`, `moodleops.auth.moodle_token`, `MOODLE_URL`, `true`, *it*, "
                    "**bold**, <https://example.edu>, [the docs](https://example.edu/docs).")
    assert role_readme.cell("a | b") == "a \\| b"
    assert role_readme.flow(["a", "b:c", ""]) == '[a, "b:c", ""]'
