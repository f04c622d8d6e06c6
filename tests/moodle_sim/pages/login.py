"""/login/index.php, /login/logout.php, /my/, / and the profile page (flow f01)."""
from ..html import confirm_box, esc, fullname, page, single_button, user_contextid
from ..response import redirect
from ..util import random_string
from .common import maintenance_page, require_login

INVALID_LOGIN = "Invalid login, please try again"


def login_form(ctx, error=None):
    s = ctx.session
    w = ctx.state.wwwroot
    err = ""
    if error:
        err = ('<a href="#" id="loginerrormessage" class="sr-only">%s</a>\n'
               '<div class="alert alert-danger" role="alert">%s</div>\n' % (esc(error), esc(error)))
    maint = ""
    if ctx.state.maintenance == "legacy":
        maint = ('<div class="alert alert-danger login-maintenance"><div class="text_to_html">The site is undergoing '
                 'maintenance and is currently not available</div></div>\n')
    return """%(maint)s<div class="loginform">
<h1 class="login-heading mb-4">Log in to Lab Moodle</h1>
%(err)s<form class="login-form" action="%(w)s/login/index.php" method="post" id="login">
<input id="anchor" type="hidden" name="anchor" value="">
<input type="hidden" name="logintoken" value="%(t)s">
<div class="login-form-username mb-3"><label for="username" class="sr-only">Username</label>
<input type="text" name="username" id="username" class="form-control" value="" placeholder="Username" autocomplete="username"></div>
<div class="login-form-password mb-3"><label for="password" class="sr-only">Password</label>
<input type="password" name="password" id="password" value="" class="form-control" placeholder="Password" autocomplete="current-password"></div>
<div class="login-form-submit mb-3"><button class="btn btn-primary btn-lg" type="submit" id="loginbtn">Log in</button></div>
<div class="login-form-forgotpassword mb-3"><a href="%(w)s/login/forgot_password.php">Lost password?</a></div>
</form>
<h2 class="login-heading">Some courses may allow guest access</h2>
<form action="%(w)s/login/index.php" method="post" id="guestlogin">
<input type="hidden" name="logintoken" value="%(t)s">
<input type="hidden" name="username" value="guest" />
<input type="hidden" name="password" value="guest" />
<button class="btn btn-secondary" type="submit" id="loginguestbtn">Access as a guest</button>
</form>
%(idp)s</div>""" % dict(maint=maint, err=err, w=w, t=esc(s.logintoken), idp=_idp_html(ctx))


def _idp_html(ctx):
    from .cas import idp_html
    from .oauth2 import idp_buttons       # auth_oauth2's buttons (f25)
    return idp_html(ctx) + idp_buttons(ctx)


def render_login(ctx, error=None):
    title = "In maintenance mode | lab" if ctx.state.maintenance == "legacy" else "Log in to the site | lab"
    return page(ctx, title, login_form(ctx, error), bodyid="page-login-index", cache_private=False)


def index(ctx):
    state = ctx.state
    session = ctx.ensure_session()
    if "token" in ctx.get and ctx.method == "GET":      # auth_apilogin loginpage_hook (202, 205, 207)
        from .apilogin import token_login
        resp = token_login(ctx)
        if resp is not None:
            return resp
        session = ctx.session
    from .cas import loginpage_hook as cas_loginpage_hook     # auth_cas: phpCAS redirects (369, 370)
    resp = cas_loginpage_hook(ctx)
    if resp is not None:
        return resp
    # auth_userkey: ssourl sends the login page elsewhere unless ?enrolkey_skipsso=1 (136, 138)
    ssourl = state.get_config("ssourl", "auth_userkey")
    if ssourl and "userkey" in state.enabled_auths and not ctx.param("enrolkey_skipsso") and \
            ctx.method == "GET" and not ctx.user:
        return redirect(ssourl)
    testsession = ctx.get.get("testsession")
    if testsession is not None and ctx.method == "GET":
        if ctx.user and str(ctx.user["id"]) == str(testsession):
            from .mfa import intercept      # tool_mfa: pending MFA goes to auth.php first (613)
            pending = intercept(ctx)
            if pending is not None:
                return pending
            target = session.wantsurl or ctx.url("/my/")
            session.wantsurl = None
            return redirect(target)
        return render_login(ctx)
    if ctx.method == "POST" and "username" in ctx.post:
        return _login_post(ctx)
    if getattr(session, "has_timed_out", False):         # a dead session cookie (229-231)
        session.has_timed_out = False
        session.loginerror = "Your session has timed out. Please log in again."
        return redirect(ctx.url("/login/index.php?loginredirect=1"))
    if ctx.user and ctx.user["id"] != 1 and ctx.get.get("loginredirect") is None:
        main = confirm_box("You are already logged in as %s, you need to log out before logging in as different "
                           "user." % fullname(ctx.user),
                           single_button(ctx.url("/login/logout.php"), "Log out", "post",
                                         [("sesskey", session.sesskey), ("loginpage", "1")]),
                           single_button(ctx.url("/"), "Cancel", primary=False))
        return page(ctx, "Log in to the site | lab", main, bodyid="page-login-index")
    error = session.loginerror
    session.loginerror = None
    return render_login(ctx, error)


def _login_post(ctx):
    state = ctx.state
    session = ctx.session
    token_ok = ctx.param("logintoken") == session.logintoken
    session.logintoken = random_string(32)          # renewed after every attempt (001/003/005)
    username = (ctx.param("username") or "")
    if not isinstance(username, str):
        username = ""
    username = username.strip().lower()
    password = ctx.param("password") or ""
    user = state.authenticate(username, password) if token_ok else None
    if user is None:
        session.loginerror = INVALID_LOGIN
        return redirect(ctx.url("/login/index.php?loginredirect=1"))
    newsession = state.new_session(copy_from=session)
    state.destroy_session(session.sid)
    newsession.userid = user["id"]
    user["lastaccess"] = user.get("lastaccess")
    ctx.session = newsession
    ctx.user = user
    ctx.new_session_cookie(newsession)
    ctx.set_cookies.append("MOODLEID1_=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly")
    ctx.set_cookies.append("MOODLEID1_=sodium%%3A%s; Max-Age=5184000; path=/; HttpOnly" % random_string(48))
    return redirect(ctx.url("/login/index.php?testsession=%d" % user["id"]))


def logout(ctx):
    state = ctx.state
    session = ctx.ensure_session()
    if not ctx.user:
        return redirect(ctx.url("/"))
    if ctx.sesskey_ok():
        state.destroy_session(session.sid)
        fresh = state.new_session()
        ctx.session, ctx.user = fresh, None
        ctx.new_session_cookie(fresh)
        target = ctx.url("/")
        if ctx.user is None and session.userid:
            u = state.users.get(session.userid)
            if (getattr(session, "userkey", False) or (u and u["auth"] == "userkey")) and \
                    state.get_config("redirecturl", "auth_userkey"):
                target = state.get_config("redirecturl", "auth_userkey")
        return redirect(target)
    main = confirm_box("Do you really want to log out?",
                       single_button(ctx.url("/login/logout.php"), "Continue", "post", [("sesskey", session.sesskey)]),
                       single_button(ctx.url("/"), "Cancel", primary=False))
    return page(ctx, "Lab Moodle | lab", main, bodyid="page-login-logout")


def my(ctx):
    resp = require_login(ctx)
    if resp is not None:
        return resp
    main = '<h2>Dashboard</h2><section class="block_timeline">Welcome back, %s.</section>' % esc(ctx.user["firstname"])
    return page(ctx, "Dashboard | lab", main, bodyid="page-my-index", contextid=user_contextid(ctx.user),
                pageurl=ctx.url("/my/index.php"))


def site_index(ctx):
    ctx.ensure_session()
    if ctx.user:
        if ctx.state.maintenance == "legacy" and not ctx.is_admin:
            return maintenance_page(ctx)
        return redirect(ctx.url("/my/"))
    return page(ctx, "Home | Lab Moodle", "<h2>Lab Moodle</h2>", bodyid="page-site-index")


def profile(ctx):
    resp = require_login(ctx)
    if resp is not None:
        return resp
    uid = ctx.param("id") or ctx.user["id"]
    user = ctx.state.users.get(int(uid)) if str(uid).isdigit() else None
    if not user:
        user = ctx.user
    main = ('<div class="page-header-headings"><h1 class="h2">%s</h1></div><section class="userprofile">'
            '<dl><dt>Email address</dt><dd>%s</dd></dl></section>' % (esc(fullname(user)), esc(user["email"])))
    contextid = user_contextid(user)
    button = ""
    if ctx.is_admin or contextid == user_contextid(ctx.user):
        # the page can be customised: "Reset page to default" (009, 167)
        button = ('<div class="page-header-button">%s</div>'
                  % single_button(ctx.url("/user/profile.php"), "Reset page to default", "post",
                                  [("edit", "1"), ("reset", "1"), ("id", str(user["id"])),
                                   ("sesskey", ctx.session.sesskey)], primary=False))
    return page(ctx, "%s: Public profile | lab" % fullname(user), main, bodyid="page-user-profile",
                contextid=contextid, pageurl=ctx.url("/user/profile.php?id=%d" % user["id"]), header_button=button)
