"""Manage protocols table and /admin/webservice/protocols.php (flow f04)."""
from ..html import esc
from ..response import redirect
from ..state import PROTOCOLS
from .common import require_admin


def protocols_table(ctx):
    state = ctx.state
    enabled = state.protocols
    rows = []
    for i, (name, label) in enumerate(PROTOCOLS):
        on = name in enabled
        action, icon, title = ("disable", "fa-regular fa-eye", "Disable") if on else ("enable", "fa fa-eye-slash",
                                                                                      "Enable")
        href = "%s/admin/webservice/protocols.php?sesskey=%s&amp;action=%s&amp;webservice=%s" % (
            state.wwwroot, esc(ctx.session.sesskey), action, name)
        rows.append('<tr class="%s">\n<td class="leftalign cell c0">%s</td>\n<td class="centeralign cell c1">%s</td>\n'
                    '<td class="centeralign cell c2"><a href="%s"><i class="icon %s fa-fw" title="%s" role="img" '
                    'aria-label="%s"></i></a></td>\n<td class="centeralign cell c3 lastcol"></td>\n</tr>'
                    % ("lastrow" if i == len(PROTOCOLS) - 1 else "",
                       "<span>%s</span>" % label if on else '<span class="dimmed_text">%s</span>' % label,
                       ctx.state.moodle.protocol_version, href, icon, title, title))
    return ('<h3 class="main">Active web service protocols</h3><div class="box py-3 generalbox webservicesui">'
            '<div class="table-responsive"><table class="admintable generaltable" id="webserviceprotocols">\n<thead>\n'
            '<tr><th class="header c0 leftalign" scope="col">Protocol</th><th class="header c1 centeralign" '
            'scope="col">Version</th><th class="header c2 centeralign" scope="col">Enable</th>'
            '<th class="header c3 lastcol centeralign" scope="col">Settings</th></tr>\n</thead>\n<tbody>%s</tbody>\n'
            '</table>\n</div>Only enable the protocols that are in use.</div>' % "\n".join(rows))


def protocols_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    ctx.write = True
    target = ctx.url("/admin/settings.php?section=webserviceprotocols")
    if not ctx.sesskey_ok():
        return redirect(target)          # silently nothing (037)
    action = ctx.param("action")
    name = ctx.param("webservice")
    known = [p for p, _unused in PROTOCOLS]
    if name in known:
        current = ctx.state.protocols
        if action == "enable" and name not in current:
            ctx.state.set_protocols(current + [name])
        elif action == "disable" and name in current:
            ctx.state.set_protocols([p for p in current if p != name])
    return redirect(target)
