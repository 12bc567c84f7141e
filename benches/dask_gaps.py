"""skillsmap.dask.gaps over partitioned Parquet, against the single-process
path and against the same computation written in dask.dataframe groupby.

The generator writes ``--answers`` answers (default 100 million) of the
synthetic RESEES-shaped survey (32 competences per respondent, importance,
required and current levels, weights, ~7 % missing) as Parquet files of
``--rows-per-file`` rows into ``--data`` (default under /tmp; never commit
it), once: an existing folder with the same size is reused.

Then, on one LocalCluster (``--workers`` processes, one thread each):

ours
    ``skillsmap.dask.gaps(smd.read_parquet(files), by="region", …)``: keys
    read as dictionaries (categoricals), every partition validated and
    summed by the Rust core, partials merged in a tree, finished once; and
    the same on ``dd.read_parquet(files)`` (keys as strings).
peer
    The same table (n, weighted mean gap, mean positive gap, Ī and MWDS per
    region × competence, respondents per region for ``n_missing``) written
    directly as dask.dataframe ``groupby``/``agg`` and ``nunique`` in one
    graph, without validation, on ``dd.read_parquet(files)``; and the same
    on ``smd.read_parquet(files)``, to show what the reader alone gives it.

and, in this process, the single-process path on the same files
(``pd.read_parquet`` + ``Survey.from_frame`` + ``Survey.gaps``), run on the
first ``--single-files`` files and extrapolated linearly to all of them when
that is fewer (the figure then says so).

Peak memory per worker is each worker process's high-water mark of
resident memory (Linux ``VmHWM``), reset when its cluster starts (a worker
process otherwise inherits its parent's peak) and read at the end of each
run, from fresh workers. Run::

    .venv/bin/python benches/dask_gaps.py --answers 100_000_000
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import skillsmap as sm

COLUMNS: dict[str, Any] = {"importance": "importance", "weight": "weight"}


def generate(folder: Path, answers: int, rows_per_file: int) -> list[Path]:
    """Parquet files of the synthetic survey; each file holds whole
    respondents with ids unique across files."""
    folder.mkdir(parents=True, exist_ok=True)
    per_resp = len(sm.frameworks.load("se-core").competences)
    resp_per_file = max(1, rows_per_file // per_resp)
    n_files = max(1, -(-answers // (resp_per_file * per_resp)))
    stamp = folder / f".complete-{answers}-{rows_per_file}"
    files = [folder / f"part-{i:05d}.parquet" for i in range(n_files)]
    if stamp.exists():
        return files
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    t0 = time.perf_counter()
    for i, path in enumerate(files):
        df = sm.demo_survey(resp_per_file, seed=1000 + i).to_frame()
        codes = pd.factorize(df["respondent"])[0]
        df["respondent"] = (codes + i * resp_per_file).astype(np.int64)
        table = pa.Table.from_pandas(df, preserve_index=False)
        pq.write_table(table, path, row_group_size=1 << 20)
        if i % 10 == 0:
            print(f"  wrote {i + 1}/{n_files} files ({time.perf_counter() - t0:.0f} s)", flush=True)
    stamp.touch()
    return files


def peer(ddf: Any) -> pd.DataFrame:
    """The gap table by region × competence in dask.dataframe."""
    import dask

    t, c, i, w = ddf["required"], ddf["current"], ddf["importance"], ddf["weight"]
    gap = ~t.isna() & ~c.isna()
    bor = ~i.isna() & ~c.isna()
    x = ddf[["region", "competence"]].assign(
        n=(gap & (w > 0)).astype("int64"),
        wg=w.where(gap, 0.0),
        st=(w * t).where(gap, 0.0),
        sc=(w * c).where(gap, 0.0),
        sdp=(w * (t - c).clip(lower=0)).where(gap, 0.0),
        wb=w.where(bor, 0.0),
        si=(w * i).where(bor, 0.0),
        sci=(w * c).where(bor, 0.0),
    )
    sums = x.groupby(["region", "competence"]).sum()
    sizes = ddf.groupby("region")["respondent"].nunique()
    # one graph: the files are read once for both
    s, n_resp = dask.compute(sums, sizes)
    ibar = s["si"] / s["wb"]
    return pd.DataFrame(
        {
            "n": s["n"],
            "n_missing": n_resp.reindex(s.index.get_level_values(0)).to_numpy() - s["n"],
            "mean_gap": (s["st"] - s["sc"]) / s["wg"],
            "mean_positive_gap": s["sdp"] / s["wg"],
            "mean_importance": ibar,
            "mwds": ibar * (s["si"] - s["sci"]) / s["wb"],
        }
    )


OURS = "skillsmap.dask.gaps(smd.read_parquet)"
OURS_DD = "skillsmap.dask.gaps(dd.read_parquet)"
PEER = "peer: dd.read_parquet + groupby"
PEER_CAT = "peer on smd.read_parquet (categorical keys)"


def _reset_peak() -> None:
    """Resets this process's peak resident memory (Linux: VmHWM). A worker
    process starts with its parent's peak, which is not the worker's."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak() -> float:
    """This process's peak resident memory since the reset, in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def worker_peaks(client: Any) -> list[float]:
    """High-water mark of each worker process since its reset, in MiB."""
    return sorted(client.run(_peak).values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--answers", type=lambda s: int(s.replace("_", "")), default=100_000_000)
    ap.add_argument("--rows-per-file", type=int, default=2_000_000)
    ap.add_argument("--data", type=Path, default=Path("/tmp/skillsmap-dask-bench"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="4GiB", help="per worker (Dask pauses/kills beyond)")
    ap.add_argument("--single-files", type=int, default=None, help="files for the single process")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="alternating runs of ours and the peer")
    args = ap.parse_args()

    import dask.dataframe as dd
    import distributed
    from skillsmap import dask as smd

    files = generate(args.data, args.answers, args.rows_per_file)
    n_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    print(f"data: {n_rows:,} answers in {len(files)} Parquet files under {args.data}")

    def cluster() -> Any:
        return distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=args.memory_limit,
            silence_logs=40,
        )

    # the runs alternate, each on a fresh cluster (fresh peaks), so that a
    # change of the machine's load falls on all alike
    paths = [str(f) for f in files]
    variants: list[tuple[str, Any]] = [
        (OURS, lambda: smd.gaps(smd.read_parquet(paths), by="region", **COLUMNS)),
        (OURS_DD, lambda: smd.gaps(dd.read_parquet(paths), by="region", **COLUMNS)),
    ]
    if not args.skip_peer:
        variants += [
            (PEER, lambda: peer(dd.read_parquet(paths))),
            (PEER_CAT, lambda: peer(smd.read_parquet(paths))),
        ]
    runs: dict[str, list[tuple[float, list[float]]]] = {}
    tables: dict[str, Any] = {}
    for rep in range(args.repeat):
        for name, run in variants:
            with cluster() as lc, distributed.Client(lc) as client:
                client.run(_reset_peak)
                t0 = time.perf_counter()
                tables[name] = run()
                got = (time.perf_counter() - t0, worker_peaks(client))
            runs.setdefault(name, []).append(got)
            print(f"[{rep + 1}/{args.repeat}] {name}: {got[0]:.1f} s, peaks {got[1]}", flush=True)
    ours_table = tables[OURS]
    pd.testing.assert_frame_equal(ours_table, tables[OURS_DD])
    theirs = tables.get(PEER)
    # median time; the highest peak of each worker rank over the runs
    results = {
        name: (
            float(np.median([t for t, _ in got])),
            [max(col) for col in zip(*(p for _, p in got), strict=True)],
        )
        for name, got in runs.items()
    }
    if theirs is not None:
        # the peer computes the same numbers
        ours = ours_table.set_index(["region", "competence"])
        both = theirs.join(ours[["n", "mwds", "mean_gap"]].add_suffix("_ours"), how="inner")
        assert (both["n"] == both["n_ours"]).all()
        assert np.allclose(both["mwds"], both["mwds_ours"], rtol=1e-9, equal_nan=True)

    n_single = len(files) if args.single_files is None else min(args.single_files, len(files))
    gc.collect()
    t0 = time.perf_counter()
    df = pd.concat([pd.read_parquet(f) for f in files[:n_single]], ignore_index=True)
    single = sm.Survey.from_frame(df, **COLUMNS).gaps(by="region")
    t_single = time.perf_counter() - t0
    rows_single = len(df)
    del df
    peak_single = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if n_single == len(files):
        a = ours_table.drop(columns=[]).reset_index(drop=True)
        assert (a["n"].to_numpy() == single["n"].to_numpy()).all()
        assert np.allclose(a["mwds"], single["mwds"], rtol=1e-12, atol=1e-12, equal_nan=True)
        label = "single process (pandas + Survey)"
    else:
        t_single *= n_rows / rows_single
        label = f"single process, extrapolated from {rows_single:,} answers"

    print(f"\n{n_rows:,} answers, {args.workers} workers × 1 thread (this machine)")
    print(f"{'run':48} {'wall s':>8} {'peak MiB per worker':>22}")
    for name, (secs, peaks) in results.items():
        print(f"{name:48} {secs:8.1f} {', '.join(f'{p:.0f}' for p in peaks):>22}")
    print(f"{label:48} {t_single:8.1f} {peak_single:>19.0f} (1 process)")
    ours_t = results[OURS][0]
    print(f"\nours / single process: {ours_t / t_single:.2f}×")
    for name in (PEER, PEER_CAT):
        if name in results:
            print(f"{name} / ours: {results[name][0] / ours_t:.2f}× slower")
    if PEER in results:
        print(f"{PEER} / ours on dd.read_parquet: {results[PEER][0] / results[OURS_DD][0]:.2f}×")


if __name__ == "__main__":
    main()
