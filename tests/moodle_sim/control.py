"""Test-only control API under /__sim__/ (never logged). JSON in, JSON out."""
import json

from . import cfgcli
from .response import Response


def _json(obj, status=200):
    return Response(status, json.dumps(obj), content_type="application/json")


def handle(sim, method, path, body):
    try:
        req = json.loads(body.decode("utf-8")) if body else {}
    except ValueError:
        return _json({"error": "invalid json"}, 400)
    if not isinstance(req, dict):
        return _json({"error": "expected a JSON object"}, 400)
    state = sim.state
    try:
        if path == "/__sim__/log" and method == "GET":
            return _json({"requests": [r.to_json() for r in sim.requests]})
        if path == "/__sim__/log/clear" and method == "POST":
            sim.clear_log()
            return _json({"ok": True})
        if path == "/__sim__/state" and method == "GET":
            out = state.to_json()
            if getattr(sim, "cas", None) is not None:
                out["cas_server"] = sim.cas.to_json()
            if getattr(sim, "oidc", None) is not None:
                out["oidc_server"] = sim.oidc.to_json()
            return _json(out)
        if path == "/__sim__/oidc":          # our OpenID provider (f25): GET = its state, POST {"aliases": [...]}
            if method == "POST":
                with sim.oidc.lock:
                    if "aliases" in req:
                        sim.oidc.aliases = [str(a) for a in req["aliases"]]
                    if req.get("clear_log"):
                        sim.oidc.log = []
            return _json(sim.oidc.to_json())
        if path == "/__sim__/cas":           # our CAS server (f24): GET = its state, POST = configure it
            from .pages.cas import control_cas
            return _json(control_cas(sim, method, req))
        if path == "/__sim__/reset" and method == "POST":
            state.reset(req.get("state", "fresh"), moodle=req.get("moodle"))
            sim.clear_log()
            sim.set_fault("none")
            if getattr(sim, "cas", None) is not None:
                sim.cas.reset()
            if getattr(sim, "oidc", None) is not None:
                sim.oidc.reset()
            return _json({"ok": True, "state": state.kind})
        if path == "/__sim__/snapshot" and method == "POST":     # {"name": "x"}: what a database backup holds
            return _json({"ok": True, "snapshots": state.snapshot(str(req.get("name") or "default"))})
        if path == "/__sim__/restore" and method == "POST":      # {"name": "x"}: that backup restored
            name = str(req.get("name") or "default")
            if name not in state.snapshots:
                return _json({"error": "no snapshot %r" % name}, 404)
            state.restore(name)
            return _json({"ok": True, "next_token_id": state.next_token_id})
        if path == "/__sim__/fault" and method == "POST":
            from .server import FAULT_MODES
            mode = req.get("mode", "none")
            if mode not in FAULT_MODES + ("none",):
                return _json({"error": "unknown mode %r" % mode}, 400)
            sim.set_fault(mode, req.get("count", 1), req.get("delay", 0), req.get("path_prefix", "/"),
                          after_write=bool(req.get("after_write")), method=req.get("method"))
            return _json({"ok": True})
        if path == "/__sim__/cfg" and method == "POST":
            if "force" in req:          # extension: hard-set in config.php ($CFG->x / forced_plugin_settings)
                with state.lock:
                    comp = req.get("component") or "core"
                    if req["force"] is None:
                        state.forced.get(comp, {}).pop(req["name"], None)
                    else:
                        state.forced.setdefault(comp, {})[req["name"]] = str(req["force"])
                return _json({"ok": True})
            code, out, err = cfgcli.run(state, cfgcli.args_from_request(req))
            return _json({"exit": code, "stdout": out, "stderr": err})
        if path == "/__sim__/user" and method == "POST":
            with state.lock:
                if state.user_by_username((req.get("username") or "").strip().lower()):
                    return _json({"error": "username exists"}, 409)
                u = state.add_user(req["username"], req.get("password", ""), req.get("firstname", ""),
                                   req.get("lastname", ""), req.get("email", ""), req.get("auth", "manual"))
                for key in ("idnumber", "suspended"):
                    if key in req:
                        u[key] = req[key]
                for key in ("city", "country", "timezone", "lang", "description", "institution", "department",
                            "phone1", "phone2", "address", "firstaccess", "lastaccess", "confirmed"):
                    if key in req:      # user profile fields (f23)
                        u[key] = req[key]
                if isinstance(req.get("preferences"), dict):
                    state.user_prefs.setdefault(u["id"], {}).update(
                        dict((str(k), str(v)) for k, v in req["preferences"].items()))
            return _json({"id": u["id"]})
        if path == "/__sim__/maintenance" and method == "POST":
            mode = req.get("mode", "off")
            if mode not in ("cli", "legacy", "off"):
                return _json({"error": "unknown mode %r" % mode}, 400)
            with state.lock:
                state.maintenance = mode
                state.set_config("maintenance_enabled", "1" if mode == "legacy" else "0")
            return _json({"ok": True})
        if path == "/__sim__/plugin" and method == "POST":    # plugin code variants
            with state.lock:
                if "apilogin_patched" in req:
                    state.apilogin_patched = bool(req["apilogin_patched"])
            return _json({"ok": True, "apilogin_patched": state.apilogin_patched})
        if path == "/__sim__/php_extension" and method == "POST":   # {"ldap": true}: PHP extensions loaded
            with state.lock:
                for name, on in req.items():
                    state.php_extensions[str(name)] = bool(on)
            return _json({"ok": True, "php_extensions": state.php_extensions})
        if path == "/__sim__/capacity" and method == "POST":     # the server-time model (capacity.py)
            from . import capacity
            return _json(capacity.configure(sim, req))
        if path == "/__sim__/debug" and method == "POST":
            with state.lock:
                state.debug = bool(req.get("on", True))
            return _json({"ok": True})
        from . import control_ws
        if path in control_ws.ENDPOINTS and method == "POST":
            with state.lock:
                return _json(control_ws.ENDPOINTS[path](state, req))
    except (KeyError, TypeError, ValueError) as e:
        return _json({"error": str(e)}, 400)
    return _json({"error": "unknown control endpoint %s %s" % (method, path)}, 404)
