"""Conformance suite: replays every case file in tests/conformance/cases
against build/hyperbytedb (or $HB_BINARY; or a running server at
$HB_CONFORMANCE_URL) and compares each answer with the golden answer
recorded from InfluxDB 1.6.7 (tests/conformance/golden/FILE.json).

One test per case file.  A step fails the test when it mismatches and is
not listed in expected_failures.txt, or when it is listed and matches
(the list may only shrink).  See tests/conformance/README.md.
"""
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

CASE_FILES = H.case_files()


class Target:
    """The server under test; restarted if a case file kills it."""

    def __init__(self):
        self.url = os.environ.get("HB_CONFORMANCE_URL")
        self.proc = None
        self.crashes = []

    @property
    def base(self):
        if self.url:
            return self.url.rstrip("/")
        if self.proc is None or self.proc.proc.poll() is not None:
            if self.proc is not None:
                self.crashes.append(self.proc)
            self.proc = H.Proc("hyperbytedb").start()
        return self.proc.base

    def died(self):
        """None, or the server's exit code and log tail if it is gone."""
        if self.url or self.proc is None or self.proc.proc.poll() is None:
            return None
        return "server exited with %s; log tail:\n%s" % (
            self.proc.proc.returncode, self.proc.read_log()[-3000:])

    def close(self):
        rc = self.proc.stop() if self.proc else None
        for p in self.crashes + ([self.proc] if self.proc else []):
            p.cleanup()
        return rc


@pytest.fixture(scope="module")
def target():
    t = Target()
    yield t
    t.close()


@pytest.fixture(scope="module")
def expected():
    return set(H.load_expected())


def test_expected_list_names_existing_steps(expected):
    """Every line of expected_failures.txt names a step that exists."""
    known = set(H.all_step_ids())
    stale = sorted(expected - known)
    assert not stale, "expected_failures.txt names steps that do not exist (remove them):\n  " + "\n  ".join(stale)


def test_goldens_match_case_files():
    """Every case file has a golden file with the same steps, and vice versa."""
    problems = []
    keys = {H.file_key(p) for p in CASE_FILES}
    for g in sorted(os.listdir(H.GOLDEN_DIR)):
        if g.endswith(".json") and g[:-5] not in keys:
            problems.append("golden/%s has no case file" % g)
    for p in CASE_FILES:
        if not os.path.exists(H.golden_path(p)):
            problems.append("%s has no golden file: run make conformance-record" % os.path.basename(p))
            continue
        gold = H.load_golden(p)
        for c in H.parse_cases(p):
            for s in c["steps"]:
                if not s["id"]:
                    continue
                g = gold.get(s["id"])
                want = H.describe(s)["request"]
                if g is None or g["request"] != want:
                    problems.append("%s: the golden answer was recorded for another request: "
                                    "re-record with make conformance-record" % s["id"])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CASE_FILES, ids=[H.file_key(p) for p in CASE_FILES])
def test_case_file(path, target, expected):
    if not os.path.exists(H.golden_path(path)):
        pytest.fail("no golden file for %s: run make conformance-record" % os.path.basename(path))
    gold = H.load_golden(path)
    unexpected, fixed, matched, listed = [], [], 0, 0
    for case in H.parse_cases(path):
        H.reset(target.base)
        for step in case["steps"]:
            if step["kind"] == "sleep":
                time.sleep(step["payload"])
                continue
            got = H.run_step(target.base, step)
            want = gold.get(step["id"])
            if want is None:
                pytest.fail("%s has no golden answer: run make conformance-record" % step["id"])
            why = H.compare(step, want, got)
            if why is None:
                matched += 1
                if step["id"] in expected:
                    fixed.append(step["id"])
            elif step["id"] in expected:
                listed += 1
            else:
                unexpected.append(H.report(step, want, got, why))
    msgs = []
    dead = target.died()
    if dead:
        msgs.append(dead)
    if unexpected:
        msgs.append("%d step(s) do not match InfluxDB and are not in expected_failures.txt:\n\n%s"
                    % (len(unexpected), "\n\n".join(unexpected)))
    if fixed:
        msgs.append("%d step(s) listed in expected_failures.txt match now; remove them "
                    "(tests/conformance/update_expected.py does it):\n  %s" % (len(fixed), "\n  ".join(fixed)))
    print("%s: %d match, %d expected failures" % (H.file_key(path), matched, listed))
    if msgs:
        pytest.fail("\n\n".join(msgs), pytrace=False)
