"""/admin/user.php: the "Browse list of users" report-builder system report, suspend/unsuspend, delete (flow f23).

Structure follows the recorded 4.5.6 / 5.1.3 pages (402-431 / 381-410): filters form, download form, bulk
action form, rows tr#system-report-table-1_rN (+ tr.emptyrow up to 30) with a report-select-row[] checkbox
(outside any form) and an action menu (Edit / Suspend user account / Activate user account / Delete)."""
import hashlib
import time

from ..html import confirm_box, esc, fullname, page, single_button
from ..response import redirect
from ..userdata import COUNTRIES
from .common import require_admin

PATH = "/admin/user.php"
PAGESIZE = 30
TITLE = "Browse list of users | Accounts | Users | Administration | lab"
TEXT_OPERATORS = ["Is any value", "Contains", "Does not contain", "Is equal to", "Is not equal to", "Starts with",
                  "Ends with", "Is empty", "Is not empty"]
SELECT_OPERATORS = [(0, "Is any value"), (1, "Is equal to"), (2, "Is not equal to")]
BOOLEAN_OPERATORS = [(0, "Any value"), (1, "Yes"), (2, "No")]
DATE_OPERATORS = [(0, "Any value"), (1, "Range"), (2, "Last"), (3, "Next"), (9, "Before"), (10, "After"),
                  (4, "Current"), (5, "Is empty"), (6, "Is not empty"), (7, "In the past"), (8, "In the future")]
DATE_UNITS = [(5, "Minute(s)"), (0, "Hour(s)"), (1, "Day(s)"), (2, "Week(s)"), (3, "Month(s)"), (4, "Year(s)")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
BULK_ACTIONS = [("confirm", "Confirm"), ("message", "Send a message"), ("delete", "Delete"),
                ("forcepasswordchange", "Force password change"), ("addtocohort", "Add to cohort"),
                ("tool_mfa_reset_factors", "Reset MFA factors")]


DOWNLOAD_FORMATS = [("csv", "Comma separated values (.csv)"), ("excel", "Microsoft Excel (.xlsx)"), ("html", "HTML table"),
                    ("json", "Javascript Object Notation (.json)"), ("ods", "OpenDocument (.ods)"),
                    ("pdf", "Portable Document Format (.pdf)")]
COURSE_ROLES = [(0, "Any role"), (5, "Student"), (4, "Non-editing teacher"), (3, "Teacher"), (1, "Manager")]


def md5(value):
    return hashlib.md5(str(value).encode("utf-8")).hexdigest()


def _selectclass(ctx):
    return "form-select" if ctx.state.moodle.is51 else "custom-select"


def _select(ctx, name, options, selected=None):
    opts = "".join('<option value="%s"%s>%s</option>' % (esc(v), " selected" if selected is not None and
                                                         str(v) == str(selected) else "", esc(label))
                   for v, label in options)
    return '<select class="%s" name="%s" id="id_%s">%s</select>' % (
        _selectclass(ctx), esc(name), esc(name.replace(":", "").replace("[", "_").replace("]", "")), opts)


def _date_selector(ctx, name, ts):
    """date_selector (4.5: <a name=[calendar]>) / date_time_selector (5.1: + hour, minute, button [calendar])."""
    t = time.gmtime(ts)
    parts = [_select(ctx, name + "[day]", [(i, i) for i in range(1, 32)], t.tm_mday),
             _select(ctx, name + "[month]", list(zip(range(1, 13), MONTHS)), t.tm_mon),
             _select(ctx, name + "[year]", [(i, i) for i in range(1900, 2051)], t.tm_year)]
    if ctx.state.moodle.is51:
        parts += [_select(ctx, name + "[hour]", [(i, "%02d" % i) for i in range(24)], t.tm_hour),
                  _select(ctx, name + "[minute]", [(i, "%02d" % i) for i in range(60)], t.tm_min),
                  '<button type="button" class="btn btn-link" name="%s[calendar]">Calendar</button>' % esc(name)]
    else:
        parts.append('<a name="%s[calendar]" href="#">Calendar</a>' % esc(name))
    return ('<fieldset data-fieldtype="date" class="m-0 p-0 border-0"><span class="fdate_selector d-flex">'
            '<label class="form-check"><input type="checkbox" name="%s[enabled]" class="form-check-input" value="1">'
            ' Enable</label>%s</span></fieldset>' % (esc(name), "".join(parts)))


def _filter(label, html):
    return '<div class="filter" data-filter-for="%s"><div class="filter-name">%s</div>%s</div>' % (
        esc(label), esc(label), html)


def _filters_form(ctx):
    from .users_edit import auth_choices
    now = int(time.time())
    is51 = ctx.state.moodle.is51

    def text(prefix, label):
        return _filter(label, _select(ctx, prefix + "_operator", list(enumerate(TEXT_OPERATORS))) +
                       '<input type="text" class="form-control" name="%s_value" value="">' % esc(prefix))

    def date(prefix, label):
        return _filter(label, _select(ctx, prefix + "_operator", DATE_OPERATORS, 0) +
                       '<input type="text" class="form-control" name="%s_value" value="1" size="3">' % esc(prefix) +
                       _select(ctx, prefix + "_unit", DATE_UNITS, 1) + _date_selector(ctx, prefix + "_from", now) +
                       _date_selector(ctx, prefix + "_to", now))

    auths = sorted(name for name, _label in auth_choices(ctx.state))
    if is51:      # a single-choice role filter: the operator is fixed (hidden) and "Not assigned" is a value
        role = ('<input type="hidden" name="role:name_operator" value="1">' +
                _select(ctx, "role:name_value", [(-124567, "Not assigned"), (1, "Manager"), (2, "Course creator")]))
        hidden_role = role[:role.index("<select")]
        role = role[len(hidden_role):]
    else:
        hidden_role = ""
        role = (_select(ctx, "role:name_operator", SELECT_OPERATORS) +
                _select(ctx, "role:name_value", [(1, "Manager"), (2, "Course creator")]))
    filters = [text("user:fullname", "Full name"), text("user:firstname", "First name"),
               text("user:lastname", "Last name"), text("user:username", "Username"),
               text("user:idnumber", "ID number"), text("user:email", "Email address"),
               text("user:department", "Department"), text("user:institution", "Institution"),
               text("user:city", "City/town"),
               _filter("Country", _select(ctx, "user:country_operator", SELECT_OPERATORS) +
                       _select(ctx, "user:country_value", COUNTRIES)),
               _filter("Confirmed", _select(ctx, "user:confirmed_operator", BOOLEAN_OPERATORS, 0)),
               _filter("Suspended", _select(ctx, "user:suspended_operator", BOOLEAN_OPERATORS, 0)),
               date("user:timecreated", "Time created"), date("user:lastaccess", "Last access"),
               date("user:timemodified", "Time modified"),
               _filter("Authentication", _select(ctx, "user:auth_operator", SELECT_OPERATORS) +
                       _select(ctx, "user:auth_value", [(a, a) for a in auths])),
               text("user:lastip", "Last IP address"), text("cohort:idnumber", "Cohort ID"),
               _filter("System role", role),
               _filter("Enrolled in any course", _select(ctx, "user:enrolledinanycourse_operator",
                                                         BOOLEAN_OPERATORS, 0)),
               _filter("Course role", _select(ctx, "user:courserole_role", COURSE_ROLES) +
                       _select(ctx, "user:courserole_category", [(0, "Any category"), (1, "Category 1")]) +
                       '<input type="text" class="form-control" name="user:courserole_course" value="">')]
    return ('<form autocomplete="off" action="%(w)s%(p)s" method="post" accept-charset="utf-8" '
            'class="mform full-width-labels" id="mform2_userfilters" data-random-ids="1">'
            '<div style="display: none;"><input name="reportid" type="hidden" value="1">'
            '<input name="parameters" type="hidden" value="{&quot;withcheckboxes&quot;:true}">%(hr)s'
            '<input name="sesskey" type="hidden" value="%(sk)s">'
            '<input name="_qf__core_reportbuilder_form_filter" type="hidden" value="1"></div>%(f)s'
            '<div class="buttonar"><input type="submit" class="btn btn-primary" name="submitbutton" value="Apply">'
            '<input type="submit" class="btn btn-link ms-1" name="resetfilters" value="Reset all" '
            'data-no-submit="1"></div></form>'
            % dict(w=ctx.state.wwwroot, p=PATH, sk=esc(ctx.session.sesskey), f="".join(filters), hr=hidden_role))


def format_time_ago(seconds):
    """format_time() as the list shows last access: "1 sec", "5 secs", "2 mins 3 secs", "1 day 2 hours"."""
    seconds = max(0, int(seconds))

    def unit(n, one, many):
        return "%d %s" % (n, one if n == 1 else many)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    if days:
        return unit(days, "day", "days") + (" " + unit(hours, "hour", "hours") if hours else "")
    if hours:
        return unit(hours, "hour", "hours") + (" " + unit(mins, "min", "mins") if mins else "")
    if mins:
        return unit(mins, "min", "mins") + (" " + unit(secs, "sec", "secs") if secs else "")
    return unit(secs, "sec", "secs")


def listed_users(state):
    users = [u for u in state.users.values() if u["id"] != 1 and not u["deleted"]]
    return sorted(users, key=lambda u: (u["firstname"].lower(), u["lastname"].lower(), u["id"]))


def _initials(user):
    return (user["firstname"][:1] + user["lastname"][:1]).upper()


def _actions(ctx, user, n):
    w = ctx.state.wwwroot
    sk = esc(ctx.session.sesskey)
    uid = user["id"]
    links = [(w + "/user/editadvanced.php?id=%d&course=1" % uid, "Edit", "", "")]
    if not ctx.state.is_siteadmin(uid) and uid != ctx.user["id"]:
        if user["suspended"]:
            links.append((w + PATH + "?unsuspend=%d&sesskey=%s" % (uid, sk), "Activate user account", "", ""))
        else:
            links.append((w + PATH + "?suspend=%d&sesskey=%s" % (uid, sk), "Suspend user account", "", ""))
        modal = (' data-modal="confirmation" data-modal-title-str="[&quot;deleteuser&quot;,&quot;admin&quot;]" '
                 'data-modal-content-str="[&quot;deletecheckfull&quot;,&quot;moodle&quot;,&quot;%s&quot;]" '
                 'data-modal-yes-button-str="[&quot;delete&quot;,&quot;core&quot;]" '
                 'data-modal-destination="%s"'
                 % (esc(fullname(user)), esc(w + PATH + "?delete=%d&confirm=%s&sesskey=%s" % (uid, md5(uid), sk))))
        links.append((w + PATH + "?delete=%d&sesskey=%s" % (uid, sk), "Delete", " text-danger", modal))
    toggle = "data-bs-toggle" if ctx.state.moodle.is51 else "data-toggle"
    items = "".join('<a href="%s" class="dropdown-item%s menu-action"%s aria-label="%s" role="menuitem" tabindex="-1">'
                    '<span class="menu-action-text">%s</span></a>' % (esc(href), cls, extra, esc(text), esc(text))
                    for href, text, cls, extra in links)
    return ('<div class="action-menu moodle-actionmenu" id="action-menu-%(n)d"><div class="dropdown">'
            '<a href="#" class="btn btn-icon dropdown-toggle" id="action-menu-toggle-%(n)d" %(t)s="dropdown" '
            'role="button" aria-haspopup="true" aria-expanded="false"></a><div class="dropdown-menu menu '
            'dropdown-menu-right" id="action-menu-%(n)d-menu" role="menu">%(i)s</div></div></div>'
            % dict(n=n, t=toggle, i=items))


def _table(ctx):
    state = ctx.state
    w = state.wwwroot
    is51 = state.moodle.is51
    users = listed_users(state)
    now = int(time.time())
    hidden = "visually-hidden" if is51 else "sr-only"
    rows = []
    for i, u in enumerate(users):
        rid = "system-report-table-1_r%d" % i
        badge = ""
        if u["suspended"]:
            badge = ' <span class="badge %s ms-1">Suspended</span>' % (
                "text-bg-secondary" if is51 else "badge-secondary")
        last = format_time_ago(now - u["lastaccess"]) if u.get("lastaccess") else "Never"
        cells = ['<input id="select-row-%d" name="report-select-row[]" type="checkbox" value="%d" data-action="toggle" '
                 'data-toggle="%s" data-togglegroup="report-select-all"> <label for="select-row-%d" class="accesshide">'
                 '%s</label>' % (u["id"], u["id"], "target" if is51 else "slave", u["id"], esc(fullname(u))),
                 '<a href="%s/user/profile.php?id=%d"><span class="userinitials size-35" title="%s" role="img">%s</span>'
                 '%s</a>%s' % (w, u["id"], esc(fullname(u)), esc(_initials(u)), esc(fullname(u)), badge),
                 esc(u["email"]), esc(last), _actions(ctx, u, i + 1)]
        rows.append('<tr class="%s" id="%s">%s</tr>' % ("text-muted" if u["suspended"] else "", rid, "".join(
            '<td class="cell c%d" id="%s_c%d">%s</td>' % (c, rid, c, cell) for c, cell in enumerate(cells))))
    for i in range(len(users), PAGESIZE):
        rid = "system-report-table-1_r%d" % i
        rows.append('<tr class="emptyrow" id="%s">%s</tr>' % (rid, "".join(
            '<td class="cell c%d" id="%s_c%d"></td>' % (c, rid, c) for c in range(5))))
    heads = ('<th class="header c0" scope="col"><div class="form-check"><input id="select-all" '
             'name="report-select-row[]" type="checkbox" value="" data-action="toggle" data-toggle="%s" '
             'data-togglegroup="report-select-all"><label for="select-all" class="accesshide">Select all</label>'
             '</div></th>' % ("toggler" if is51 else "master"))

    def sortlink(key, label):
        return ('<a data-sortable="1" data-sortby="%s" data-sortorder="4" role="button" href="%s/?tsort=%s&amp;'
                'tdir=4">%s<span class="accesshide">Sort by %s Ascending</span></a>' % (key, w, key, label, label))
    heads += '<th class="header c1" scope="col">%s / %s</th>' % (sortlink("firstname", "First name"),
                                                                 sortlink("lastname", "Last name"))
    for c, (key, label) in enumerate([("c2_email", "Email address"), ("c3_lastaccess", "Last access")], 2):
        heads += '<th class="header c%d" scope="col">%s</th>' % (c, sortlink(key, label))
    heads += '<th class="header c4" scope="col"><span class="%s">Actions</span></th>' % hidden
    table = ('<table class="flexible table table-striped table-hover generaltable reportbuilder-table" '
             'data-region="reportbuilder-table"><caption class="%s">Users</caption><thead><tr>%s</tr></thead>'
             '<tbody>%s</tbody></table>' % (hidden, heads, "".join(rows)))
    if is51:
        table = '<div class="table-responsive">%s</div>' % table
    return table


def _add_user_link(ctx):
    return ('<a class="btn btn-primary ms-auto" data-action="add-user" href="%s/user/editadvanced.php?id=-1">'
            'Add a new user</a>' % ctx.state.wwwroot)


def list_html(ctx):
    state = ctx.state
    w = state.wwwroot
    sk = esc(ctx.session.sesskey)
    is51 = state.moodle.is51
    top = "" if is51 else '<div class="d-flex mb-2">%s</div>' % _add_user_link(ctx)
    actions = ('<div class="dropdown d-flex justify-content-end mb-3">%s%s</div>'
               % (_add_user_link(ctx) if is51 else "",
                  '<button class="btn btn-outline-secondary ms-2" type="button" id="dropdownFiltersButton" '
                  '%s="dropdown" title="Filters">Filters</button>' % ("data-bs-toggle" if is51 else "data-toggle")))
    download = ('<form method="get" action="%s/reportbuilder/download.php" class="dataformatselector m-1">'
                '<input type="hidden" name="sesskey" value="%s"><label for="downloadtype_download">Download table '
                'data as</label><select name="download" id="downloadtype_download" class="form-control %s me-1">%s'
                '</select><button type="submit" class="btn btn-secondary">Download</button>'
                '<input type="hidden" name="id" value="1"><input type="hidden" name="parameters" '
                'value="{&quot;withcheckboxes&quot;:true}"></form>'
                % (w, sk, _selectclass(ctx),
                   "".join('<option value="%s">%s</option>' % (v, label) for v, label in DOWNLOAD_FORMATS)))
    bulk = ('<form id="user-bulk-action-form" autocomplete="off" action="%s/admin/user/user_bulk.php" method="post" '
            'accept-charset="utf-8" class="mform"><div style="display: none;"><input name="returnurl" type="hidden" '
            'value="/admin/user.php"><input name="passuserids" type="hidden" value="1"><input name="userids" '
            'type="hidden" value=""><input name="sesskey" type="hidden" value="%s">'
            '<input name="_qf__user_bulk_action_form" type="hidden" value="1"></div><select name="action" '
            'id="id_action" class="form-control %s"><option value="0">Bulk user actions</option>'
            '<optgroup label="Actions">%s</optgroup></select></form>'
            % (w, sk, _selectclass(ctx), "".join('<option value="%s">%s</option>' % (v, esc(label))
                                                 for v, label in BULK_ACTIONS)))
    report = ('<div data-region="report-user-list-wrapper"><div class="reportbuilder-report" data-region='
              '"core_reportbuilder/report" data-report-id="1" data-report-type="1" data-report-parameters='
              '"{&quot;withcheckboxes&quot;:true}"><div class="reportbuilder-wrapper">%s<div class="dropdown-menu" '
              'id="filters-dropdown">%s</div>%s<div class="reportbuilder-table-container">%s</div></div></div>'
              '</div>%s' % (actions, _filters_form(ctx), download, _table(ctx), bulk))
    return top + report


def _list_page(ctx):
    return page(ctx, TITLE + ("51" if ctx.state.moodle.is51 else "45"), list_html(ctx),
                bodyid="page-admin-user", heading="Browse list of users")


def _error(ctx, message, errorcode, module="error", status=404):
    """A fatal error on an admin page (admin layout kept: the navbar search form is there, 429)."""
    main = ('<div data-rel="fatalerror" class="box py-3 errorbox alert alert-danger"><p class="errormessage">%s</p>'
            '<p class="errorcode"><a href="https://docs.moodle.org/%s/en/error/%s/%s">More information about this '
            'error</a></p></div><div class="continuebutton">%s</div>'
            % (esc(message), ctx.state.moodle.docs, esc(module), esc(errorcode),
               single_button(ctx.url("/"), "Continue")))
    return page(ctx, "Error | lab", main, status=status, bodyid="page-admin-user", adminlayout=True)


def _int(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def kill_user_sessions(state, userid):
    for sid in [s.sid for s in state.sessions.values() if s.userid == userid]:
        state.destroy_session(sid)


def delete_user(state, user):
    """delete_user(): deleted=1, username '<email>.<time>', email md5(old), preferences removed, sessions killed."""
    now = int(time.time())
    user["deleted"] = 1
    user["username"] = "%s.%d" % (user["email"], now)
    user["email"] = md5(user["email"])
    user["idnumber"] = ""
    user["picture"] = 0
    user["timemodified"] = now
    state.user_prefs.pop(user["id"], None)
    state.tokens = [t for t in state.tokens if t["userid"] != user["id"]]
    for s in state.services.values():
        s["users"].pop(user["id"], None)
    state.role_assignments = [(r, u) for r, u in state.role_assignments if u != user["id"]]
    kill_user_sessions(state, user["id"])


def user_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    suspend = _int(ctx.param("suspend"))
    unsuspend = _int(ctx.param("unsuspend"))
    delete = _int(ctx.param("delete"))
    if suspend and ctx.sesskey_ok():
        ctx.write = True
        user = state.users.get(suspend)
        if user and not user["deleted"] and not state.is_siteadmin(suspend) and suspend != ctx.user["id"] \
                and user["suspended"] != 1:
            user["suspended"] = 1
            user["timemodified"] = int(time.time())
            kill_user_sessions(state, suspend)
        return redirect(ctx.url(PATH))
    if unsuspend and ctx.sesskey_ok():
        ctx.write = True
        user = state.users.get(unsuspend)
        if user and not user["deleted"] and user["suspended"] != 0:
            user["suspended"] = 0
            user["timemodified"] = int(time.time())
        return redirect(ctx.url(PATH))
    if delete and ctx.sesskey_ok():
        user = state.users.get(delete)
        if user is None:
            return _error(ctx, "Can't find data record in database table user.", "invalidrecord")
        if user["deleted"]:
            return _error(ctx, "This user has already been deleted.", "usernotdeleteddeleted", module="moodle")
        if state.is_siteadmin(delete):
            return _error(ctx, "You can not delete a site administrator account", "useradminodelete",
                          module="moodle")
        if ctx.param("confirm") != md5(delete):
            name = fullname(user)
            if state.moodle.is51:
                text = ("Are you sure you want to delete user '%s', including data such as profile details, "
                        "enrolments, group and cohort membership and some user activity data?" % name)
            else:
                text = ("Are you absolutely sure you want to completely delete the user '%s', including their "
                        "enrolments, activity and other user data?" % name)
            main = ('<h2>Delete user</h2>' +
                    confirm_box(text, single_button(ctx.url(PATH), "Delete", "post",
                                                    [("delete", delete), ("confirm", md5(delete)),
                                                     ("sesskey", ctx.session.sesskey)]),
                                single_button(ctx.url(PATH), "Cancel", primary=False)))
            return page(ctx, TITLE + ("51" if state.moodle.is51 else "45"), main, bodyid="page-admin-user")
        ctx.write = True
        name = fullname(user)
        delete_user(state, user)
        ctx.session.notifications.append(("info", "Deleted user %s" % name))
        return redirect(ctx.url(PATH))
    return _list_page(ctx)
