"""One place for each thing: the page knowledge, the simulator's pages and the client conformance cases line up area
by area, and every list of site-description sections (moodle_site's choices, the schema, the validation, the roles,
the docs) is the section registry's."""

import ast
import os
import re

import pytest
import yaml

from collection_paths import REPO_ROOT

from ansible_collections.moodleops.auth.plugins.module_utils.site import apply as site_apply
from ansible_collections.moodleops.auth.plugins.module_utils.site.registry import SECTION_NAMES, SECTIONS, sections_of_role
from ansible_collections.moodleops.auth.plugins.plugin_utils import site_schema, site_validate

MODULE_UTILS = os.path.join(REPO_ROOT, "plugins", "module_utils")
SIM_PAGES = os.path.join(REPO_ROOT, "tests", "moodle_sim", "pages")
CASES = os.path.join(REPO_ROOT, "tests", "unit", "client_conformance")
# Files of moodle/ that read no page of their own.
NO_PAGES = ("facts", "password_policy")
# Simulator pages and conformance cases of the core (login, REST/AJAX, the page parser), not of an area of moodle/.
CORE_SIM_PAGES = {"login": "auth.py", "cas": "auth.py", "rest": "client.py", "ajax": "client.py",
                  "maintenance": "http_transport.py", "common": "(guards shared by the pages)"}
CORE_CASES = {"login": "auth.py, client.py, page_parser.py", "cas": "auth.py", "client": "client.py",
              "siteinfo": "site/export.py (what moodle_site_info reads)"}


def names(directory):
    return sorted(name[:-3] for name in os.listdir(directory) if name.endswith(".py") and name != "__init__.py")


def areas():
    return [name for name in names(os.path.join(MODULE_UTILS, "moodle")) if name not in NO_PAGES]


def area_of(name, known):
    """The area a simulator page or cases file belongs to: its name, or its name's prefix before ``_<page>``."""
    for area in sorted(known, key=len, reverse=True):
        if name == area or name.startswith(area + "_"):
            return area
    return None


@pytest.mark.parametrize("area", areas())
def test_every_area_has_its_simulator_pages_and_conformance_cases(area):
    assert [name for name in names(SIM_PAGES) if area_of(name, areas()) == area], \
        "tests/moodle_sim/pages/%s.py (or %s_<page>.py) is missing" % (area, area)
    assert os.path.exists(os.path.join(CASES, "cases_%s.py" % area)), \
        "tests/unit/client_conformance/cases_%s.py is missing" % area


def test_every_simulator_page_and_cases_file_has_a_home():
    strays = [name for name in names(SIM_PAGES) if area_of(name, areas()) is None and name not in CORE_SIM_PAGES]
    assert not strays, "simulator pages of no area of module_utils/moodle: %s" % strays
    cases = [name[len("cases_"):] for name in names(CASES) if name.startswith("cases_")]
    strays = [name for name in cases if area_of(name, areas()) is None and name not in CORE_CASES]
    assert not strays, "conformance cases of no area of module_utils/moodle: %s" % strays


def test_conformance_calls_no_private_function_of_the_collection():
    """The cases read pages through what the modules use (core.py, the harness, may set up a recorded session)."""
    private = []
    for name in names(CASES):
        if not name.startswith("cases_"):
            continue
        tree = ast.parse(open(os.path.join(CASES, name + ".py")).read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                    and not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                private.append("%s.py:%d .%s" % (name, node.lineno, node.attr))
    assert not private, private


def test_page_knowledge_holds_no_resource_and_resources_hold_no_paths():
    for name in names(os.path.join(MODULE_UTILS, "moodle")):
        text = open(os.path.join(MODULE_UTILS, "moodle", name + ".py")).read()
        assert "(Resource)" not in text and "_OPTIONS = dict(" not in text, name


def test_registry_order_and_declarations():
    assert [section.order for section in SECTIONS] == sorted(section.order for section in SECTIONS)
    assert len(set(SECTION_NAMES)) == len(SECTION_NAMES)
    for section in SECTIONS:
        assert section.role in ("webservices", "sso"), section
        module = os.path.join(REPO_ROOT, "plugins", "modules", section.module + ".py")
        assert os.path.exists(module), section


def test_moodle_site_choices_schema_and_validation_follow_the_registry():
    assert site_apply.SITE_OPTIONS["sections"]["choices"] == list(SECTION_NAMES)
    assert tuple(site_schema.SECTION_ORDER) == SECTION_NAMES
    assert list(site_schema.SCHEMA["properties"]) == list(SECTION_NAMES)
    for section in SECTIONS:
        schema = site_schema.SCHEMA["properties"][section.name]
        assert schema.get("items", schema)["x-moodleops-module"] == "moodleops.auth.%s" % section.module
    site = dict((name, None) for name in reversed(SECTION_NAMES))
    assert site_validate.sections(site) == list(SECTION_NAMES)


def test_moodle_site_docs_list_every_section():
    text = open(os.path.join(REPO_ROOT, "plugins", "modules", "moodle_site.py")).read()
    documentation = yaml.safe_load(re.search(r'DOCUMENTATION = r?"""(.*?)"""', text, re.S).group(1))
    assert documentation["options"]["sections"]["choices"] == list(SECTION_NAMES)
    assert documentation["options"]["sections"]["default"] == list(SECTION_NAMES)


@pytest.mark.parametrize("role", ["webservices", "sso"])
def test_each_role_applies_the_sections_the_registry_gives_it(role):
    defaults = yaml.safe_load(open(os.path.join(REPO_ROOT, "roles", role, "defaults", "main.yml")))
    assert defaults["%s_sections" % role] == sections_of_role(role)
    specs = yaml.safe_load(open(os.path.join(REPO_ROOT, "roles", role, "meta", "argument_specs.yml")))
    option = specs["argument_specs"]["main"]["options"]["%s_sections" % role]
    assert option["default"] == sections_of_role(role)
    assert option["choices"] == sections_of_role(role)


def test_the_shared_role_task_file_knows_every_section_and_each_role_its_own():
    shared = yaml.safe_load(open(os.path.join(REPO_ROOT, "roles", "site", "vars", "main.yml")))
    assert shared["site__known_sections"] == list(SECTION_NAMES)
    for role in ("webservices", "sso"):
        tasks = yaml.safe_load(open(os.path.join(REPO_ROOT, "roles", role, "tasks", "main.yml")))
        includes = [task for task in tasks if "ansible.builtin.include_role" in task]
        assert [task["vars"]["site__apply_sections"] for task in includes] == [sections_of_role(role)], role


def test_section_lists_written_from_the_registry_are_current():
    """tools/section_lists.py writes the registry's lists into moodle_site's docs and the roles: run it after adding
    a section."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tools", "section_lists.py"), "--check"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert done.returncode == 0, done.stdout
