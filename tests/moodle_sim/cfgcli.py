"""What admin/cli/cfg.php of Moodle 4.5 does, against the simulator state.

run(state, argv) -> (exit_code, stdout, stderr). argv are the script arguments (without 'cfg.php')."""
import json
import shlex

KNOWN = ("help", "component", "name", "set", "unset", "shell-arg", "json", "no-eol")


def parse_args(argv):
    """cli_get_params(): --key=value, --flag (true), -h."""
    options = {"help": False, "component": None, "name": None, "set": None, "unset": False,
               "shell-arg": False, "json": False, "no-eol": False}
    unrecognised = []
    for arg in argv:
        if arg.startswith("--"):
            key, eq, value = arg[2:].partition("=")
            if key not in KNOWN:
                unrecognised.append(arg)
                continue
            options[key] = value if eq else True
        elif arg == "-h":
            options["help"] = True
        elif arg.startswith("-"):
            unrecognised.append(arg)
    return options, unrecognised


def _php_str(value):
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    return str(value)


def _escapeshellarg(value):
    return "'" + value.replace("'", "'\\''") + "'"


def _get_all(state, component):
    if component in (None, "", "core", "moodle"):
        values = dict(state.config)
        values.update(state.forced.get("core", {}))
        return values
    values = dict(state.plugin_config.get(component, {}))
    values.update(state.forced.get(component, {}))
    return values


def _php_json(value):
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/")


def run(state, argv):
    with state.lock:
        return _run(state, list(argv))


def _run(state, argv):
    options, unrecognised = parse_args(argv)
    out = []
    if unrecognised:
        return 1, "", "Unrecognised options:\n  %s\nPlease use --help option.\n\n" % "\n  ".join(unrecognised)
    if options["help"]:
        return 2, "Displays the current value of the given site setting. Allows to set it to the given value, too.\n", ""
    component = options["component"]
    if component is True:
        component = "1"
    name = options["name"]
    if options["unset"] or options["set"] is not None:
        if not name or name is True:
            return 2, "", "Missing configuration variable name\n\n"
        if component:
            forced = name in state.forced.get(component, {})
        else:
            forced = name in state.forced.get("core", {})
        if forced:
            return 4, "", "The configuration variable is hard-set in the config.php, unable to change.\n\n"
        # set_config()/unset_config(): an empty component means {config}; anything else, even "core",
        # goes to {config_plugins} (get_config('core', x) reads {config}: a real Moodle quirk).
        store = state.config if not component else state.plugin_config.setdefault(component, {})
        if options["unset"]:
            store.pop(name, None)
        else:
            new = _php_str(options["set"])
            if store.get(name) != new:
                store[name] = new
        return 0, "", ""
    if name is None:
        got = _get_all(state, component)
        if options["json"]:
            out.append((_php_json(got) if got else "{}") + "\n")
        else:
            for k, v in got.items():
                v = _escapeshellarg(v) if options["shell-arg"] else v
                out.append("%s\t%s\n" % (k, v))
        return 0, "".join(out), ""
    got = _get_all(state, component).get(name if name is not True else "1")
    if got is None:
        return 3, "", "No such configuration variable found.\n\n"
    if options["shell-arg"]:
        got = _escapeshellarg(got)
    if options["json"]:
        got = _php_json(got)
    return 0, got if options["no-eol"] else got + "\n", ""


def args_from_request(req):
    """Build cfg.php arguments from the control API JSON body."""
    if "argv" in req:
        return list(req["argv"])
    args = []
    if req.get("component") not in (None, ""):
        args.append("--component=%s" % req["component"])
    if req.get("name") not in (None, ""):
        args.append("--name=%s" % req["name"])
    if "set" in req and req["set"] is not None:
        args.append("--set=%s" % req["set"])
    if req.get("unset"):
        args.append("--unset")
    if req.get("json"):
        args.append("--json")
    if req.get("shell_arg"):
        args.append("--shell-arg")
    if req.get("no_eol"):
        args.append("--no-eol")
    return args


__all__ = ["run", "parse_args", "args_from_request", "shlex"]
