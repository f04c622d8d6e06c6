"""admin/webservice/tokens.php (flow f07, fixtures 068-080, 110): the "Manage tokens" system report, the create
form (core_webservice\\token_form) and the delete confirmation.

Markup written for the simulator; kept from the recordings: the create button (GET form, action=create), the
report builder filter form (its field names), table#... rows with ids system-report-table-1_rN, 30 rows a page
padded with tr.emptyrow, "Nothing to display", div#copytoclipboardtoken shown once after a create, the token form
field names, the usernotallowed alert, the delete confirm form (tokenid, action, confirm, sesskey)."""
import calendar
import json
import time

from .. import capabilities, external_functions, wsfunctions
from ..html import confirm_box, esc, error_page, fullname, notification_html, page, single_button
from ..response import redirect
from .common import require_admin

PATH = "/admin/webservice/tokens.php"
PERPAGE = 30
FILTERS_JSON = ('{"jointype":2,"filters":{"parameters":{"name":"parameters","jointype":1,"values":["[]"]},'
                '"reportid":{"name":"reportid","jointype":1,"values":[1]}}}')
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
TEXT_OPERATORS = ["Is any value", "Contains", "Does not contain", "Is equal to", "Is not equal to", "Starts with",
                  "Ends with", "Is empty", "Is not empty"]
DATE_OPERATORS = [(0, "Is any value"), (1, "Is not empty"), (2, "Is empty"), (3, "Range"), (9, "Before"),
                  (10, "After"), (4, "Last"), (5, "Current"), (6, "Next"), (7, "In the past"), (8, "In the future")]
DATE_UNITS = [(5, "minute(s)"), (0, "hour(s)"), (1, "day(s)"), (2, "week(s)"), (3, "month(s)"), (4, "year(s)")]
# The token report's "Missing capabilities" column lists the capabilities the service's functions declare
# (capabilities.FUNCTION_CAPABILITIES, with their sources) that the user lacks (314).


def _options(options, selected=None):
    return "".join('<option value="%s"%s>%s</option>' % (esc(v), " selected" if str(v) == str(selected) else "",
                                                         esc(label)) for v, label in options)


def _select(name, options, selected=None, extra=""):
    return '<select class="custom-select" name="%s" id="id_%s"%s>%s</select>' % (
        esc(name), esc(name.replace(":", "").replace("[", "_").replace("]", "")), extra, _options(options, selected))


def _date_selector(name, ts, enabled, is51=False, with_time=False):
    """MoodleQuickForm date_selector. 5.1: the calendar is a <button type="button" name="..[calendar]"> (never
    posted; 4.5: <a name=..[calendar]>); the report's "Valid until" from/to are date_time_selectors there, with
    [hour] (00-23) and [minute] (00-59) between the year and the calendar (5.1.3 068, 069)."""
    t = time.gmtime(ts)
    parts = [_select(name + "[day]", [(i, i) for i in range(1, 32)], t.tm_mday),
             _select(name + "[month]", list(zip(range(1, 13), MONTHS)), t.tm_mon),
             _select(name + "[year]", [(i, i) for i in range(1900, 2051)], t.tm_year)]
    if with_time:
        parts += [_select(name + "[hour]", [(i, "%02d" % i) for i in range(24)], t.tm_hour),
                  _select(name + "[minute]", [(i, "%02d" % i) for i in range(60)], t.tm_min)]
    if is51:
        parts.append('<button class="btn btn-link btn-sm icon-no-margin" name="%s[calendar]" type="button" '
                     'title="Date picker" aria-label="Date picker"><i class="icon fa-regular fa-calendar fa-fw" '
                     'aria-hidden="true"></i></button>' % esc(name))
    else:
        parts.append('<a name="%s[calendar]" href="#">Calendar</a>' % esc(name))
    kind = "date_time" if with_time else "date"
    return ('<fieldset data-fieldtype="%(k)s" class="m-0 p-0 border-0"><span class="f%(k)s_selector d-flex">'
            '<label class="form-check"><input type="checkbox" name="%(n)s[enabled]" class="form-check-input" '
            'value="1"%(c)s> Enable</label>%(p)s</span></fieldset>'
            % dict(k=kind, n=esc(name), c=" checked" if enabled else "", p="".join(parts)))


def _fmt_date(ts, weekday=False):
    t = time.gmtime(ts)   # the lab's timezone is Europe/London (UTC in winter)
    hour = t.tm_hour % 12 or 12
    s = "%d %s %d, %d:%02d %s" % (t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year, hour, t.tm_min,
                                  "AM" if t.tm_hour < 12 else "PM")
    return (time.strftime("%A", t) + ", " + s) if weekday else s


# ---------------------------------------------------------------- list (report builder system report)
def _filters_form(ctx):
    sk = esc(ctx.session.sesskey)
    now = int(time.time())
    is51 = ctx.state.moodle.is51
    stored = report_filters(ctx.state, ctx.user)

    def text_filter(prefix, label):
        return ('<div class="filter" data-filter-for="%s"><div class="filter-name">%s</div>%s'
                '<input type="text" class="form-control" name="%s_value" value="%s"></div>'
                % (label, label, _select(prefix + "_operator", list(enumerate(TEXT_OPERATORS)),
                                         stored.get(prefix + "_operator", 0)), prefix,
                   esc(stored.get(prefix + "_value", ""))))

    services = sorted(set(s["name"] for s in ctx.state.services.values()))
    return ('<form autocomplete="off" action="%(w)s%(p)s" method="post" accept-charset="utf-8" '
            'class="mform full-width-labels" id="reportbuilder-filters-form">'
            '<div style="display: none;"><input name="reportid" type="hidden" value="1">'
            '<input name="parameters" type="hidden" value="[]"><input name="sesskey" type="hidden" value="%(sk)s">'
            '<input name="_qf__core_reportbuilder_form_filter" type="hidden" value="1"></div>'
            '%(name)s%(user)s'
            '<div class="filter" data-filter-for="Service"><div class="filter-name">Service</div>'
            '<input type="hidden" name="service:name_values" value="_qf__force_multiselect_submission">'
            '<select class="custom-select" name="service:name_values[]" id="id_servicename_values" multiple>'
            '%(services)s</select></div>'
            '<div class="filter" data-filter-for="Valid until"><div class="filter-name">Valid until</div>'
            '%(dop)s<input type="text" class="form-control" name="token:validuntil_value" value="1" size="3">%(unit)s'
            '%(from)s%(to)s</div>'
            '<div class="buttonar"><input type="submit" class="btn btn-primary" name="submitbutton" value="Apply">'
            '<input type="submit" class="btn btn-link" name="resetfilters" value="Reset all" data-no-submit="1">'
            '</div></form>'
            % dict(w=ctx.state.wwwroot, p=PATH, sk=sk, name=text_filter("token:name", "Name"),
                   user=text_filter("user:fullname", "User"),
                   services=_options([(0, "")] + [(n, n) for n in services]),
                   dop=_select("token:validuntil_operator", DATE_OPERATORS, 0),
                   unit=_select("token:validuntil_unit", DATE_UNITS, 1),
                   **{"from": _date_selector("token:validuntil_from", now, False, is51, is51),
                      "to": _date_selector("token:validuntil_to", now, False, is51, is51)}))


def _missing_caps(state, tok, service):
    if state.is_siteadmin(tok["userid"]) or service.get("shortname") == "moodle_mobile_app":
        return ""       # the mobile app service never lists missing capabilities (110, 149, 339)
    missing = []
    # the functions in external_functions id order, each's capabilities in its declared order, each capability once
    # (314: core_user_create_users' before core_user_get_users_by_field's)
    functions = sorted(service.get("functions", []),
                       key=lambda name: (external_functions.function_id(state.moodle, name) or 0, name))
    for f in functions:
        for cap in capabilities.function_capabilities(f):
            if (cap, capabilities.capability_name(cap)) not in missing and not state.has_capability(tok["userid"], cap):
                missing.append((cap, capabilities.capability_name(cap)))
    if not missing:
        return ""
    return ('<div class="d-flex missingcaps"><ul class="list-unstyled">%s</ul></div>'
            % "".join('<li class="mb-1"><a href="https://docs.moodle.org/%s/en/Capabilities/%s">%s</a>'
                      '<div class="text-muted">%s</div></li>' % (state.moodle.docs, esc(c), esc(label), esc(c))
                      for c, label in missing))


def visible_tokens(state, viewer):
    """The report's rows: permanent tokens (all of them for managealltokens, else the viewer's own creations),
    sorted by valid until ascending (the report's default sort), then id."""
    rows = []
    for t in state.tokens:
        if t.get("tokentype", 0) != 0:
            continue
        user = state.users.get(t["userid"])
        service = state.services.get(t["externalserviceid"])
        if not user or user.get("deleted") or not service:
            continue
        if not state.has_capability(viewer["id"], "moodle/webservice:managealltokens") and \
                t["creatorid"] != viewer["id"]:
            continue
        if not _filters_match(state, report_filters(state, viewer), t, user, service):
            continue
        rows.append((t, user, service))
    rows.sort(key=lambda r: (r[0]["validuntil"] or 0, r[0]["id"]))
    return rows


# ---------------------------------------------------------------- report filters and sorting (f17, 339-352)
DEFAULT_SORT = [{"sortby": "c6_validuntil", "sortorder": 4}]
SORT_KEYS = {
    "c1_name": lambda t, u, s, st: (t["name"] or "").lower(),
    "c2_firstname": lambda t, u, s, st: fullname(u).lower(),
    "c3_email": lambda t, u, s, st: (u.get("email") or "").lower(),
    "c4_name": lambda t, u, s, st: (s["name"] or "").lower(),
    "c6_validuntil": lambda t, u, s, st: t["validuntil"] or 0,
    "c7_lastaccess": lambda t, u, s, st: t.get("lastaccess") or 0,
    "c8_firstname": lambda t, u, s, st: fullname(st.users.get(t["creatorid"]) or {}).lower(),
}


def report_filters(state, viewer):
    """The filter values of the token report (report id 1), kept server-side per user (347-350)."""
    return state.report_filters.get((viewer["id"], 1), {}) if viewer else {}


def active_filter_count(filters):
    n = 0
    for prefix in ("token:name", "user:fullname"):
        if str(filters.get(prefix + "_operator", "0")) not in ("", "0"):
            n += 1
    if [v for v in filters.get("service:name_values", []) if v not in ("", "0")]:
        n += 1
    if str(filters.get("token:validuntil_operator", "0")) not in ("", "0"):
        n += 1
    return n


def _text_match(op, value, text):
    op = int(op or 0) if str(op or "0").lstrip("-").isdigit() else 0
    value, text = (value or "").lower(), (text or "").lower()
    if op == 0:
        return True
    if op in (1, 2, 3, 4, 5, 6) and value == "":
        return True
    return {1: lambda: value in text, 2: lambda: value not in text, 3: lambda: text == value,
            4: lambda: text != value, 5: lambda: text.startswith(value), 6: lambda: text.endswith(value),
            7: lambda: text == "", 8: lambda: text != ""}.get(op, lambda: True)()


def _filters_match(state, filters, tok, user, service):
    if not filters:
        return True
    if not _text_match(filters.get("token:name_operator"), filters.get("token:name_value"), tok["name"]):
        return False
    if not _text_match(filters.get("user:fullname_operator"), filters.get("user:fullname_value"), fullname(user)):
        return False
    names = [v for v in filters.get("service:name_values", []) if v not in ("", "0")]
    if names and service["name"] not in names:
        return False
    op = str(filters.get("token:validuntil_operator", "0"))
    if op == "1" and not tok["validuntil"]:
        return False
    if op == "2" and tok["validuntil"]:
        return False
    return True


def sort_rows(state, rows, sortdata):
    for item in reversed(list(sortdata or DEFAULT_SORT)):
        key = SORT_KEYS.get(item.get("sortby"))
        if key is None:
            continue
        rows.sort(key=lambda r: key(r[0], r[1], r[2], state), reverse=str(item.get("sortorder")) == "3")
    return rows


def _report(ctx, pageno, pagesize=PERPAGE, sortdata=None, ajax=False):
    """The report; ajax=True: only the div.table-dynamic, as core_table_get_dynamic_table_content returns it."""
    state = ctx.state
    w = state.wwwroot
    rows = sort_rows(state, visible_tokens(state, ctx.user), sortdata)
    total = len(rows)
    PERPAGE = pagesize
    sortjson = json.dumps(sortdata or DEFAULT_SORT, separators=(",", ":"))
    srclass = "visually-hidden" if state.moodle.is51 else "sr-only"
    heads = [("c1_name", "Name"), ("c2_firstname", "User"), ("c3_email", "Email address"), ("c4_name", "Service"),
             (None, "IP restriction"), ("c6_validuntil", "Valid until"), ("c7_lastaccess", "Last access"),
             ("c8_firstname", "Creator"), (None, "Missing capabilities"), (None, "Actions")]
    attrs = ('class="table-dynamic position-relative" data-region="core_table/dynamic" '
             'data-table-handler="system_report_table" data-table-component="core_reportbuilder" '
             'data-table-uniqueid="system-report-table-1" data-table-page-number="%d" data-table-page-size="%d" '
             'data-table-default-per-page="%d" data-table-total-rows="%d" data-table-sort-data="%s" '
             'data-table-filters="%s"' % (pageno + 1, PERPAGE, 30, total, esc(sortjson), esc(FILTERS_JSON)))
    if not total:
        body = ('<div class="alert alert-info alert-block fade in" role="alert" data-aria-autofocus="true">'
                'Nothing to display</div>')
    else:
        ths = "".join('<th class="header c%d" scope="col">%s</th>' % (
            i, ('<a data-sortable="1" data-sortby="%s" role="button"%s href="%s/?tsort=%s">%s</a>'
                % (k, ' aria-label="Sort by %s ascending"' % esc(h) if state.moodle.is51 else "", w, k, esc(h)))
            if k else (esc(h) if k is not None or h != "Actions" else '<span class="%s">Actions</span>' % srclass))
            for i, (k, h) in enumerate(heads))
        chunk = rows[pageno * PERPAGE:(pageno + 1) * PERPAGE]
        trs = []
        for r, (t, user, service) in enumerate(chunk):
            creator = state.users.get(t["creatorid"])
            cells = [
                esc(t["name"]),
                '<a href="%s/user/profile.php?id=%d">%s</a>' % (w, user["id"], esc(fullname(user))),
                esc(user["email"]),
                '%s<div class="small text-muted">%s</div>' % (esc(service["name"]), esc(service["shortname"] or "")),
                esc(t.get("iprestriction") or ""),
                _fmt_date(t["validuntil"]) if t["validuntil"] else "",
                _fmt_date(t["lastaccess"], weekday=True) if t.get("lastaccess") else "Never",
                ('<a href="%s/user/profile.php?id=%d">%s</a>' % (w, creator["id"], esc(fullname(creator)))
                 if creator else ""),
                _missing_caps(state, t, service),
                ('<div class="action-menu"><a href="%s%s?action=delete&amp;tokenid=%d" class="dropdown-item '
                 'text-danger menu-action" role="menuitem">Delete</a></div>' % (w, PATH, t["id"])),
            ]
            trs.append('<tr class="" id="system-report-table-1_r%d">%s</tr>' % (r, "".join(
                '<td class="cell c%d" id="system-report-table-1_r%d_c%d">%s</td>' % (i, r, i, c)
                for i, c in enumerate(cells))))
        for r in range(len(chunk), PERPAGE):
            trs.append('<tr class="emptyrow" id="system-report-table-1_r%d">%s</tr>' % (r, "".join(
                '<td class="cell c%d" id="system-report-table-1_r%d_c%d"></td>' % (i, r, i) for i in range(10))))
        paging = ""
        if total > PERPAGE:
            # the hrefs point to the site root (342): only the JS (core_table/dynamic) pages
            links = "".join('<li class="page-item%s" data-page-number="%d"><a class="page-link" href="%s">%d</a></li>'
                            % (" active" if p == pageno else "", p + 1,
                               "#" if p == pageno else "%s/?page=%d" % (w, p), p + 1)
                            for p in range((total + PERPAGE - 1) // PERPAGE))
            paging = '<nav class="pagination"><ul class="pagination">%s</ul></nav>' % links
        if total > 30 or PERPAGE != 30:
            target = 30 if PERPAGE != 30 else 5000
            label = "Show 30 per page" if PERPAGE != 30 else "Show all %d" % total
            paging += ('<div class="table-showcount"><a data-action="showcount" data-target-page-size="%d" '
                       'href="%s%s?perpage=%d">%s</a></div>' % (target, w, "/" if ajax else PATH, target, label))
        # 5.1 (Bootstrap 5): the table sits in div.table-responsive, the caption is visually-hidden (5.1.3 339)
        body = ('<div%s><table class="flexible table table-striped table-hover generaltable reportbuilder-table" '
                'data-region="reportbuilder-table"><caption class="%s">Tokens</caption><thead><tr>%s</tr>'
                '</thead><tbody>%s</tbody></table></div>%s'
                % (' class="table-responsive"' if state.moodle.is51 else "", srclass, ths, "".join(trs), paging))
    table = '<div %s>%s</div>' % (attrs, body)
    if ajax:
        return table
    return ('<div class="reportbuilder-report" data-region="core_reportbuilder/report" data-report-id="1" '
            'data-report-type="1" data-report-parameters="[]"><div class="reportbuilder-wrapper">'
            '<div class="filters-dropdown" data-region="report-filters">%s</div>'
            '<div class="mt-2">%s</div></div></div>' % (_filters_form(ctx), table))


def list_page(ctx):
    session = ctx.session
    shown = ""
    new = getattr(session, "newtoken", None)
    if new:
        session.newtoken = None          # shown once (071 vs 072)
        shown = ('<div class="d-inline-block"><div class="alert alert-warning"><div class="lead">Copy the token now. '
                 'It won\'t be shown again once you leave this page.</div></div><div class="alert alert-primary">'
                 '<div class="lead">%s</div><div class="d-flex"><div class="lead text-break pt-1" '
                 'id="copytoclipboardtoken">%s</div><button class="btn btn-primary ms-2" data-action="copytoclipboard" '
                 'data-clipboard-target="#copytoclipboardtoken">Copy to clipboard</button></div></div></div>'
                 % (esc(new[0]), esc(new[1])))
    try:
        pageno = max(0, int(ctx.param("page") or 0))
    except (TypeError, ValueError):
        pageno = 0
    main = ('<div class="d-flex flex-wrap"><h2>Manage tokens</h2><div class="ms-auto">%s</div></div>%s%s'
            % (single_button(ctx.url(PATH), "Create token", hidden=[("action", "create")]), shown,
               _report(ctx, pageno)))
    return page(ctx, "Manage tokens | lab", main, bodyid="page-admin-webservice-tokens",
                pageurl=ctx.url(PATH))


# ---------------------------------------------------------------- create
def _services_for_form(state):
    # token_form lists every service (fixture 069); ordered by id here
    return sorted(state.services.values(), key=lambda s: s["id"])


def token_form(ctx, values=None, errors=None):
    values = values or {}
    errors = errors or {}
    state = ctx.state
    validuntil = values.get("validuntil_ts") or int(time.time()) + 30 * 86400
    enabled = values.get("validuntil_enabled", True)

    def err(name):
        return ('<div class="form-control-feedback invalid-feedback d-block" id="id_error_%s">%s</div>'
                % (name, esc(errors[name])) if name in errors else "")

    user_opts = ""
    if values.get("user") and str(values["user"]).isdigit() and int(values["user"]) in state.users:
        u = state.users[int(values["user"])]
        user_opts = '<option value="%d" selected>%s</option>' % (u["id"], esc(fullname(u)))
    return ('<form autocomplete="off" action="%(w)s%(p)s" method="post" accept-charset="utf-8" id="mform1" '
            'class="mform"><div style="display: none;"><input name="action" type="hidden" value="create">'
            '<input name="sesskey" type="hidden" value="%(sk)s">'
            '<input name="_qf__core_webservice_token_form" type="hidden" value="1">'
            '<input name="mform_isexpanded_id_token" type="hidden" value="1"></div>'
            '<fieldset class="clearfix collapsible" id="id_token"><legend>Token</legend>'
            '<div id="fitem_id_name" class="fitem"><label for="id_name">Name</label>'
            '<input type="text" class="form-control" name="name" id="id_name" value="%(name)s">%(ename)s</div>'
            '<div class="form-control-static">If you don\'t enter a name then a random name will be used.</div>'
            '<div id="fitem_id_user" class="fitem"><label for="id_user">User</label>'
            '<select class="custom-select" name="user" id="id_user" aria-required="true" '
            'data-fieldtype="autocomplete">%(uopts)s</select>%(euser)s</div>'
            '<div id="fitem_id_service" class="fitem"><label for="id_service">Service</label>'
            '<select class="custom-select" name="service" id="id_service" aria-required="true">%(sopts)s</select>'
            '%(eservice)s</div>'
            '<div id="fitem_id_iprestriction" class="fitem"><label for="id_iprestriction">IP restriction</label>'
            '<input type="text" class="form-control" name="iprestriction" id="id_iprestriction" value="%(ip)s">'
            '%(eip)s</div>'
            '<div id="fitem_id_validuntil" class="fitem" data-groupname="validuntil"><p>Valid until</p>%(date)s'
            '%(evalid)s</div></fieldset>'
            '<div id="fgroup_id_buttonar" class="fitem"><input type="submit" class="btn btn-primary" '
            'name="submitbutton" id="id_submitbutton" value="Save changes"> <input type="submit" '
            'class="btn btn-secondary" name="cancel" id="id_cancel" value="Cancel" data-cancel="1"></div></form>'
            % dict(w=state.wwwroot, p=PATH, sk=esc(ctx.session.sesskey), name=esc(values.get("name", "")),
                   ename=err("name"), uopts=user_opts, euser=err("user"),
                   sopts=_options([(s["id"], s["name"]) for s in _services_for_form(state)], values.get("service")),
                   eservice=err("service"), ip=esc(values.get("iprestriction", "")), eip=err("iprestriction"),
                   date=_date_selector("validuntil", validuntil, enabled, state.moodle.is51), evalid=err("validuntil")))


def _form_page(ctx, values=None, errors=None, alert=""):
    main = "<h2>Create token</h2>%s%s" % (alert, token_form(ctx, values, errors))
    return page(ctx, "Manage tokens | lab", main, bodyid="page-admin-webservice-tokens", pageurl=ctx.url(PATH))


def _date_from_post(post, name):
    d = post.get(name)
    if not isinstance(d, dict) or d.get("enabled") not in ("1", 1):
        return 0
    try:
        return calendar.timegm((int(d.get("year")), int(d.get("month")), int(d.get("day")), 0, 0, 0))
    except (TypeError, ValueError):
        return 0


def create(ctx):
    state = ctx.state
    post = ctx.post
    if ctx.method != "POST" or post.get("_qf__core_webservice_token_form") != "1":
        return _form_page(ctx)
    ctx.write = True
    if "cancel" in post:
        return redirect(ctx.url(PATH))
    if not ctx.sesskey_ok():
        # moodleform: a submission with a wrong sesskey is not "submitted": the empty form again
        return _form_page(ctx)
    values = {"name": (post.get("name") or "").strip() if isinstance(post.get("name"), str) else "",
              "user": post.get("user") if isinstance(post.get("user"), str) else "",
              "service": post.get("service") if isinstance(post.get("service"), str) else "",
              "iprestriction": post.get("iprestriction") if isinstance(post.get("iprestriction"), str) else ""}
    validuntil = _date_from_post(post, "validuntil")
    values["validuntil_ts"] = validuntil or None
    values["validuntil_enabled"] = bool(validuntil)
    errors = {}
    user = state.users.get(int(values["user"])) if values["user"].isdigit() else None
    if not values["user"]:
        errors["user"] = "Required"
    elif not user or user["deleted"] or user["id"] == 1:
        errors["user"] = "Invalid user"
    service = state.services.get(int(values["service"])) if values["service"].isdigit() else None
    if service is None:
        errors["service"] = "Required"
    if errors:
        return _form_page(ctx, values, errors)
    if service["restrictedusers"] and user["id"] not in service["users"]:
        alert = notification_html("danger", "The user is not allowed for this service. First you need to allow this "
                                            "user on the %s's allowed users administration page." % service["name"],
                                  state.moodle.is51)
        return _form_page(ctx, values, alert=alert)
    if user["suspended"]:
        return error_page(ctx, "Sorry, but your account has been suspended.", "suspended", module="moodle")
    tok = state.create_token(user["id"], service["id"], ctx.user["id"], name=values["name"] or None,
                             validuntil=validuntil, iprestriction=values["iprestriction"] or None)
    ctx.session.newtoken = (tok["name"], tok["token"])
    return redirect(ctx.url(PATH))


# ---------------------------------------------------------------- delete
def delete(ctx):
    state = ctx.state
    tokenid = ctx.param("tokenid")
    tok = None
    if isinstance(tokenid, str) and tokenid.isdigit():
        tok = next((t for t in state.tokens if t["id"] == int(tokenid)), None)
    if tok is None:
        return error_page(ctx, "Can't find data record in database table external_tokens.", "invalidrecord",
                          module="moodle", continueurl=ctx.url(PATH))
    if ctx.method == "POST":
        ctx.write = True
    if ctx.param("confirm") in ("1", "true") and ctx.sesskey_ok():
        state.tokens = [t for t in state.tokens if t["id"] != tok["id"]]
        return redirect(ctx.url(PATH))
    user = state.users.get(tok["userid"]) or {}
    service = state.services.get(tok["externalserviceid"]) or {}
    message = ("Do you really want to delete this web service token for %s on the service %s?"
               % (fullname(user), service.get("name", "")))
    main = confirm_box(message,
                       single_button(ctx.url(PATH), "Delete", "post",
                                     [("tokenid", str(tok["id"])), ("action", "delete"), ("confirm", "1"),
                                      ("sesskey", ctx.session.sesskey)]),
                       single_button(ctx.url(PATH), "Cancel", primary=False))
    return page(ctx, "Manage tokens | lab", main, bodyid="page-admin-webservice-tokens", pageurl=ctx.url(PATH))


def tokens_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    action = ctx.param("action")
    if action == "create":
        return create(ctx)
    if action == "delete":
        return delete(ctx)
    return list_page(ctx)


# ---------------------------------------------------------------- AJAX of the report (f17, 340-352)
class _AnyKeys(dict):
    """A single-structure schema that accepts (and drops) any keys: the report's `filters` argument is copied
    from data-table-filters and not used; the filter values live server-side."""

    def __contains__(self, key):
        return True


def _report_ctx(ws):
    import types
    return types.SimpleNamespace(state=ws.state, user=ws.user, session=ws.session)


def _check_report(ws, reportid=1):
    if not ws.state.is_siteadmin(ws.user["id"]):
        raise wsfunctions.WSError("nopermissions", "Sorry, but you do not currently have permissions to do that "
                                  "(View report).", "required_capability_exception", module="error")
    if int(reportid) != 1:
        raise wsfunctions.WSError("invalidrecord", "Can't find data record in database table reportbuilder_report.",
                                  "dml_missing_record_exception")


def ajax_table_content(ws, params):
    """core_table_get_dynamic_table_content for the token report (system_report_table, uniqueid
    system-report-table-1); pagesize as asked (5000 pads with 4958 empty rows, 343), never remembered (345)."""
    if params["component"] != "core_reportbuilder" or params["handler"] != "system_report_table" or \
            params["uniqueid"] != "system-report-table-1":
        raise wsfunctions.WSError("unknowntable", "Unknown table", "coding_exception")
    _check_report(ws)
    pagesize = params.get("pagesize") or PERPAGE
    pageno = max(0, (params.get("pagenumber") or 1) - 1)
    html = _report(_report_ctx(ws), pageno, pagesize=max(1, pagesize), sortdata=params.get("sortdata") or None,
                   ajax=True)
    return {"html": html, "warnings": []}


def ajax_dynamic_form(ws, params):
    """core_form_dynamic_form for \\core_reportbuilder\\form\\filter: stores the filter values (347)."""
    from urllib.parse import parse_qsl
    if params["form"].lstrip("\\") != "core_reportbuilder\\form\\filter":
        raise wsfunctions.WSError("unknownform", "Form %s not found" % params["form"], "coding_exception")
    pairs = parse_qsl(params["formdata"], keep_blank_values=True)
    data = dict(pairs)
    _check_report(ws, data.get("reportid") or 0)
    if data.get("sesskey") != (ws.session.sesskey if ws.session else None):
        raise wsfunctions.WSError("invalidsesskey", "Your session has most likely timed out. Please check if you are "
                                  "logged in or go back to the previous screen and reload the page.")
    filters = {}
    for k, v in pairs:
        if k.startswith(("token:", "user:", "service:")):
            if k.endswith("[]"):
                filters.setdefault(k[:-2], []).append(v)
            elif k == "service:name_values":
                filters.setdefault(k, [])
            else:
                filters[k] = v
    ws.state.report_filters[(ws.user["id"], 1)] = filters
    return {"submitted": True, "data": str(active_filter_count(filters))}


def ajax_filters_reset(ws, params):
    """core_reportbuilder_filters_reset (350)."""
    _check_report(ws, params["reportid"])
    ws.state.report_filters.pop((ws.user["id"], 1), None)
    return True


def ajax_get_fragment(ws, params):
    """core_get_fragment: only core_reportbuilder/filters_form of the token report (351)."""
    if (params["component"], params["callback"]) != ("core_reportbuilder", "filters_form"):
        raise wsfunctions.WSError("fragmentnotfound", "Fragment not found", "coding_exception")
    args = dict((a["name"], a["value"]) for a in params.get("args") or [])
    _check_report(ws, args.get("reportid") or 0)
    html = _filters_form(_report_ctx(ws))
    return {"html": html, "javascript": ""}


wsfunctions.FUNCTIONS.update({
    "core_table_get_dynamic_table_content": dict(
        id=560, component="moodle", capabilities="", ajax=True, loginrequired=True,
        params=wsfunctions.S({"component": wsfunctions.V("component"), "handler": wsfunctions.V("alphanumext"),
                              "uniqueid": wsfunctions.V("alphanumext"),
                              "sortdata": wsfunctions.M(wsfunctions.S({"sortby": wsfunctions.V("alphanumext"),
                                                                       "sortorder": wsfunctions.V("int")}), False),
                              "jointype": wsfunctions.V("int", False),
                              "filters": ("single", _AnyKeys(), False, None),
                              "firstinitial": wsfunctions.V("raw", False), "lastinitial": wsfunctions.V("raw", False),
                              "pagenumber": wsfunctions.V("int", False), "pagesize": wsfunctions.V("int", False),
                              "hiddencolumns": wsfunctions.M(wsfunctions.V("alphanumext"), False),
                              "resetpreferences": wsfunctions.V("bool", False)}),
        impl=ajax_table_content, description="Get the dynamic table content raw html"),
    "core_form_dynamic_form": dict(
        id=561, component="moodle", capabilities="", ajax=True, loginrequired=True,
        params=wsfunctions.S({"form": wsfunctions.V("raw"), "formdata": wsfunctions.V("raw")}),
        impl=ajax_dynamic_form, description="Process submission of a dynamic (modal) form"),
    "core_reportbuilder_filters_reset": dict(
        id=562, component="moodle", capabilities="", ajax=True, loginrequired=True,
        params=wsfunctions.S({"reportid": wsfunctions.V("int"), "parameters": wsfunctions.V("raw", False)}),
        impl=ajax_filters_reset, description="Reset filters for given report"),
    "core_get_fragment": dict(
        id=563, component="moodle", capabilities="", ajax=True, loginrequired=True,
        params=wsfunctions.S({"component": wsfunctions.V("component"), "callback": wsfunctions.V("alphanumext"),
                              "contextid": wsfunctions.V("int"),
                              "args": wsfunctions.M(wsfunctions.S({"name": wsfunctions.V("alpha"),
                                                                   "value": wsfunctions.V("raw")}), False)}),
        impl=ajax_get_fragment, description="Return a fragment for inclusion, such as a JavaScript page."),
})
