"""Side-by-side timings of skillsmap against the peers a researcher would
otherwise use, in one process per case, on the same inputs.

Each case builds its inputs once, then times every implementation several
times (after one warm-up call) and reports the median, the ratio
ours / peer (below 1 means skillsmap is faster) and the peak resident memory
the call added. Run with ``make bench`` or ``.venv/bin/python benches/peers.py
[--case NAME] [--repeat N]``.

Cases
-----
ingest-1m
    1,000,000 answers (31,250 respondents × 32 competences, string keys,
    weights) from a pandas DataFrame: ``sm.Survey.from_frame`` (factorise,
    resolve, validate every row, build) versus the same validation written in
    pandas (label look-ups with ``isin``, range checks, ``duplicated`` on
    (respondent, competence), per-respondent ``nunique`` of region, type and
    weight).
generate-10m
    The synthetic generator at 10,000,000 answers (no peer: the figure shows
    that benchmark inputs at 1000× the demo size are cheap to make).
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

Impl = Callable[[], Any]


def _case_ingest() -> dict[str, Impl]:
    import numpy as np
    import pandas as pd
    import skillsmap as sm

    df = sm.demo_survey(31_250, seed=1).to_frame()
    fw = sm.frameworks.load("se-core")
    comp_names = set(fw.competences["id"]) | set(fw.competences["label"])
    region_names = set(sm.Regions.resees().table["id"]) | set(sm.Regions.resees().table["name"])
    type_names = set(sm.Typology.default().types["id"]) | set(sm.Typology.default().types["label"])

    def ours() -> Any:
        return sm.Survey.from_frame(df, importance="importance", weight="weight")

    def pandas_checks() -> Any:
        problems = []
        problems.append(~df["competence"].isin(comp_names))
        problems.append(~df["region"].isin(region_names))
        problems.append(~df["stakeholder_type"].isin(type_names))
        for col in ("current", "required", "importance"):
            v = pd.to_numeric(df[col], errors="coerce")
            problems.append(v.notna() & ~v.between(1, 5))
        w = df["weight"]
        problems.append(~np.isfinite(w) | (w < 0))
        problems.append(df.duplicated(["respondent", "competence"]))
        per = df.groupby("respondent", sort=False)[
            ["region", "stakeholder_type", "weight"]
        ].nunique()
        bad_resp = per.index[(per > 1).any(axis=1)]
        problems.append(df["respondent"].isin(bad_resp))
        mask = np.logical_or.reduce([p.to_numpy() for p in problems])
        codes_r, _ = pd.factorize(df["respondent"])
        codes_c, _ = pd.factorize(df["competence"])
        return mask.sum(), codes_r, codes_c

    return {"skillsmap": ours, "pandas (same checks)": pandas_checks}


def _case_generate() -> dict[str, Impl]:
    import skillsmap as sm

    return {"skillsmap": lambda: sm.demo_survey(312_500, seed=2)}


CASES: dict[str, tuple[Callable[[], dict[str, Impl]], str]] = {
    "ingest-1m": (_case_ingest, "1M answers from pandas, validated"),
    "generate-10m": (_case_generate, "synthetic survey, 10M answers"),
}


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ≥ 4.0), so that the peak seen
    afterwards belongs to the measured calls and not to the input set-up."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_above_now(run: Callable[[], None]) -> float:
    """Peak resident memory added while ``run`` executes, in MiB."""
    gc.collect()
    if _reset_peak():
        now = _status_mib("VmRSS") or 0.0
        run()
        return max(0.0, (_status_mib("VmHWM") or now) - now)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run()
    return max(0.0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before)


def _run_one(case: str, impl: str, repeat: int) -> dict[str, Any]:
    """Runs in a child process so that peak memory belongs to one call."""
    impls = CASES[case][0]()
    fn = impls[impl]
    times: list[float] = []

    def timed() -> None:
        fn()  # warm-up
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)

    peak = _peak_above_now(timed)
    return {"median": statistics.median(times), "min": min(times), "peak_mib": peak}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="case(s) to run")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per implementation")
    ap.add_argument("--child", nargs=2, metavar=("CASE", "IMPL"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_run_one(args.child[0], args.child[1], args.repeat)))
        return 0
    cases = args.case or list(CASES)
    print(f"{'case':<14} {'implementation':<24} {'median':>10} {'ours/peer':>10} {'peak MiB':>9}")
    for case in cases:
        impls = list(CASES[case][0]().keys())
        results = {}
        for impl in impls:
            out = subprocess.run(
                [sys.executable, __file__, "--child", case, impl, "--repeat", str(args.repeat)],
                check=True,
                capture_output=True,
                text=True,
            )
            results[impl] = json.loads(out.stdout.strip().splitlines()[-1])
        ours = results["skillsmap"]["median"]
        for impl, r in results.items():
            ratio = "" if impl == "skillsmap" else f"{ours / r['median']:.3f}"
            print(
                f"{case:<14} {impl:<24} {r['median'] * 1e3:>8.1f}ms {ratio:>10} "
                f"{r['peak_mib']:>9.0f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
