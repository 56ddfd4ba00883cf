#!/usr/bin/python3
# merge.py INTO.json FROM.json KEY...: puts the results of the scenarios
# KEY... of one run of the benchmark harness (FROM.json: a run with
# --scenarios KEY --out DIR writes DIR/bench/results.json) into those of
# another run (INTO.json, e.g. docs/bench/results.json), in place of what
# INTO.json had under those keys; the rest of INTO.json is left as it was.
# Each scenario that is merged this way must say when and where it ran
# (the checkpoint scenario keeps its own date, mode and machine), as the
# page bench/report.py makes from INTO.json then shows two runs.
# Measures nothing.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import sys


def main():
    if len(sys.argv) < 4:
        print("usage: merge.py INTO.json FROM.json KEY...", file=sys.stderr)
        return 2
    into, src, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(into) as f:
        res = json.load(f)
    with open(src) as f:
        other = json.load(f)
    for k in keys:
        if not other.get(k):
            print("merge: %s has no results for %s" % (src, k), file=sys.stderr)
            return 1
        res[k] = other[k]
    with open(into + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.replace(into + ".tmp", into)
    print("merge: %s into %s" % (", ".join(keys), into))
    return 0


if __name__ == "__main__":
    sys.exit(main())
