"""Guards shared by the pages: require_login, require_admin, legacy maintenance."""
from urllib.parse import urlencode

from ..html import error_page, page
from ..response import redirect


def current_url(ctx):
    return ctx.url(ctx.path + ("?" + ctx.query if ctx.query else ""))


def maintenance_page(ctx):
    main = "<h2>The site is undergoing maintenance and is currently not available</h2>"
    resp = page(ctx, "In maintenance mode | lab", main, status=503, reason="Moodle under maintenance",
                bodyid="page-maintenance-message")
    resp.add_header("Retry-After", "300")
    return resp


def require_login(ctx):
    """None when the user may see the page, else the response (303 to login, or legacy maintenance 503)."""
    ctx.ensure_session()
    if not ctx.user:
        if ctx.method == "GET":
            ctx.session.wantsurl = current_url(ctx)
        return redirect(ctx.url("/login/index.php"))
    if ctx.state.maintenance == "legacy" and not ctx.is_admin:
        return maintenance_page(ctx)
    from .mfa import intercept     # tool_mfa's after_require_login: pending MFA goes to auth.php (615)
    return intercept(ctx)


def require_admin(ctx, message="Access denied", errorcode="accessdenied", module="admin"):
    resp = require_login(ctx)
    if resp is not None:
        return resp
    if not ctx.is_admin:
        return error_page(ctx, message, errorcode, module=module)
    return None


def url_with(path, **params):
    return path + ("?" + urlencode(params) if params else "")
