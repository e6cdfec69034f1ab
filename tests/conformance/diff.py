#!/usr/bin/python3
"""Show how our answers differ from the goldens, listed failures included:

    /usr/bin/python3 tests/conformance/diff.py FILE [FILE...] [--url URL] [--max N]

A developer's tool next to update_expected.py (which only rewrites the list)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import harness as H  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--url")
    ap.add_argument("--max", type=int, default=20)
    a = ap.parse_args()
    proc = None
    if a.url:
        base = a.url.rstrip("/")
    else:
        proc = H.Proc("hyperbytedb").start()
        base = proc.base
    shown = 0
    try:
        for path in H.case_files(a.files):
            gold = H.load_golden(path)
            for case, step, got in H.run_file(base, path):
                want = gold.get(step["id"])
                why = want is None and "no golden" or H.compare(step, want, got)
                if why and shown < a.max:
                    shown += 1
                    print(H.report(step, want or {}, got, why))
    finally:
        if proc:
            proc.stop()
            proc.cleanup()


if __name__ == "__main__":
    main()
