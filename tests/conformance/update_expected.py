#!/usr/bin/env python3
"""Rewrites tests/conformance/expected_failures.txt from a replay against
build/hyperbytedb (or $HB_BINARY, or --url): afterwards the list holds
exactly the steps that do not match their golden answer.

  update_expected.py               every case file
  update_expected.py FILE ...      only these files' entries are replaced
  update_expected.py --url URL     use a running server
  update_expected.py --dry-run     print what would change, write nothing

It prints the entries it removes (fixed) and adds (new mismatches: usually
a regression, or new cases).  Review the diff before committing: in normal
engine work the list only shrinks.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--url", help="a running server to replay against (default: start build/hyperbytedb)")
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()

    paths = H.case_files(a.files)
    keys = {H.file_key(p) for p in paths}
    proc = None
    if a.url:
        base = a.url.rstrip("/")
    else:
        proc = H.Proc("hyperbytedb").start()
        base = proc.base
    mismatching, total = [], 0
    try:
        for path in paths:
            gold = H.load_golden(path)
            n = 0
            for case, step, got in H.run_file(base, path):
                total += 1
                want = gold.get(step["id"])
                if want is None or H.compare(step, want, got):
                    mismatching.append(step["id"])
                    n += 1
            print("%-28s %4d mismatching" % (os.path.basename(path), n), file=sys.stderr)
        if proc and proc.proc.poll() is not None:
            print("warning: the server exited during the run (code %s); log tail:\n%s"
                  % (proc.proc.returncode, proc.read_log()[-2000:]), file=sys.stderr)
    finally:
        if proc:
            proc.stop()
            proc.cleanup()

    old = H.load_expected()
    order = {sid: n for n, sid in enumerate(H.all_step_ids())}
    # entries of the files not replayed stay, unless they name no step
    keep = [i for i in old if i.split(":", 1)[0] not in keys and i in order]
    new = keep + mismatching
    new = sorted(set(new), key=lambda i: (order.get(i, len(order)), i))
    removed = sorted(set(old) - set(new), key=lambda i: order.get(i, len(order)))
    added = sorted(set(new) - set(old), key=lambda i: order.get(i, len(order)))
    for i in removed:
        print("- " + i)
    for i in added:
        print("+ " + i)
    print("%d steps run, %d mismatch; list: %d -> %d entries (%d removed, %d added)"
          % (total, len(mismatching), len(old), len(new), len(removed), len(added)), file=sys.stderr)
    if not a.dry_run:
        H.write_expected(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
