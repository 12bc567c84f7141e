"""Atheris fuzz target: survey ingestion from Python.

Each input is split by a FuzzedDataProvider into either

- a long table of mixed Python values (text, ints, floats including NaN and
  inf, bools, None, huge ints) given to ``Survey.from_frame`` as a pandas
  DataFrame or a dict of columns, with fuzzed options; or
- the bytes of a survey file written under a fuzzed suffix and read with
  ``read_survey``.

The contract under test: every input gives a Survey or one of skillsmap's
documented exceptions (``SkillsMapError`` and its subclasses, or
``FileNotFoundError``). Anything else (a KeyError, a codec or pandas parser
error, a PanicException, a crash) is a bug.

Run from the repository root, e.g.::

    .venv/bin/python fuzz/python/fuzz_ingest.py -max_total_time=600 fuzz/python/corpus
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

import atheris
import numpy as np
import pandas as pd

# Coverage feedback from skillsmap's own Python code (pandas and numpy are
# imported first so they stay uninstrumented: instrumenting them is slow and
# steers the fuzzer into their internals).
with atheris.instrument_imports(include=["skillsmap"]):
    import skillsmap as sm

COLUMNS = ["respondent", "region", "stakeholder_type", "competence", "current", "required"]
SUFFIXES = [
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xls",
    ".ods",
    ".parquet",
    ".csv.gz",
    ".zip",
    ".bz2",
    ".sav",
    ".dta",
    ".json",
]
REGIONS = ["navarra", "Murcia", "Nouvelle-Aquitaine", "podravje", "LAPLAND", "x"]
TYPES = ["cooperative", "mutual", "foundation", "association", "public", "??"]
COMPETENCES = ["se.found.principles", "se.found.governance", "1.1", "Social economy", ""]
_TMP = tempfile.mkdtemp(prefix="skillsmap-atheris-")
ALLOWED = (sm.SkillsMapError, FileNotFoundError)


def _value(fdp: atheris.FuzzedDataProvider, pool: list[str]) -> object:
    kind = fdp.ConsumeIntInRange(0, 9)
    if kind <= 3:
        return pool[fdp.ConsumeIntInRange(0, len(pool) - 1)]
    if kind == 4:
        return fdp.ConsumeUnicodeNoSurrogates(8)
    if kind == 5:
        return fdp.ConsumeIntInRange(-3, 9)
    if kind == 6:
        return fdp.ConsumeRegularFloat()
    if kind == 7:
        return [None, np.nan, float("inf"), True, 2**70, "", " 3 ", "3,5"][
            fdp.ConsumeIntInRange(0, 7)
        ]
    if kind == 8:
        return fdp.ConsumeFloatInRange(0.0, 6.0)
    return fdp.ConsumeIntInRange(1, 5)


def _frame(fdp: atheris.FuzzedDataProvider) -> None:
    n = fdp.ConsumeIntInRange(0, 24)
    pools = {
        "respondent": ["r1", "r2", "r3", "1", " r1"],
        "region": REGIONS,
        "stakeholder_type": TYPES,
        "competence": COMPETENCES,
        "current": ["1", "2", "5"],
        "required": ["3", "4", "6"],
        "weight": ["1", "0", "2.5"],
    }
    names = list(COLUMNS)
    if fdp.ConsumeBool():
        names.append("weight")
    if fdp.ConsumeBool() and names:
        names.pop(fdp.ConsumeIntInRange(0, len(names) - 1))
    data = {c: [_value(fdp, pools[c]) for _ in range(n)] for c in names}
    frame: object = pd.DataFrame(data) if fdp.ConsumeBool() else data
    sm.Survey.from_frame(
        frame,
        weight="weight" if "weight" in names and fdp.ConsumeBool() else None,
        regions="resees" if fdp.ConsumeBool() else None,
        typology="se-default" if fdp.ConsumeBool() else None,
    )


def _file(fdp: atheris.FuzzedDataProvider) -> None:
    suffix = SUFFIXES[fdp.ConsumeIntInRange(0, len(SUFFIXES) - 1)]
    path = os.path.join(_TMP, "survey" + suffix)
    with open(path, "wb") as f:
        f.write(fdp.ConsumeBytes(fdp.remaining_bytes()))
    sm.read_survey(path, regions=None, typology=None)


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (_frame if fdp.ConsumeBool() else _file)(fdp)
    except ALLOWED:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
