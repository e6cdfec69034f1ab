#!/usr/bin/env python3
"""Records the golden answers of the conformance suite from the reference
InfluxDB 1.x (Debian's influxd 1.6.7).

  record.py [FILE ...]             start a throwaway influxd on loopback, run
                                   every case file (or the named ones), write
                                   tests/conformance/golden/FILE.json
  record.py --verify [FILE ...]    replay against a fresh influxd and compare
                                   with the committed goldens (determinism check)
  record.py --url URL ...          use a running server instead of starting one
  record.py --print FILE ...       print each step and its answer, write nothing

FILE is a case file name with or without '.case' (cases/FILE.case).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402


def record_file(base, path):
    steps = []
    for case, step, ans in H.run_file(base, path):
        if ans["status"] < 0:
            raise RuntimeError("%s: no answer from the reference: %s" % (step["id"], ans["body"]))
        d = H.describe(step)
        d.update(ans)
        steps.append(d)
    return {
        "source": "recorded from influxd by tests/conformance/record.py; do not edit by hand",
        "case_file": "cases/" + os.path.basename(path),
        "steps": steps,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--url", help="a running reference server (default: start influxd)")
    ap.add_argument("--influxd", help="influxd binary (default: from PATH)")
    ap.add_argument("--verify", action="store_true", help="compare with the goldens instead of writing them")
    ap.add_argument("--print", action="store_true", help="print the answers, write nothing")
    a = ap.parse_args()

    paths = H.case_files(a.files)
    proc = None
    if a.url:
        base = a.url.rstrip("/")
    else:
        proc = H.Proc("influxd", a.influxd).start()
        base = proc.base
    t0 = time.time()
    failed = nsteps = 0
    try:
        os.makedirs(H.GOLDEN_DIR, exist_ok=True)
        for path in paths:
            doc = record_file(base, path)
            nsteps += len(doc["steps"])
            if a.print:
                for s in doc["steps"]:
                    req = s["request"]
                    print("--- %s  %s" % (s["id"], req.get("q", "")))
                    print("%d %s" % (s["status"], s["body"].rstrip("\n")))
            elif a.verify:
                gold = H.load_golden(path)
                ids = [s["id"] for s in doc["steps"]]
                if sorted(ids) != sorted(gold):
                    print("%s: steps differ from the golden file (re-record)" % os.path.basename(path))
                    failed += 1
                    continue
                parsed = {s["id"]: s for c in H.parse_cases(path) for s in c["steps"] if s["id"]}
                for s in doc["steps"]:
                    why = H.compare(parsed[s["id"]], gold[s["id"]], s)
                    if why:
                        failed += 1
                        print(H.report(parsed[s["id"]], gold[s["id"]], s, why))
            else:
                with open(H.golden_path(path), "w", encoding="utf-8") as f:
                    json.dump(doc, f, indent=1, ensure_ascii=False)
                    f.write("\n")
            print("%-28s %4d steps" % (os.path.basename(path), len(doc["steps"])), file=sys.stderr)
    finally:
        if proc:
            proc.stop()
            proc.cleanup()
    print("%d files, %d steps in %.1f s%s" % (len(paths), nsteps, time.time() - t0,
          (", %d differ from the goldens" % failed) if a.verify else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
