"""Response object and the generic Moodle answer shapes (redirect, JSON, empty)."""
import email.utils
import time

from .util import php_json

REASONS = {200: "OK", 302: "Found", 303: "See Other", 403: "Forbidden", 404: "Not Found",
           500: "Internal Server Error", 503: "Service Unavailable"}


def http_date(ts=None):
    return email.utils.formatdate(ts if ts is not None else time.time(), usegmt=True)


class Response(object):
    def __init__(self, status=200, body=b"", content_type="text/html; charset=utf-8", headers=None, reason=None):
        self.status = status
        self.reason = reason or REASONS.get(status, "OK")
        self.headers = [("Content-Type", content_type)] if content_type else []
        self.headers.extend(headers or [])
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.close = False           # drop the connection without answering (fault injection)

    def add_header(self, name, value):
        self.headers.append((name, value))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


NOCACHE_HEADERS = [("Expires", "Thu, 19 Nov 1981 08:52:00 GMT"),
                   ("Cache-Control", "no-store, no-cache, must-revalidate"), ("Pragma", "no-cache")]


def redirect_page(url):
    from .html import esc
    return ("<!DOCTYPE html>\n<html lang=\"en\" xml:lang=\"en\">\n<head>\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\" />\n<title>Redirect</title>\n"
            "</head>\n<body>\n<div id=\"page\"><div id=\"region-main\">\n<h1>Redirect</h1>\n"
            "<div class=\"redirectmessage\">You are being redirected. If nothing happens, follow this link: "
            "<a href=\"%s\">Continue</a></div>\n</div></div>\n</body>\n</html>\n" % esc(url))


def redirect(url, cookies=None):
    """Moodle's redirect(): 303, absolute Location, X-Redirect-By: Moodle, small "Redirect" page."""
    r = Response(303, redirect_page(url))
    r.headers.extend(NOCACHE_HEADERS)
    for c in cookies or []:
        r.add_header("Set-Cookie", c)
    r.add_header("X-Redirect-By", "Moodle")
    r.add_header("Location", url)
    r.add_header("Content-Language", "en")
    return r


def raw_redirect(url, status=302):
    """A plain PHP header('Location: ...') (302 Found, no Moodle page)."""
    r = Response(status, b"")
    r.add_header("Location", url)
    return r


def json_response(obj, content_type="application/json; charset=utf-8", headers=None):
    return Response(200, php_json(obj), content_type=content_type, headers=headers)


def token_style_error(errorcode, message, debug=False, debuginfo=None, stacktrace=None, wwwroot=""):
    """The exception shape of login/token.php (and of AJAX coding errors): always 5 keys."""
    return {"error": message, "errorcode": errorcode,
            "stacktrace": stacktrace if debug else None,
            "debuginfo": ("\nError code: " + errorcode if debuginfo is None else debuginfo) if debug else None,
            "reproductionlink": (wwwroot + "/") if debug else None}
