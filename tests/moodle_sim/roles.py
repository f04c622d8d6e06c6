"""Roles of the simulated site: the 8 standard roles of a fresh 4.5 install and helpers.

A role is a dict (id, shortname, name, description, archetype, contextlevels, sortorder, allow*). Its
capabilities live in `state.role_caps[roleid]` ({capability: 1 | -1 | -1000}; 0 = not stored), which is what
`SiteState.has_capability()` reads; assignments (system context only) in `state.role_assignments`."""

CONTEXT_LEVELS = [(10, "System"), (30, "User"), (40, "Category"), (50, "Course"), (70, "Activity module"),
                  (80, "Block")]
ARCHETYPES = [("", "None"), ("manager", "ARCHETYPE: Manager"), ("coursecreator", "ARCHETYPE: Course creator"),
              ("editingteacher", "ARCHETYPE: Teacher (editing)"), ("teacher", "ARCHETYPE: Teacher (non-editing)"),
              ("student", "ARCHETYPE: Student"), ("guest", "ARCHETYPE: Guest"), ("user", "ARCHETYPE: Authenticated user"),
              ("frontpage", "ARCHETYPE: Authenticated user on site home")]
PERMISSIONS = [(0, "Not set"), (1, "Allow"), (-1, "Prevent"), (-1000, "Prohibit")]
ALLOW_KINDS = ("assign", "override", "switch", "view")

# id, shortname, display name, archetype, context levels (fresh 4.5 install; assign overview 295)
_DEFAULTS = [
    (1, "manager", "Manager", "manager", [10, 40, 50]),
    (2, "coursecreator", "Course creator", "coursecreator", [10, 40]),
    (3, "editingteacher", "Teacher", "editingteacher", [50, 70]),
    (4, "teacher", "Non-editing teacher", "teacher", [50, 70]),
    (5, "student", "Student", "student", [50, 70]),
    (6, "guest", "Guest", "guest", []),
    (7, "user", "Authenticated user", "user", []),
    (8, "frontpage", "Authenticated user on site home", "frontpage", []),
]


def make_role(rid, shortname, name="", description="", archetype="", contextlevels=(), sortorder=None):
    return dict(id=rid, shortname=shortname, name=name, description=description, archetype=archetype,
                contextlevels=sorted(set(int(c) for c in contextlevels)),
                sortorder=rid if sortorder is None else sortorder,
                allowassign=[], allowoverride=[], allowswitch=[], allowview=[])


def default_roles():
    return dict((rid, make_role(rid, short, name, "", arch, levels)) for rid, short, name, arch, levels in _DEFAULTS)


def role_name(role):
    return role["name"] or role["shortname"]


def sorted_roles(state):
    return sorted(state.roles.values(), key=lambda r: (r["sortorder"], r["id"]))


def add_role(state, shortname, name="", description="", archetype="", contextlevels=(), capabilities=None,
             rid=None):
    """create_role() + set_role_contextlevels() + role capabilities. rid: a wanted id (control API)."""
    if rid is None or rid in state.roles:
        rid = state.next_role_id
    state.next_role_id = max(state.next_role_id, rid + 1)
    sortorder = max([r["sortorder"] for r in state.roles.values()] or [0]) + 1
    state.roles[rid] = make_role(rid, shortname, name, description, archetype, contextlevels, sortorder)
    caps = dict((c, int(v)) for c, v in (capabilities or {}).items() if int(v) != 0)
    state.role_caps[rid] = caps
    return state.roles[rid]


def delete_role(state, rid):
    state.roles.pop(rid, None)
    state.role_caps.pop(rid, None)
    state.role_assignments = [(r, u) for r, u in state.role_assignments if r != rid]


def assigned_users(state, rid):
    return sorted(set(u for r, u in state.role_assignments if r == rid))


def user_roles(state, userid):
    """Roles of a user at system context, the default user role included (as check.php lists them)."""
    rids = [r for r, u in state.role_assignments if u == userid]
    return [state.roles[r] for r in sorted(set(rids)) if r in state.roles]
