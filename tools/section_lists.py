"""Write the site description's section lists from the section registry (plugins/module_utils/site/registry.py)
into the files that must hold them as plain text: moodle_site's DOCUMENTATION (``sections`` choices and default),
each role's defaults and argument_specs (``<role>_sections``) and task file (``site__apply_sections``), the
shared task file's ``site__known_sections``, the site role's lists and the audit's drift collector
(playbooks/callback_plugins, which runs without the collection's imports). ``--check`` changes nothing and fails when a file is not current (a unit
test runs it). Standard library only, plus the collection itself."""

from __future__ import print_function

import argparse
import importlib
import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLES = ("webservices", "sso")
TUPLE = "tuple"     # a rule of the Python tuple SECTIONS = (...) (the audit's drift collector)
QUOTED = "quoted"   # a rule of Jinja list literals: (QUOTED, (role, names)); the role's first section identifies them


def registry():
    sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))
    import collection_paths  # pylint: disable=import-outside-toplevel
    collection_paths.make_importable()
    return importlib.import_module("ansible_collections.moodleops.auth.plugins.module_utils.site.registry")


def flow(names):
    return "[%s]" % ", ".join(names)


def python_tuple(names, width=100):
    """names as a tuple body wrapped under ``SECTIONS = (`` (pep8 line length)."""
    lines, line = [], ""
    for name in names:
        item = '"%s", ' % name
        if line and len(line) + len(item) > width:
            lines.append(line.rstrip())
            line = ""
        line += item
    lines.append(line.rstrip().rstrip(","))
    return ("\n" + " " * len("SECTIONS = (")).join(lines)


def quoted(names):
    return "[%s]" % ", ".join("'%s'" % name for name in names)


def rewrite_quoted(text, member, names):
    """Replace every Jinja list literal (``['a', 'b']``) that holds ``'member'`` (the site role's task file)."""
    return re.sub(r"\[(?:'[a-z0-9_]+', )*'%s'(?:, '[a-z0-9_]+')*\]" % member, lambda match: quoted(names), text)


def rewrite(text, pattern, names):
    """Replace the flow list after each line matching ``pattern`` (a regex ending just before the list)."""
    return re.sub(r"(%s)\[[^\]\n]*\]" % pattern, lambda match: match.group(1) + flow(names), text, flags=re.M)


def targets(sections):
    """(path, [(line pattern, names)]) of every file holding a section list."""
    every = list(sections.SECTION_NAMES)
    files = [
        ("plugins/modules/moodle_site.py", [(r"^    choices: ", every), (r"^    default: ", every)]),
        ("roles/site/vars/main.yml", [(r"^site__known_sections: ", every)]),
        ("roles/site/defaults/main.yml", [(r"^site_sections: ", every)]),
        ("roles/site/meta/argument_specs.yml", [
            (r"^      site_sections:\n(?:        .*\n)*?        choices: ", every),
            (r"^      site_sections:\n(?:        .*\n)*?        default: ", every)]),
        ("roles/site/tasks/main.yml", [(QUOTED, (role, sections.sections_of_role(role))) for role in ROLES]),
        ("playbooks/callback_plugins/moodleops_drift.py", [(TUPLE, every)]),
    ]
    for role in ROLES:
        own = sections.sections_of_role(role)
        files.append(("roles/%s/defaults/main.yml" % role, [(r"^%s_sections: " % role, own)]))
        files.append(("roles/%s/tasks/main.yml" % role, [(r"^    site__apply_sections: ", own)]))
        files.append(("roles/%s/meta/argument_specs.yml" % role, [
            (r"^      %s_sections:\n(?:        .*\n)*?        choices: " % role, own),
            (r"^      %s_sections:\n(?:        .*\n)*?        default: " % role, own)]))
    return files


def apply_rules(text, rules):
    """``text`` with every (pattern, names) rule applied."""
    for pattern, names in rules:
        if pattern == TUPLE:
            text = re.sub(r"^SECTIONS = \([^)]*\)", lambda match: "SECTIONS = (%s)" % python_tuple(names), text,
                          flags=re.M)
        elif pattern == QUOTED:
            _role, own = names
            text = rewrite_quoted(text, own[0], own)
        else:
            text = rewrite(text, pattern, names)
    return text


def moodle_site_sections_block(text, replace):
    """moodle_site.py: only its ``sections`` option holds section lists."""
    start = text.index("  sections:\n")
    end = text.index("\n  tokens_rotate:", start)
    return text[:start] + replace(text[start:end]) + text[end:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a file is not current")
    args = parser.parse_args(argv)
    sections = registry()
    stale = []
    for path, rules in targets(sections):
        full = os.path.join(REPO_ROOT, path)
        with open(full) as handle:
            text = handle.read()

        new = (moodle_site_sections_block(text, lambda part, rules=tuple(rules): apply_rules(part, rules))
               if path.endswith("moodle_site.py") else apply_rules(text, rules))
        if new != text:
            stale.append(path)
            if not args.check:
                with open(full, "w") as handle:
                    handle.write(new)
    if stale:
        print("%s: %s" % ("not current" if args.check else "written", ", ".join(stale)))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
