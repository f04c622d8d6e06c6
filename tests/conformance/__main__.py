"""python -m tests.conformance [--fixtures DIR] [--url URL] [--stub] [--only N-M] [--show-map] [-v]"""
from __future__ import annotations

import argparse
import sys

from .fixtures import fixtures_dir, load_exchanges
from .replay import replay, run_against_simulator


def _range(spec: str) -> set[int]:
    out = set()
    for part in spec.split(","):
        a, _unused, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.conformance", description=__doc__)
    ap.add_argument("--fixtures", help="fixture folder (default ../shared/moodle-fixtures/moodle-4.5.6 "
                                       "from the repository root, or $MOODLE_FIXTURES)")
    ap.add_argument("--url", help="replay against an already running site (control API expected) "
                                  "instead of starting tests.moodle_sim")
    ap.add_argument("--stub", action="store_true",
                    help="replay against the recording-echo stub (tests the harness, not the simulator)")
    ap.add_argument("--only", help="exchange numbers, e.g. 1-16,263-264 (preconditions still apply)")
    ap.add_argument("--show-map", action="store_true", help="also print the learnt substitutions")
    ap.add_argument("-v", "--verbose", action="store_true", help="full mismatch texts")
    args = ap.parse_args(argv)

    folder = fixtures_dir(args.fixtures)
    if folder is None:
        print("conformance: fixtures not found (need ../shared/moodle-fixtures/moodle-4.5.6 "
              "next to the repository, or --fixtures DIR)", file=sys.stderr)
        return 2
    only = _range(args.only) if args.only else None
    if args.stub:
        from .stub import StubSite
        exchanges = load_exchanges(folder)
        if only:
            exchanges = [e for e in exchanges if e.n in only]
        with StubSite(exchanges) as site:
            report = replay(exchanges, site.url)
        report.fixtures = str(folder)
        print(report.render(args.verbose))
        if site.problems:
            print(f"\nstub: {len(site.problems)} request problems:")
            print("\n".join("  " + p for p in site.problems[:50]))
        return 1 if site.problems or report.failing() else 0
    if args.url:
        report = replay(load_exchanges(folder), args.url, only=only)
        report.fixtures = str(folder)
    else:
        report = run_against_simulator(folder, only=only)
    print(report.render(args.verbose))
    if args.show_map:
        print(f"\nsubstitutions learnt ({len(report.learnt)}):")
        print("\n".join(f"  {k}: {r} -> {l}" for k, r, l in report.learnt))
    return 1 if report.failing() else 0


if __name__ == "__main__":
    sys.exit(main())
