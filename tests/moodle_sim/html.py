"""Page layout helper: renders a full Moodle-looking page (boost structure) around some main HTML.

Written for the simulator (not copied markup): it keeps what clients parse: <title>, M.cfg with
sesskey/userId, span#user-notifications with alerts, div[role=main], the user menu logout link,
the footer "You are logged in as" block and, for site admins, the release line."""
import html as _html
import time

from .response import Response, http_date
from .state import THEMEREV
from .util import php_json


def esc(value):
    return _html.escape("" if value is None else str(value), quote=True)


def mcfg(state, session, userid):
    cfg = {"wwwroot": state.wwwroot, "apibase": state.wwwroot + "/r.php/api", "homeurl": {},
           "sesskey": session.sesskey if session else "", "sessiontimeout": "28800",
           "sessiontimeoutwarning": "1200", "themerev": THEMEREV, "slasharguments": 1, "theme": "boost",
           "iconsystemmodule": "core/icon_system_fontawesome", "jsrev": THEMEREV, "admin": "admin",
           "svgicons": True, "usertimezone": "Europe/London", "language": "en", "courseId": 1,
           "courseContextId": 2, "contextid": 1, "contextInstanceId": 0, "langrev": int(THEMEREV),
           "templaterev": THEMEREV, "siteId": 1, "userId": userid}
    return php_json(cfg)


def notification_html(kind, text, is51=False):
    """A dismissible alert; 5.1 (Bootstrap 5): data-bs-dismiss, no "x" text, visually-hidden (5.1.3 320)."""
    close = ('data-bs-dismiss="alert"><span class="visually-hidden">' if is51 else
             'data-dismiss="alert"><span aria-hidden="true">&times;</span><span class="sr-only">')
    return ('<div class="alert alert-%s alert-block fade in alert-dismissible" role="alert" '
            'data-aria-autofocus="true">\n    %s\n    <button type="button" class="btn-close" '
            '%sDismiss this notification</span></button>\n</div>' % (kind, esc(text), close))


def user_contextid(user):
    """Context id of a user's user context (fixtures: admin 5, teacher1 11, a later user id 5 -> 19)."""
    uid = int(user["id"])
    return {2: 5, 3: 11}.get(uid, 11 + 4 * (uid - 3))


def editmode_form(wwwroot, sesskey, pageurl, contextid):
    """The "Edit mode" switch of the navbar (core/editswitch): a form posting to editmode.php."""
    return ('<form action="%(w)s/editmode.php" method="post" class="d-flex align-items-center editmode-switch-form">'
            '<div class="form-check form-switch"><input type="checkbox" name="setmode" class="form-check-input" '
            'id="editingswitch" data-context="%(c)d" data-pageurl="%(u)s"><label class="form-check-label" '
            'for="editingswitch">Edit mode</label></div>'
            '<input type="hidden" name="sesskey" value="%(k)s"><input type="hidden" name="pageurl" value="%(u)s">'
            '<input type="hidden" name="context" value="%(c)d"><noscript><input type="submit" value="Set mode">'
            '</noscript></form>'
            % dict(w=wwwroot, k=esc(sesskey), u=esc(pageurl), c=contextid))


def admin_search_form(wwwroot):
    """The navbar search box of admin pages (simplesearchform to admin/search.php)."""
    return ('<div class="simplesearchform"><form autocomplete="off" action="%s/admin/search.php" method="get" '
            'accept-charset="utf-8" class="mform d-flex flex-wrap align-items-center simplesearchform">'
            '<div class="input-group"><label for="searchinput-navbar">Search</label><input type="text" '
            'id="searchinput-navbar" class="form-control" placeholder="Search" aria-label="Search" name="query" '
            'data-region="input" autocomplete="off" value=""><button type="submit" class="btn btn-submit" '
            'data-action="submit">Search</button></div></form></div>' % wwwroot)


def page(ctx, title, main, status=200, bodyid="page-site-index", heading=None, reason=None,
         cache_private=None, extra_headers=None, show_notifications=True, contextid=1, pageurl=None,
         adminlayout=None, header_button="", navbar=True):
    """Full page. ctx: the request context (state, session, user).

    contextid/pageurl: the page context and URL for the edit mode switch, drawn for site admins on every
    page and for other users only on pages of their own user context (my/, own profile; 008/022/167).
    adminlayout (default: bodyid starts with page-admin-): the admin navbar search form, for admins only.
    header_button: HTML put in the page header (the profile page's "Reset page to default").
    navbar=False: the maintenance layout (upgradesettings.php, 358): no edit switch, search box or user menu."""
    state = ctx.state
    session = ctx.session
    user = ctx.user
    userid = user["id"] if user else 0
    wwwroot = state.wwwroot
    isadmin = bool(user) and state.is_siteadmin(userid)
    if adminlayout is None:
        adminlayout = bodyid.startswith("page-admin-")
    navforms = ""
    if navbar and user and session is not None and (isadmin or contextid == user_contextid(user)):
        if pageurl is None:
            pageurl = wwwroot + ctx.path + ("?" + ctx.query if getattr(ctx, "query", "") else "")
        navforms += editmode_form(wwwroot, session.sesskey, pageurl, contextid)
    if navbar and isadmin and adminlayout:
        navforms += admin_search_form(wwwroot)
    notes = ""
    if show_notifications and session is not None and session.notifications:
        notes = "".join(notification_html(k, t, ctx.state.moodle.is51) for k, t in session.notifications)
        session.notifications = []
    if user:
        usermenu = ('<div class="usermenu" data-region="usermenu"><span class="userbutton">'
                    '<span class="usertext">%s</span></span>'
                    '<div class="dropdown-menu" role="menu"><a href="%s/user/profile.php" class="dropdown-item" '
                    'role="menuitem">Profile</a><a href="%s/login/logout.php?sesskey=%s" class="dropdown-item" '
                    'role="menuitem">Log out</a></div></div>'
                    % (esc(fullname(user)), wwwroot, wwwroot, esc(session.sesskey)))
        logininfo = ('<div class="logininfo">You are logged in as <a href="%s/user/profile.php?id=%d" '
                     'title="View profile">%s</a> (<a href="%s/login/logout.php?sesskey=%s">Log out</a>)</div>'
                     % (wwwroot, userid, esc(fullname(user)), wwwroot, esc(session.sesskey)))
    else:
        usermenu = ('<div class="usermenu"><span class="login ps-2">You are not logged in. '
                    '<a href="%s/login/index.php">Log in</a></span></div>' % wwwroot)
        logininfo = '<div class="logininfo">You are not logged in.</div>'
    if not navbar:
        usermenu = ""
    release = ""
    if user and state.is_siteadmin(userid):
        release = ('<div class="footer-section p-3">\n<div>Powered by Moodle</div>\n'
                   '<div>\n    Version %s\n</div>\n</div>' % esc(ctx.state.moodle.release))
    headinghtml = '<h2>%s</h2>' % esc(heading) if heading else ""
    body = """<!DOCTYPE html>
<html dir="ltr" lang="en" xml:lang="en">
<head>
<title>%(title)s</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<script>
//<![CDATA[
var M = {}; M.yui = {};
M.pageloadstarttime = new Date();
M.cfg = %(mcfg)s;
//]]>
</script>
</head>
<body id="%(bodyid)s" class="pagelayout-standard">
<div id="page-wrapper">
<nav class="navbar fixed-top" aria-label="Site navigation">
<a href="%(wwwroot)s/" class="navbar-brand">Lab Moodle</a>
%(navforms)s
%(usermenu)s
</nav>
<div id="page" class="container-fluid">
<div id="page-content">
<div id="region-main-box">
<div id="region-main">
<span class="notifications" id="user-notifications">%(notes)s</span>
%(header_button)s<div role="main"><span id="maincontent"></span>%(headinghtml)s%(main)s</div>
</div>
</div>
</div>
<footer id="page-footer" class="footer-popover bg-white">
<div class="footer-content-popover container" data-region="footer-content-popover">
<div class="footer-section p-3 border-bottom">
%(logininfo)s
</div>
%(release)s
</div>
</footer>
</div>
</div>
</body>
</html>
""" % dict(title=esc(title), mcfg=mcfg(state, session, userid), bodyid=esc(bodyid), wwwroot=wwwroot,
           usermenu=usermenu, notes=notes, headinghtml=headinghtml, main=main, logininfo=logininfo,
           release=release, navforms=navforms, header_button=header_button)
    resp = Response(status, body, reason=reason)
    resp.add_header("Content-Language", "en")
    resp.add_header("Content-Script-Type", "text/javascript")
    resp.add_header("Content-Style-Type", "text/css")
    resp.add_header("X-UA-Compatible", "IE=edge")
    private = bool(user) if cache_private is None else cache_private
    if private:
        resp.add_header("Cache-Control", "private, pre-check=0, post-check=0, max-age=0, no-transform")
        resp.add_header("Pragma", "no-cache")
        resp.add_header("Expires", "")
    else:
        resp.add_header("Cache-Control", "no-store, no-cache, must-revalidate, no-transform")
        resp.add_header("Pragma", "no-cache")
        resp.add_header("Expires", "Mon, 20 Aug 1969 09:23:00 GMT")
        resp.add_header("Last-Modified", http_date())
    resp.add_header("Accept-Ranges", "none")
    resp.add_header("X-Frame-Options", "sameorigin")
    for k, v in extra_headers or []:
        resp.add_header(k, v)
    return resp


def fullname(user):
    return ("%s %s" % (user.get("firstname", ""), user.get("lastname", ""))).strip()


def single_button(url, label, method="get", hidden=None, primary=True):
    inputs = "".join('<input type="hidden" name="%s" value="%s">' % (esc(k), esc(v)) for k, v in (hidden or []))
    return ('<div class="singlebutton"><form method="%s" action="%s">%s<button type="submit" class="btn %s">%s'
            '</button></form></div>' % (method, esc(url), inputs, "btn-primary" if primary else "btn-secondary",
                                        esc(label)))


def error_page(ctx, message, errorcode, module="error", continueurl=None, status=404):
    """A fatal error page as print_error()/moodle_exception renders it: 404 + p.errormessage."""
    wwwroot = ctx.state.wwwroot
    main = ('<div data-rel="fatalerror" class="box py-3 errorbox alert alert-danger">'
            '<p class="errormessage">%s</p><p class="errorcode"><a href="https://docs.moodle.org/%s/en/error/%s/%s">'
            'More information about this error</a></p></div><div class="continuebutton">%s</div>'
            % (esc(message), ctx.state.moodle.docs, esc(module), esc(errorcode), single_button(continueurl or wwwroot + "/", "Continue")))
    return page(ctx, "Error | lab", main, status=status, bodyid="page-error", pageurl=wwwroot + "/")


def confirm_box(message, continue_button, cancel_button):
    return ('<div role="alertdialog" aria-modal="true" id="notice" class="box py-3 generalbox modal modal-dialog '
            'modal-in-page show"><div id="modal-content" class="box py-3 modal-content"><div id="modal-header" '
            'class="box py-3 modal-header px-3"><h4>Confirm</h4></div><div role="alert" id="modal-body" '
            'class="box py-3 modal-body"><p>%s</p></div><div id="modal-footer" class="box py-3 modal-footer">'
            '<div class="buttons">%s%s</div></div></div></div>' % (esc(message), cancel_button, continue_button))


def maintenance_static_page(sitename):
    return """<!DOCTYPE html>
<html lang="en" xml:lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>%(s)s under maintenance</title>
</head>
<body>
<div id="page"><div id="region-main">
<h1>%(s)s under maintenance</h1>
<div class='alert-danger'>The site is undergoing maintenance and is currently not available</div>
</div></div>
</body>
</html>
""" % dict(s=esc(sitename))


def now():
    return int(time.time())
