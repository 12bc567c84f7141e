"""Regional diagnoses (sm.diagnosis, report --region / --all-regions), their
languages (catalogues, locale numbers, framework translations) and the
print stylesheet."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import skillsmap as sm
from skillsmap import _i18n
from skillsmap._i18n import LANGUAGES, Lang

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
pytest.importorskip("babel")

EU = ("entrecomp", "greencomp", "digcomp", "lifecomp")
DEFAULTS = {"ES22": "es", "ES62": "es", "FRI": "fr", "SI032": "sl", "FI1D7": "fi", "ITH5": "it"}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


# -- catalogues -----------------------------------------------------------------------


def test_every_marked_string_has_a_translation_in_every_language():
    used = _i18n.msgids()
    assert len(used) > 100
    for code in LANGUAGES:
        cat = _i18n.read_catalogue(code)
        missing = sorted(m for m in used if not cat.get(m))
        assert not missing, f"{code}: no translation for {missing[:5]}"
        unused = sorted(set(cat) - set(used))
        assert not unused, (
            f"{code}: msgids no longer used: {unused[:5]} (python -m skillsmap._i18n)"
        )
        for msgid, text in cat.items():
            assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(text)), (
                f"{code}: {msgid!r} → {text!r} changes the placeholders"
            )


def test_compiled_catalogues_match_their_po_files():
    for code in LANGUAGES:
        assert _i18n.compiled_catalogue(code) == _i18n.read_catalogue(code), (
            f"{code}: skillsmap.mo is stale; run python -m skillsmap._i18n"
        )


def test_user_facing_strings_of_the_translated_modules_are_marked():
    found = {rel: _i18n.unmarked(rel) for rel in _i18n.TRANSLATED_MODULES}
    assert not any(found.values()), {k: v for k, v in found.items() if v}


def test_a_message_missing_from_the_catalogues_is_found_wherever_it_is(tmp_path, monkeypatch):
    # any module of the package, any spelling of the call: _("…"), N_("…"),
    # something.gettext("…")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mod.py").write_text(
        "def f(tr, _):\n"
        "    tr.gettext('Nobody translated this')\n"
        "    _('Nor this')\n"
        "    return N_('Nor that')\n"
    )
    monkeypatch.setattr(_i18n, "__file__", str(tmp_path / "_i18n.py"))
    found = _i18n.msgids()
    assert found["Nobody translated this"] == ["sub/mod.py:2"]
    assert {"Nor this", "Nor that"} <= set(found)
    assert not set(found) & set(_i18n.read_catalogue("fi"))


def test_the_unmarked_check_can_fail(tmp_path, monkeypatch):
    mod = tmp_path / "mod.py"
    mod.write_text(
        'def f(ax, _):\n    ax.set_title("Mean gap by region")\n    ax.set_xlabel(_("ok text"))\n'
    )
    monkeypatch.setattr(_i18n, "__file__", str(tmp_path / "_i18n.py"))
    assert [t for _l, t in _i18n.unmarked("mod.py")] == ["Mean gap by region"]


def test_numbers_follow_the_language():
    assert Lang("en").num(1234.5) == "1,234.50"
    for code in ("es", "fr", "sl", "fi", "it"):
        assert "," in Lang(code).num(0.25), code
    assert Lang("fi").num(0.5) == "0,50"
    assert Lang("fi").p(0.0001).startswith("< 0,001")
    with pytest.raises(sm.ConfigurationError, match="supported: en, es, fr, sl, fi, it"):
        Lang("de")


# -- framework translations ----------------------------------------------------------------


@pytest.mark.parametrize("fw_id", EU)
def test_eu_frameworks_carry_five_languages_marked_with_their_source(fw_id):
    fw = sm.frameworks.load(fw_id)
    assert sorted(fw.languages) == ["es", "fi", "fr", "it", "sl"]
    for code in fw.languages:
        assert fw.competences[f"label_{code}"].notna().all()
        assert (fw.areas[f"label_{code}"] != "").all()
        assert "to be checked" in fw.translations[code]
    # a translation differs from the English label somewhere
    assert (fw.competences["label_fi"] != fw.competences["label"]).mean() > 0.8
    assert sm.Framework.from_json(fw.to_json()).translations == fw.translations


# -- the diagnoses ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def all_regions(tmp_path_factory):
    """One --all-regions run of the CLI. The 1,200-respondent se-core demo is
    timed by hand (a benchmark, not a test); LifeComp's 9 competences keep the
    figures, and so this module, cheap."""
    out = tmp_path_factory.mktemp("regions") / "out"
    args = "report --demo --framework lifecomp --n-respondents 300 --n-boot 50 --all-regions"
    proc = subprocess.run(
        [sys.executable, "-m", "skillsmap", *args.split(), "--quiet", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def _page(out: Path, region: str) -> str:
    return (out / "regions" / region / "index.html").read_text(encoding="utf-8")


def test_all_regions_writes_six_diagnoses_and_an_index_linking_them(all_regions):
    out = all_regions
    index = (out / "index.html").read_text(encoding="utf-8")
    for region, code in DEFAULTS.items():
        assert f'href="regions/{region}/index.html" hreflang="{code}"' in index
        page = _page(out, region)
        assert f'<html lang="{code}">' in page
        assert '<a href="../../index.html">' in page
        assert (out / "regions" / region / "tables" / "differences.csv").exists()
        assert (out / "regions" / region / "figures" / "difference.svg").exists()
        assert "@media print" in page and "size: A4" in page
    marker = (out / ".skillsmap-report").read_text(encoding="utf-8")
    assert "regions/FI1D7/index.html" in marker


def test_the_index_of_diagnoses_in_their_own_languages_is_english_with_bilingual_links(
    all_regions,
):
    index = (all_regions / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index
    assert "Regional diagnosis: Lapland · " in index
    assert '<span lang="fi">Alueellinen diagnoosi: Lapland</span>' in index
    assert '<span lang="es">Diagnóstico regional: Navarra</span>' in index
    assert "One diagnosis per region, in the region&#x27;s language" in index


def test_lang_translates_the_interregional_page_and_its_figures(tmp_path):
    survey = sm.demo_survey(150, seed=0, framework="lifecomp")
    r = sm.report(survey, tmp_path / "fi", n_boot=20, lang="fi", progress=False)
    page = r.index.read_text(encoding="utf-8")
    assert '<html lang="fi">' in page and "<h1>Osaamiskartoituksen raportti</h1>" in page
    assert ">Sisällys<" in page and ">Taulukot<" in page and "Tiedostot:" in page
    assert "Kunkin osaamisen keskimääräinen puute" in page
    assert "kohinakorjattu runko (Coscia &amp; Neffke 2017), α = 0,05" in page or (
        "koko verkoston vahvimmat linkit" in page
    )
    # competence names in Finnish, numbers with a decimal comma
    fi = sm.frameworks.load("lifecomp").competences["label_fi"]
    assert any(label in page for label in fi)
    assert re.search(r"\d,\d\d \[\d,\d\d; \d,\d\d\]", page)
    for english in ("Co-gap network:", "Regional diagnoses", "Made with", "Files:", "Top 10"):
        assert english not in page
    # every table of the English page is there: priorities, reliability,
    # differences (or the sentence saying there are none), matches
    assert page.count('<table class="data">') >= 3
    assert "<th>Cronbachin α [LV]</th>" in page
    svg = (tmp_path / "fi" / "figures" / "borich_bars.svg").read_text(encoding="utf-8")
    assert "synteettinen esittelyaineisto" in svg
    # the CSV tables keep their machine-readable columns
    en = pd.read_csv(tmp_path / "fi" / "tables" / "priorities.csv")
    assert "competence" in en.columns and "mwds" in en.columns


def test_the_finnish_diagnosis_of_lapland_speaks_finnish(all_regions):
    out = all_regions
    page = _page(out, "FI1D7")
    fw = sm.frameworks.load("lifecomp")
    prio = pd.read_csv(out / "regions" / "FI1D7" / "tables" / "priorities.csv")
    top = prio.dropna(subset=["rank"]).iloc[0]
    fi = fw.competences.set_index("id").loc[top["competence"], "label_fi"]
    assert fi in page
    assert "Alueellinen diagnoosi" in page and "Yhteenveto" in page
    assert "synteettinen esittelyaineisto" in page.lower()
    # the top score as the summary writes it: decimal comma, from Table 2
    assert Lang("fi").num(top["mwds"]) in page
    assert re.search(r"MWDS \d+,\d\d", page)
    assert not re.search(r"MWDS \d+\.\d\d", page)
    assert "working translation" in page or "skillsmap project" in page


def test_each_default_language_renders_its_own_words(all_regions):
    out = all_regions
    words = {"ES22": "Resumen", "FRI": "Synthèse", "SI032": "Povzetek", "ITH5": "Sintesi"}
    for region, word in words.items():
        assert f">{word}<" in _page(out, region)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    frame = sm.demo_survey(300, seed=1, framework="lifecomp").to_frame()
    evil = {r: f'<b>{r}</b> & "{r}"' for r in frame["region"].unique()}
    frame["region"] = frame["region"].map(evil)
    # one region keeps 3 respondents: too few for any cell
    small = evil["FI1D7"]
    keep = frame.loc[frame["region"] == small, "respondent"].drop_duplicates().head(3)
    frame = frame[(frame["region"] != small) | frame["respondent"].isin(keep)]
    survey = sm.Survey.from_frame(frame, regions=None, framework="lifecomp")
    return survey, evil, small


def test_hostile_region_names_are_escaped_and_custom_regions_default_to_english(hostile, tmp_path):
    survey, evil, _small = hostile
    region = evil["ES22"]
    r = sm.diagnosis(survey, region, tmp_path / "d", n_boot=50, progress=False)
    page = r.index.read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "<b>ES22</b>" not in page
    assert "&lt;b&gt;ES22&lt;/b&gt; &amp; &quot;ES22&quot;" in page
    assert "Regional diagnosis" in page
    drawn = [f for f in r.figures if f.omitted is None]
    assert len(drawn) == 5 and all(f.png.exists() and f.svg.exists() for f in drawn)
    assert set(r.tables) >= {"priorities", "differences", "learning_as_mentor", "reliability"}


def test_a_region_with_too_few_respondents_gets_a_diagnosis_saying_what_was_suppressed(
    hostile, tmp_path
):
    survey, _evil, small = hostile
    r = sm.diagnosis(survey, small, tmp_path / "d", lang="it", n_boot=50, progress=False)
    page = r.index.read_text(encoding="utf-8")
    assert "hanno meno di 5 risposte da questa regione" in page
    assert "Figura omessa" in page
    assert all(f.omitted for f in r.figures if f.key != "types")
    diff = pd.read_csv(tmp_path / "d" / "tables" / "differences.csv")
    assert diff["suppressed"].all() and diff["difference"].isna().all()


def test_bad_region_and_language_say_what_is_known(hostile, tmp_path):
    survey = sm.demo_survey(60, seed=0)
    with pytest.raises(sm.UnknownNameError, match="ES22, ES62, FRI, SI032, FI1D7, ITH5"):
        sm.diagnosis(survey, "Atlantis", tmp_path / "x", progress=False)
    with pytest.raises(sm.ConfigurationError, match="supported: en, es, fr, sl, fi, it"):
        sm.diagnosis(survey, "FI1D7", tmp_path / "x", lang="de", progress=False)
    assert not (tmp_path / "x").exists()


def test_cli_region_lang_and_their_errors(tmp_path, capsys):
    # the drawing path of --region is sm.diagnosis, tested above; here the
    # options reach it and bad ones fail before anything is written
    from skillsmap.cli import main

    def cli(*args: str) -> tuple[int, str]:
        code = main(
            ["report", "--demo", "--n-respondents", "60", *args, "--out", str(tmp_path / "n")]
        )
        return code, capsys.readouterr().err

    code, err = cli("--region", "Nowhere")
    assert code == 1 and "known region ids: ES22" in err
    with pytest.raises(SystemExit) as bad:
        cli("--region", "Lapland", "--lang", "de")
    assert bad.value.code == 2
    assert "supported: en, es, fr, sl, fi, it" in capsys.readouterr().err
    code, err = cli("--region", "FI1D7", "--all-regions")
    assert code == 2 and "not both" in err
    assert not (tmp_path / "n").exists()
