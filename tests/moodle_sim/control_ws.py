"""Control API endpoints for the second recording's preconditions (279+): custom services with authorised
users, roles, tokens as generate_token() makes them. Called from control.handle()."""
import time

from . import roles as R


def _user_id(state, username):
    u = state.user_by_username((username or "").strip().lower())
    if u is None:
        raise ValueError("unknown user %r" % username)
    return u["id"]


def _service(state, req):
    """{"name","shortname","enabled","restrictedusers","downloadfiles","uploadfiles","requiredcapability",
    "functions":[...], "authorised_users":[username...], "expect_id":N} -> {"id":N}"""
    sid = req.get("expect_id")
    if not isinstance(sid, int) or sid in state.services:
        sid = state.next_service_id
    state.next_service_id = max(state.next_service_id, sid + 1)
    users = {}
    for name in req.get("authorised_users") or []:
        users[_user_id(state, name)] = dict(iprestriction=None, validuntil=0)
    state.services[sid] = dict(
        id=sid, name=req["name"], shortname=req.get("shortname") or None, component=req.get("component") or None,
        enabled=1 if req.get("enabled", True) else 0, restrictedusers=1 if req.get("restrictedusers") else 0,
        downloadfiles=1 if req.get("downloadfiles") else 0, uploadfiles=1 if req.get("uploadfiles") else 0,
        requiredcapability=req.get("requiredcapability") or "", functions=list(req.get("functions") or []),
        users=users, timecreated=int(time.time()))
    return {"id": sid}


def _role(state, req):
    """{"shortname","name","description","archetype","contextlevels":[10],"capabilities":{cap: 1},
    "assign":[username...],"expect_id":N} -> {"id":N}"""
    for r in state.roles.values():
        if r["shortname"] == req["shortname"]:
            raise ValueError("role shortname exists")
    role = R.add_role(state, req["shortname"], req.get("name", ""), req.get("description", ""),
                      req.get("archetype", ""), req.get("contextlevels") or [], req.get("capabilities") or {},
                      rid=req.get("expect_id") if isinstance(req.get("expect_id"), int) else None)
    for name in req.get("assign") or []:
        state.role_assignments.append((role["id"], _user_id(state, name)))
    return {"id": role["id"]}


def _service_for(state, shortname):
    if shortname is None:                 # the auth_userkey service has shortname NULL
        for s in state.services.values():
            if s["component"] == "auth_userkey":
                return s
        raise ValueError("no userkey service")
    s = state.service_by_shortname(shortname)
    if s is None:
        raise ValueError("unknown service %r" % shortname)
    return s


def _tokens(state, req):
    """{"tokens":[{"name","username","service" (shortname, null = userkey service),"validuntil_days" (0 = none) |
    "validuntil","iprestriction","creator"}]} -> {"ids":[...]}; like generate_token(EXTERNAL_TOKEN_PERMANENT)."""
    now = int(time.time())
    ids = []
    for t in req.get("tokens") or []:
        validuntil = t.get("validuntil")
        if validuntil is None:
            days = int(t.get("validuntil_days") or 0)
            validuntil = now + days * 86400 if days else 0
        tok = state.create_token(_user_id(state, t["username"]), _service_for(state, t.get("service"))["id"],
                                 _user_id(state, t.get("creator") or "admin"), name=t.get("name") or None,
                                 validuntil=int(validuntil), iprestriction=t.get("iprestriction") or None)
        ids.append(tok["id"])
    return {"ids": ids}


ENDPOINTS = {
    "/__sim__/service": _service,
    "/__sim__/role": _role,
    "/__sim__/token": _tokens,
}
