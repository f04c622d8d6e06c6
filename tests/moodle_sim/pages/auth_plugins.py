"""Manage authentication table and /admin/auth.php (flow f10)."""
from ..html import esc
from ..response import redirect
from ..state import auth_plugins
from .common import require_admin

SPACER = '<img class="icon spacer" width="1" height="1" alt="" aria-hidden="true" src="%s/theme/image.php/boost/core/1/spacer" />'
UNINSTALLABLE = ("email", "apilogin", "cas", "db", "none", "oauth2", "shibboleth", "userkey")


def auth_table(ctx):
    state = ctx.state
    w = state.wwwroot
    sk = esc(ctx.session.sesskey)
    plugins = auth_plugins(state.moodle)
    enabled = [a for a in state.enabled_auths if a in plugins]
    disabled = sorted(a for a in plugins if a not in enabled and a not in ("manual", "nologin"))
    order = ["manual", "nologin"] + enabled + disabled
    counts = {}
    for u in state.users.values():
        if not u["deleted"] and u["id"] != 1:
            counts[u["auth"]] = counts.get(u["auth"], 0) + 1
    rows = []
    for i, name in enumerate(order):
        label, section = plugins[name]
        on = name in enabled
        enable = updown = settings = test = uninstall = ""
        if name not in ("manual", "nologin"):
            if on:
                enable = ('<a href="auth.php?sesskey=%s&amp;action=disable&amp;auth=%s"><i class="icon fa-regular '
                          'fa-eye fa-fw" title="Disable" role="img" aria-label="Disable"></i></a>' % (sk, name))
                pos = enabled.index(name)
                up = ('<a href="auth.php?sesskey=%s&amp;action=up&amp;auth=%s"><i class="icon fa fa-arrow-up fa-fw" '
                      'title="Move up" role="img" aria-label="Move up"></i></a>' % (sk, name)) if pos > 0 else SPACER % w
                down = ('<a href="auth.php?sesskey=%s&amp;action=down&amp;auth=%s"><i class="icon fa fa-arrow-down '
                        'fa-fw" title="Move down" role="img" aria-label="Move down"></i></a>' % (sk, name)) \
                    if pos < len(enabled) - 1 else SPACER % w
                updown = up + "&nbsp;" + down + "&nbsp;"
            else:
                enable = ('<a href="auth.php?sesskey=%s&amp;action=enable&amp;auth=%s"><i class="icon fa fa-eye-slash '
                          'fa-fw" title="Enable" role="img" aria-label="Enable"></i></a>' % (sk, name))
            # 4.5: auth_cas depends on auth_ldap, so LDAP has no Uninstall link; 5.1 (no cas) has one (5.1.3 121)
            if name in UNINSTALLABLE or (name == "ldap" and state.moodle.is51):
                uninstall = ('<a href="%s/admin/plugins.php?uninstall=auth_%s&amp;confirm=0&amp;return=manage">'
                             'Uninstall</a>' % (w, name))
            if name in ("cas", "db", "ldap", "mnet", "oauth2", "shibboleth"):
                test = '<a href="%s/auth/test_settings.php?auth=%s">Test settings</a>' % (w, name)
        if section:
            settings = '<a href="settings.php?section=%s">Settings</a>' % section
        cls = []
        if name not in ("manual", "nologin") and not on:
            cls.append("dimmed_text")
        if i == len(order) - 1:
            cls.append("lastrow")
        cells = [esc(label), str(counts.get(name, 0)), enable, updown, settings, test, uninstall]
        tds = "".join('<td class="%s cell c%d%s">%s</td>\n' % ("leftalign" if c == 0 else "centeralign", c,
                                                               " lastcol" if c == 6 else "", v)
                      for c, v in enumerate(cells))
        rows.append('<tr class="%s">\n%s</tr>' % (" ".join(cls), tds))
    heads = ["Name", "Users", "Enable", "Up/Down", "Settings", "Test settings", "Uninstall"]
    ths = "".join('<th class="header c%d %s" scope="col">%s</th>' % (i, "leftalign" if i == 0 else "centeralign", h)
                  for i, h in enumerate(heads))
    return ('<h3 class="main">Available authentication plugins</h3><div class="box py-3 generalbox authsui">'
            '<div class="table-responsive"><table class="admintable generaltable" id="manageauthtable">\n<thead>\n'
            '<tr>%s</tr>\n</thead>\n<tbody>%s</tbody>\n</table>\n</div>Choose the plugins and their order of '
            'failthrough.<br />Changes in the table are saved at once.</div>' % (ths, "\n".join(rows)))


def auth_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    ctx.write = True
    target = ctx.url("/admin/settings.php?section=manageauths")
    if not ctx.sesskey_ok():
        return redirect(target)          # silent (131-132)
    action = ctx.param("action")
    name = ctx.param("auth")
    state = ctx.state
    auths = state.enabled_auths
    if name in auth_plugins(state.moodle) and name not in ("manual", "nologin"):
        if action == "enable" and name not in auths:
            auths.append(name)
        elif action == "disable" and name in auths:
            auths.remove(name)
        elif action in ("up", "down") and name in auths:
            i = auths.index(name)
            j = i - 1 if action == "up" else i + 1
            if 0 <= j < len(auths):
                auths[i], auths[j] = auths[j], auths[i]
        state.set_enabled_auths(auths)
    return redirect(target)
