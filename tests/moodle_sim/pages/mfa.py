"""tool_mfa (flow f26): the factor table of Manage multi-factor authentication, /admin/tool/mfa/index.php (enable,
disable, up, down), the factor_<name> settings pages' extras, core_admin_set_plugin_state for factor_<name> (5.1),
and the interception of logins (/admin/tool/mfa/auth.php).

Facts (4.5.6 575-627, 5.1.3 508-565): 4.5.6 draws an html_table#managemfatable with relative links
tool/mfa/index.php?action=...&factor=<name>&sesskey=S; 5.1.3 the core plugin-management table (a switch per factor,
absolute order links ...?sesskey=S&action=up|down&plugin=<name>). index.php redirects to the Referer; without one to
/admin/tool/mfa/ (404 "factornotfound") although the action was applied. With MFA on, a login that no enabled factor
lets through reaches 100 goes testsession -> 303 /admin/tool/mfa/auth.php, and so does every later page."""
import ipaddress

from ..html import esc, page, single_button
from ..response import redirect

# name -> (4.5 label, 5.1 label, 5.1 description, user setup, user input), in the 4.5.6 table order (by name)
FACTORS = {
    "admin": ("Non-administrator", "Non-administrator", "Require additional authentication factors for "
              "administrators.", False, False),
    "auth": ("Authentication type", "Authentication type", "Allow users to bypass extra authentication steps "
             "based on their authentication type.", False, False),
    "capability": ("User capability", "User capability", "Specify which users must use other factors to "
                   "authenticate. Must be combined with other factors.", False, False),
    "cohort": ("Cohort", "Cohorts", "Specify which cohorts of users must use other factors to authenticate. Must "
               "be combined with other factors.", False, False),
    "email": ("Email", "Email", "Require users to enter a code received via email during login.", False, True),
    "grace": ("Grace period", "Grace period", "Allow users to log in without MFA for a specified period, giving "
              "them time to set up authentication factors.", False, False),
    "iprange": ("IP range", "IP range", "Use IP addresses to automatically verify users' identity.", False, False),
    "nosetup": ("No other factors", "Optional MFA", "Allow users to bypass MFA if they have not set up any other "
                "authentication factor.", False, False),
    "role": ("Role", "Roles", "Specify which users must use other factors to authenticate, based on their role. "
             "Must be combined with other factors.", False, False),
    "sms": ("SMS mobile phone", "SMS", "Require users to enter a code received via SMS during login.", True, True),
    "token": ("Trust this device", "Trust this device", "Allow users to bypass authentication on devices marked as "
              "trusted. Needs to be combined with other factors.", False, False),
    "totp": ("Authenticator app", "Authenticator app", "Require users to enter a code from an authenticator app on "
             "their devices during login.", True, True),
    "webauthn": ("Security key", "Security key", "Require users to use a security key, like a USB or NFC token, or "
                 "a biometric method, during login.", True, True),
}
# the combinations table's condition per factor (Moodle's get_summary_condition)
CONDITIONS = {"auth": "has an authentication type of %s", "email": "has valid email setup",
              "iprange": "is on a secured network", "nosetup": "has no other factors set up",
              "totp": "using a TOTP app", "admin": "is not an administrator", "grace": "is within grace period",
              "sms": "has valid SMS setup", "webauthn": "has a security key", "token": "has a trusted device"}
# factors Moodle never counts alone in the combinations (they only take weight away or need others)
COMBINED_ONLY = ("capability", "cohort", "role", "token")


def label(state, name):
    return FACTORS[name][1 if state.moodle.is51 else 0]


def mfa_enabled(state):
    return state.get_config("enabled", "tool_mfa") == "1"


def factor_enabled(state, name):
    return state.get_config("enabled", "factor_%s" % name) == "1"


def weight(state, name):
    value = state.get_config("weight", "factor_%s" % name)
    return int(value) if value and value.lstrip("-").isdigit() else 100


def factor_order(state):
    """tool_mfa/factor_order as a list (a fresh 5.1.3 site: email; 4.5.6: empty)."""
    value = state.get_config("factor_order", "tool_mfa")
    if value is None:
        value = "email" if state.moodle.is51 else ""
    return value.split(",")


def enabled_factors(state):
    """The enabled factors in factor_order (get_enabled_factors)."""
    order = [name for name in factor_order(state) if name in FACTORS and factor_enabled(state, name)]
    return order + sorted(name for name in FACTORS if factor_enabled(state, name) and name not in order)


def table_order(state):
    """The table's rows: the enabled factors in order, then the others by name (4.5.6 579, 5.1.3 512)."""
    enabled = enabled_factors(state)
    return enabled + [name for name in sorted(FACTORS) if name not in enabled]


def do_factor_action(state, name, action):
    """manager::do_factor_action(): enable/disable stores the flag (enable appends to factor_order); up/down swap
    neighbours among the enabled factors."""
    if name not in FACTORS:
        return False
    if action in ("enable", "disable"):
        state.set_config("enabled", "1" if action == "enable" else "0", "factor_%s" % name)
        order = factor_order(state)
        if action == "enable" and name not in order:
            state.set_config("factor_order", ",".join(order + [name]), "tool_mfa")
        return True
    if action in ("up", "down"):
        enabled = enabled_factors(state)
        if name in enabled:
            i = enabled.index(name)
            j = i - 1 if action == "up" else i + 1
            if 0 <= j < len(enabled):
                enabled[i], enabled[j] = enabled[j], enabled[i]
            state.set_config("factor_order", ",".join(enabled), "tool_mfa")
        return True
    return False


def enabled_changed(state, component, value):
    """The factor's settings page wrote s_factor_<name>_enabled: its updated callback (do_factor_action) appends
    an enabled factor to factor_order."""
    name = component[len("factor_"):]
    order = factor_order(state)
    if name in FACTORS and value == "1" and name not in order:
        state.set_config("factor_order", ",".join(order + [name]), "tool_mfa")


# ---------------------------------------------------------------- who passes
def _ip_in(ip, ranges):
    for entry in (ranges or "").split("\n"):
        entry = entry.strip()
        if not entry:
            continue
        try:
            if ipaddress.ip_address(ip) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            if entry.endswith(".") and ip.startswith(entry):
                return True
    return False


def passing(state, user, ip):
    """The enabled factors the user passes without input (iprange, auth, nosetup, admin)."""
    found = []
    for name in enabled_factors(state):
        if name == "iprange" and _ip_in(ip, state.get_config("safeips", "factor_iprange")):
            found.append(name)
        elif name == "auth" and user["auth"] in (state.get_config("goodauth", "factor_auth") or "").split(","):
            found.append(name)
        elif name == "nosetup":        # nobody in the simulator has set a factor up
            found.append(name)
        elif name == "admin" and not state.is_siteadmin(user["id"]):
            found.append(name)
    return found


def passes(state, user, ip):
    return sum(weight(state, name) for name in passing(state, user, ip)) >= 100


def intercept(ctx):
    """None, or the 303 to /admin/tool/mfa/auth.php a logged-in page answers while MFA is pending."""
    state, session, user = ctx.state, ctx.session, ctx.user
    if not user or user["id"] == 1 or not mfa_enabled(state) or getattr(session, "mfa_passed", False):
        return None
    if passes(state, user, ctx.client_ip):
        session.mfa_passed = True
        return None
    if ctx.method == "GET" and ctx.path != "/admin/tool/mfa/auth.php":
        session.wantsurl = ctx.url(ctx.path + ("?" + ctx.query if ctx.query else ""))
    return redirect(ctx.url("/admin/tool/mfa/auth.php"))


# ---------------------------------------------------------------- pages
def auth_php(ctx):
    """/admin/tool/mfa/auth.php: the e-mail code form when the e-mail factor is on, else "Unable to authenticate";
    POST logout ends the session."""
    state = ctx.state
    ctx.ensure_session()
    user = ctx.user
    if not user:
        return redirect(ctx.url("/login/index.php"))
    session = ctx.session
    if ctx.method == "POST" and ctx.param("logout") and ctx.sesskey_ok():
        state.destroy_session(session.sid)
        fresh = state.new_session()
        ctx.session, ctx.user = fresh, None
        ctx.new_session_cookie(fresh)
        return redirect(ctx.url("/login/index.php"))
    if not mfa_enabled(state) or getattr(session, "mfa_passed", False) or passes(state, user, ctx.client_ip):
        session.mfa_passed = True
        target = session.wantsurl or ctx.url("/")
        session.wantsurl = None
        return redirect(target)
    w = state.wwwroot
    sk = esc(session.sesskey)
    if "email" in enabled_factors(state) and user.get("email"):
        main = ('<div><div class="row"><div class="col-12"><h2>2-step verification</h2><p>To keep your account '
                'safe, we need to check that this is really you.</p></div></div></div>\n<div class="mfa-verify-form">'
                '<form class="ignoredirty mform full-width-labels" autocomplete="off" action="%s/admin/tool/mfa/'
                'auth.php" method="post" accept-charset="utf-8" id="mform1_mfa">\n<div style="display: none;">'
                '<input name="factor" type="alphaext" value="email" />\n<input name="sesskey" type="hidden" '
                'value="%s" />\n<input name="_qf__tool_mfa_local_form_login_form" type="hidden" value="1" />\n</div>'
                '<div id="fitem_id_verificationcode" class="mb-3 row fitem"><label for="id_verificationcode">Enter '
                'code</label><input type="text" class="form-control" name="verificationcode" '
                'id="id_verificationcode" value="" maxlength="6"></div><div id="fgroup_id_buttonar">'
                '<input type="submit" class="btn btn-primary" name="submitbutton" id="id_submitbutton" '
                'value="Continue"></div></form></div>\n<div class="form-container text-center mt-3">'
                '<form id="cancelmfa" method="POST" action="%s/admin/tool/mfa/auth.php"><input type="hidden" '
                'name="logout" value="true"><input type="hidden" name="sesskey" value="%s"><input type="submit" '
                'class="btn btn-secondary" name="cancelmfa" id="cancelmfa_button" value="Cancel login"></form></div>'
                % (w, sk, w, sk))
    else:
        main = ('<div class="alert alert-danger alert-block fade in" role="alert" data-aria-autofocus="true">\n'
                '<h4>Unable to authenticate</h4><p>We couldn\'t confirm your identity sufficiently to meet the site '
                'authentication security policy.</p></div>%s' % single_button(
                    ctx.url("/admin/tool/mfa/auth.php"), "Log out", "post", [("logout", "1"),
                                                                             ("sesskey", session.sesskey)]))
    return page(ctx, "2-step verification | lab", main, bodyid="page-admin-tool-mfa-auth", navbar=False)


def index_php(ctx):
    """/admin/tool/mfa/index.php?action=enable|disable|up|down&factor=<name> (5.1: plugin=<name>) with a sesskey;
    redirects to the Referer, or to /admin/tool/mfa/ (a 404 page "factornotfound") without one."""
    from .common import require_admin
    from ..html import error_page
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    action = ctx.param("action")
    name = ctx.param("factor") or ctx.param("plugin")
    if not action:
        return error_page(ctx, "Factor not found", "factornotfound", module="tool_mfa")
    if not ctx.sesskey_ok():
        return error_page(ctx, "Your session has most likely timed out. Please log in again.", "invalidsesskey")
    ctx.write = True
    do_factor_action(ctx.state, name, action)
    referer = ctx.headers.get("Referer") or ""
    if referer.startswith(ctx.state.wwwroot + "/"):
        return redirect(referer)
    return redirect(ctx.url("/admin/tool/mfa/"))


def set_factor_state(state, plugin, on):
    """core_admin_set_plugin_state for factor_<name> (5.1.3 526, 528): (changed, label)."""
    name = plugin[len("factor_"):]
    if name not in FACTORS:
        return False, "[[pluginname]]"
    before = factor_enabled(state, name)
    do_factor_action(state, name, "enable" if on else "disable")
    return before != bool(on), label(state, name)


# ---------------------------------------------------------------- the managemfa table
def _combinations(state):
    """Each enabled factor (not only-combined) of weight 100 alone; lighter ones in pairs reaching 100."""
    rows = []
    light = []
    for name in enabled_factors(state):
        if name in COMBINED_ONLY:
            continue
        condition = CONDITIONS.get(name, name)
        if "%s" in condition:
            condition = condition % (state.get_config("goodauth", "factor_auth") or "")
        if weight(state, name) >= 100:
            rows.append(("%s <sup>%d</sup>" % (esc(condition), weight(state, name)), weight(state, name)))
        else:
            light.append((condition, weight(state, name)))
    for i, (one, w1) in enumerate(light):
        for two, w2 in light[i + 1:]:
            if w1 + w2 >= 100:
                rows.append(("%s <sup>%d</sup> &amp; %s <sup>%d</sup>" % (esc(one), w1, esc(two), w2), w1 + w2))
    return rows


def _combinations_html(state):
    rows = _combinations(state)
    if not rows:
        from ..html import notification_html
        return ('<h3>Summary of good conditions for login</h3><div class="box py-3 generalbox">%s</div>'
                % notification_html("danger", "Unable to authenticate", state.moodle.is51))
    tid = "mfacombinations" if state.moodle.is51 else "managemfatable"
    body = "".join('<tr class="%s">\n<td class="cell c0">%s</td>\n<td class="cell c1 lastcol">%d</td>\n</tr>\n'
                   % ("lastrow" if i == len(rows) - 1 else "", text, total) for i, (text, total) in enumerate(rows))
    return ('<h3>Summary of good conditions for login</h3><div class="box py-3 generalbox"><div class="table-responsive">'
            '<table class="admintable generaltable table table-bordered" id="%s">\n<thead>\n<tr>\n'
            '<th class="header c0" scope="col">Combination</th>\n<th class="header c1 lastcol" scope="col">Total '
            'weight</th>\n</tr>\n</thead>\n<tbody>%s</tbody>\n</table>\n</div></div>' % (tid, body))


def _table_45(ctx):
    state = ctx.state
    sk = esc(ctx.session.sesskey)
    enabled = enabled_factors(state)
    rows = []
    names = table_order(state)
    for i, name in enumerate(names):
        on = name in enabled
        link = ('<a href="tool/mfa/index.php?action=%s&amp;factor=%s&amp;sesskey=%s"><i class="icon fa %s fa-fw" '
                'title="%s" role="img" aria-label="%s"></i></a>'
                % ("disable" if on else "enable", name, sk, "fa-eye" if on else "fa-eye-slash",
                   "Disable" if on else "Enable", "Disable" if on else "Enable"))
        order = ""
        if on:
            pos = enabled.index(name)
            if pos > 0:
                order += ('<a href="tool/mfa/index.php?action=up&amp;factor=%s&amp;sesskey=%s"><i class="icon fa '
                          'fa-arrow-up fa-fw" title="Move up" role="img" aria-label="Move up"></i></a>' % (name, sk))
            if pos < len(enabled) - 1:
                order += ('<a href="tool/mfa/index.php?action=down&amp;factor=%s&amp;sesskey=%s"><i class="icon fa '
                          'fa-arrow-down fa-fw" title="Move down" role="img" aria-label="Move down"></i></a>'
                          % (name, sk))
        _l45, _l51, _desc, setup, needs_input = FACTORS[name]
        settings = ('<a title="Edit settings for the %s factor" href="settings.php?section=factor_%s">Settings</a>'
                    % (esc(label(state, name)), name))
        cells = [esc(label(state, name)), link, order, str(weight(state, name)), settings,
                 "Yes" if setup else "No", "Yes" if needs_input else "No"]
        tds = "".join('<td class="cell c%d%s">%s</td>\n' % (c, " lastcol" if c == 6 else "", v)
                      for c, v in enumerate(cells))
        cls = ("" if on else "dimmed_text") + (" lastrow" if i == len(names) - 1 else "")
        rows.append('<tr class="%s">\n%s</tr>\n' % (cls.strip(), tds))
    heads = ["Factor", "Enable", "Order", "Weight", "Settings", "User setup", "User input"]
    ths = "".join('<th class="header c%d" scope="col">%s</th>\n' % (i, h) for i, h in enumerate(heads))
    return ('<div class="box py-3 generalbox"><div class="table-responsive"><table class="admintable generaltable" '
            'id="managemfatable">\n<thead>\n<tr>\n%s</tr>\n</thead>\n<tbody>%s</tbody>\n</table>\n</div></div>'
            % (ths, "".join(rows)))


def _table_51(ctx):
    state = ctx.state
    w = state.wwwroot
    sk = esc(ctx.session.sesskey)
    enabled = enabled_factors(state)
    rows = []
    for i, name in enumerate(table_order(state)):
        on = name in enabled
        lbl = esc(label(state, name))
        rid = "plugin_management_table-factor_r%d" % i
        switch = ('<div id="container-admin-toggle-%s" data-toggle-method="core_admin_set_plugin_state" '
                  'data-action="togglestate" data-plugin="factor_%s" data-state="%d" data-value="%s">'
                  '<div class="form-check form-switch"><input type="checkbox" class="form-check-input" '
                  'id="admin-toggle-%s"%s data-id="%s" title="%s %s"><label class="form-check-label" '
                  'for="admin-toggle-%s"><span class="visually-hidden">%s %s</span></label></div></div>'
                  % (name, name, 1 if on else 0, name, name, " checked" if on else "", name,
                     "Disable" if on else "Enable", lbl, name, "Disable" if on else "Enable", lbl))
        order = ""
        if on:
            pos = enabled.index(name)
            for direction, show in (("up", pos > 0), ("down", pos < len(enabled) - 1)):
                if show:
                    order += ('<a data-method="core_admin_set_plugin_order" data-action="move" data-plugin="factor_%s" '
                              'data-direction="%s" href="%s/admin/tool/mfa/index.php?sesskey=%s&amp;action=%s&amp;'
                              'plugin=%s"><i class="icon fa fa-arrow-%s fa-fw" title="Move %s" role="img" '
                              'aria-label="Move %s"></i></a>'
                              % (name, direction, w, sk, direction, name, direction, direction, direction))
            order = "<span>%s</span>" % order
        cells = ['<div>\n<div><strong>%s</strong></div>\n<div>%s</div>\n</div>' % (lbl, esc(FACTORS[name][2])),
                 switch, order, str(weight(state, name)),
                 '<a title="Edit settings for the %s factor" href="%s/admin/settings.php?section=factor_%s">Settings'
                 '</a>' % (lbl, w, name)]
        tds = "".join('<td class="cell c%d" id="%s_c%d">%s</td>' % (c, rid, c, v) for c, v in enumerate(cells))
        rows.append('<tr class="%s" id="%s">%s</tr>' % ("" if on else "dimmed_text", rid, tds))
    heads = ["Factor", "Enabled", "Order", "Weight", "Settings"]
    ths = "".join('<th class="header c%d" scope="col">%s<div class="commands"></div></th>' % (i, h)
                  for i, h in enumerate(heads))
    return ('<div class="table-dynamic position-relative" data-region="core_table/dynamic" '
            'data-table-handler="admin_setting_managemfa" data-table-component="tool_mfa" '
            'data-table-uniqueid="plugin_management_table-factor"><div class="table-responsive"><table '
            'class="flexible table table-striped table-hover"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
            '</div>' % (ths, "".join(rows)))


def section_top(ctx, section):
    """What managemfa and the factor pages show above their settings: the factor table and the combinations; the
    IP hint of factor_iprange; the auth types of factor_auth's goodauth (manual, nologin and the enabled ones)."""
    state = ctx.state
    if section.kind == "managemfa":
        table = _table_51(ctx) if state.moodle.is51 else _table_45(ctx)
        return table + _combinations_html(state) + '<h3 class="main">General MFA settings</h3>'
    name = section.name[len("factor_"):]
    if name == "auth":
        from ..state import auth_plugins
        installed = auth_plugins(state.moodle)
        auths = sorted(set(["manual", "nologin"] + [a for a in state.enabled_auths if a in installed]))
        for setting in section.settings:
            if setting.name == "goodauth":
                setting.options = [(a, installed.get(a, (a,))[0]) for a in auths]
    if name == "iprange":
        from ..html import notification_html
        ip = ctx.client_ip
        safeips = state.get_config("safeips", "factor_iprange") or ""
        if not safeips.strip():
            text = "Nobody will currently pass this factor! You can add your own IP address (%s)" % ip
            kind = "danger"
        elif _ip_in(ip, safeips):
            text, kind = "Your IP (%s) is in the list and you will pass this factor." % ip, "success"
        else:
            text, kind = "Your IP (%s) is not in the list and you will not pass this factor." % ip, "danger"
        return notification_html(kind, text, state.moodle.is51)
    return ""


def is_mfa_section(section):
    return section.kind in ("managemfa", "mfafactor")


__all__ = ["FACTORS", "auth_php", "index_php", "intercept", "section_top", "set_factor_state", "enabled_changed"]
