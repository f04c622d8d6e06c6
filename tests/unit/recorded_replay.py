"""Serve recorded real Moodle answers (../shared/moodle-fixtures, moodle-4.5.6 or moodle-5.1.3) in order, to test
the core against Moodle's own bytes. Each request must match the recorded method and path, or the server answers 599.

Exchanges are given by name without the NNN- prefix (the same in both folders), or by 4.5.6 number (translated to
its name, then looked up in the version's folder: numbers differ between the folders after 353)."""

import glob
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from collection_paths import SHARED_FIXTURES

FIXTURES_45 = os.path.join(SHARED_FIXTURES, "moodle-4.5.6")
VERSIONS = ("4.5.6", "5.1.3")
RECORDED_ROOTS = {"4.5.6": "http://127.0.0.1:8080", "5.1.3": "http://127.0.0.1:8081"}
RECORDED_ROOT = RECORDED_ROOTS["4.5.6"]
SKIPPED_HEADERS = ("transfer-encoding", "content-length", "connection")


def fixtures_folder(version):
    return os.path.join(SHARED_FIXTURES, "moodle-%s" % version)


def fixtures_available(version="4.5.6"):
    return os.path.isdir(fixtures_folder(version))


def name_of(number):
    """The exchange name (without NNN-) of a 4.5.6 number."""
    path = glob.glob(os.path.join(FIXTURES_45, "%03d-*.request.txt" % number))[0]
    return os.path.basename(path)[4:-len(".request.txt")]


def has_exchanges(version, steps):
    if not fixtures_available(version):
        return False
    return all(glob.glob(os.path.join(fixtures_folder(version), "[0-9][0-9][0-9]-%s.request.txt" % (
        name_of(step) if isinstance(step, int) else step))) for step in steps)


def exchange(step, version="4.5.6"):
    name = name_of(step) if isinstance(step, int) else step
    request_file = glob.glob(os.path.join(fixtures_folder(version), "[0-9][0-9][0-9]-%s.request.txt" % name))[0]
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
    def __init__(self, steps, version="4.5.6"):
        self.version = version
        self.recorded_root = RECORDED_ROOTS[version]
        self.script = [exchange(step, version) for step in steps]
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
                recorded_root = replay.recorded_root
                payload = expected["body"].replace(recorded_root.encode(), root).replace(
                    recorded_root.replace("/", "\\/").encode(), root.replace(b"/", b"\\/"))
                self.send_response(expected["status"])
                for name, value in expected["headers"]:
                    if name.lower() in SKIPPED_HEADERS:
                        continue
                    self.send_header(name, value.replace(replay.recorded_root, replay.url))
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
