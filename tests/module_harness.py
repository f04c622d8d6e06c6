"""Run a module's main() in this process, as Ansible would run it, and return what it printed (its result).

Fast enough for hundreds of cases; the module talks to a real (simulated) HTTP server, so assertions can use the
simulator's log. ``check_mode`` and ``diff`` map to Ansible's internal arguments."""

import contextlib
import importlib
import io
import json

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.common.text.converters import to_bytes

try:  # ansible-core 2.19+: module args carry a serialization profile
    from ansible.module_utils.testing import patch_module_args
    from ansible.module_utils import _internal as module_internals
except ImportError:  # ansible-core 2.16-2.18
    patch_module_args = None
    module_internals = None


def run_module(name, args, check_mode=False, diff=False, tracebacks=True):
    """Run moodleops.auth.<name> with ``args``; return its result dict (``failed`` is True on fail_json)."""
    args = dict(args)
    args.update({"_ansible_check_mode": check_mode, "_ansible_diff": diff, "_ansible_remote_tmp": "/tmp",
                 "_ansible_keep_remote_files": False})
    module = importlib.import_module("ansible_collections.moodleops.auth.plugins.modules.%s" % name)
    module_warnings._global_warnings.clear()       # process-wide: a run must not report an earlier run's warnings
    module_warnings._global_deprecations.clear()
    out = io.StringIO()
    if patch_module_args is None:
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        context = contextlib.nullcontext()
    else:
        saved = None
        if tracebacks:
            args["_ansible_tracebacks_for"] = ["error"]
        context = patch_module_args(args)
    # 2.19+: once any test imported controller code, warn() displays instead of collecting: run as a module does
    was_controller = getattr(module_internals, "is_controller", False)
    if module_internals is not None:
        module_internals.is_controller = False
    try:
        with context, contextlib.redirect_stdout(out):
            try:
                module.main()
            except SystemExit:
                pass
    finally:
        if patch_module_args is None:
            basic._ANSIBLE_ARGS = saved
        if module_internals is not None:
            module_internals.is_controller = was_controller
    text = out.getvalue().strip()
    if not text:
        raise AssertionError("module %s printed nothing" % name)
    # the result is the last JSON document printed (warnings may precede it on old cores)
    return json.loads(text[text.index("{"):])
