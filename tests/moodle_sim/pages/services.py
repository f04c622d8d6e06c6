"""External services: list tables, service.php, service_functions.php, service_users.php (flow f06)."""
import time

from .. import capabilities, external_functions, wsfunctions
from ..html import confirm_box, esc, error_page, fullname, page, single_button
from ..response import redirect
from .common import require_admin

LIST_URL = "/admin/settings.php?section=externalservices"


def _table(ctx, services, tableid, builtin):
    w = ctx.state.wwwroot
    rows = []
    for i, s in enumerate(services):
        name = "<span>%s</span>" % esc(s["name"]) if s["enabled"] else '<span class="dimmed_text">%s</span>' % esc(
            s["name"])
        second = esc(s["component"]) if builtin else (
            '<a href="%s/admin/webservice/service.php?action=delete&amp;sesskey=%s&amp;id=%d">Delete</a>'
            % (w, esc(ctx.session.sesskey), s["id"]))
        users = ('<a href="%s/admin/webservice/service_users.php?id=%d">Authorised users</a>' % (w, s["id"])) \
            if s["restrictedusers"] else "All users"
        rows.append('<tr class="%s">\n<td class="leftalign service cell c0">%s</td>\n'
                    '<td class="leftalign plugin cell c1">%s</td>\n<td class="centeralign functions cell c2">'
                    '<a href="%s/admin/webservice/service_functions.php?id=%d">Functions</a></td>\n'
                    '<td class="centeralign users cell c3">%s</td>\n<td class="centeralign cell c4 lastcol">'
                    '<a href="%s/admin/webservice/service.php?id=%d">Edit</a></td>\n</tr>'
                    % ("lastrow" if i == len(services) - 1 else "", name, second, w, s["id"], users, w, s["id"]))
    heads = ["External service", "Plugin" if builtin else "Delete", "Functions", "Users", "Edit"]
    ths = "".join('<th class="header c%d" scope="col">%s</th>' % (i, h) for i, h in enumerate(heads))
    return ('<div class="table-responsive"><table class="admintable externalservices generaltable" id="%s">\n'
            '<thead>\n<tr>%s</tr>\n</thead>\n%s\n</table>\n</div>' % (tableid, ths, (
                "<tbody>%s</tbody>" % "\n".join(rows)) if rows else
                '<tbody class="empty"><tr><td colspan="%d"></td></tr></tbody>' % len(heads)))


def services_tables(ctx):
    services = sorted(ctx.state.services.values(), key=lambda s: s["id"])
    builtin = [s for s in services if s["component"]]
    custom = [s for s in services if not s["component"]]
    return ('<h3 class="main">Information</h3><div class="box generalbox formsettingheading"><p>A service is a set of '
            'functions, for all users or only for authorised ones.</p></div>'
            '<h3 class="main">Built-in services</h3>%s<h3 class="main">Custom services</h3>%s<br />'
            '<a href="%s/admin/webservice/service.php?id=0">Add</a>'
            % (_table(ctx, builtin, "builtinservices", True), _table(ctx, custom, "customservices", False),
               ctx.state.wwwroot))


# ---------------------------------------------------------------- service.php
def _checkbox(name, label, checked, frozen=False):
    if frozen:
        return ('<div class="fitem"><input type="checkbox" name="%s" value="1" id="id_%s"%s disabled> '
                '<label for="id_%s">%s</label></div>' % (name, name, " checked" if checked else "", name, label))
    return ('<div class="fitem checkbox"><input type="hidden" name="%s" value="0">'
            '<input type="checkbox" name="%s" class="form-check-input" value="1" id="id_%s"%s> '
            '<label for="id_%s">%s</label></div>' % (name, name, name, " checked" if checked else "", name, label))


def service_form(ctx, service, values=None, errors=None):
    values = values or {}
    errors = errors or {}
    sid = service["id"] if service else ""
    builtin = bool(service and service["component"])

    def val(key, default):
        return values.get(key, service.get(key, default) if service else default)

    name = val("name", "")
    shortname = service["shortname"] if service else values.get("shortname", "")
    cap = val("requiredcapability", "") or "norequiredcapability"
    # every capability of the site, in the role form's order (046; 5.1: the 757 of that release)
    caps = ["norequiredcapability"] + list(capabilities.capabilities_of(ctx.state.moodle))
    opts = '<option value="">No selection</option>' + "".join(
        '<option value="%s"%s>%s</option>' % (esc(c), " selected" if c == cap else "",
                                              "No required capability" if c == "norequiredcapability" else esc(c))
        for c in caps)
    frozen_attr = " readonly disabled" if builtin else ""

    def err(key):
        return '<div class="form-control-feedback invalid-feedback" id="id_error_%s">%s</div>' % (
            key, esc(errors.get(key, "")))

    short_attr = " readonly disabled" if service else ""
    button = "Save changes" if service else "Add service"
    return ("""<form autocomplete="off" action="%(w)s/admin/webservice/service.php" method="post" accept-charset="utf-8" id="mform1_extservice" class="mform">
<div style="display: none;"><input name="id" type="hidden" value="%(sid)s" />
<input name="sesskey" type="hidden" value="%(sk)s" />
<input name="_qf__external_service_form" type="hidden" value="1" />
<input name="mform_showmore_id_extservice" type="hidden" value="0" />
<input name="mform_isexpanded_id_extservice" type="hidden" value="1" />
</div>
<fieldset class="clearfix collapsible" id="id_extservice"><legend class="sr-only">External service</legend>
<div id="fitem_id_name" class="mb-3 row fitem"><label id="id_name_label" for="id_name">Name</label>
<input type="text" class="form-control" name="name" id="id_name" value="%(name)s"%(frozen)s>%(ename)s</div>
<div id="fitem_id_shortname" class="mb-3 row fitem"><label id="id_shortname_label" for="id_shortname">Short name</label>
<input type="text" class="form-control" name="shortname"%(shortattr)s id="id_shortname" value="%(short)s" size="20" maxlength="255">%(eshort)s</div>
%(enabled)s
%(restricted)s
%(download)s
%(upload)s
<div id="fitem_id_requiredcapability" class="mb-3 row fitem"><label for="id_requiredcapability">Required capability</label>
<select name="requiredcapability" id="id_requiredcapability"%(frozen)s>%(opts)s</select></div>
</fieldset>
<div class="fitem fitem_actionbuttons"><input type="submit" class="btn btn-primary" name="submitbutton" id="id_submitbutton" value="%(button)s">
<input type="submit" class="btn btn-secondary" name="cancel" id="id_cancel" value="Cancel"></div>
</form>""" % dict(w=ctx.state.wwwroot, sid=sid, sk=esc(ctx.session.sesskey), name=esc(name), frozen=frozen_attr,
                  ename=err("name"), shortattr=short_attr, short=esc(shortname or ""), eshort=err("shortname"),
                  enabled=_checkbox("enabled", "Enabled", str(val("enabled", 0)) == "1"),
                  restricted=_checkbox("restrictedusers", "Authorised users only",
                                       str(val("restrictedusers", 0)) == "1", frozen=builtin),
                  download=_checkbox("downloadfiles", "Can download files", str(val("downloadfiles", 0)) == "1"),
                  upload=_checkbox("uploadfiles", "Can upload files", str(val("uploadfiles", 0)) == "1"),
                  opts=opts, button=button))


def _service_page(ctx, html, title="External services"):
    return page(ctx, "%s | lab" % title, html, bodyid="page-admin-webservice-service")


def service_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    raw_id = ctx.param("id")
    if raw_id is None:
        return error_page(ctx, "A required parameter (id) was missing", "missingparam", module="moodle")
    try:
        sid = int(raw_id or 0)
    except (TypeError, ValueError):
        sid = 0
    service = state.services.get(sid) if sid else None
    if sid and service is None:
        return error_page(ctx, "Can't find data record in database table external_services.", "invalidrecord",
                          module="error")
    action = ctx.param("action") or ""
    if action == "delete" and ctx.sesskey_ok() and service and not service["component"]:
        if str(ctx.param("confirm") or "0") not in ("1", "true"):
            main = confirm_box("Do you really want to delete external service %s?" % service["name"],
                               single_button("service.php", "Delete", "post",   # relative action, as recorded (064)
                                             [("id", service["id"]), ("action", "delete"), ("confirm", "1"),
                                              ("sesskey", ctx.session.sesskey)]),
                               single_button(ctx.url("/admin/settings.php"), "Cancel",
                                             hidden=[("section", "externalservices")],
                                             primary=False))
            return _service_page(ctx, main)
        ctx.write = True
        del state.services[service["id"]]
        state.tokens = [t for t in state.tokens if t["externalserviceid"] != service["id"]]
        return redirect(ctx.url(LIST_URL))
    if ctx.method == "POST" and ctx.post.get("_qf__external_service_form"):
        ctx.write = True
        if ctx.post.get("cancel") is not None:
            return redirect(ctx.url(LIST_URL))
        if ctx.sesskey_ok():
            data = ctx.post
            errors = {}
            builtin = bool(service and service["component"])
            name = (data.get("name") if not builtin else service["name"]) or ""
            name = name.strip() if isinstance(name, str) else ""
            shortname = service["shortname"] if service else (data.get("shortname") or "").strip()
            if not name:
                errors["name"] = "Required"
            for other in state.services.values():
                if service and other["id"] == service["id"]:
                    continue
                if other["name"] == name:
                    errors["name"] = "This name is already in use by another service"  # webservice:nameexists
                if shortname and other["shortname"] == shortname:
                    errors["shortname"] = "Short name is already used for another service (%s)" % other["name"]
            if errors:
                return _service_page(ctx, service_form(ctx, service, data, errors))
            flags = {}
            for key in ("enabled", "restrictedusers", "downloadfiles", "uploadfiles"):
                if builtin and key == "restrictedusers":
                    continue
                flags[key] = 1 if data.get(key) == "1" else 0
            cap = data.get("requiredcapability")
            if service is None:
                nid = state.next_service_id
                state.next_service_id += 1
                state.services[nid] = dict(id=nid, name=name, shortname=shortname or None, component=None,
                                           enabled=flags["enabled"], restrictedusers=flags["restrictedusers"],
                                           downloadfiles=flags["downloadfiles"], uploadfiles=flags["uploadfiles"],
                                           requiredcapability="" if cap in (None, "norequiredcapability") else cap,
                                           functions=[], users={}, timecreated=int(time.time()))
                return redirect(ctx.url("/admin/webservice/service_functions.php?id=%d" % nid))
            service.update(flags)
            if not builtin:
                service["name"] = name
                if cap is not None:
                    service["requiredcapability"] = "" if cap == "norequiredcapability" else cap
            return redirect(ctx.url(LIST_URL))
    return _service_page(ctx, service_form(ctx, service))


def _admin_and_service(ctx):
    """(service, None) for a site admin and an existing ?id=, else (None, the error page)."""
    resp = require_admin(ctx)
    if resp is not None:
        return None, resp
    try:
        service = ctx.state.services.get(int(ctx.param("id") or 0))
    except (TypeError, ValueError):
        service = None
    if service is None:
        return None, error_page(ctx, "Can't find data record in database table external_services.", "invalidrecord")
    return service, None


# ---------------------------------------------------------------- service_functions.php
def service_functions(ctx):
    service, resp = _admin_and_service(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    action = ctx.param("action") or ""
    w = state.wwwroot
    sk = ctx.session.sesskey
    base = "/admin/webservice/service_functions.php?id=%d" % service["id"]
    if action == "add" and ctx.sesskey_ok():
        if ctx.method == "POST" and ctx.post.get("_qf__external_service_functions_form") is not None \
                or ctx.method == "POST" and "fids" in ctx.post:
            ctx.write = True
            fids = ctx.post.get("fids")
            ids = list(fids.values()) if isinstance(fids, dict) else []
            for fid in ids:
                fn = external_functions.function_name(state.moodle, fid)
                if fn and fn not in service["functions"]:
                    service["functions"].append(fn)
            return redirect(ctx.url(base))
        # "No selection" first: the mform autocomplete's empty option (a client that int()s every value breaks)
        opts = '<option value="">No selection</option>' + "".join(
            '<option value="%d">%s:%s</option>' % (fid, esc(n), esc(d))
            for fid, n, d in external_functions.functions_of(state.moodle) if n not in service["functions"])
        main = ('<form autocomplete="off" action="%s/admin/webservice/service_functions.php" method="post" '
                'id="mform1_addfunction" class="mform"><div style="display: none;">'
                '<input name="id" type="hidden" value="%d" /><input name="action" type="hidden" value="add" />'
                '<input name="sesskey" type="hidden" value="%s" />'
                '<input name="_qf__external_service_functions_form" type="hidden" value="1" />'
                '<input name="mform_isexpanded_id_addfunction" type="hidden" value="1" /></div>'
                '<input name="fids" type="hidden" value="_qf__force_multiselect_submission">'
                '<select name="fids[]" id="id_fids" multiple="multiple">%s</select>'
                '<input type="submit" class="btn btn-primary" name="submitbutton" id="id_submitbutton" '
                'value="Add functions"><input type="submit" class="btn btn-secondary" name="cancel" id="id_cancel" '
                'value="Cancel"></form>' % (w, service["id"], esc(sk), opts))
        return page(ctx, "Add functions | lab", main, bodyid="page-admin-webservice-service_functions")
    if action == "delete" and ctx.sesskey_ok():
        ctx.write = True
        fid = ctx.param("fid")
        fn = external_functions.function_name(state.moodle, fid)
        if fn in service["functions"] and (ctx.param("confirm") == "1" or ctx.method == "POST"):
            service["functions"].remove(fn)
            return redirect(ctx.url(base))
    rows = []
    for fn in service["functions"]:
        f = wsfunctions.FUNCTIONS.get(fn, {})
        remove = "" if service["component"] else (
            '<a href="%s/admin/webservice/service_functions.php?sesskey=%s&amp;id=%d&amp;fid=%s&amp;action=delete">'
            'Remove</a>' % (w, esc(sk), service["id"], external_functions.function_id(state.moodle, fn) or ""))
        rows.append('<tr><td class="cell c0"><strong>%s</strong></td><td class="cell c1">%s</td>'
                    '<td class="cell c2">%s</td><td class="cell c3 lastcol">%s</td></tr>'
                    % (esc(fn), esc(f.get("description", "")), esc(f.get("capabilities", "")), remove))
    add = "" if service["component"] else (
        '<div class="mdl-align"><a href="%s/admin/webservice/service_functions.php?sesskey=%s&amp;id=%d&amp;'
        'action=add">Add functions</a></div>' % (w, esc(sk), service["id"]))
    table = ('<table class="generaltable" width="100%%"><thead><tr><th class="header c0">Function</th>'
             '<th class="header c1">Description</th><th class="header c2">Required capabilities</th>'
             '<th class="header c3 lastcol">Edit</th></tr></thead><tbody>%s</tbody></table>' % "".join(rows)
             ) if rows else ""        # no table at all while the service has no function (048)
    main = ('<h2>Functions of the service "%s"</h2>%s%s' % (esc(service["name"]), table, add))
    return page(ctx, "Functions | lab", main, bodyid="page-admin-webservice-service_functions")


# ---------------------------------------------------------------- service_users.php
def _selector_search(name, with_options):
    """user_selector_base search box (+ the shared search options, drawn once, 052)."""
    html = ('<div class="form-inline"><label for="%(n)s_searchtext">Search</label><input type="text" '
            'name="%(n)s_searchtext" id="%(n)s_searchtext" size="15" value="" class="form-control">'
            '<input type="submit" name="%(n)s_searchbutton" id="%(n)s_searchbutton" value="Search" '
            'class="btn btn-secondary"><input type="submit" name="%(n)s_clearbutton" id="%(n)s_clearbutton" '
            'value="Clear" class="btn btn-secondary"></div>' % dict(n=name))
    if with_options:
        html += ('<fieldset class="userselector-options"><legend>Search options</legend>'
                 '<input type="hidden" name="userselector_preserveselected" value="0"><input class="form-check-input" '
                 'type="checkbox" id="userselector_preserveselectedid" name="userselector_preserveselected" value="1">'
                 '<label for="userselector_preserveselectedid">Keep selected users, even if they no longer match the '
                 'search</label><input type="hidden" name="userselector_autoselectunique" value="0">'
                 '<input class="form-check-input" type="checkbox" id="userselector_autoselectuniqueid" '
                 'name="userselector_autoselectunique" value="1"><label for="userselector_autoselectuniqueid">If only '
                 'one user matches the search, select them automatically</label>'
                 '<input id="userselector_searchexactmatchesonlyid" type="radio" value="2" '
                 'name="userselector_searchexactmatchesonly"><label for="userselector_searchexactmatchesonlyid">'
                 'Exact matches only</label><input id="userselector_searchfromstartid" type="radio" value="0" '
                 'name="userselector_searchfromstart" checked><label for="userselector_searchfromstartid">Match the '
                 'search text at the start</label><input id="userselector_searchanywhereid" type="radio" value="1" '
                 'name="userselector_searchanywhere"><label for="userselector_searchanywhereid">Match the search text '
                 'anywhere</label></fieldset>')
    return html


def service_users(ctx):
    service, resp = _admin_and_service(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    if ctx.method == "POST" and ctx.sesskey_ok():
        if ctx.post.get("add") is not None:
            ctx.write = True
            sel = ctx.post.get("addselect")
            for uid in (sel.values() if isinstance(sel, dict) else []):
                if str(uid).isdigit() and int(uid) in state.users:
                    service["users"].setdefault(int(uid), dict(iprestriction=None, validuntil=0))
        elif ctx.post.get("remove") is not None:
            ctx.write = True
            sel = ctx.post.get("removeselect")
            for uid in (sel.values() if isinstance(sel, dict) else []):
                if str(uid).isdigit():
                    service["users"].pop(int(uid), None)
    w = state.wwwroot

    def order(u):  # users_order_by_sql()
        return (u.get("lastname") or "", u.get("firstname") or "", u["id"])
    authorised = sorted([state.users[u] for u in service["users"] if u in state.users], key=order)
    potential = sorted([u for u in state.users.values()
                        if u["id"] not in service["users"] and u["id"] != 1 and not u["deleted"]], key=order)

    def options(users, group):
        # user_selector_base: an optgroup "<group> (N)", or "None" with one disabled empty option (052)
        if not users:
            return '<optgroup label="None"><option disabled="disabled">&nbsp;</option></optgroup>'
        return '<optgroup label="%s (%d)">%s</optgroup>' % (esc(group), len(users), "".join(
            '<option value="%d">%s (%s)</option>' % (u["id"], esc(fullname(u)), esc(u["email"])) for u in users))
    main = ('<h2>%s</h2><form id="assignform" method="post" action="%s/admin/webservice/service_users.php?id=%d">'
            '<input type="hidden" name="sesskey" value="%s"><div class="table-responsive"><table class="roleassigntable '
            'generaltable generalbox boxaligncenter"><tbody><tr class="lastrow"><td id="existingcell">'
            '<label for="removeselect">Authorised users</label><select name="removeselect[]" id="removeselect" '
            'multiple="multiple">%s</select>%s</td><td id="buttonscell">'
            '<div id="addcontrols"><input name="add" id="add" type="submit" value="&#x25C0; Add" title="Add"></div><br>'
            '<div id="removecontrols"><input name="remove" id="remove" type="submit" value="&#x25B6; Remove" '
            'title="Remove"></div></td>'
            '<td id="potentialcell"><label for="addselect">Users</label><select name="addselect[]" id="addselect" '
            'multiple="multiple">%s</select>%s</td></tr></tbody></table></div></form>'
            % (esc(service["name"]), w, service["id"], esc(ctx.session.sesskey),
               options(authorised, "Authorised users"), _selector_search("removeselect", True),
               options(potential, "Not authorised users"), _selector_search("addselect", False)))
    return page(ctx, "Authorised users | lab", main, bodyid="page-admin-webservice-service_users")
