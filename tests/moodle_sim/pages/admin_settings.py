"""/admin/settings.php and /admin/search.php (flows f03, f05, f15; hosts the protocol, service and auth tables)."""
import random
from .. import settings_tree
from ..html import error_page, esc, page
from ..response import redirect
from ..state import DEFAULTUSERROLEID
from .common import require_login


# ---------------------------------------------------------------- reading / writing settings
def get_setting(state, setting):
    """admin_setting::get_setting(): the stored value, or None when there is no row."""
    value = state.get_config(setting.name, setting.component or None)
    if setting.fullname == "s__enablemobilewebservice":
        if value is None:
            return None
        if not state.cfg_flag("enablewebservices"):
            return "0"
        mobile = state.mobile_service()
        restuse = state.role_caps.get(DEFAULTUSERROLEID, {}).get("webservice/rest:use") == 1
        return value if (mobile and mobile["enabled"] and restuse) else "0"
    return value


def _write_mobile(state, value):
    """admin_setting_enablemobileservice::write_setting() side effects (reference §2.1)."""
    mobile = state.mobile_service()
    if value == "1":
        state.set_config("enablewebservices", "1")
        if mobile:
            mobile["enabled"] = 1
        protocols = state.protocols
        if "rest" not in protocols:
            state.set_protocols(protocols + ["rest"])
        state.role_caps.setdefault(DEFAULTUSERROLEID, {})["webservice/rest:use"] = 1
    elif mobile:
        mobile["enabled"] = 0
    state.set_config("enablemobilewebservice", value)


def write_settings(state, data):
    """admin_write_settings(): every known s_* key in data is written, whatever the section.

    Returns the number of settings whose get_setting() changed (what decides "Changes saved")."""
    count = 0
    for _section, setting in settings_tree.all_settings():
        if setting.fullname not in data or not settings_tree.available(state, setting):
            continue
        value = data[setting.fullname]
        if isinstance(value, dict) and setting.kind in ("duration", "filesize", "multicheckbox"):
            value = _compound_value(setting, value)
        if isinstance(value, dict) or value is None:
            continue
        if setting.kind == "checkbox":
            value = "1" if value == "1" else "0"
        elif setting.kind == "storedfile":
            value = ""                    # the posted draft area id; no files are modelled: no file = ""
        elif getattr(setting, "paramtype", None) == "int" and value == "":
            value = "0"                   # admin_setting_configtext PARAM_INT: '' is stored as 0 (359 port)
        elif setting.kind == "select":
            if value not in [o[0] for o in setting.options]:
                continue
        if setting.fullname == "s__enablemobilewebservice":
            # post_write_settings() compares with a restuse flag cached before the write, so enabling the
            # mobile service does not count as a change (fixture 084: no "Changes saved").
            before = get_setting(state, setting)
            restuse_before = state.role_caps.get(DEFAULTUSERROLEID, {}).get("webservice/rest:use") == 1
            _write_mobile(state, value)
            after = get_setting(state, setting)
            if not restuse_before:
                after = "0" if after is not None else None
            if (before or "") != (after or ""):
                count += 1
            continue
        before = get_setting(state, setting)
        state.set_config(setting.name, value, setting.component or None)
        if setting.component.startswith("factor_") and setting.name == "enabled" and before != value:
            from .mfa import enabled_changed
            enabled_changed(state, setting.component, value)
        if before != value:
            count += 1
    return count


def _compound_value(setting, value):
    """duration/filesize {v, u} -> v*u; multicheckbox {key: "1", xxxxx} -> "k1,k2"; None when unusable."""
    if setting.kind == "multicheckbox":
        return ",".join(k for k, v in value.items() if k != "xxxxx" and v == "1")
    try:
        return str(int(float(value.get("v") or 0) * int(value.get("u") or 1)))
    except (TypeError, ValueError):
        return None


def _compound_control(setting, value, fid, name):
    """admin_setting_configduration / _configfilesize / _configmulticheckbox / _configpasswordunmask controls."""
    if setting.kind == "multicheckbox":
        chosen = (value or "").split(",")
        boxes = "".join('<li><input type="checkbox" id="%s_%s" name="%s[%s]" value="1"%s><label for="%s_%s">%s</label>'
                        '</li>' % (fid, esc(k), name, esc(k), " checked" if k in chosen else "", fid, esc(k),
                                   esc(label)) for k, label in setting.options)
        return ('<div class="form-multicheckbox"><input type="hidden" name="%s[xxxxx]" value="1"><ul>%s</ul></div>'
                % (name, boxes), ", ".join(label for k, label in setting.options
                                           if k in (setting.default or "").split(",")) or "None")
    if setting.kind == "password":
        return ('<div class="form-password"><span data-passwordunmask="wrapper"><input type="password" name="%s" '
                'id="%s" value="%s" class="form-control d-none" autocomplete="new-password"></span></div>'
                % (name, fid, esc(value or "")), "Empty")
    seconds = int(value or 0) if str(value or "0").isdigit() else 0
    unit = next((u for u, _l in setting.options if seconds and seconds % int(u) == 0), setting.options[-1][0])
    if not seconds:
        unit = setting.options[1][0] if setting.kind == "filesize" else "60"
    opts = "".join('<option value="%s"%s>%s</option>' % (u, " selected" if u == unit else "", esc(label))
                   for u, label in setting.options)
    return ('<div class="form-%s defaultsnext"><input type="text" size="5" id="%sv" name="%s[v]" value="%s" '
            'class="form-control text-ltr"> <label class="accesshide" for="%su">Unit</label><select id="%su" '
            'name="%s[u]" class="form-control custom-select">%s</select></div>'
            % (setting.kind, fid, name, seconds // int(unit), fid, fid, name, opts), setting.default)


# ---------------------------------------------------------------- rendering
def render_setting(state, setting, highlight=None, defaults=False):
    """One setting; defaults: show the default when nothing is stored (upgradesettings.php, 358)."""
    value = get_setting(state, setting)
    if value is None and defaults:
        value = setting.default
    fid = "id_" + setting.fullname
    name = setting.fullname
    if setting.kind == "checkbox":
        default = "Yes" if setting.default == "1" else "No"
        control = ('<div class="form-checkbox defaultsnext">\n<input type="hidden" name="%s" value="0">\n'
                   '<input type="checkbox" name="%s" value="1" id="%s"%s>\n</div>'
                   % (name, name, fid, " checked" if value == "1" else ""))
    elif setting.kind == "select":
        opts = "".join('<option value="%s"%s>%s</option>' % (esc(v), " selected" if value == v else "", esc(label))
                       for v, label in setting.options)
        default = dict(setting.options).get(setting.default, setting.default)
        control = ('<div class="form-select defaultsnext">\n<select id="%s" name="%s" class="custom-select">%s'
                   '</select>\n</div>' % (fid, name, opts))
    elif setting.kind in ("duration", "filesize", "multicheckbox", "password"):
        control, default = _compound_control(setting, value, fid, name)
    elif setting.kind == "storedfile":   # admin_setting_configstoredfile: a file manager's draft area (365)
        default = "Empty"
        control = ('<div class="form-filemanager"><input value="%d" name="%s" type="hidden" id="%s"></div>'
                   % (random.randint(100000000, 999999999), name, fid))
    elif setting.kind == "textarea":
        default = setting.default or "Empty"
        control = ('<div class="form-textarea"><textarea rows="8" cols="60" id="%s" name="%s" class="form-control">'
                   '%s</textarea></div>' % (fid, name, esc(value or "")))
    else:
        default = setting.default or "Empty"
        control = ('<div class="form-text defaultsnext">\n<input type="text" name="%s" value="%s" size="30" id="%s" '
                   'class="form-control">\n</div>' % (name, esc(value or ""), fid))
    short = esc(setting.shortname_text)
    if highlight and highlight in setting.shortname_text:
        short = '<span class="highlight">%s</span>' % short
    defaultinfo = '<div class="form-defaultinfo text-muted">Default: %s</div>' % esc(default) \
        if setting.default is not None and not (setting.component == "auth_userkey" and
                                                setting.name == "mappingfield") else ""
    return ('<div class="form-item row" id="admin-%s">\n<div class="form-label col-sm-3 text-sm-end">\n'
            '<label for="%s">%s</label>\n<span class="form-shortname d-block small text-muted">%s</span>\n</div>\n'
            '<div class="form-setting col-sm-9">\n%s\n%s\n<div class="form-description mt-3"><p>%s</p></div>\n'
            '</div>\n</div>' % (esc(setting.name), fid, esc(setting.label), short, control, defaultinfo,
                                esc(setting.description)))


def render_section(ctx, section):
    state = ctx.state
    parts = []
    if section.kind == "protocols":
        from .webservice import protocols_table
        parts.append(protocols_table(ctx))
    elif section.kind == "services":
        from .services import services_tables
        parts.append(services_tables(ctx))
    elif section.kind == "manageauths":
        from .auth_plugins import auth_table
        parts.append(auth_table(ctx))
        parts.append('<h3 class="main">Common settings</h3>')
    elif section.kind == "ldap" and not state.php_extensions.get("ldap"):
        parts.append('<div class="box generalbox formsettingheading"><div class="alert alert-warning alert-block" '
                     'role="alert">The PHP LDAP module is not installed.</div></div>')
    elif section.kind in ("managemfa", "mfafactor"):
        from .mfa import section_top
        parts.append(section_top(ctx, section))
    elif section.kind in ("authcas", "manageenrols", "enrollti", "ltiregistrations"):
        from . import cas, lti
        parts.append((cas.section_top if section.kind == "authcas" else lti.section_top)(ctx, section))
    for setting in section.settings:
        if settings_tree.available(state, setting):
            parts.append(render_setting(state, setting))
    button = ""
    if any(settings_tree.available(state, s) for s in section.settings):
        button = ('<div class="row"><div class="offset-sm-3 col-sm-3"><button type="submit" class="btn btn-primary">'
                  'Save changes</button></div></div>')
    return ('<form action="%s/admin/settings.php?section=%s" method="post" id="adminsettings">\n'
            '<div class="settingsform">\n<input type="hidden" name="section" value="%s">\n'
            '<input type="hidden" name="action" value="save-settings">\n<input type="hidden" name="sesskey" value="%s">\n'
            '<input type="hidden" name="return" value="">\n<h2>%s</h2>\n<fieldset>\n<div class="clearer"></div>\n%s'
            '</fieldset>\n%s\n</div>\n</form>'
            % (state.wwwroot, esc(section.name), esc(section.name), esc(ctx.session.sesskey), esc(section.title),
               "\n".join(parts), button))


# ---------------------------------------------------------------- pages
def settings(ctx):
    resp = require_login(ctx)
    if resp is not None:
        return resp
    sectionname = ctx.param("section") or ""
    section = settings_tree.SECTIONS_BY_NAME.get(sectionname if isinstance(sectionname, str) else "")
    if section is not None and not settings_tree.in_release(ctx.state.moodle, section):
        section = None                   # 5.1: authsettingcas is a "Section error!" (5.1.3 353)
    if not ctx.is_admin or section is None:
        return error_page(ctx, "Section error!", "sectionerror", module="admin", continueurl=ctx.url("/admin/"))
    if ctx.method == "POST" and ctx.post.get("action") == "save-settings":
        ctx.write = True
        if ctx.sesskey_ok():
            count = write_settings(ctx.state, ctx.post)
            if ctx.post.get("s_tool_mfa_enabled") == "1":
                ctx.session.mfa_passed = True       # the session that enables MFA is not thrown out (604)
            if count:
                ctx.session.notifications.append(("success", "Changes saved"))
            ret = ctx.post.get("return")
            if not count and ret == "site":
                return redirect(ctx.url("/"))
            if not count and ret == "admin":
                return redirect(ctx.url("/admin/"))
            return redirect(ctx.url("/admin/settings.php?section=%s" % section.name))
    return page(ctx, "%s | lab" % section.title, render_section(ctx, section),
                bodyid="page-admin-setting-" + section.name)


def search(ctx):
    resp = require_login(ctx)
    if resp is not None:
        return resp
    if not ctx.is_admin:
        return error_page(ctx, "Access denied", "accessdenied", module="admin")
    query = (ctx.param("query") or "").strip()
    if ctx.method == "POST" and ctx.post.get("action") == "save-settings":
        ctx.write = True
        if ctx.sesskey_ok():
            if write_settings(ctx.state, ctx.post):
                ctx.session.notifications.append(("success", "Changes saved"))
            return redirect(ctx.url("/admin/search.php?query=%s" % query))
    if not query and ctx.method == "GET":
        # no query: the admin tree as link lists, no settings form (441)
        w = ctx.state.wwwroot
        items = "".join('<li><a href="%s/admin/settings.php?section=%s">%s</a></li>\n' % (w, esc(sec.name), esc(sec.title))
                        for sec in settings_tree.SECTIONS if settings_tree.in_release(ctx.state.moodle, sec))
        main = ('<div class="tab-content mt-3">\n<div class="tab-pane active" id="linkroot">\n<div class="container-fluid">'
                '\n<div class="row"><div class="col-sm-3"></div><div class="col"><ul class="list-unstyled">\n'
                '<li><a href="%s/admin/index.php">Notifications</a></li>\n%s</ul></div></div>\n</div>\n</div>\n</div>'
                % (w, items))
        return page(ctx, "Search | Administration | lab", main, bodyid="page-admin-search")
    found = []
    q = query.lower()
    if q:
        for section in settings_tree.SECTIONS:
            if not settings_tree.in_release(ctx.state.moodle, section):
                continue
            hits = [s for s in section.settings if settings_tree.available(ctx.state, s) and
                    (q in s.name.lower() or q in s.label.lower())]
            if hits:
                found.append((section, hits))
    w = ctx.state.wwwroot
    body = []
    for section, hits in found:
        crumbs = "".join('<li class="small text-muted">%s</li>' % esc(p) for p in section.parents + (section.title,))
        body.append('<h3 class="adminpagetitle"><a href="%s/admin/settings.php?section=%s">%s</a></h3>\n'
                    '<ul class="adminpagepath" aria-label="Page path">%s</ul>\n<fieldset class="adminsettings">\n%s\n'
                    '</fieldset>' % (w, esc(section.name), esc(section.title), crumbs,
                                     "\n".join(render_setting(ctx.state, s, query) for s in hits)))
    if not found:
        body.append("<p>No results found.</p>")
    else:
        body.append('<div class="row"><div class="offset-sm-3 col-sm-3"><button type="submit" class="btn btn-primary">'
                    'Save changes</button></div></div>')
    main = ('<form action="%s/admin/search.php?query=%s" method="post" id="adminsettings">\n<div>\n'
            '<input type="hidden" name="sesskey" value="%s">\n<input type="hidden" name="action" value="save-settings">\n'
            '</div>\n<fieldset>\n<h2 class="main">Search results</h2>\n%s\n</fieldset>\n</form>'
            % (w, esc(query), esc(ctx.session.sesskey), "\n".join(body)))
    return page(ctx, "Search | lab", main, bodyid="page-admin-search")
