"""/admin/index.php (the admin notifications page) and /admin/upgradesettings.php ("New settings") (flow f20, 356-361).

admin/index.php first redirects to ``?cache=1`` (always, 356/360); with ``cache=1`` an admin is sent to
upgradesettings.php while any admin setting in the tree has no stored value (357), else sees the notifications page
(361). upgradesettings.php lists those settings page by page with their defaults prefilled (358); a POST with the
right sesskey writes every known ``s_*`` key (admin_write_settings) and, when nothing is pending any more, answers
303 to admin/index.php (359)."""
from .. import settings_tree
from ..html import esc, page
from ..response import redirect
from .admin_settings import get_setting, render_setting, write_settings
from .common import require_admin


def new_settings(state):
    """[(section, [settings])] of every setting in the tree without a stored value (any_new_admin_settings)."""
    found = []
    for section in settings_tree.SECTIONS:
        if not settings_tree.in_release(state.moodle, section):
            continue
        pending = [s for s in section.settings
                   if settings_tree.available(state, s) and get_setting(state, s) is None]
        if pending:
            found.append((section, pending))
    return found


def _notifications(ctx):
    """admin_notifications_page(): what a client may read; the update-check button and, while the mobile web service
    is off, the button to its setting (361)."""
    w = ctx.state.wwwroot
    parts = ['<h2>Notifications</h2>']
    if not ctx.state.cfg_flag("enablemobilewebservice"):
        parts.append('<div class="alert alert-info">This site is not set up for mobile devices. '
                     '<form method="get" action="%s/admin/search.php"><input type="hidden" name="query" '
                     'value="enablemobilewebservice"><button type="submit" class="btn btn-secondary">Enable web '
                     'services for mobile devices</button></form></div>' % w)
    parts.append('<div class="box py-3 generalbox" id="updates">You are using Moodle %s.'
                 '<form method="post" action="%s/admin/index.php"><input type="hidden" name="fetchupdates" value="1">'
                 '<input type="hidden" name="sesskey" value="%s"><input type="hidden" name="cache" value="0">'
                 '<button type="submit" class="btn btn-secondary">Check for available updates</button></form></div>'
                 % (esc(ctx.state.moodle.release), w, esc(ctx.session.sesskey)))
    return page(ctx, "Notifications | Administration | lab", "\n".join(parts), bodyid="page-admin-index",
                pageurl=w + "/admin/index.php")


def admin_index(ctx):
    ctx.ensure_session()
    if ctx.param("fetchupdates") and ctx.is_admin and ctx.sesskey_ok():
        return redirect(ctx.url("/admin/index.php?cache=0"))     # no update server is asked
    if ctx.param("cache") in (None, "", "0"):
        return redirect(ctx.url("/admin/index.php?cache=1"))
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    if new_settings(ctx.state):
        return redirect(ctx.url("/admin/upgradesettings.php"))
    return _notifications(ctx)


def upgradesettings_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    ret = ctx.param("return") or ""
    ret = ret if isinstance(ret, str) and ret.isalpha() else ""
    if ctx.method == "POST" and ctx.post:
        ctx.write = True
        if ctx.sesskey_ok():
            write_settings(state, ctx.post)
    pending = new_settings(state)
    if not pending:
        return redirect(ctx.url("/" if ret == "site" else "/admin/index.php"))
    html = []
    for section, settings in pending:
        html.append('<h2 class="main">New settings - %s</h2><fieldset class="adminsettings">\n%s\n</fieldset>'
                    % (esc(section.title), "\n".join(render_setting(state, s, defaults=True) for s in settings)))
    main = ('<div class="box py-3 generalbox">The settings shown below were added during your last Moodle upgrade. '
            'Make any changes necessary to the defaults and then click the \'Save changes\' button at the bottom of '
            'this page.</div><form action="upgradesettings.php" method="post" id="adminsettings"><div>'
            '<input type="hidden" name="sesskey" value="%s"><input type="hidden" name="return" value="%s"><fieldset>'
            '<div class="clearer"></div>%s</fieldset><div class="form-buttons"><input class="form-submit btn '
            'btn-primary" type="submit" value="Save changes"></div></div></form>'
            % (esc(ctx.session.sesskey), esc(ret), "\n".join(html)))
    return page(ctx, "New settings | Administration | lab", main, bodyid="page-admin-upgradesettings", navbar=False)
