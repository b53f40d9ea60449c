"""daskstats against an earlier daskstats: the same cases of ``run.py``, timed in one run.

Each round runs every version once per case, in alternation (A, B, A, B, ...), each in a fresh
process that imports that version's source tree, builds the case's data with the same seed,
fits it ``--repeat`` times and reports its best time; the table shows each version's best over
all rounds and the ratio. Example (the tree of an earlier commit checked out with
``git worktree add /tmp/before <commit>``)::

    python benchmarks/versions.py --before /tmp/before --case logistic --case poisson_cat \\
        --rows 2e6 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = """
import json, sys, time
# an editable install's import hook would win over PYTHONPATH: drop it in this process
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in repr(f)]
sys.path.insert(0, {bench!r})
import dask
from run import make_case, to_dask, fit_daskstats
import daskstats
case = make_case({case!r}, {rows}, {cols}, 2026)
ddf = to_dask(case, {partitions})
seconds, res = fit_daskstats(case, ddf, {repeat})
print(json.dumps({{"seconds": seconds, "passes": res.passes, "source": daskstats.__file__,
                  "params": [float(v) for v in res.params]}}))
"""


def run_once(tree: Path, case: str, args) -> dict:
    """One fresh process fitting ``case`` with the daskstats of ``tree``."""
    code = CHILD.format(
        bench=str(HERE),
        case=case,
        rows=int(float(args.rows)),
        cols=args.cols,
        partitions=args.partitions,
        repeat=args.repeat,
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=tree,  # "python -c" puts the working directory first on sys.path
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if not out["source"].startswith(str(tree)):
        raise RuntimeError(f"{tree} was not imported (got {out['source']})")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="source tree of the earlier daskstats")
    parser.add_argument("--after", default=str(ROOT), help="source tree (default: this one)")
    parser.add_argument("--case", action="append", choices=("logistic", "poisson_cat", "gaussian"))
    parser.add_argument("--rows", default="2e6")
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=2, help="fits per process (best kept)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    args = parser.parse_args(argv)
    trees = {"before": Path(args.before).resolve(), "after": Path(args.after).resolve()}
    cases = args.case or ["logistic", "poisson_cat"]
    best: dict = {}
    for round_ in range(args.rounds):
        for case in cases:
            order = list(trees.items()) if round_ % 2 == 0 else list(trees.items())[::-1]
            for label, tree in order:
                out = run_once(tree, case, args)
                key = (case, label)
                if key not in best or out["seconds"] < best[key]["seconds"]:
                    best[key] = out
                print(
                    f"round {round_ + 1} {case:12s} {label:6s} {out['seconds']:.3f} s", flush=True
                )
    print(
        f"\n{int(float(args.rows)):,} rows x {args.cols}, {args.partitions} partitions, "
        f"best of {args.rounds} rounds x {args.repeat} fits"
    )
    print("| case | before (s) | after (s) | after / before | passes | max abs param diff |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        a, b = best[(case, "before")], best[(case, "after")]
        diff = max(abs(x - y) for x, y in zip(a["params"], b["params"]))
        print(
            f"| {case} | {a['seconds']:.3f} | {b['seconds']:.3f} | "
            f"{b['seconds'] / a['seconds']:.3f} | {a['passes']} / {b['passes']} | {diff:.1e} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
