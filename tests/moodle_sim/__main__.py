"""python -m tests.moodle_sim --port 8080 --state fresh [--tls-cert server.pem --tls-key server.key]"""
import argparse
import sys

from .server import Simulator
from .versions import DEFAULT, VERSIONS


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.moodle_sim", description="Moodle 4.5 / 5.1 HTTP simulator")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--state", choices=("fresh", "configured"), default="fresh")
    ap.add_argument("--moodle", choices=sorted(VERSIONS), default=DEFAULT,
                    help="the Moodle release to emulate (default %(default)s)")
    ap.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate chain (needs --tls-key)")
    ap.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    tls = (args.tls_cert, args.tls_key) if args.tls_cert else None
    sim = Simulator(state=args.state, port=args.port, host=args.host, moodle=args.moodle, tls=tls)
    sys.stdout.write("moodle_sim %s (%s) listening on %s://%s:%d\n"
                     % (sim.state.moodle.release, args.state, "https" if tls else "http", args.host, args.port))
    sys.stdout.flush()
    sys.stdout.write("CAS server (test, plain HTTP) on a free port: GET /__sim__/cas names it\n")
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
