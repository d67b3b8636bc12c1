#!/usr/bin/env python3
"""Line coverage per crate from cargo-tarpaulin's JSON report; fails under the floor.

`make coverage` runs tarpaulin once over tessera-domain and tessera-application and calls this
with the report: it writes target/coverage/summary.md (per crate, then per file, least covered
first) and exits 1 when a crate is below the floor. tarpaulin's own --fail-under judges only
the whole run, so the per-crate check is done here.
"""

import json
import os
import sys

CRATES = ("domain", "application")


def relative(path):
    """A report path (a string, or a list of components) relative to the repository."""
    if isinstance(path, list):
        path = os.path.join(*path)
    return os.path.relpath(path, os.getcwd())


def main():
    report_path, floor, summary_path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    per_crate = {c: [0, 0] for c in CRATES}
    files = []
    for entry in report["files"]:
        path = relative(entry["path"])
        crate = path.split(os.sep, 1)[0]
        if crate not in per_crate:
            continue
        covered, coverable = entry["covered"], entry["coverable"]
        per_crate[crate][0] += covered
        per_crate[crate][1] += coverable
        if coverable:
            files.append((covered / coverable, path, covered, coverable))
    lines = ["# Line coverage (cargo-tarpaulin, ptrace)", "", "| crate | lines covered | coverable | % |",
             "| --- | ---: | ---: | ---: |"]
    failed = []
    for crate, (covered, coverable) in per_crate.items():
        pct = 100.0 * covered / coverable if coverable else 0.0
        lines.append(f"| {crate} | {covered} | {coverable} | {pct:.2f} |")
        print(f"coverage {crate}: {pct:.2f} % ({covered}/{coverable} lines)")
        if pct < floor:
            failed.append(f"{crate} at {pct:.2f} % is below {floor:g} %")
    lines += ["", "| file | covered | coverable | % |", "| --- | ---: | ---: | ---: |"]
    for ratio, path, covered, coverable in sorted(files):
        lines.append(f"| {path} | {covered} | {coverable} | {100 * ratio:.1f} |")
    with open(summary_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"per-file figures: {summary_path}")
    for message in failed:
        print(f"coverage: {message}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
