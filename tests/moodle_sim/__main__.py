"""python -m tests.moodle_sim --port 8080 --state fresh"""
import argparse
import sys

from .server import Simulator


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tests.moodle_sim", description="Moodle 4.5.6 HTTP simulator")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--state", choices=("fresh", "configured"), default="fresh")
    args = ap.parse_args(argv)
    sim = Simulator(state=args.state, port=args.port, host=args.host)
    sys.stdout.write("moodle_sim (%s) listening on http://%s:%d\n" % (args.state, args.host, args.port))
    sys.stdout.flush()
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
