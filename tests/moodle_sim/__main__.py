"""python -m tests.moodle_sim --port 8080 --state fresh"""
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
    args = ap.parse_args(argv)
    sim = Simulator(state=args.state, port=args.port, host=args.host, moodle=args.moodle)
    sys.stdout.write("moodle_sim %s (%s) listening on http://%s:%d\n"
                     % (sim.state.moodle.release, args.state, args.host, args.port))
    sys.stdout.flush()
    sys.stdout.write("CAS server (test, plain HTTP) on a free port: GET /__sim__/cas names it\n")
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
