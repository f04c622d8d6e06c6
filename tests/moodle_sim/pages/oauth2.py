"""tool_oauth2 (flow f25): admin/tool/oauth2/issuers.php (list, custom and template forms, edit, delete, enable,
disable, move), endpoints.php, userfieldmappings.php, the delete confirmations, OpenID Connect discovery on create
(honouring curlsecurityblockedhosts / curlsecurityallowedport) and /auth/oauth2/login.php. Written from the facts of
the recordings (4.5.6 478-574, 5.1.3 411-507): field names, order, texts and answers; the markup is ours."""
import ipaddress
import json
import ssl
import urllib.request
from urllib.parse import quote, urlsplit

from ..html import confirm_box, error_page, esc, page, single_button
from ..response import redirect
from .common import require_admin

BASE = "/admin/tool/oauth2/"
TITLE = "OAuth 2 services | lab"
SSLONLY = "For security reasons only https connections are allowed, sorry."
REQUIRED = "You must supply a value here."
BLOCKED = "error/Could not discover service endpoints: The URL is blocked."
SHOW_OPTIONS = [("1", "Login page and internal services"), ("2", "Login page only"), ("0", "Internal services only"),
                ("3", "SMTP with XOAUTH2 only")]
TEMPLATES = [("google", "Google"), ("microsoft", "Microsoft"), ("facebook", "Facebook"), ("nextcloud", "Nextcloud"),
             ("linkedin", "LinkedIn"), ("clever", "Clever"), ("moodlenet", "MoodleNet")]
# What the template buttons prefill (core\oauth2\service\<type>::init(); only Google and Microsoft were recorded).
TEMPLATE_VALUES = {
    "google": dict(name="Google", baseurl="https://accounts.google.com/", image="https://accounts.google.com/favicon.ico",
                   loginparamsoffline="access_type=offline&prompt=consent", showonloginpage="1"),
    "microsoft": dict(name="Microsoft", baseurl="https://login.microsoftonline.com/common/v2.0",
                      image="https://www.microsoft.com/favicon.ico", loginscopesoffline="openid profile email "
                      "offline_access", showonloginpage="1"),
    "facebook": dict(name="Facebook", baseurl="", image="https://facebookbrand.com/wp-content/uploads/2016/05/"
                     "flogo_rgb_hex-brc-site-250.png", loginscopes="public_profile email",
                     loginscopesoffline="public_profile email", showonloginpage="1"),
    "nextcloud": dict(name="Nextcloud", baseurl="", image="https://nextcloud.com/wp-content/themes/next/assets/img/"
                      "common/favicon.png", loginscopes="", loginscopesoffline="", showonloginpage="0"),
    "linkedin": dict(name="LinkedIn", baseurl="https://www.linkedin.com/", image="https://static.licdn.com/scds/"
                     "common/u/images/logos/favicons/v1/favicon.ico", loginscopes="openid profile email",
                     loginscopesoffline="openid profile email", showonloginpage="1"),
    "clever": dict(name="Clever", baseurl="", image="https://apps.clever.com/favicon.ico", loginscopes="",
                   loginscopesoffline="", showonloginpage="1"),
    "moodlenet": dict(name="MoodleNet", baseurl="", image="https://moodle.net/favicon.ico", loginscopes="",
                      loginscopesoffline="", showonloginpage="0"),
}
INTERNAL_FIELDS = ["firstname", "lastname", "email", "city", "country", "lang", "description", "idnumber",
                   "institution", "department", "phone1", "phone2", "address", "firstnamephonetic", "lastnamephonetic",
                   "middlename", "alternatename", "picture", "username"]
# core\oauth2\discovery\openidconnect::create_field_mappings()
DISCOVERY_MAPPINGS = [("given_name", "firstname"), ("middle_name", "middlename"), ("family_name", "lastname"),
                      ("email", "email"), ("nickname", "alternatename"), ("picture", "picture"),
                      ("address", "address"), ("phone", "phone1"), ("locale", "lang")]
ISSUER_TEXT = ("name", "clientid", "clientsecret", "baseurl", "image", "loginpagename", "systememail", "loginscopes",
               "loginscopesoffline", "loginparams", "loginparamsoffline", "alloweddomains")


# ---------------------------------------------------------------------------------------------------- state helpers
def issuers(state):
    return sorted(state.oauth2_issuers.values(), key=lambda i: (i["sortorder"], i["id"]))


def endpoints_of(state, issuerid):
    return sorted((e for e in state.oauth2_endpoints.values() if e["issuerid"] == issuerid), key=lambda e: e["id"])


def mappings_of(state, issuerid):
    return sorted((m for m in state.oauth2_mappings.values() if m["issuerid"] == issuerid),
                  key=lambda m: (m["internalfield"], m["id"]))


def endpoint_url(state, issuerid, kind):
    for e in endpoints_of(state, issuerid):
        if e["name"] == kind + "_endpoint":
            return e["url"]
    return None


def is_configured(state, issuer):
    return bool(issuer["enabled"] and issuer["clientid"] and issuer["clientsecret"]
                and endpoint_url(state, issuer["id"], "authorization") and endpoint_url(state, issuer["id"], "token"))


def available_for_login(state, issuer):
    """issuer::is_available_for_login(): configured, login page (1/2) and a userinfo endpoint."""
    return (is_configured(state, issuer) and str(issuer["showonloginpage"]) in ("1", "2")
            and bool(endpoint_url(state, issuer["id"], "userinfo")))


def display_name(issuer):
    return issuer["loginpagename"] or issuer["name"]


def add_endpoint(state, issuerid, name, url):
    eid = state.next_oauth2_endpoint_id
    state.next_oauth2_endpoint_id += 1
    state.oauth2_endpoints[eid] = dict(id=eid, issuerid=issuerid, name=name, url=url)
    return eid


def add_mapping(state, issuerid, externalfield, internalfield):
    mid = state.next_oauth2_mapping_id
    state.next_oauth2_mapping_id += 1
    state.oauth2_mappings[mid] = dict(id=mid, issuerid=issuerid, externalfield=externalfield,
                                      internalfield=internalfield)
    return mid


def delete_issuer(state, issuerid):
    state.oauth2_issuers.pop(issuerid, None)
    for table in (state.oauth2_endpoints, state.oauth2_mappings):
        for key in [k for k, v in table.items() if v["issuerid"] == issuerid]:
            del table[key]


# ---------------------------------------------------------------------------------------------------- discovery
def _lines(value):
    return [line.strip() for line in (value or "").replace("\r", "").split("\n") if line.strip()]


def url_blocked(state, url):
    """curl_security_helper::url_is_blocked(): the host in curlsecurityblockedhosts (an IP range, an IP or a name)
    or the port not in curlsecurityallowedport. Host names: the simulated lab has no DNS, so a name that is not
    listed cannot be resolved and counts as blocked, as it did for accounts.google.com in the recording."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ports = _lines(state.get_config("curlsecurityallowedport"))
    if ports and str(port) not in ports:
        return True
    blocked = _lines(state.get_config("curlsecurityblockedhosts"))
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True if host != "localhost" else "localhost" in [b.lower() for b in blocked]
    for entry in blocked:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def fetch_discovery(state, baseurl):
    """The provider's discovery document, or None when Moodle's curl would not get it ("The URL is blocked.")."""
    url = baseurl.rstrip("/") + "/.well-known/openid-configuration"
    if url_blocked(state, url):
        return None
    parts = urlsplit(url)
    netloc = "%s:%d" % (parts.hostname, parts.port or 443)
    oidc = state.oidc_server
    if oidc is None:
        return None
    agent = "MoodleBot/%s (+%s)" % (state.moodle.key, state.wwwroot)
    if netloc in oidc.aliases:           # a provider address of the recordings, answered in-process
        return oidc.document(netloc, agent)
    if not oidc.running or netloc != oidc.netloc:
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE   # Moodle's curl: CURLOPT_SSL_VERIFYPEER 0 (the recording's self-signed one)
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            return json.loads(answer.read().decode("utf-8"))
    except (OSError, ValueError):
        return None


def discover(state, issuer):
    """core\\oauth2\\discovery\\openidconnect: the discovery endpoint, one endpoint per *_endpoint key,
    scopessupported, the default mappings and an image (scheme + host + /favicon.ico). False when blocked."""
    document = fetch_discovery(state, issuer["baseurl"])
    if document is None:
        return False
    issuerid = issuer["id"]
    add_endpoint(state, issuerid, "discovery_endpoint",
                 issuer["baseurl"].rstrip("/") + "/.well-known/openid-configuration")
    for key, value in document.items():
        if key.endswith("_endpoint") and isinstance(value, str):
            add_endpoint(state, issuerid, key, value)
    if document.get("scopes_supported"):
        issuer["scopessupported"] = " ".join(document["scopes_supported"])
    for external, internal in DISCOVERY_MAPPINGS:
        add_mapping(state, issuerid, external, internal)
    if not issuer["image"]:
        parts = urlsplit(issuer["baseurl"])
        issuer["image"] = "%s://%s/favicon.ico" % (parts.scheme, parts.hostname)
    return True


# ---------------------------------------------------------------------------------------------------- forms
def _fitem(name, label, control, error="", required=False):
    req = ('<div class="text-danger" title="Required"><i class="icon fa fa-circle-exclamation text-danger fa-fw" '
           'aria-hidden="true"></i></div>' if required else "")
    return ('<div id="fitem_id_%(n)s" class="mb-3 row fitem%(inv)s"><div class="col-md-3 col-form-label d-flex">'
            '<label id="id_%(n)s_label" for="id_%(n)s">%(l)s</label>%(r)s</div><div class="col-md-9 felement">'
            '%(c)s<div class="form-control-feedback invalid-feedback" id="id_error_%(n)s">%(e)s</div></div></div>'
            % dict(n=name, l=esc(label), c=control, e=esc(error), r=req, inv=" has-danger" if error else ""))


def _text(name, label, value, error="", required=False, maxlength=None):
    control = '<input type="text" class="form-control%s" name="%s" id="id_%s" value="%s"%s%s>' % (
        " is-invalid" if error else "", name, name, esc(value), ' aria-required="true"' if required else "",
        ' maxlength="%d"' % maxlength if maxlength else "")
    return _fitem(name, label, control, error, required)


def _checkbox(name, label, checked, advanced=True, error=""):
    hidden = '<input type="hidden" name="%s" value="0">' % name if advanced else ""
    return ('<div class="mb-3 row fitem"><div class="col-md-9 checkbox"><div class="form-check d-flex">%s'
            '<input type="checkbox" name="%s" class="form-check-input" value="1" id="id_%s"%s><label for="id_%s">%s'
            '</label></div><div class="form-control-feedback invalid-feedback" id="id_error_%s">%s</div></div></div>'
            % (hidden, name, name, " checked" if checked else "", name, esc(label), name, esc(error)))


def _hidden(pairs):
    return '<div style="display: none;">%s</div>' % "".join(
        '<input name="%s" type="hidden" value="%s" />' % (esc(k), esc(v)) for k, v in pairs)


def _buttons():
    return ('<div class="mb-3 row fitem femptylabel" data-groupname="buttonar"><div class="col-md-9 felement">'
            '<input type="submit" class="btn btn-primary" name="submitbutton" id="id_submitbutton" value="Save changes">'
            ' <input type="submit" class="btn btn-secondary" name="cancel" id="id_cancel" value="Cancel" '
            'data-skip-validation="1" data-cancel="1"></div></div>')


def _mform(ctx, path, hidden, body):
    return ('<form autocomplete="off" action="%s" method="post" accept-charset="utf-8" id="mform1_%s" class="mform">'
            '%s%s%s</form>' % (ctx.url(path), "oauth2form", _hidden(hidden + [("sesskey", ctx.session.sesskey)] +
                                                                    [(hidden_qf(path), "1")]), body, _buttons()))


def hidden_qf(path):
    return {"issuers.php": "_qf__tool_oauth2_form_issuer", "endpoints.php": "_qf__tool_oauth2_form_endpoint",
            "userfieldmappings.php": "_qf__tool_oauth2_form_user_field_mapping"}[path.rsplit("/", 1)[-1]]


def issuer_form(ctx, values, errors=None, template=None):
    """The issuer form (_qf__tool_oauth2_form_issuer): hidden sortorder, servicetype, action, [type,] enabled, id
    first, then the fields in the recorded order."""
    errors = errors or {}
    v = values
    hidden = [("sortorder", v.get("sortorder", "0")), ("servicetype", v.get("servicetype", "")),
              ("action", "savetemplate" if template else "edit")]
    if template:
        hidden.append(("type", template))
    hidden += [("enabled", v.get("enabled", "1")), ("id", v.get("id", "0"))]
    select = '<select class="custom-select" name="showonloginpage" id="id_showonloginpage">%s</select>' % "".join(
        '<option value="%s"%s>%s</option>' % (
            val, " selected" if str(v.get("showonloginpage", "0")) == val else "", esc(label))
        for val, label in SHOW_OPTIONS)
    body = "".join([
        '<a href="https://docs.moodle.org/%s/en/admin/tool/oauth2/issuers">Detailed instructions on configuring the '
        'common OAuth 2 services</a>' % ctx.state.moodle.docs,
        _text("name", "Name", v.get("name", ""), errors.get("name", ""), required=True),
        _text("clientid", "Client ID", v.get("clientid", ""), errors.get("clientid", ""), required=True),
        _text("clientsecret", "Client secret", v.get("clientsecret", ""), errors.get("clientsecret", ""),
              required=True),
        _checkbox("basicauth", "Authenticate token requests via HTTP headers", str(v.get("basicauth", "0")) == "1"),
        _text("baseurl", "Service base URL", v.get("baseurl", ""), errors.get("baseurl", "")),
        _text("image", "Logo URL", v.get("image", ""), errors.get("image", ""), maxlength=1024),
        _fitem("showonloginpage", "This service will be used", select),
        _text("loginpagename", "Name displayed on the login page", v.get("loginpagename", "")),
        _text("systememail", "SMTP email", v.get("systememail", "")),
        _text("loginscopes", "Scopes included in a login request.", v.get("loginscopes", "")),
        _text("loginscopesoffline", "Scopes included in a login request for offline access.",
              v.get("loginscopesoffline", "")),
        _text("loginparams", "Additional parameters included in a login request.", v.get("loginparams", "")),
        _text("loginparamsoffline", "Additional parameters included in a login request for offline access.",
              v.get("loginparamsoffline", "")),
        _text("alloweddomains", "Login domains", v.get("alloweddomains", "")),
        _checkbox("requireconfirmation", "Require email verification", str(v.get("requireconfirmation", "1")) == "1"),
        _checkbox("acceptrisk", "I understand that disabling email verification can be a security issue.", False,
                  advanced=False, error=errors.get("acceptrisk", "")),
    ])
    return _mform(ctx, BASE + "issuers.php", hidden, body)


def new_issuer_values(template=None):
    values = dict(name="", clientid="", clientsecret="", basicauth="0", baseurl="", image="", showonloginpage="0",
                  loginpagename="", systememail="", loginscopes="openid profile email",
                  loginscopesoffline="openid profile email", loginparams="", loginparamsoffline="", alloweddomains="",
                  requireconfirmation="1", servicetype=template or "", sortorder="0", enabled="1", id="0")
    if template:
        values.update(TEMPLATE_VALUES.get(template, {}))
    return values


def issuer_values(issuer):
    return dict((k, "" if issuer.get(k) is None else str(issuer[k])) for k in
                ISSUER_TEXT + ("basicauth", "showonloginpage", "requireconfirmation", "servicetype", "sortorder",
                               "enabled", "id"))


def submitted_issuer(ctx):
    values = {}
    for key in ISSUER_TEXT:
        values[key] = (ctx.param(key) or "").strip() if isinstance(ctx.param(key), str) else ""
    for key in ("basicauth", "requireconfirmation"):
        given = ctx.form_values(key)
        values[key] = "1" if "1" in given else "0"
    values["showonloginpage"] = ctx.param("showonloginpage") or "0"
    values["acceptrisk"] = "1" if ctx.param("acceptrisk") == "1" else "0"
    values["servicetype"] = ctx.param("servicetype") or ""
    values["enabled"] = ctx.param("enabled") or "1"
    values["sortorder"] = ctx.param("sortorder") or "0"
    values["id"] = ctx.param("id") or "0"
    return values


def issuer_errors(values):
    errors = {}
    if not values["name"]:
        errors["name"] = REQUIRED
    if values["baseurl"] and not values["baseurl"].startswith("https://"):
        errors["baseurl"] = SSLONLY
    if values["showonloginpage"] != "0" and values["requireconfirmation"] != "1" and values["acceptrisk"] != "1":
        errors["acceptrisk"] = "Required"
    return errors


def _page(ctx, main, status=200):
    return page(ctx, TITLE, '<h2>%s</h2>' % main[0] + main[1] if isinstance(main, tuple) else main, status=status,
                bodyid="page-admin-tool-oauth2-issuers", adminlayout=False)


def _table(ctx, heads, rows):
    cls = "admintable table generaltable table-hover" if ctx.state.moodle.is51 else "admintable generaltable"
    head = "".join('<th class="header c%d" scope="col">%s</th>' % (i, h) for i, h in enumerate(heads))
    body = "".join("<tr>%s</tr>" % "".join(
        ('<th class="cell c%d" scope="row">%s</th>' if header and i == 0 else '<td class="cell c%d">%s</td>')
        % (i, cell) for i, cell in enumerate(cells)) for header, cells in rows)
    if not rows:            # html_table without data: an empty body row
        return ('<div class="table-responsive"><table class="%s"><thead><tr>%s</tr></thead><tbody class="empty">'
                '<tr><td colspan="%d"></td></tr></tbody></table></div>' % (cls, head, len(heads)))
    return ('<div class="table-responsive"><table class="%s"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
            '</div>' % (cls, head, body))


def _icon(title, kind="yes"):
    return '<img class="icon" alt="%s" title="%s" src="%s/theme/image.php/boost/tool_oauth2/1/%s" />' % (
        esc(title), esc(title), "", kind)


def _fa(title, name):
    return '<i class="icon fa %s fa-fw" title="%s" role="img" aria-label="%s"></i>' % (name, esc(title), esc(title))


# ---------------------------------------------------------------------------------------------------- issuers.php
def issuers_list(ctx):
    state = ctx.state
    w = state.wwwroot
    sk = esc(ctx.session.sesskey)
    items = issuers(state)
    rows = []
    for index, issuer in enumerate(items):
        iid = issuer["id"]
        name = esc(issuer["name"])
        if issuer["image"]:
            name = '<img width="24" height="24" alt="" src="%s"> %s' % (esc(issuer["image"]), name)
        show = str(issuer["showonloginpage"])
        if not is_configured(state, issuer):
            login = _icon("Not configured", "no")
        else:
            login = _icon("Allow login") if show != "0" else _icon("Do not allow login", "no")
        displayas = esc(display_name(issuer)) if show != "0" else ""
        internal = _icon("Allow services") if show != "2" else _icon("Do not allow services", "no")
        if issuer["scopessupported"]:
            discovered = _icon("Service discovery successful")
        elif endpoint_url(state, iid, "discovery"):
            discovered = _icon("Service discovery not successful", "no")
        else:
            discovered = "-"
        system = '%s <a href="%s/admin/tool/oauth2/issuers.php?id=%d&amp;action=auth">%s</a>' % (
            _icon("System account not connected", "no"), w, iid, _icon("Connect to a system account", "auth"))
        links = [('%s/admin/tool/oauth2/issuers.php?id=%d&amp;action=edit' % (w, iid), _fa("Edit", "fa-pen")),
                 ('%s/admin/tool/oauth2/endpoints.php?issuerid=%d' % (w, iid),
                  _fa("Configure endpoints", "fa-magnifying-glass-plus")),
                 ('%s/admin/tool/oauth2/userfieldmappings.php?issuerid=%d' % (w, iid),
                  _fa("Configure user field mappings", "fa-user")),
                 ('%s/admin/tool/oauth2/issuers.php?id=%d&amp;action=delete' % (w, iid), _fa("Delete", "fa-trash-can"))]
        toggle = "disable" if issuer["enabled"] else "enable"
        links.append(('%s/admin/tool/oauth2/issuers.php?id=%d&amp;sesskey=%s&amp;action=%s' % (w, iid, sk, toggle),
                      _fa(toggle.capitalize(), "fa-eye" if toggle == "disable" else "fa-eye-slash")))
        if index < len(items) - 1:
            links.append(('%s/admin/tool/oauth2/issuers.php?id=%d&amp;action=movedown&amp;sesskey=%s' % (w, iid, sk),
                          _fa("Move down", "fa-arrow-down")))
        if index > 0:
            links.append(('%s/admin/tool/oauth2/issuers.php?id=%d&amp;action=moveup&amp;sesskey=%s' % (w, iid, sk),
                          _fa("Move up", "fa-arrow-up")))
        edit = "".join(' <a href="%s">%s</a>' % link for link in links)
        rows.append((True, [name, login, displayas, internal, discovered, system, edit]))
    table = _table(ctx, ["Name", "Login", "Display on login page as", "Internal services", "Discovery",
                         "System account connected", "Edit"], rows)
    action = ctx.url(BASE + "issuers.php")
    buttons = "".join(single_button(action, label, method="post", primary=False, hidden=[
        ("action", "edittemplate"), ("type", kind), ("sesskey", ctx.session.sesskey),
        ("docslink", "admin/tool/oauth2/issuers/" + kind)]) for kind, label in TEMPLATES)
    buttons += single_button(action, "Custom", method="post", primary=False,
                             hidden=[("action", "edit"), ("sesskey", ctx.session.sesskey)])
    main = ('<h2>OAuth 2 services</h2><a href="https://docs.moodle.org/%s/en/OAuth2_Services">Service provider setup '
            'instructions.</a>%s<div>Create new service: %s</div>' % (state.moodle.docs, table, buttons))
    return page(ctx, TITLE, main, bodyid="page-admin-tool-oauth2-issuers", adminlayout=False)


def _form_page(ctx, heading, form, status=200):
    return page(ctx, TITLE, "<h2>%s</h2>%s" % (esc(heading), form), status=status,
                bodyid="page-admin-tool-oauth2-issuers", adminlayout=False)


def _to_list(ctx, path, message=None, kind="success"):
    if message:
        ctx.session.notifications.append((kind, message))
    return redirect(ctx.url(path))


def issuers_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    state = ctx.state
    action = ctx.param("action") or ""
    iid = int(ctx.param("id") or 0) if str(ctx.param("id") or "0").isdigit() else 0
    issuer = state.oauth2_issuers.get(iid)
    listpath = BASE + "issuers.php"
    if action in ("edit", "savetemplate") and ctx.method == "POST" and ctx.param("_qf__tool_oauth2_form_issuer"):
        if not ctx.sesskey_ok():
            return error_page(ctx, "Your session has most likely timed out. Please log in again.", "invalidsesskey")
        if ctx.param("cancel") is not None:
            return redirect(ctx.url(listpath))
        values = submitted_issuer(ctx)
        template = ctx.param("type") if action == "savetemplate" else None
        errors = issuer_errors(values)
        if errors:
            if issuer is not None:
                heading = "Edit identity issuer: %s" % issuer["name"]
            else:
                heading = "Create new service: %s" % (dict(TEMPLATES).get(template) or "Custom")
            return _form_page(ctx, heading, issuer_form(ctx, values, errors, template=template))
        ctx.write = True
        fields = dict((k, values[k]) for k in ISSUER_TEXT + ("basicauth", "showonloginpage", "requireconfirmation"))
        if issuer is not None:          # edit: no discovery
            issuer.update(fields)
            return _to_list(ctx, listpath, "Changes saved")
        new = dict(fields, id=state.next_oauth2_issuer_id, enabled=1, scopessupported="",
                   servicetype=template or values["servicetype"] or "",
                   sortorder=len(state.oauth2_issuers))
        state.next_oauth2_issuer_id += 1
        state.oauth2_issuers[new["id"]] = new
        if new["baseurl"] and not discover(state, new):
            if template:                # savetemplate: no try/catch, Moodle's error page
                return error_page(ctx, BLOCKED, BLOCKED[len("error/"):], module="moodle")
            return _to_list(ctx, listpath, BLOCKED, kind="danger")
        return _to_list(ctx, listpath, "Changes saved")
    if action == "edit" and ctx.method == "POST" and not iid:       # the 'Custom' button
        return _form_page(ctx, "Create new service: Custom", issuer_form(ctx, new_issuer_values()))
    if action == "edittemplate" and ctx.method == "POST":
        kind = ctx.param("type") or ""
        if kind not in TEMPLATE_VALUES:
            return error_page(ctx, "Invalid service type", "invalidtype", module="tool_oauth2")
        return _form_page(ctx, "Create new service: %s" % dict(TEMPLATES)[kind],
                          issuer_form(ctx, new_issuer_values(kind), template=kind))
    if action == "edit" and issuer is not None:
        return _form_page(ctx, "Edit identity issuer: %s" % issuer["name"], issuer_form(ctx, issuer_values(issuer)))
    if action == "delete" and issuer is not None:
        if ctx.method == "POST" and ctx.param("confirm") == "1" and ctx.sesskey_ok():
            ctx.write = True
            delete_issuer(state, iid)
            return _to_list(ctx, listpath, "Identity issuer deleted")
        cont = single_button(ctx.url(listpath), "Continue", method="post", hidden=[
            ("action", "delete"), ("id", str(iid)), ("sesskey", ctx.session.sesskey), ("confirm", "1")])
        cancel = single_button(ctx.url(listpath), "Cancel", method="get", primary=False)
        message = ('Are you sure you want to delete the identity issuer "%s"? Any plugins relying on this issuer will '
                   'stop working.' % issuer["name"])
        return page(ctx, TITLE, "<h2>OAuth 2 services</h2>" + confirm_box(message, cont, cancel),
                    bodyid="page-admin-tool-oauth2-issuers", adminlayout=False)
    if action in ("enable", "disable", "moveup", "movedown") and issuer is not None and ctx.sesskey_ok():
        ctx.write = True
        if action in ("enable", "disable"):
            issuer["enabled"] = 1 if action == "enable" else 0
            return _to_list(ctx, listpath, "Identity issuer %sd" % action)
        items = issuers(state)
        index = items.index(issuer)
        other = index + (1 if action == "movedown" else -1)
        if 0 <= other < len(items):
            for position, item in enumerate(items):
                item["sortorder"] = position
            items[index]["sortorder"], items[other]["sortorder"] = other, index
        return _to_list(ctx, listpath)
    if action == "auth" and issuer is not None:          # connecting a system account needs the provider: not modelled
        return redirect(ctx.url(listpath))
    if iid and issuer is None:
        return error_page(ctx, "Can't find data record in database table oauth2_issuer.", "invalidrecord")
    return issuers_list(ctx)


# ---------------------------------------------------------------------------------------------------- endpoints.php
def _issuer_or_error(ctx):
    value = str(ctx.param("issuerid") or "")
    issuer = ctx.state.oauth2_issuers.get(int(value)) if value.isdigit() else None
    if issuer is None:
        return None, error_page(ctx, "Can't find data record in database table oauth2_issuer.", "invalidrecord")
    return issuer, None


def _child_page(ctx, issuer, kind):
    """endpoints.php / userfieldmappings.php of one issuer: list, form, save, delete (with confirmation)."""
    state = ctx.state
    w = state.wwwroot
    iid = issuer["id"]
    endpoints = kind == "endpoint"
    script = "endpoints.php" if endpoints else "userfieldmappings.php"
    idname = "endpointid" if endpoints else "userfieldmappingid"
    table = state.oauth2_endpoints if endpoints else state.oauth2_mappings
    listpath = "%s%s?issuerid=%d" % (BASE, script, iid)
    action = ctx.param("action") or ""
    rid = str(ctx.param(idname) or ctx.param("id") or "0")
    record = table.get(int(rid)) if rid.isdigit() and int(rid) else None
    if record is not None and record["issuerid"] != iid:
        record = None
    qf = hidden_qf(script)
    if action == "edit" and ctx.method == "POST" and ctx.param(qf):
        if not ctx.sesskey_ok():
            return error_page(ctx, "Your session has most likely timed out. Please log in again.", "invalidsesskey")
        if ctx.param("cancel") is not None:
            return redirect(ctx.url(listpath))
        errors = {}
        if endpoints:
            values = {"name": (ctx.param("name") or "").strip(), "url": (ctx.param("url") or "").strip()}
            if not values["name"]:
                errors["name"] = REQUIRED
            if not values["url"]:
                errors["url"] = REQUIRED
            elif not values["url"].startswith("https://"):
                errors["url"] = SSLONLY
        else:
            values = {"externalfield": (ctx.param("externalfield") or "").strip(),
                      "internalfield": ctx.param("internalfield") or ""}
            if not values["externalfield"]:
                errors["externalfield"] = REQUIRED
            if values["internalfield"] not in INTERNAL_FIELDS:
                errors["internalfield"] = REQUIRED
        if errors:
            return _child_form(ctx, issuer, kind, values, errors, record)
        ctx.write = True
        if record is not None:
            record.update(values)
        elif endpoints:
            add_endpoint(state, iid, values["name"], values["url"])
        else:
            add_mapping(state, iid, values["externalfield"], values["internalfield"])
        return _to_list(ctx, listpath, "Changes saved")
    if action == "edit" and (ctx.method == "POST" or record is not None):
        values = dict(record) if record is not None else {}
        return _child_form(ctx, issuer, kind, values, {}, record)
    if action == "delete" and record is not None:
        if ctx.method == "POST" and ctx.param("confirm") == "1" and ctx.sesskey_ok():
            ctx.write = True
            del table[record["id"]]
            return _to_list(ctx, listpath, "Endpoint deleted" if endpoints else "User field mapping deleted")
        cont = single_button(ctx.url(BASE + script), "Continue", method="post", hidden=[
            ("action", "delete"), ("issuerid", str(iid)), (idname, str(record["id"])), ("sesskey", ctx.session.sesskey),
            ("confirm", "1")])
        cancel = single_button(ctx.url(BASE + script), "Cancel", method="get", primary=False)
        if endpoints:
            message = ('Are you sure you want to delete the endpoint "%s" for issuer "%s"? Any plugins relying on this '
                       'endpoint will stop working.' % (record["name"], issuer["name"]))
        else:
            message = 'Are you sure you want to delete the user field mapping for issuer "%s"?' % issuer["name"]
        return page(ctx, TITLE, "<h2>OAuth 2 services</h2>" + confirm_box(message, cont, cancel),
                    bodyid="page-admin-tool-oauth2-" + script[:-4], adminlayout=False)
    rows = []
    for item in (endpoints_of(state, iid) if endpoints else mappings_of(state, iid)):
        base = "%s%s%s?issuerid=%d&amp;%s=%d&amp;action=" % (w, BASE, script, iid, idname, item["id"])
        links = ' <a href="%sedit">%s</a> <a href="%sdelete">%s</a>' % (
            base, _fa("Edit", "fa-pen"), base, _fa("Delete", "fa-trash-can"))
        if endpoints:
            rows.append((True, [esc(item["name"]), esc(item["url"]), links]))
        else:
            rows.append((False, [esc(item["externalfield"]), esc(item["internalfield"]), links]))
    heads = ["Name", "URL", "Edit"] if endpoints else ["External field name", "Internal field name", "Edit"]
    heading = ("Endpoints for issuer: %s" if endpoints else "User field mappings for issuer: %s") % issuer["name"]
    label = ('Create new endpoint for issuer "%s"' if endpoints else
             'Create new user field mapping for issuer "%s"') % issuer["name"]
    button = single_button(ctx.url(BASE + script), label, method="post", primary=False,
                           hidden=[("action", "edit"), ("issuerid", str(iid)), ("sesskey", ctx.session.sesskey)])
    main = "<h2>%s</h2>%s%s" % (esc(heading), _table(ctx, heads, rows), button)
    return page(ctx, TITLE, main, bodyid="page-admin-tool-oauth2-" + script[:-4], adminlayout=False)


def _child_form(ctx, issuer, kind, values, errors, record):
    endpoints = kind == "endpoint"
    script = "endpoints.php" if endpoints else "userfieldmappings.php"
    hidden = [("action", "edit"), ("issuerid", str(issuer["id"])), ("id", str(record["id"]) if record else "0")]
    if endpoints:
        body = (_text("name", "Name", values.get("name", ""), errors.get("name", ""), required=True)
                + _text("url", "URL", values.get("url", ""), errors.get("url", ""), required=True))
        heading = ('Edit endpoint for issuer "%s"' if record else 'Create new endpoint for issuer "%s"') % issuer["name"]
    else:
        select = '<select class="form-control custom-select" name="internalfield" id="id_internalfield">%s</select>' % (
            "".join('<option value="%s"%s>%s</option>' % (f, " selected" if values.get("internalfield") == f else "", f)
                    for f in INTERNAL_FIELDS))
        body = (_text("externalfield", "External field name", values.get("externalfield", ""),
                      errors.get("externalfield", ""), required=True)
                + _fitem("internalfield", "Internal field name", select, errors.get("internalfield", "")))
        heading = "Edit user field mapping for issuer %s" % issuer["name"]
    return page(ctx, TITLE, "<h2>%s</h2>%s" % (esc(heading), _mform(ctx, BASE + script, hidden, body)),
                bodyid="page-admin-tool-oauth2-" + script[:-4], adminlayout=False)


def endpoints_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    issuer, resp = _issuer_or_error(ctx)
    return resp if resp is not None else _child_page(ctx, issuer, "endpoint")


def userfieldmappings_php(ctx):
    resp = require_admin(ctx)
    if resp is not None:
        return resp
    issuer, resp = _issuer_or_error(ctx)
    return resp if resp is not None else _child_page(ctx, issuer, "mapping")


# ---------------------------------------------------------------------------------------------------- login
def idp_buttons(ctx):
    """auth_oauth2's loginpage_idp_list(): one button per issuer available for login, auth_oauth2 enabled. 4.5.6
    carries wantsurl=%2F after a logout (571), 5.1.3 no wantsurl (504); btn-block (4.5) / w-100 (5.1)."""
    state = ctx.state
    if "oauth2" not in state.enabled_auths:
        return ""
    session = ctx.ensure_session()
    out = []
    for issuer in issuers(state):
        if not issuer["enabled"] or not available_for_login(state, issuer):
            continue
        href = "%s/auth/oauth2/login.php?id=%d%s&sesskey=%s" % (
            state.wwwroot, issuer["id"], "" if state.moodle.is51 else "&wantsurl=%2F", session.sesskey)
        img = '<img src="%s" alt="" width="24" height="24"/>' % esc(issuer["image"]) if issuer["image"] else ""
        out.append('<a class="btn login-identityprovider-btn %s" href="%s">%s %s</a>' % (
            "w-100" if state.moodle.is51 else "btn-block", esc(href), img, esc(display_name(issuer))))
    if not out:
        return ""
    return ('<div class="login-identityproviders"><h2 class="login-heading">Log in using your account on:</h2>%s</div>'
            % "".join(out))


def login_php(ctx):
    """/auth/oauth2/login.php?id=N&wantsurl&sesskey: 303 to the issuer's authorization endpoint (no PKCE, no nonce)."""
    state = ctx.state
    session = ctx.ensure_session()
    value = str(ctx.param("id") or "")
    issuer = state.oauth2_issuers.get(int(value)) if value.isdigit() else None
    if not ctx.sesskey_ok():
        return error_page(ctx, "Your session has most likely timed out. Please log in again.", "invalidsesskey")
    if "oauth2" not in state.enabled_auths or issuer is None or not available_for_login(state, issuer):
        return error_page(ctx, "Invalid service type", "notenabled", module="auth_oauth2")
    wantsurl = ctx.param("wantsurl")
    local = "/auth/oauth2/login.php?wantsurl%s&sesskey=%s&id=%d" % (
        "=" + quote(state.wwwroot + wantsurl if wantsurl and wantsurl.startswith("/") else (wantsurl or ""), safe="")
        if wantsurl else "", session.sesskey, issuer["id"])
    params = [("client_id", issuer["clientid"]), ("response_type", "code"),
              ("redirect_uri", state.wwwroot + "/admin/oauth2callback.php"), ("state", local),
              ("scope", issuer["loginscopes"])]
    query = "&".join("%s=%s" % (k, quote(v, safe="")) for k, v in params)
    if issuer["loginparams"]:
        query += "&" + issuer["loginparams"]
    return redirect(endpoint_url(state, issuer["id"], "authorization") + "?" + query)
