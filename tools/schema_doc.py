"""Generates, from the site description schema (plugins/plugin_utils/site_schema.py):

* meta/moodle_site.schema.json - the schema as JSON (draft 2020-12), for editors and other tools;
* docs/site-description.md     - the reference of every key.

    python3 tools/schema_doc.py          # write both
    python3 tools/schema_doc.py --check  # exit 1 naming the files that are not current (tests run this)

Standard library only; site_schema.py is imported through the collection view of tests/collection_paths.py."""

import importlib
import json
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JSON_PATH = os.path.join(REPO_ROOT, "meta", "moodle_site.schema.json")
DOC_PATH = os.path.join(REPO_ROOT, "docs", "site-description.md")


def load_schema_module():
    """site_schema.py through the collection (it reads the section registry and the Moodle facts of module_utils)."""
    sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))
    import collection_paths  # pylint: disable=import-outside-toplevel
    collection_paths.make_importable()
    return importlib.import_module("ansible_collections.moodleops.auth.plugins.plugin_utils.site_schema")


def schema_json(schema):
    return json.dumps(schema, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def type_text(schema):
    """A key's type as the docs show it: str, bool, int, list of str, mapping ..."""
    kind = schema.get("type")
    names = {"string": "str", "boolean": "bool", "integer": "int", "number": "float", "null": "null",
             "object": "mapping", "array": "list"}
    if isinstance(kind, list):
        return " or ".join(names[name] for name in kind)
    if kind == "array":
        items = schema.get("items", {})
        if items.get("type") == "object":
            return "list of mappings"
        return "list of %s" % type_text(items)
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "mapping of name to %s" % type_text(schema["additionalProperties"])
    return names.get(kind, str(kind))


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def code(value):
    return "`%s`" % json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else "`%s`" % value


def choices_text(schema):
    enum = schema.get("enum")
    if enum is None and schema.get("type") == "array":
        enum = schema.get("items", {}).get("enum")
    if enum is None and isinstance(schema.get("additionalProperties"), dict):
        enum = schema["additionalProperties"].get("enum")
    return ", ".join(code(value) for value in enum) if enum else ""


def notes(schema):
    extra = []
    if schema.get("x-moodleops-option"):
        extra.append("module option `%s`" % schema["x-moodleops-option"])
    if schema.get("x-moodleops-values"):
        extra.append("; ".join("%s = `%s`" % (key, value) for key, value in schema["x-moodleops-values"].items()))
    extension = schema.get("x-moodleops-extension")
    if extension:
        choices = ", ".join(code(v) for v in extension["choices"])
        extra.append("%s: not a module choice, means `%s`" % (choices, extension["means"]))
    if schema.get("minimum") is not None:
        extra.append("at least %s" % schema["minimum"])
    names = schema.get("propertyNames", {})
    if names.get("pattern"):
        extra.append("names match `%s`" % names["pattern"])
    for pattern, sub in sorted(schema.get("patternProperties", {}).items()):
        extra.append("also keys matching `%s` (%s)" % (pattern, type_text(sub)))
    return extra


def required_by_condition(schema):
    """apilogin's 'must hold the match_field': {match_field value: required key} from allOf if/then."""
    found = []
    for rule in schema.get("allOf", []):
        condition = rule.get("if", {})
        then = rule.get("then", {}).get("properties", {})
        for key, sub in then.items():
            required = sub.get("items", {}).get("required", [])
            when = condition.get("properties", {}).get("match_field", {}).get("const")
            found.append("`%s[].%s` required when match_field is %s" % (
                key, required[0], code(when) if when else "omitted"))
    return found


def table(lines, schema):
    lines.append("| key | type | required | default | choices | description |")
    lines.append("|---|---|---|---|---|---|")
    required = set(schema.get("required", []))
    for key, sub in schema.get("properties", {}).items():
        description = " ".join([sub.get("description", "")] + ["(%s)" % note for note in notes(sub)])
        lines.append("| `%s` | %s | %s | %s | %s | %s |" % (
            key, cell(type_text(sub)), "yes" if key in required else "", cell(code(sub["default"])) if "default" in sub
            else "", cell(choices_text(sub)), cell(description.strip())))
    lines.append("")


def object_doc(lines, title, schema, level):
    lines.append("%s `%s`" % ("#" * level, title))
    lines.append("")
    if schema.get("description"):
        lines.append(schema["description"])
        lines.append("")
    if schema.get("x-moodleops-module"):
        lines.append("Module: `%s` (its options, without the connection options)." % schema["x-moodleops-module"])
        lines.append("")
    rules = []
    if schema.get("anyOf"):
        options = [" and ".join("`%s`" % key for key in option["required"]) for option in schema["anyOf"]]
        rules.append("needs %s" % " or ".join(options))
    rules.extend(required_by_condition(schema))
    if rules:
        lines.append("Also: %s." % "; ".join(rules))
        lines.append("")
    if schema.get("additionalProperties") is False:
        lines.append("Other keys are errors.")
        lines.append("")
    table(lines, schema)
    for key, sub in schema.get("properties", {}).items():
        items = sub.get("items", {}) if sub.get("type") == "array" else None
        if items and items.get("type") == "object":
            object_doc(lines, "%s.%s[]" % (title, key), items, level + 1)
        elif sub.get("type") == "object" and sub.get("properties"):
            object_doc(lines, "%s.%s" % (title, key), sub, level + 1)


def render_doc(module):
    schema = module.SCHEMA
    lines = [
        "# The site description (`moodle_site`)",
        "",
        "<!-- Generated by tools/schema_doc.py from plugins/plugin_utils/site_schema.py: do not edit. -->",
        "",
        schema["description"],
        "",
        "Check a description with `moodleops.auth.moodle_site_validate` (`site: \"{{ moodle_site }}\"`): it reports",
        "every problem with its path before any request, and never shows a secret value. The schema is also",
        "shipped as JSON, `meta/moodle_site.schema.json` (draft 2020-12), for editors. A complete example:",
        "`playbooks/examples/site.yml`.",
        "",
        "Besides the schema, `moodle_site_validate` checks (unless `semantic: false`): unique usernames, role",
        "shortnames, service shortnames and names, auth plugin names, apilogin match field values and token keys",
        "(`user@service#name`); no role, service or token referring to a user the description deletes",
        "(`state: absent`), no token for a service it deletes; `valid_until` a date (`YYYY-MM-DD`) or a number of",
        "seconds; `position` only with `state: enabled`.",
        "",
        "Secrets (`password`, `secret`, `user_password`, auth plugin settings named like a secret) are plain",
        "strings here: give them as vault variables.",
        "",
        "## Sections",
        "",
        "| section | type | module |",
        "|---|---|---|",
    ]
    for name in module.SECTION_ORDER:
        sub = schema["properties"][name]
        target = sub.get("items", sub)
        lines.append("| `%s` | %s | `%s` |" % (name, type_text(sub), target.get("x-moodleops-module", "")))
    lines.append("")
    for name in module.SECTION_ORDER:
        sub = schema["properties"][name]
        if sub.get("type") == "array":
            lines.append("## `%s`" % name)
            lines.append("")
            lines.append(sub["description"] + " A list; each entry:")
            lines.append("")
            object_doc(lines, "%s[]" % name, sub["items"], 3)
        else:
            object_doc(lines, name, sub, 2)
    return "\n".join(lines).rstrip("\n") + "\n"


def outputs():
    module = load_schema_module()
    return {JSON_PATH: schema_json(module.SCHEMA), DOC_PATH: render_doc(module)}


def main(argv):
    check = "--check" in argv
    stale = []
    for path, text in outputs().items():
        current = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        if current == text:
            continue
        if check:
            stale.append(os.path.relpath(path, REPO_ROOT))
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            print("wrote %s" % os.path.relpath(path, REPO_ROOT))
    if stale:
        print("not current (run python3 tools/schema_doc.py): %s" % ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
