"""Maintenance modes (flow f14): CLI (--enable) answers every URL with the static 503 page."""
from ..html import maintenance_static_page
from ..response import Response, http_date


def cli_response(ctx):
    r = Response(503, maintenance_static_page(ctx.state.get_config("sitename") or "Moodle"),
                 reason="Moodle under maintenance")
    for k, v in [("Retry-After", "300"), ("X-UA-Compatible", "IE=edge"),
                 ("Cache-Control", "no-store, no-cache, must-revalidate"), ("Cache-Control", "post-check=0, pre-check=0"),
                 ("Pragma", "no-cache"), ("Expires", "Mon, 20 Aug 1969 09:23:00 GMT"), ("Last-Modified", http_date()),
                 ("Accept-Ranges", "none")]:
        r.add_header(k, v)
    return r
