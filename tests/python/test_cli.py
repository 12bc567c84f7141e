"""The ``skillsmap`` command line, run as ``python -m skillsmap``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import skillsmap as sm
from skillsmap.cli import main


def run(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess; ``env`` adds to the environment (where the
    conftest fixture has already set LANG=C)."""
    return subprocess.run(
        [sys.executable, "-m", "skillsmap", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
    )


@pytest.fixture
def good_csv(tmp_path: Path, valid_long: pd.DataFrame) -> Path:
    path = tmp_path / "good.csv"
    valid_long.to_csv(path, index=False)
    return path


@pytest.fixture
def bad_csv(tmp_path: Path, valid_long: pd.DataFrame) -> Path:
    df = valid_long.copy()
    df.loc[3, "region"] = "Atlantis"
    df.loc[7, "current"] = 9
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    return path


def test_summary_demo():
    done = run("summary", "--demo", "--n-respondents", "100")
    assert done.returncode == 0, done.stderr
    assert "SYNTHETIC" in done.stdout
    assert "100 respondents" in done.stdout


def test_summary_of_a_file(good_csv):
    done = run("summary", good_csv)
    assert done.returncode == 0, done.stderr
    assert "4 respondents" in done.stdout
    assert "SYNTHETIC" not in done.stdout


def test_summary_needs_file_or_demo(good_csv):
    assert run("summary").returncode == 2
    assert run("summary", good_csv, "--demo").returncode == 2


def test_validate_good(good_csv):
    done = run("validate", good_csv)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "OK" in lines[0]
    assert "4 respondents" in lines[0] and "12 answers" in lines[0]


def test_validate_bad(bad_csv):
    done = run("validate", bad_csv)
    assert done.returncode == 1
    out = done.stdout
    assert "2 problems" in out
    lines = out.splitlines()
    region = [ln for ln in lines if "Atlantis" in ln]
    level = [ln for ln in lines if "outside the scale" in ln]
    assert len(region) == 1 and len(level) == 1
    assert region[0].split()[0] == "3" and "unknown region" in region[0]
    assert level[0].split()[0] == "7" and "current" in level[0] and " 9 " in level[0]


def test_validate_bad_limits_output(bad_csv):
    done = run("validate", bad_csv, "--max-issues", "1")
    assert done.returncode == 1
    assert "Atlantis" in done.stdout
    assert "outside the scale" not in done.stdout
    assert "… and 1 more" in done.stdout


def test_validate_machine_readable(bad_csv, good_csv, capsys):
    import io
    import json

    assert main(["validate", str(bad_csv), "--format", "json", "--max-issues", "0"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False and doc["n_issues"] == 2
    # every problem, whatever --max-issues, each located and coded
    by_code = {i["code"]: i for i in doc["issues"]}
    assert (
        by_code["unknown_region"]["row"] == 3 and by_code["unknown_region"]["value"] == "Atlantis"
    )
    assert by_code["out_of_scale"]["row"] == 7 and by_code["out_of_scale"]["column"] == "current"

    assert main(["validate", str(bad_csv), "--format", "csv"]) == 1
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert table.columns.tolist() == ["row", "column", "value", "code", "reason"]
    assert sorted(table["code"]) == ["out_of_scale", "unknown_region"]

    assert main(["validate", str(good_csv), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is True and doc["issues"] == [] and doc["n_respondents"] == 4

    assert main(["validate", str(good_csv), "--format", "csv"]) == 0
    assert capsys.readouterr().out.strip() == "row,column,value,code,reason"


def test_exit_codes_are_documented():
    assert "exit status: 0 success, 1 invalid data, 2 usage or file error" in run("--help").stdout


def test_validate_with_options(tmp_path, valid_long):
    df = valid_long.rename(columns={"respondent": "id"})
    df.loc[0, "current"] = 7
    path = tmp_path / "opts.csv"
    df.to_csv(path, index=False)
    assert run("validate", path, "--respondent", "id").returncode == 1
    done = run("validate", path, "--respondent", "id", "--scale", "1", "8")
    assert done.returncode == 0, done.stdout + done.stderr


def test_validate_missing_file(tmp_path):
    done = run("validate", tmp_path / "missing.csv")
    assert done.returncode == 2
    assert "missing.csv" in done.stderr


def test_validate_unsupported_file(tmp_path):
    path = tmp_path / "survey.json"
    path.write_text("{}", encoding="utf-8")
    done = run("validate", path)
    assert done.returncode == 2
    assert "unsupported" in done.stderr


def test_version():
    import skillsmap as sm

    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"skillsmap {sm.__version__}"


def test_no_command_prints_help():
    done = run()
    assert done.returncode == 2
    assert "validate" in done.stdout and "summary" in done.stdout


def test_validate_missing_column(tmp_path, valid_long):
    path = tmp_path / "noregion.csv"
    valid_long.drop(columns="region").to_csv(path, index=False)
    done = run("validate", path)
    assert done.returncode == 1
    assert "1 problem" in done.stdout
    assert "region" in done.stdout and "missing column" in done.stdout


def test_validate_unreadable_file(tmp_path):
    path = tmp_path / "zero.csv"
    path.write_bytes(b"")
    done = run("validate", path)
    assert done.returncode == 2
    assert done.stderr.startswith("skillsmap validate:")


def test_summary_of_a_missing_file_is_a_clean_error(tmp_path):
    out = run("summary", tmp_path / "nope.csv")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


def test_output_into_a_closed_pipe_ends_quietly():
    # `skillsmap summary --demo | head -1`: the reader stops after one line
    run = subprocess.run(
        f"{sys.executable} -m skillsmap summary --demo | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.stdout.count("\n") == 1
    assert "Traceback" not in run.stderr and "BrokenPipeError" not in run.stderr


def test_max_issues_must_be_a_count(tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["validate", str(tmp_path / "x.csv"), "--max-issues", "-1"])
    assert info.value.code == 2


def test_a_framework_file_that_is_not_there():
    with pytest.raises(FileNotFoundError, match=r"typo\.csv"):
        sm.frameworks.load("typo.csv")
    with pytest.raises(sm.UnknownNameError):
        sm.frameworks.load("typo")


def test_validate_a_file_in_an_unknown_encoding(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"respondent;region\r\nr1;Murcia\x81\r\n")
    done = run("validate", path)
    assert done.returncode == 2
    assert "byte offset 28" in done.stderr and "encoding=" in done.stderr
    assert "Traceback" not in done.stderr
    # told the encoding and the separator, it reads (and finds the missing columns)
    done = run("validate", path, "--encoding", "latin-1", "--sep", ";")
    assert done.returncode == 1
    assert "missing column" in done.stdout


# -- the language of the messages ---------------------------------------------------------


def test_messages_follow_lang_then_the_environment_then_english(bad_csv):
    english = run("validate", bad_csv)
    assert english.returncode == 1 and "2 problems" in english.stdout
    finnish = run("validate", bad_csv, "--lang", "fi")
    assert finnish.returncode == 1 and "2 ongelmaa" in finnish.stdout
    by_env = run("validate", bad_csv, env={"LANG": "fi_FI.UTF-8"})
    assert by_env.stdout == finnish.stdout
    # gettext's order: LANGUAGE first, LC_ALL before LANG; C is English
    assert "2 problemi" in run("validate", bad_csv, env={"LANGUAGE": "de:it"}).stdout
    assert "2 problems" in run("validate", bad_csv, env={"LC_ALL": "C", "LANG": "fi"}).stdout
    # --lang wins over the environment, before or after the command
    assert "2 problemas" in run("validate", bad_csv, "--lang=es", env={"LANG": "fi"}).stdout
    assert "2 problèmes" in run("--lang", "fr", "validate", bad_csv).stdout


def test_help_is_translated_and_argparse_keeps_its_own_words():
    done = run("report", "--help", env={"LANG": "sl_SI.UTF-8"})
    assert done.returncode == 0
    assert "usage:" in done.stdout  # argparse's own
    assert "izhodna mapa" in done.stdout and "brez vrstic o napredku" in done.stdout
    top = run("--help", "--lang", "fi").stdout
    assert "paluuarvo: 0 onnistui" in top and "exit status" not in top


def test_a_bad_language_is_refused_with_the_supported_ones():
    for args in (["validate", "x.csv", "--lang", "de"], ["--lang", "xx", "summary", "--demo"]):
        done = run(*args)
        assert done.returncode == 2
        assert "unknown language" in done.stderr
        assert "supported: en, es, fr, sl, fi, it" in done.stderr
    # in the environment's language; an unknown LANG is English without a word
    done = run("validate", "x.csv", "--lang", "de", env={"LANG": "it_IT.UTF-8"})
    assert "lingua sconosciuta 'de'; supportate: en, es, fr, sl, fi, it" in done.stderr
    assert run("--version", env={"LANG": "de_DE.UTF-8"}).returncode == 0


def test_machine_readable_output_is_the_same_in_every_language(bad_csv):
    outputs = {
        code: run("validate", bad_csv, "--format", "json", "--lang", code).stdout
        for code in ("en", "fi", "sl")
    }
    assert len(set(outputs.values())) == 1
    doc = json.loads(outputs["en"])
    assert list(doc["issues"][0]) == ["row", "column", "value", "code", "reason"]


def test_report_errors_and_progress_lines_in_the_chosen_language(tmp_path):
    done = run("report", "--out", tmp_path / "r", "--lang", "it")
    assert done.returncode == 2
    assert done.stderr.startswith("skillsmap report: indica un file di INDAGINE o --demo")
    done = run(
        "report",
        "--demo",
        "--n-respondents",
        "60",
        "--region",
        "FI1D7",
        "--all-regions",
        "--out",
        tmp_path / "r",
        env={"LANG": "fr_FR.UTF-8"},
    )
    assert done.returncode == 2 and "(pas les deux)" in done.stderr


def test_progress_lines_in_the_messages_language(capsys, monkeypatch):
    from skillsmap.report import _printer

    _printer("fi")("done in {seconds} s: {page}", seconds=1.5, page="x/index.html")
    assert capsys.readouterr().err.endswith("] valmis 1,5 sekunnissa: x/index.html\n")
    monkeypatch.setenv("LANG", "sl_SI.UTF-8")
    _printer(True)("wrote {n} tables", n=3)
    assert capsys.readouterr().err.endswith("] zapisane tabele: 3\n")
    _printer(False)("wrote {n} tables", n=3)
    assert capsys.readouterr().err == ""


def test_summary_in_the_messages_language():
    english = run("summary", "--demo", "--n-respondents", "60")
    assert english.returncode == 0, english.stderr
    # LANG=C (the conftest's) and --lang en: exactly the core's text
    assert english.stdout == sm.demo_survey(60, seed=0).summary() + "\n"
    assert run("summary", "--demo", "--n-respondents", "60", "--lang", "en").stdout == (
        english.stdout
    )
    finnish = run("summary", "--demo", "--n-respondents", "60", "--lang", "fi")
    assert finnish.returncode == 0, finnish.stderr
    assert finnish.stdout == sm.demo_survey(60, seed=0).summary(lang="fi") + "\n"
    assert finnish.stdout.startswith("SYNTEETTINEN ESITTELYAINEISTO")
    assert "Keskimääräinen puute (tavoite − nyky) osaamisalueittain:" in finnish.stdout
    assert "Yhteisötalouden perusteet" in finnish.stdout
    # as the other commands: the environment when there is no --lang, --lang first
    assert run(
        "summary", "--demo", "--n-respondents", "60", env={"LANG": "fi_FI.UTF-8"}
    ).stdout == (finnish.stdout)
    assert run(
        "--lang", "it", "summary", "--demo", "--n-respondents", "60", env={"LANG": "fi_FI.UTF-8"}
    ).stdout.startswith("DATI SINTETICI DIMOSTRATIVI")
    assert (
        run(
            "summary", "--demo", "--n-respondents", "60", env={"LC_ALL": "C", "LANG": "fi_FI.UTF-8"}
        ).stdout
        == english.stdout
    )


def test_summary_of_a_file_in_spanish(good_csv):
    done = run("summary", good_csv, "--lang", "es")
    assert done.returncode == 0, done.stderr
    assert "Encuesta: 4 personas encuestadas, 12 respuestas (1 sin nivel actual, " in done.stdout
    assert "Brecha media (objetivo − actual) por área competencial:" in done.stdout
    assert "SINTÉTICOS" not in done.stdout
