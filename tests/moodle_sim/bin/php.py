"""Stand-in for `php`: runs <root>/admin/cli/cfg.php against the simulator named in <root>/config.php.

Started by the `php` shell wrapper next to this file (or directly: python3 php.py ...).

Usage: php <root>/admin/cli/cfg.php [--component=X] [--name=Y] [--set=V|--unset] [--json] ...
Standard library only."""
import json
import os
import re
import sys
import urllib.request


def main(argv):
    if not argv:
        sys.stderr.write("moodle_sim php stand-in: no script given\n")
        return 1
    script = argv[0]
    if os.path.basename(script) != "cfg.php":
        sys.stderr.write("moodle_sim php stand-in: only admin/cli/cfg.php is supported, not %s\n" % script)
        return 1
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(script))))
    try:
        with open(os.path.join(root, "config.php")) as fh:
            config = fh.read()
    except OSError as e:
        sys.stderr.write("PHP Warning:  require(%s/config.php): Failed to open stream: %s\n" % (root, e))
        return 255
    m = re.search(r"\$CFG->wwwroot\s*=\s*'([^']*)'", config)
    if not m:
        sys.stderr.write("moodle_sim php stand-in: no $CFG->wwwroot in config.php\n")
        return 1
    req = urllib.request.Request(m.group(1).rstrip("/") + "/__sim__/cfg",
                                 data=json.dumps({"argv": argv[1:]}).encode("utf-8"),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            answer = json.loads(resp.read().decode("utf-8"))
    except Exception as e:  # noqa: BLE001 - report any transport problem like PHP would (exit 1)
        sys.stderr.write("Error: cannot reach the simulated Moodle: %s\n" % e)
        return 1
    sys.stdout.write(answer.get("stdout", ""))
    sys.stdout.flush()
    sys.stderr.write(answer.get("stderr", ""))
    return int(answer.get("exit", 1))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
