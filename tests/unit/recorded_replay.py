"""Serve recorded real Moodle 4.5.6 answers (../shared/moodle-fixtures) in order, to test the core against
Moodle's own bytes. Each request must match the recorded method and path, or the server answers 599."""

import glob
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from collection_paths import SHARED_FIXTURES

FIXTURES_45 = os.path.join(SHARED_FIXTURES, "moodle-4.5.6")
RECORDED_ROOT = "http://127.0.0.1:8080"
SKIPPED_HEADERS = ("transfer-encoding", "content-length", "connection")


def fixtures_available():
    return os.path.isdir(FIXTURES_45)


def exchange(number):
    request_file = glob.glob(os.path.join(FIXTURES_45, "%03d-*.request.txt" % number))[0]
    with open(request_file, "rb") as handle:
        request = handle.read()
    with open(request_file.replace(".request.txt", ".response.txt"), "rb") as handle:
        response = handle.read()
    request_line = request.split(b"\n", 1)[0].decode()
    method, target, _unused = request_line.split(" ", 2)
    head, _unused, body = response.partition(b"\n\n")
    lines = head.decode("utf-8", "replace").split("\n")
    status = int(lines[0].split(" ")[1])
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
    return {"method": method, "path": urlsplit(target).path, "status": status, "headers": headers, "body": body}


class ReplayServer:
    def __init__(self, numbers):
        self.script = [exchange(number) for number in numbers]
        self.seen = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                replay.seen.append((self.command, self.path, body))
                expected = replay.script.pop(0) if replay.script else None
                if expected is None or expected["method"] != self.command or \
                        expected["path"] != urlsplit(self.path).path:
                    self.send_response(599)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                root = replay.url.encode()
                payload = expected["body"].replace(RECORDED_ROOT.encode(), root).replace(
                    RECORDED_ROOT.replace("/", "\\/").encode(), root.replace(b"/", b"\\/"))
                self.send_response(expected["status"])
                for name, value in expected["headers"]:
                    if name.lower() in SKIPPED_HEADERS:
                        continue
                    self.send_header(name, value.replace(RECORDED_ROOT, replay.url))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
