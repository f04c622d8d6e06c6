"""admin/roles/*.php and user/selector/search.php (flow f16, fixtures 283-307).

Markup written for the simulator; kept from the recordings: table#roles and its links, the "Add a new role" GET
button (action=add), the preset form (core_role_preset_form fields), form#rolesform (its action URL, field names,
hidden 0 + checkbox 1 pairs, allow*[] hidden '' + multi-selects, toggleadvanced, one checkbox or four radios
0/1/-1/-1000 per capability), table#defineroletable (a heading row per capability group, per capability its
docs link + one Risks link per risk; view mode: only the capabilities set), check.php's table#explaincaps, the view
page's single buttons, form#assignform with the user selectors (empty: optgroup "None" + a disabled option), the
assign page's Back button and "Assign another role" single_select, the check.php form, the delete confirmation,
status codes and redirects. The capabilities, their risks and groups come from capabilities.py for the emulated
release (4.5: 742, 5.1: 757)."""
import hashlib
import json

from .. import roles as R
from ..capabilities import RISK_COLUMNS, capabilities_of, capability_groups, risks_of
from ..html import confirm_box, error_page, esc, fullname, page, single_button
from ..response import Response, redirect
from ..util import random_string
from .common import require_admin, require_login
from .services import _selector_search

MANAGE = "/admin/roles/manage.php"
DEFINE = "/admin/roles/define.php"
ASSIGN = "/admin/roles/assign.php"
CHECK = "/admin/roles/check.php"
PREF_ADVANCED = "definerole_showadvanced"
PERMTEXT = dict(R.PERMISSIONS)


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _role_or_error(ctx, roleid):
    role = ctx.state.roles.get(roleid)
    if role is None:
        return None, error_page(ctx, "Can't find data record in database table role.", "invalidrecord",
                                module="moodle", continueurl=ctx.url(MANAGE))
    return role, None


def _prefs(ctx):
    return ctx.state.user_prefs.setdefault(ctx.user["id"], {})


# ---------------------------------------------------------------- manage.php
def manage_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    w = state.wwwroot
    action = ctx.param("action")
    roleid = _int(ctx.param("roleid"))
    if action == "delete":
        role, resp = _role_or_error(ctx, roleid)
        if resp is not None:
            return resp
        if roleid in (6, 7, 8):   # guest / default user / front page role: core refuses
            return error_page(ctx, "Cannot delete role with ID %d" % roleid, "cannotdeleterolewithid", module="role",
                              continueurl=ctx.url(MANAGE))
        if ctx.method == "POST":
            ctx.write = True
        if ctx.param("confirm") == "1" and ctx.sesskey_ok():
            R.delete_role(state, roleid)
            return redirect(ctx.url(MANAGE))
        count = len(R.assigned_users(state, roleid))
        message = ('Are you sure that you want to delete role "%s (%s)"? Currently this role is assigned to %d users.'
                   % (R.role_name(role), role["shortname"], count))
        main = confirm_box(message,
                           single_button(ctx.url(MANAGE), "Yes", "post",
                                         [("action", "delete"), ("roleid", str(roleid)),
                                          ("sesskey", ctx.session.sesskey), ("confirm", "1")]),
                           single_button(ctx.url(MANAGE), "No", primary=False))
        return page(ctx, "Define roles | lab", main, bodyid="page-admin-roles-manage", pageurl=ctx.url(MANAGE))
    if action in ("moveup", "movedown") and ctx.sesskey_ok():
        ctx.write = True
        ordered = R.sorted_roles(state)
        ids = [r["id"] for r in ordered]
        if roleid in ids:
            i = ids.index(roleid)
            j = i - 1 if action == "moveup" else i + 1
            if 0 <= j < len(ordered):
                a, b = ordered[i], ordered[j]
                a["sortorder"], b["sortorder"] = b["sortorder"], a["sortorder"]
        return redirect(ctx.url(MANAGE))
    sk = esc(ctx.session.sesskey)
    rows = []
    for role in R.sorted_roles(state):
        rid = role["id"]
        icons = ['<a href="%s%s?action=moveup&amp;roleid=%d&amp;sesskey=%s" title="Up">Up</a>' % (w, MANAGE, rid, sk),
                 '<a href="%s%s?action=movedown&amp;roleid=%d&amp;sesskey=%s" title="Down">Down</a>'
                 % (w, MANAGE, rid, sk),
                 '<a href="%s%s?action=edit&amp;roleid=%d" title="Edit">Edit</a>' % (w, DEFINE, rid)]
        if rid not in (6, 7):
            icons.append('<a href="%s%s?action=delete&amp;roleid=%d" title="Delete">Delete</a>' % (w, MANAGE, rid))
        rows.append('<tr><td class="cell c0"><a href="%s%s?action=view&amp;roleid=%d">%s</a></td>'
                    '<td class="cell c1">%s</td><td class="cell c2">%s</td><td class="cell c3 lastcol">%s</td></tr>'
                    % (w, DEFINE, rid, esc(R.role_name(role)), esc(role["description"]), esc(role["shortname"]),
                       " ".join(icons)))
    main = ('<h2>Manage roles</h2><table class="generaltable admintable" id="roles"><thead><tr>'
            '<th class="header c0">Role</th><th class="header c1">Description</th><th class="header c2">Short name</th>'
            '<th class="header c3 lastcol">Edit</th></tr></thead><tbody>%s</tbody></table>%s'
            % ("".join(rows), single_button(ctx.url(DEFINE), "Add a new role", hidden=[("action", "add")])))
    return page(ctx, "Define roles | lab", main, bodyid="page-admin-roles-manage", pageurl=ctx.url(MANAGE))


# ---------------------------------------------------------------- define.php
def _preset_form(ctx):
    state = ctx.state
    opts = [("0", "No role")] + [(str(r["id"]), R.role_name(r)) for r in R.sorted_roles(state)]   # every role (284)
    opts += [(a, label) for a, label in R.ARCHETYPES if a]
    options = "".join('<option value="%s"%s>%s</option>' % (esc(v), " selected" if v == "0" else "", esc(t))
                      for v, t in opts)
    draft = str(100000000 + int.from_bytes(random_string(4).encode(), "big") % 899999999)
    main = ('<h2>Add a new role</h2><form autocomplete="off" action="%(w)s%(p)s" method="post" accept-charset="utf-8" '
            'id="mform1" class="mform"><div style="display: none;"><input name="roleid" type="hidden" value="0">'
            '<input name="action" type="hidden" value="add"><input name="return" type="hidden" value="manage">'
            '<input name="sesskey" type="hidden" value="%(sk)s"><input name="_qf__core_role_preset_form" type="hidden" '
            'value="1"><input name="mform_isexpanded_id_presetheader" type="hidden" value="1"></div>'
            '<fieldset id="id_presetheader"><legend>Use role or archetype</legend>'
            '<div class="fitem"><label for="id_resettype">Use role or archetype</label><select class="custom-select" '
            'name="resettype" id="id_resettype">%(opts)s</select></div>'
            '<div class="fitem"><label for="id_rolepreset">Or import from file</label>'
            '<input type="button" class="btn btn-secondary" name="rolepresetchoose" value="Choose a file...">'
            '<input type="hidden" name="rolepreset" id="id_rolepreset" value="%(draft)s"></div></fieldset>'
            '<div class="fitem"><input type="submit" class="btn btn-primary" name="submitbutton" value="Continue">'
            ' <input type="submit" class="btn btn-secondary" name="cancel" value="Cancel"></div></form>'
            % dict(w=state.wwwroot, p=DEFINE, sk=esc(ctx.session.sesskey), opts=options, draft=draft))
    return page(ctx, "Define roles | lab", main, bodyid="page-admin-roles-define", pageurl=ctx.url(DEFINE))


def _empty_definition():
    return dict(shortname="", name="", description="", archetype="", contextlevels=[], allowassign=[],
                allowoverride=[], allowswitch=[], allowview=[], caps={})


def _definition_of(state, role):
    d = dict((k, role[k]) for k in ("shortname", "name", "description", "archetype"))
    d["contextlevels"] = list(role["contextlevels"])
    for kind in R.ALLOW_KINDS:
        d["allow" + kind] = list(role["allow" + kind])
    d["caps"] = dict(state.role_caps.get(role["id"], {}))
    return d


def _from_preset(state, resettype):
    d = _empty_definition()
    if str(resettype).isdigit() and int(resettype) in state.roles:
        src = _definition_of(state, state.roles[int(resettype)])
        src["shortname"] = src["name"] = src["description"] = ""
        return src
    for rid, role in state.roles.items():
        if rid <= 8 and role["archetype"] == resettype:
            d["archetype"] = resettype
            d["contextlevels"] = list(role["contextlevels"])
    return d


def _merge_post(state, post, base):
    """define_role_table_advanced::read_submitted_permissions() and friends: every field is optional; a field
    that is not posted keeps its current value (292)."""
    d = dict(base, caps=dict(base["caps"]), contextlevels=list(base["contextlevels"]))
    for key in ("shortname", "name", "description", "archetype"):
        if isinstance(post.get(key), str):
            d[key] = post[key] if key == "description" else post[key].strip()
    for level, _label in R.CONTEXT_LEVELS:
        v = post.get("contextlevel%d" % level)
        if isinstance(v, str):
            levels = set(d["contextlevels"])
            if v == "1":
                levels.add(level)
            else:
                levels.discard(level)
            d["contextlevels"] = sorted(levels)
    for kind in R.ALLOW_KINDS:
        v = post.get("allow" + kind)
        if isinstance(v, dict):
            d["allow" + kind] = [str(x) for x in v.values() if str(x) != ""]
    for cap in capabilities_of(state.moodle):
        v = post.get(cap)
        if isinstance(v, str) and _int(v, None) in PERMTEXT:
            if int(v):
                d["caps"][cap] = int(v)
            else:
                d["caps"].pop(cap, None)
    return d


def _definition_form(ctx, role, data, errors=None):
    state = ctx.state
    errors = errors or {}
    advanced = _prefs(ctx).get(PREF_ADVANCED) == "1"
    adding = role is None
    action = "action=add&amp;roleid=0" if adding else "action=edit&amp;roleid=%d" % role["id"]
    ret = ctx.param("return") if isinstance(ctx.param("return"), str) else "manage"
    savelabel = "Create this role" if adding else "Save changes"

    def err(key):
        return ('<div class="form-control-feedback invalid-feedback d-block">%s</div>' % esc(errors[key])
                if key in errors else "")

    buttons = ('<div class="submitbuttons"><input type="submit" name="savechanges" class="btn btn-primary" value="%s">'
               ' <input type="submit" name="cancel" class="btn btn-secondary" value="Cancel"></div>' % savelabel)
    levels = "".join(
        '<div class="form-check"><input type="hidden" name="contextlevel%(l)d" value="0"><input type="checkbox" '
        'class="form-check-input" name="contextlevel%(l)d" id="id_contextlevel%(l)d" value="1"%(c)s> '
        '<label for="id_contextlevel%(l)d">%(t)s</label></div>'
        % dict(l=level, t=label, c=" checked" if level in data["contextlevels"] else "")
        for level, label in R.CONTEXT_LEVELS)
    allow_opts = [(str(r["id"]), R.role_name(r)) for r in R.sorted_roles(state)] + \
        ([("-1", "This new role")] if adding else [])
    allows = ""
    for kind in R.ALLOW_KINDS:
        sel = set(data["allow" + kind])
        allows += ('<div class="fitem"><label for="menuallow%(k)s">Allow role %(k)ss</label>'
                   '<input type="hidden" name="allow%(k)s[]" value=""><select name="allow%(k)s[]" id="menuallow%(k)s" '
                   'multiple="multiple" size="10" class="form-control">%(o)s</select></div>'
                   % dict(k=kind, o="".join('<option value="%s"%s>%s</option>' % (v, " selected" if v in sel else "",
                                                                                  esc(t)) for v, t in allow_opts)))
    table = _capability_table(ctx, data["caps"], "advanced" if advanced else "basic")
    archetypes = "".join('<option value="%s"%s>%s</option>' % (esc(a), " selected" if a == data["archetype"] else "",
                                                               esc(t)) for a, t in R.ARCHETYPES)
    form = ('<form id="rolesform" class="mform fullwidth" action="%(w)s%(p)s?%(a)s" method="post">'
            '<div><input type="hidden" name="sesskey" value="%(sk)s"><input type="hidden" name="return" value="%(ret)s">'
            '<input type="hidden" name="resettype" value="none"></div>%(buttons)s'
            '<fieldset><div class="fitem"><label for="shortname">Short name</label><input type="text" name="shortname" '
            'id="shortname" maxlength="254" size="50" value="%(short)s" class="form-control">%(eshort)s</div>'
            '<div class="fitem"><label for="name">Custom full name</label><input type="text" name="name" id="name" '
            'maxlength="254" size="50" value="%(name)s" class="form-control">%(ename)s</div>'
            '<div class="fitem"><label for="description">Custom description</label><textarea name="description" '
            'id="description" rows="10" cols="50" class="form-control">%(desc)s</textarea></div>'
            '<div class="fitem"><label for="menuarchetype">Role archetype</label><select name="archetype" '
            'id="menuarchetype" class="custom-select">%(arch)s</select></div>'
            '<div class="fitem"><span>Context types where this role may be assigned</span>%(levels)s</div>'
            '%(allows)s</fieldset>'
            '<div class="advancedbutton"><input type="submit" name="toggleadvanced" class="btn btn-secondary" '
            'value="%(toggle)s"></div>'
            '%(table)s%(buttons)s</form>'
            % dict(w=state.wwwroot, p=DEFINE, a=action, sk=esc(ctx.session.sesskey), ret=esc(ret), buttons=buttons,
                   short=esc(data["shortname"]), eshort=err("shortname"), name=esc(data["name"]), ename=err("name"),
                   desc=esc(data["description"]), arch=archetypes, levels=levels, allows=allows,
                   toggle="Hide advanced" if advanced else "Show advanced", table=table))
    title = "Add a new role" if adding else 'Editing role "%s"' % R.role_name(role)
    return page(ctx, "Define roles | lab", "<h2>%s</h2>%s" % (esc(title), form), bodyid="page-admin-roles-define",
                pageurl=ctx.url(DEFINE))


PERMISSIONS_ORDER = [(0, "Not set"), (1, "Allow"), (-1, "Prevent"), (-1000, "Prohibit")]
PERMCLASS = {0: "inherit", 1: "allow", -1: "prevent", -1000: "prohibit"}


def _cap_name_cell(ctx, cap):
    """The capability's row header: its docs.moodle.org link and its name (Moodle's capability_table_base)."""
    return ('<th scope="row" class="name"><span class="cap-desc"><a onclick="this.target=\'docspopup\'" '
            'href="https://docs.moodle.org/%s/en/Capabilities/%s">%s</a><span class="cap-name">%s</span></span></th>'
            % (ctx.state.moodle.docs, esc(cap), esc(cap), esc(cap)))


def _heading_row(heading, colspan):
    return ('<tr class="rolecapheading header"><td colspan="%d" class="header"><strong>%s</strong></td></tr>'
            % (colspan, esc(heading)))


def _risk_cells(ctx, cap):
    risks = risks_of(cap)
    docs = "https://docs.moodle.org/%s/en/Risks" % ctx.state.moodle.docs
    return "".join('<td class="risk %s">%s</td>' % (
        key, ('<a href="%s"><i class="icon fa fa-triangle-exclamation fa-fw" title="%s" role="img" aria-label="%s">'
              '</i></a>' % (docs, esc(title), esc(short))) if risks & bit else "")
        for bit, key, title, short in RISK_COLUMNS)


def _capability_table(ctx, caps, mode):
    """table#defineroletable of define.php: a heading row per capability group (component + context level) and one
    row per capability (docs link, permission cell(s), six risk columns). mode "basic": hidden 0 + checkbox Allow;
    "advanced": four radios; "view": the permission as text, only capabilities whose permission is set (294)."""
    npermcols = 4 if mode == "advanced" else 1
    colspan = 1 + npermcols + len(RISK_COLUMNS)
    rows = []
    for heading, group in capability_groups(ctx.state.moodle):
        shown = [c for c in group if mode != "view" or caps.get(c, 0)]
        if shown:
            rows.append(_heading_row(heading, colspan))
        for cap in shown:
            perm = caps.get(cap, 0)
            if mode == "advanced":
                cells = "".join('<td class="%s%s"><label><input type="radio" name="%s" value="%d"%s> '
                                '<span class="note">%s</span></label></td>'
                                % (PERMCLASS[p], " capdefault" if p == 0 else "", esc(cap), p,
                                   " checked" if p == perm else "", esc(t))
                                for p, t in PERMISSIONS_ORDER)
            elif mode == "basic":
                cells = ('<td class="%s"><input type="hidden" name="%s" value="0"><label><input type="checkbox" '
                         'name="%s" value="1"%s> Allow</label></td>'
                         % ("allow" if perm == 1 else "inherit", esc(cap), esc(cap), " checked" if perm == 1 else ""))
            else:
                cells = ('<td class="%s">%s<span class="note">Default: Not set</span></td>'
                         % (PERMCLASS.get(perm, "inherit"), esc(PERMTEXT.get(perm, ""))))
            riskclasses = "".join(" risk" + key for bit, key, _t, _s in RISK_COLUMNS if risks_of(cap) & bit)
            name_cell, risk_cells = _cap_name_cell(ctx, cap), _risk_cells(ctx, cap)
            rows.append('<tr class="rolecap%s">%s%s%s</tr>' % (riskclasses, name_cell, cells, risk_cells))
    return ('<table class="rolecap table-hover table-striped" id="defineroletable"><thead><tr>'
            '<th class="name" align="left" scope="col">Capability</th><th colspan="%d" scope="col">Permission '
            '<a class="btn btn-link p-0" role="button" data-toggle="popover" tabindex="0" aria-label="Help">'
            '<i class="icon fa fa-circle-question text-info fa-fw" title="Help with Permission" role="img" '
            'aria-label="Help with Permission"></i></a></th><th class="risk" colspan="%d" scope="col">Risks</th>'
            '</tr></thead><tbody>%s</tbody></table>' % (npermcols, len(RISK_COLUMNS), "".join(rows)))


def _validate(state, data, roleid):
    errors = {}
    # Moodle's core_role strings: errorbadroleshortname (recorded), errorexistsroleshortname, errorexistsrolename.
    if not data["shortname"]:
        errors["shortname"] = "Incorrect role short name"
    elif any(r["shortname"] == data["shortname"] and r["id"] != roleid for r in state.roles.values()):
        errors["shortname"] = "Role name already exists"
    if any(data["name"] and r["name"] == data["name"] and r["id"] != roleid for r in state.roles.values()):
        errors["name"] = "Role name already exists"
    return errors


def _view_page(ctx, role):
    state = ctx.state
    rid = str(role["id"])
    sk = ctx.session.sesskey
    buttons = (single_button(ctx.url(DEFINE), "Edit", "post", [("action", "edit"), ("roleid", rid), ("return", "define"),
                                                               ("sesskey", sk)], primary=False) +
               single_button(ctx.url(DEFINE), "Reset", "post", [("action", "reset"), ("roleid", rid),
                                                                ("return", "define"), ("sesskey", sk)], primary=False) +
               single_button(ctx.url(DEFINE), "Export", "post", [("action", "export"), ("roleid", rid),
                                                                 ("sesskey", sk)], primary=False) +
               single_button(ctx.url(MANAGE), "List all roles", "post", [("sesskey", sk)], primary=False))
    caps = state.role_caps.get(role["id"], {})
    levels = "".join('<div class="form-check"><input class="form-check-input" type="checkbox" id="cl%(l)d" '
                     'name="contextlevel%(l)d" value="1" disabled="disabled"%(c)s> <label class="form-check-label" '
                     'for="cl%(l)d">%(t)s</label></div>'
                     % dict(l=level, t=esc(label), c=' checked="checked"' if level in role["contextlevels"] else "")
                     for level, label in R.CONTEXT_LEVELS)
    names = dict((str(r["id"]), R.role_name(r)) for r in state.roles.values())

    def item(label, value):
        return ('<div class="fitem row"><div class="fitemtitle col-md-3">%s</div><div class="felement col-md-9">%s'
                '</div></div>' % (label, value))

    def allowed(kind):
        return esc(", ".join(names.get(v, v) for v in role["allow" + kind]) or "None")
    allows = "".join(item("Allow role %ss" % kind, allowed(kind)) for kind in R.ALLOW_KINDS)
    mask = 0
    for c, v in caps.items():
        if v == 1:
            mask |= risks_of(c)
    risk_link = ('<a href="https://docs.moodle.org/%s/en/Risks" class="action-icon"><i class="icon fa '
                 'fa-triangle-exclamation" title="%s" aria-label="%s"></i></a>')
    risks = " ".join(risk_link % (state.moodle.docs, esc(short), esc(short))
                     for bit, _key, _title, short in RISK_COLUMNS if mask & bit)
    details = ('<div id="roledetails" class="mform fullwidth">%s%s%s%s%s%s%s</div>'
               % (item("Short name", esc(role["shortname"])), item("Custom full name", esc(role["name"])),
                  item("Custom description", esc(role["description"])),
                  item("Role archetype", esc(role["archetype"] or "None")),
                  item("Context types where this role may be assigned", levels), allows, item("Role risks", risks)))
    main = ('<h2>Viewing the definition of role "%s"</h2><div class="buttons">%s</div>%s%s'
            '<div class="backlink"><p><a href="%s">Back to the list of all roles</a></p></div>'
            % (esc(R.role_name(role)), buttons, details, _capability_table(ctx, caps, "view"), ctx.url(MANAGE)))
    return page(ctx, "Define roles | lab", main, bodyid="page-admin-roles-define", pageurl=ctx.url(DEFINE))


def define_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    action = ctx.param("action") or "view"
    roleid = _int(ctx.param("roleid"))
    resettype = ctx.param("resettype")
    post = ctx.post
    if action == "add":
        role = None
        if ctx.method == "POST" and post.get("_qf__core_role_preset_form") == "1":
            if "cancel" in post:
                return redirect(ctx.url(MANAGE))
            return _definition_form(ctx, None, _from_preset(state, resettype or "0"))
        if resettype is None:
            return _preset_form(ctx)
        base = _empty_definition()
    elif action in ("edit", "view", "reset", "export"):
        role, resp = _role_or_error(ctx, roleid)
        if resp is not None:
            return resp
        if action in ("view", "reset", "export") or (ctx.method == "POST" and "savechanges" not in post and
                                                     "toggleadvanced" not in post and "cancel" not in post
                                                     and resettype is None):
            if action == "edit":
                return _definition_form(ctx, role, _definition_of(state, role))
            return _view_page(ctx, role)
        base = _definition_of(state, role)
    else:
        return error_page(ctx, "Invalid action.", "invalidaction", continueurl=ctx.url(MANAGE))
    ret = ctx.param("return") if ctx.param("return") in ("manage", "define") else "manage"
    if ctx.method != "POST":
        return _definition_form(ctx, role, base)
    if "cancel" in post:
        if role is not None and ret == "define":
            return redirect(ctx.url("%s?action=view&roleid=%d" % (DEFINE, role["id"])))
        return redirect(ctx.url(MANAGE))
    data = _merge_post(state, post, base)
    if "toggleadvanced" in post:
        prefs = _prefs(ctx)
        prefs[PREF_ADVANCED] = "0" if prefs.get(PREF_ADVANCED) == "1" else "1"
        return _definition_form(ctx, role, data)
    ctx.write = True
    if not ctx.sesskey_ok():
        return error_page(ctx, "Your session has most likely timed out. Please check if you are logged in or go back "
                               "to the previous screen and reload the page.", "invalidsesskey", module="moodle")
    errors = _validate(state, data, role["id"] if role else None)
    if errors:
        return _definition_form(ctx, role, data, errors)
    if role is None:
        role = R.add_role(state, data["shortname"], data["name"], data["description"], data["archetype"],
                          data["contextlevels"], data["caps"])
        for kind in R.ALLOW_KINDS:
            role["allow" + kind] = [str(role["id"]) if v == "-1" else v for v in data["allow" + kind]]
        return redirect(ctx.url("%s?action=view&roleid=%d" % (DEFINE, role["id"])))
    for key in ("shortname", "name", "description", "archetype", "contextlevels") + tuple(
            "allow" + k for k in R.ALLOW_KINDS):
        role[key] = data[key]
    state.role_caps[role["id"]] = data["caps"]
    if ret == "define":
        return redirect(ctx.url("%s?action=view&roleid=%d" % (DEFINE, role["id"])))
    return redirect(ctx.url(MANAGE))


# ---------------------------------------------------------------- user selectors
def _selector_hash(ctx, name, options):
    """Register a user selector in the session (search.php answers for it), as initialise_javascript() does."""
    h = hashlib.md5(json.dumps([name, options], sort_keys=True).encode()).hexdigest()
    selectors = getattr(ctx.session, "user_selectors", None)
    if selectors is None:
        selectors = ctx.session.user_selectors = {}
    selectors[h] = dict(options, name=name)
    ctx.session.last_user_selector = h
    return ('<script>M.core_user.init_user_selector(Y, %s, %s, ["email"], "", 0);</script>'
            % (json.dumps(name), json.dumps(h)))


def _user_options(users, group):
    """user_selector_base::output_options(): the users in an optgroup "<group> (N)"; no users: an optgroup "None"
    holding one disabled empty option (296)."""
    if not users:
        return '<optgroup label="None"><option disabled="disabled">&nbsp;</option></optgroup>'
    return '<optgroup label="%s (%d)">%s</optgroup>' % (esc(group), len(users), "".join(
        '<option value="%d">%s (%s)</option>' % (u["id"], esc(fullname(u)), esc(u["email"])) for u in users))


def _site_users(state):
    return [u for u in sorted(state.users.values(), key=lambda u: u["id"]) if u["id"] != 1 and not u["deleted"]]


def _potential_assignees(state, roleid):
    held = set(R.assigned_users(state, roleid))
    return [u for u in _site_users(state) if u["id"] not in held]


def _matches(user, search):
    s = (search or "").strip().lower()
    return not s or s in fullname(user).lower() or s in (user.get("email") or "").lower()


def search_php(ctx):
    """user/selector/search.php: JSON for the user selectors' live search (297)."""
    resp = require_login(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    if not ctx.sesskey_ok():
        return error_page(ctx, "Your session has most likely timed out. Please check if you are logged in or go back "
                               "to the previous screen and reload the page.", "invalidsesskey", module="moodle")
    selectors = getattr(ctx.session, "user_selectors", {}) or {}
    sel = selectors.get(ctx.param("selectorid")) or selectors.get(getattr(ctx.session, "last_user_selector", None))
    if sel is None:
        return error_page(ctx, "The user selector is unknown.", "unknownuserselector", module="moodle")
    search = ctx.param("search") or ""
    if sel.get("kind") == "assign_potential":
        users = _potential_assignees(state, sel.get("roleid"))
    elif sel.get("kind") == "assign_existing":
        users = [state.users[u] for u in R.assigned_users(state, sel.get("roleid")) if u in state.users]
    else:
        users = _site_users(state)
    users = [u for u in users if _matches(u, search)]
    group = ("Potential users matching '%s'" % search) if search else "Potential users"
    if sel.get("kind") == "assign_existing":
        group = ("Existing users matching '%s'" % search) if search else "Existing users"
    results = [{"name": group, "users": [{"id": str(u["id"]), "name": "%s (%s)" % (fullname(u), u["email"])}
                                         for u in users]}] if users else []
    return Response(200, json.dumps({"results": results}, separators=(",", ":")),
                    content_type="application/json; charset=utf-8",
                    headers=[("Cache-Control", "no-store, no-cache, must-revalidate"),
                             ("Cache-Control", "post-check=0, pre-check=0"), ("Pragma", "no-cache"),
                             ("Expires", "Mon, 20 Aug 1969 09:23:00 GMT"), ("Accept-Ranges", "none")])


# ---------------------------------------------------------------- assign.php
def assign_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    w = state.wwwroot
    contextid = _int(ctx.param("contextid"), 1)
    if contextid != 1:
        return error_page(ctx, "Invalid context", "invalidcontext")
    roleid = ctx.param("roleid")
    assignable = [r for r in R.sorted_roles(state) if 10 in r["contextlevels"]]
    if roleid is None:
        rows = "".join('<tr><td class="cell c0"><a href="%s%s?contextid=1&amp;roleid=%d">%s</a></td>'
                       '<td class="cell c1">%s</td><td class="cell c2 lastcol">%d</td></tr>'
                       % (w, ASSIGN, r["id"], esc(R.role_name(r)), esc(r["description"]),
                          len(R.assigned_users(state, r["id"]))) for r in assignable)
        main = ('<h2>Assign roles in System</h2><table class="generaltable" id="assignrole"><thead><tr>'
                '<th class="header c0">Role</th><th class="header c1">Description</th>'
                '<th class="header c2 lastcol">Users with role</th></tr></thead><tbody>%s</tbody></table>' % rows)
        return page(ctx, "Assign roles | lab", main, bodyid="page-admin-roles-assign", pageurl=ctx.url(ASSIGN))
    roleid = _int(roleid)
    role = state.roles.get(roleid)
    if role is None or role not in assignable:
        return error_page(ctx, "You are not allowed to assign this role (id = %d) in this context (System)" % roleid,
                          "cannotassignrolehere", module="role")
    if ctx.method == "POST" and ctx.sesskey_ok():
        if ctx.post.get("add") is not None:
            ctx.write = True
            sel = ctx.post.get("addselect")
            for uid in (sel.values() if isinstance(sel, dict) else []):
                uid = _int(uid)
                if uid in state.users and uid != 1 and (roleid, uid) not in state.role_assignments:
                    state.role_assignments.append((roleid, uid))
        elif ctx.post.get("remove") is not None:
            ctx.write = True
            sel = ctx.post.get("removeselect")
            gone = set(_int(u) for u in (sel.values() if isinstance(sel, dict) else []))
            state.role_assignments = [(r, u) for r, u in state.role_assignments if not (r == roleid and u in gone)]
    existing = [state.users[u] for u in R.assigned_users(state, roleid) if u in state.users]
    potential = _potential_assignees(state, roleid)
    # the tertiary navigation's Back button and, below the selectors, the "Assign another role" single_select
    # (hidden contextid + roleid, the select, a noscript Go button), as 296 shows them
    back = ('<div class="tertiary-navigation">%s</div>'
            % single_button(ctx.url(ASSIGN), "Back", hidden=[("contextid", "1")], primary=False))
    switcher = ('<div class="backlink"><div class="singleselect d-inline-block"><form method="get" action="%s%s">'
                '<input type="hidden" name="contextid" value="1"><input type="hidden" name="roleid" value="%d">'
                '<label for="roleselect">Assign another role</label><select name="roleid" id="roleselect" '
                'class="custom-select singleselect">%s</select><noscript><input type="submit" '
                'class="btn btn-secondary" value="Go"></noscript></form></div></div>'
                % (w, ASSIGN, roleid, "".join('<option value="%d"%s>%s (%d)</option>'
                                              % (r["id"], " selected" if r["id"] == roleid else "", esc(R.role_name(r)),
                                                 len(R.assigned_users(state, r["id"]))) for r in assignable)))
    main = ('%(back)s<h2>Assign role \'%(rn)s\' in System</h2>'
            '<form id="assignform" method="post" action="%(w)s%(p)s?contextid=1&amp;roleid=%(rid)d">'
            '<input type="hidden" name="sesskey" value="%(sk)s"><table id="assigningrole" class="roleassigntable">'
            '<tr><td id="existingcell"><label for="removeselect">Existing users</label><select name="removeselect[]" '
            'id="removeselect" multiple="multiple" size="20">%(ex)s</select>%(exs)s</td><td id="buttonscell">'
            '<input name="add" id="add" type="submit" value="&#x25C4;&nbsp;Add" title="Add"><br>'
            '<input name="remove" id="remove" type="submit" value="Remove&nbsp;&#x25BA;" title="Remove"></td>'
            '<td id="potentialcell"><label for="addselect">Potential users</label><select name="addselect[]" '
            'id="addselect" multiple="multiple" size="20">%(pot)s</select>%(pos)s</td></tr></table></form>'
            '%(switch)s%(js)s'
            % dict(back=back, rn=esc(R.role_name(role)), switch=switcher, w=w, p=ASSIGN, rid=roleid,
                   sk=esc(ctx.session.sesskey),
                   ex=_user_options(existing, "Existing users"), exs=_selector_search("removeselect", True),
                   pot=_user_options(potential, "Potential users"), pos=_selector_search("addselect", False),
                   js=_selector_hash(ctx, "removeselect", {"kind": "assign_existing", "roleid": roleid}) +
                   _selector_hash(ctx, "addselect", {"kind": "assign_potential", "roleid": roleid})))
    return page(ctx, "Assign roles | lab", main, bodyid="page-admin-roles-assign", pageurl=ctx.url(ASSIGN))


# ---------------------------------------------------------------- check.php
def check_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    w = state.wwwroot
    if _int(ctx.param("contextid"), 1) != 1:
        return error_page(ctx, "Invalid context", "invalidcontext")
    users = _site_users(state)
    chosen = state.users.get(_int(ctx.param("reportuser"))) if ctx.method == "POST" else None
    opts = "".join('<option value="%d"%s>%s (%s)</option>' % (u["id"], " selected" if chosen is u else "",
                                                              esc(fullname(u)), esc(u["email"])) for u in users)
    report = ""
    if chosen is not None:
        roles = R.user_roles(state, chosen["id"]) + ([state.roles[7]] if 7 in state.roles else [])
        roleitems = "".join("<li>%s in System</li>" % esc(R.role_name(r)) for r in roles)
        rows = []
        for heading, group in capability_groups(state.moodle):
            rows.append(_heading_row(heading, 2))
            for cap in group:
                yes = state.has_capability(chosen["id"], cap)
                rows.append('<tr class="rolecap %s">%s<td>%s</td></tr>'
                            % ("yes" if yes else "no", _cap_name_cell(ctx, cap), "Yes" if yes else "No"))
        report = ('<h3>Roles for user %s</h3><ul>%s</ul><h3>Permissions in System</h3><table class="rolecap" '
                  'id="explaincaps"><thead><tr><th class="name" align="left" scope="col">Capability</th>'
                  '<th class="text-nowrap" scope="col">Allowed</th></tr></thead><tbody>%s</tbody></table>'
                  % (esc(fullname(chosen)), roleitems, "".join(rows)))
    main = ('<h2>Check system permissions</h2><form method="post" action="%s%s?contextid=1" id="checkpermissions">'
            '<label for="reportuser">Check permissions for user</label><select name="reportuser" id="reportuser" '
            'size="20">%s</select>%s<input type="submit" class="btn btn-primary" value="Show this user\'s permissions">'
            '</form>%s%s' % (w, CHECK, opts, _selector_search("reportuser", True),
                             _selector_hash(ctx, "reportuser", {"kind": "check"}), report))
    return page(ctx, "Check system permissions | lab", main, bodyid="page-admin-roles-check", pageurl=ctx.url(CHECK))
