"""Files as they come: read_survey on files written the way partners' tools
write them (byte by byte here, not by our own writer), bad files, and keys
made comparable (trimmed, Unicode NFC, no control characters).

The reference of every round trip is the survey the file was made from:
read back, it must give the same gaps table. Normalisation is checked
against the standard library's ``unicodedata.normalize``.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skillsmap as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from skillsmap._files import read_table
from skillsmap._frames import categorical

KEYS = ["respondent", "region", "stakeholder_type", "competence"]
LEVELS = ["current", "required", "importance", "weight"]
OPTIONS = {"importance": "importance", "weight": "weight", "attributes": ["organisation_size"]}

# Region ids and their names as partners write them (two with accents).
REGION_NAMES = {
    "ES22": "Navarra",
    "ES62": "Región de Murcia",
    "FRI": "Nouvelle-Aquitaine",
    "SI032": "Podravje",
    "FI1D7": "Lappi",
    "ITH5": "Emilia-Romagna",
}
SIZE_NAMES = {"micro": "Micro (<10)", "small": "Pequeña; <50", "medium": "Moyenne «50–249»"}


@pytest.fixture(scope="module")
def source() -> sm.Survey:
    return sm.demo_survey(40, seed=7)


@pytest.fixture(scope="module")
def long(source: sm.Survey) -> pd.DataFrame:
    df = source.to_frame()
    df["respondent"] = ["0" + r[1:] for r in df["respondent"]]  # zero-padded ids
    return df


@pytest.fixture(scope="module")
def reference(long: pd.DataFrame) -> pd.DataFrame:
    return sm.Survey.from_frame(long, **OPTIONS).gaps()


def same_survey(survey: sm.Survey, reference: pd.DataFrame, long: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(survey.gaps(), reference)
    back = survey.to_frame()
    assert back["respondent"].tolist() == long["respondent"].tolist()
    np.testing.assert_allclose(back["weight"], long["weight"])


def _number(v: float, decimal: str) -> str:
    if pd.isna(v):
        return ""
    text = repr(float(v)).removesuffix(".0")
    return text.replace(".", decimal)


def _quote(text: str, sep: str) -> str:
    if any(c in text for c in (sep, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def excel_csv(df: pd.DataFrame, *, sep: str = ";", decimal: str = ",", names: bool = True) -> str:
    """The long table as Excel writes a CSV: region and size as names, every
    text field quoted where it must be, numbers with the given decimal mark,
    CRLF line ends."""
    cols = list(df.columns)
    lines = [sep.join(cols)]
    for rec in df.itertuples(index=False):
        cells = []
        for col, v in zip(cols, rec, strict=True):
            if col in LEVELS:
                cells.append(_number(v, decimal))
                continue
            text = str(v)
            if names and col == "region":
                text = REGION_NAMES[text]
            if names and col == "organisation_size":
                text = SIZE_NAMES.get(text, text)
            cells.append(_quote(text, sep))
        lines.append(sep.join(cells))
    return "\r\n".join(lines) + "\r\n"


def _named(long: pd.DataFrame) -> pd.DataFrame:
    out = long.copy()
    out["organisation_size"] = out["organisation_size"].map(lambda s: SIZE_NAMES.get(s, s))
    return out


# -- files as partners' tools write them -------------------------------------------------------


def test_windows_excel_csv(tmp_path, long, reference):
    # cp1252 bytes (ó, ñ, «, –), ";", decimal comma, CRLF, a quoted ";"
    text = excel_csv(long)
    assert "Región de Murcia" in text and '"Pequeña; <50"' in text
    assert re.search(r";\d+,\d+;", text)  # a weight with a decimal comma
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))
    survey = sm.read_survey(path, **OPTIONS)
    same_survey(survey, reference, long)
    sizes = set(survey.to_frame()["organisation_size"].dropna())
    assert sizes == set(_named(long)["organisation_size"].dropna())


def test_excel_sep_line(tmp_path, long, reference):
    path = tmp_path / "sep.csv"
    path.write_bytes(("sep=;\r\n" + excel_csv(long)).encode("cp1252"))
    same_survey(sm.read_survey(path, **OPTIONS), reference, long)


@pytest.mark.parametrize("bom", [True, False])
def test_utf8_with_and_without_bom(tmp_path, long, reference, bom):
    df = long.copy()
    df["organisation_size"] = df["organisation_size"].str.replace("small", "Podjetje – majhno (č)")
    text = excel_csv(df, sep=",", decimal=".")
    path = tmp_path / "utf8.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    frame = read_table(path)
    assert frame.columns[0] == "respondent"  # no BOM in the first name
    survey = sm.read_survey(path, **OPTIONS)
    same_survey(survey, reference, long)
    assert "Podjetje – majhno (č)" in set(survey.to_frame()["organisation_size"])


@pytest.mark.parametrize("name", ["tabs.tsv", "tabs.txt", "tabs.tab"])
def test_tab_separated(tmp_path, long, reference, name):
    path = tmp_path / name
    path.write_text(excel_csv(long, sep="\t", decimal="."), encoding="utf-8", newline="")
    same_survey(sm.read_survey(path, **OPTIONS), reference, long)


def test_excel_unicode_text_is_utf16(tmp_path, long, reference):
    # Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated
    path = tmp_path / "unicode.txt"
    path.write_bytes(excel_csv(long, sep="\t", decimal=".").encode("utf-16"))
    same_survey(sm.read_survey(path, **OPTIONS), reference, long)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zip"])
def test_compressed(tmp_path, long, reference, suffix):
    raw = excel_csv(long).encode("cp1252")
    path = tmp_path / f"export.csv{suffix}"
    if suffix == ".gz":
        path.write_bytes(gzip.compress(raw))
    elif suffix == ".bz2":
        path.write_bytes(bz2.compress(raw))
    elif suffix == ".xz":
        path.write_bytes(lzma.compress(raw))
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("export.csv", raw)
    same_survey(sm.read_survey(path, **OPTIONS), reference, long)


def test_quoted_separators_do_not_fool_the_sniffer(tmp_path, long, reference):
    # a "," file whose quoted text holds more ";" than the header has ","
    df = long.copy()
    df["organisation_size"] = df["organisation_size"].map(lambda s: f"{s};a;b;c;d;e;f;g;h;i")
    path = tmp_path / "commas.csv"
    path.write_text(excel_csv(df, sep=",", decimal=".", names=False), encoding="utf-8")
    assert read_table(path).shape == df.shape
    # and a ";" file whose quoted text holds commas
    df["organisation_size"] = df["organisation_size"].str.replace(";", ",")
    path = tmp_path / "semicolons.csv"
    path.write_text(excel_csv(df, sep=";", decimal=","), encoding="utf-8")
    frame = read_table(path, text_columns=KEYS)
    assert frame.shape == df.shape
    assert frame["current"].dtype == np.float64


def test_xlsx_written_by_openpyxl(tmp_path, long, reference):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Respuestas"
    ws.append(list(long.columns))
    for rec in _named(long).itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in rec])
    ws.append([])  # formatted empty rows at the end, as Excel keeps them
    ws.cell(row=ws.max_row + 2, column=1).value = None
    path = tmp_path / "export.xlsx"
    wb.save(path)
    same_survey(sm.read_survey(path, **OPTIONS), reference, long)
    same_survey(sm.read_survey(path, sheet_name="Respuestas", **OPTIONS), reference, long)


def test_numeric_ids_in_a_workbook_read_as_text(tmp_path, long):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent", "region", "x"])
    ws.append([7, "ES22", 1.5])
    ws.append(["007", "ES22", 2])
    path = tmp_path / "ids.xlsx"
    wb.save(path)
    frame = read_table(path, text_columns=["respondent"])
    assert frame["respondent"].tolist() == ["7", "007"]
    assert frame["x"].tolist() == [1.5, 2.0]


def test_ods(tmp_path, long, reference):
    pytest.importorskip("odf")
    path = tmp_path / "export.ods"
    _named(long).to_excel(path, index=False, engine="odf")
    same_survey(sm.read_survey(path, **OPTIONS), reference, long)


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_spss_and_stata_value_labels(tmp_path, long, reference, suffix):
    pyreadstat = pytest.importorskip("pyreadstat")
    regions = list(REGION_NAMES)
    types = sorted(long["stakeholder_type"].unique())
    df = long.copy()
    df["region"] = df["region"].map({r: i + 1 for i, r in enumerate(regions)}).astype(float)
    df["stakeholder_type"] = df["stakeholder_type"].map({t: i + 1 for i, t in enumerate(types)})
    df["stakeholder_type"] = df["stakeholder_type"].astype(float)
    df["organisation_size"] = df["organisation_size"].fillna("")
    labels = {
        "region": {float(i + 1): REGION_NAMES[r] for i, r in enumerate(regions)},
        "stakeholder_type": {float(i + 1): t for i, t in enumerate(types)},
        # ratings labelled too, as SPSS users do: they must stay numbers
        "current": {1.0: "very low", 2.0: "low", 3.0: "medium", 4.0: "high", 5.0: "very high"},
    }
    path = tmp_path / f"export{suffix}"
    writer = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    writer(df, path, variable_value_labels=labels)
    survey = sm.read_survey(path, **OPTIONS)
    pd.testing.assert_frame_equal(survey.gaps(), reference)
    assert survey.to_frame()["region"].tolist() == long["region"].tolist()


def test_parquet_ids_are_text(tmp_path, long, reference):
    path = tmp_path / "export.parquet"
    long.to_parquet(path)
    same_survey(sm.read_survey(path, **OPTIONS), reference, long)
    df = pd.DataFrame({"respondent": [1, 2], "v": [1.0, 2.0]})
    df.to_parquet(tmp_path / "ints.parquet")
    frame = read_table(tmp_path / "ints.parquet", text_columns=["respondent"])
    assert frame["respondent"].tolist() == ["1", "2"]


def test_wide_layout(tmp_path, long, reference):
    wide = long.pivot(
        index="respondent", columns="competence", values=["current", "required", "importance"]
    )
    wide.columns = [f"{comp}_{role}" for role, comp in wide.columns]
    who = long.groupby("respondent", sort=True)[
        ["region", "stakeholder_type", "weight", "organisation_size"]
    ].first()
    wide = who.join(wide).reset_index()
    path = tmp_path / "wide.csv"
    path.write_bytes(excel_csv(wide).encode("cp1252"))
    options = {
        "importance": "{competence}_importance",
        "weight": "weight",
        "attributes": ["organisation_size"],
    }
    survey = sm.read_survey(path, layout="wide", **options)
    expected = sm.Survey.from_wide(wide, **options)
    pd.testing.assert_frame_equal(survey.gaps(), expected.gaps())
    # the same answers as the long table, so the same gaps
    pd.testing.assert_frame_equal(survey.gaps(), reference)


# -- decimal commas, never in keys -------------------------------------------------------------


def test_decimal_comma_only_in_numbers(tmp_path):
    text = (
        "respondent;region;stakeholder_type;competence;current;required;note\r\n"
        "1,5;ES22;cooperative;se.found.principles;2,5;4;3,5\r\n"
        "2,5;ES22;cooperative;se.found.governance;3.5;4,0;x\r\n"
    )
    path = tmp_path / "dec.csv"
    path.write_text(text, encoding="utf-8")
    frame = read_table(path, text_columns=KEYS)
    assert frame["respondent"].tolist() == ["1,5", "2,5"]  # ids stay text
    assert frame["current"].tolist() == [2.5, 3.5]  # both decimal marks read
    assert frame["required"].tolist() == [4.0, 4.0]
    assert frame["note"].tolist() == [3.5, "x"]  # a cell that is no number stays
    survey = sm.read_survey(path)
    assert survey.to_frame()["respondent"].tolist() == ["1,5", "2,5"]
    # with "," as separator the decimal mark is "." unless told
    path = tmp_path / "dec2.tsv"
    path.write_text("a\tb\n1,5\tx\n", encoding="utf-8")
    assert read_table(path)["a"].tolist() == ["1,5"]
    assert read_table(path, decimal=",")["a"].tolist() == [1.5]


def test_text_in_a_level_is_located(tmp_path, assert_issue):
    path = tmp_path / "bad-level.csv"
    path.write_text(
        "respondent;region;stakeholder_type;competence;current;required\r\n"
        "r1;ES22;cooperative;se.found.principles;2,5;4\r\n"
        "r1;ES22;cooperative;se.found.governance;high;4\r\n",
        encoding="utf-8",
    )
    with pytest.raises(sm.ValidationError) as info:
        sm.read_survey(path)
    assert_issue(info.value, 1, "current", "not a number")
    assert len(info.value) == 1


# -- bad files ---------------------------------------------------------------------------------


def _raises(exc: type[Exception], path: Path, *culprits: str, **kw) -> Exception:
    with pytest.raises(exc) as info:
        sm.read_survey(path, **kw)
    message = str(info.value)
    assert str(path) in message, message
    for c in culprits:
        assert c in message, (c, message)
    return info.value


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _raises(sm.FormatError, path, "empty", "0 bytes")


def test_blank_lines_only(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\n  \r\n")
    _raises(sm.FormatError, path, "blank lines")


def test_header_only(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("respondent;region;stakeholder_type;competence;current;required\r\n")
    err = _raises(sm.ValidationError, path, "no rows")
    assert err.issues["code"].tolist() == ["empty_input"]


def test_directory(tmp_path):
    path = tmp_path / "export.csv"
    path.mkdir()
    _raises(sm.FormatError, path, "directory")


def test_png_renamed_csv(tmp_path):
    path = tmp_path / "chart.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    _raises(sm.FormatError, path, "PNG image", "not a text table")


def test_utf16_without_bom_is_named(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("respondent,region\nr1,ES22\n".encode("utf-16-le"))
    _raises(sm.FormatError, path, "UTF-16", "encoding='utf-16-le'")
    assert read_table(path, encoding="utf-16-le")["region"].tolist() == ["ES22"]


def test_empty_header_cells_keep_a_name(tmp_path):
    path = tmp_path / "unnamed.csv"
    path.write_text("a,,b,\n1,2,3,4\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["a", "Unnamed: 1", "b", "Unnamed: 3"]


def test_unknown_binary(tmp_path):
    path = tmp_path / "blob.csv"
    path.write_bytes(b"ab\x00\x01\x02" * 100)
    _raises(sm.FormatError, path, "binary", "NUL")


def test_xlsx_renamed_csv(tmp_path, long):
    pytest.importorskip("openpyxl")
    path = tmp_path / "book.csv"
    long.head().to_excel(tmp_path / "book.xlsx", index=False)
    path.write_bytes((tmp_path / "book.xlsx").read_bytes())
    _raises(sm.FormatError, path, "zip", ".xlsx")


def test_csv_renamed_xlsx(tmp_path, long):
    path = tmp_path / "export.xlsx"
    path.write_bytes(excel_csv(long.head()).encode("cp1252"))
    _raises(sm.FormatError, path, "named .xlsx", "text", ".csv")


@pytest.mark.parametrize("suffix", [".ods", ".xls", ".sav", ".dta", ".parquet"])
def test_csv_renamed_binary_format(tmp_path, long, suffix):
    path = tmp_path / f"export{suffix}"
    path.write_bytes(excel_csv(long.head()).encode("utf-8"))
    _raises(sm.FormatError, path, f"named {suffix}", "text")


def test_truncated_xlsx(tmp_path, long):
    pytest.importorskip("openpyxl")
    whole = tmp_path / "whole.xlsx"
    long.to_excel(whole, index=False)
    path = tmp_path / "cut.xlsx"
    data = whole.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _raises(sm.FormatError, path, "damaged or truncated")


def test_corrupt_gzip(tmp_path, long):
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(excel_csv(long).encode())[:200])
    _raises(sm.FormatError, path, "gzip")


def test_gzip_without_its_suffix(tmp_path, long):
    path = tmp_path / "export.csv"
    path.write_bytes(gzip.compress(excel_csv(long).encode()))
    _raises(sm.FormatError, path, "gzip-compressed", ".csv.gz")


def test_zip_of_two_files(tmp_path):
    path = tmp_path / "two.csv.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", "x\n1\n")
        z.writestr("b.csv", "x\n2\n")
    _raises(sm.FormatError, path, "exactly one file", "a.csv")


@pytest.mark.parametrize("name", ["survey.json", "survey", "survey.sav.gz"])
def test_unsupported_suffix(tmp_path, name):
    path = tmp_path / name
    path.write_text("{}", encoding="utf-8")
    _raises(sm.FormatError, path, "unsupported file type")


def test_duplicated_header(tmp_path, long, assert_issue):
    df = long.head(6).copy()
    df.insert(6, "region ", df["region"])  # a trailing space: the same name
    path = tmp_path / "dup.csv"
    path.write_text(excel_csv(df, sep=",", decimal=".", names=False), encoding="utf-8")
    err = _raises(sm.ValidationError, path, "region", "columns 2 and 7", **OPTIONS)
    assert_issue(err, None, "region", "more than one column")
    assert err.issues["code"].tolist() == ["duplicate_column"]
    # a repeated column nobody asked for is no error
    df = long.head(6).copy()
    df["note"] = "a"
    df.insert(0, "note", "b", allow_duplicates=True)
    path = tmp_path / "dup-note.csv"
    path.write_text(excel_csv(df, sep=",", decimal=".", names=False), encoding="utf-8")
    assert list(read_table(path).columns).count("note") == 2
    assert sm.read_survey(path, **OPTIONS).n_answers == 6


def test_duplicated_header_in_a_wide_file(tmp_path, assert_issue):
    path = tmp_path / "wide.csv"
    path.write_text(
        "respondent,region,stakeholder_type,se.found.principles_current,"
        "se.found.principles_required,se.found.principles_current\n"
        "r1,ES22,cooperative,2,3,4\n",
        encoding="utf-8",
    )
    err = _raises(sm.ValidationError, path, "columns 4 and 6", layout="wide")
    assert_issue(err, None, "se.found.principles_current", "more than one column")


def test_neither_utf8_nor_cp1252(tmp_path):
    head = b"respondent;region\r\nr1;"
    data = head + b"Murcia\x81\x9d\r\n"
    path = tmp_path / "mac.csv"
    path.write_bytes(data)
    offset = len(head) + len("Murcia")
    _raises(sm.FormatError, path, f"byte offset {offset}", "line 2", "encoding=")
    # told the encoding, it reads
    frame = read_table(path, encoding="latin-1")
    assert frame["region"].tolist() == ["Murcia\x81\x9d"]


def test_damaged_utf8_is_not_read_as_cp1252(tmp_path):
    data = "respondent,region\nr1,Región de Murcia\nr2,".encode() + b"Regi\xf3n\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    offset = data.index(b"\xf3")
    _raises(sm.FormatError, path, f"byte offset {offset}", "line 3", "not valid UTF-8")


def test_wrong_encoding_given(tmp_path):
    data = "respondent\nJosé\n".encode("cp1252")
    path = tmp_path / "given.csv"
    path.write_bytes(data)
    _raises(
        sm.FormatError, path, "not valid utf-8", f"byte offset {data.index(0xE9)}", encoding="utf-8"
    )
    assert read_table(path, encoding="cp1252")["respondent"].tolist() == ["José"]


def test_too_many_fields(tmp_path):
    path = tmp_path / "fields.csv"
    path.write_text("a;b;c\n1;2;3\n4;5;6\n7;8;9;10\n", encoding="utf-8")
    _raises(sm.FormatError, path, "line 4", "4 fields", "header has 3")


def test_unclosed_quote(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('a;b\n1;2\n3;"four\n5;6\n', encoding="utf-8")
    _raises(sm.FormatError, path, "line 3", "never closed")
    # a line break inside an earlier quoted field still counts as a line
    path.write_text('a;b\n1;"two\nlines"\n3;"fo""ur\n5;6\n', encoding="utf-8")
    _raises(sm.FormatError, path, "line 4", "never closed")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        sm.read_survey(tmp_path / "nowhere.csv")


def test_bad_options(tmp_path, long):
    path = tmp_path / "ok.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    for kw, name in [
        ({"encoding": "klingon"}, "encoding"),
        ({"sep": ";;"}, "sep"),
        ({"decimal": ";"}, "decimal"),
        ({"layout": "tall"}, "layout"),
    ]:
        with pytest.raises(sm.ConfigurationError, match=name):
            sm.read_survey(path, **kw)
    pytest.importorskip("openpyxl")
    book = tmp_path / "book.xlsx"
    long.head().to_excel(book, index=False, sheet_name="Data")
    with pytest.raises(sm.ConfigurationError, match=r"'Nope'.*\['Data'\]"):
        sm.read_survey(book, sheet_name="Nope")
    with pytest.raises(sm.ConfigurationError, match="1 sheet"):
        sm.read_survey(book, sheet_name=3)


@pytest.mark.parametrize(
    ("module", "suffix", "extra"),
    [("python_calamine", ".xlsx", "excel"), ("pyreadstat", ".sav", "spss")],
)
def test_missing_package_names_the_extra(tmp_path, monkeypatch, long, module, suffix, extra):
    path = tmp_path / f"export{suffix}"
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
        long.head().to_excel(path, index=False)
    else:
        pyreadstat = pytest.importorskip("pyreadstat")
        pyreadstat.write_sav(long.head(), path)
    monkeypatch.setitem(sys.modules, module, None)  # import fails
    with pytest.raises(ImportError, match=rf"skillsmap\[{extra}\]"):
        sm.read_survey(path)


# -- keys: trimmed, NFC, no control characters, no blank ids -----------------------------------


def _nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def test_nfd_and_nfc_names_are_one_name(long, reference):
    fw = sm.frameworks.load("se-core").competences.set_index("id")
    df = long.copy()
    langs = ["label_es", "label_fr", "label_sl", "label_fi"]
    rows = np.arange(len(df))
    # competences by their accented labels, every other row decomposed
    labels = [fw.loc[c, langs[i % 4]] for i, c in zip(rows, df["competence"], strict=True)]
    assert any(_nfd(x) != x for x in labels)
    df["competence"] = [_nfd(x) if i % 2 else x for i, x in zip(rows, labels, strict=True)]
    df["region"] = [
        _nfd(REGION_NAMES[r]) if i % 3 else REGION_NAMES[r]
        for i, r in zip(rows, df["region"], strict=True)
    ]
    # the same respondent's id composed on some rows, decomposed on others
    df["respondent"] = [
        ("José-" + r) if i % 2 else _nfd("José-" + r)
        for i, r in zip(rows, df["respondent"], strict=True)
    ]
    df["organisation_size"] = [
        _nfd("Pequeña") if (s == "small" and i % 2) else ("Pequeña" if s == "small" else s)
        for i, s in zip(rows, df["organisation_size"], strict=True)
    ]
    for frame in (df, df.astype({c: object for c in KEYS})):  # Arrow and object columns
        survey = sm.Survey.from_frame(frame, **OPTIONS)
        pd.testing.assert_frame_equal(survey.gaps(), reference)
        out = survey.to_frame()
        assert out["respondent"].nunique() == long["respondent"].nunique()
        assert all(unicodedata.is_normalized("NFC", r) for r in out["respondent"])
        sizes = set(out["organisation_size"].dropna())
        assert sizes == {"Pequeña"} | (set(long["organisation_size"].dropna()) - {"small"})


def test_nfd_file_and_header(tmp_path, long, reference):
    # a file saved on a Mac: decomposed names, in the header too
    text = excel_csv(long, sep=",", decimal=".")
    text = text.replace("Región", _nfd("Región"))
    text = text.replace("respondent,", _nfd("réspondent") + ",", 1)
    path = tmp_path / "mac.csv"
    path.write_bytes(text.encode("utf-8"))
    assert "réspondent" in read_table(path).columns
    survey = sm.read_survey(path, respondent="réspondent", **OPTIONS)
    pd.testing.assert_frame_equal(survey.gaps(), reference)


def test_definitions_written_decomposed_match_composed_data(long):
    # the region set (and the typology) of a partner, saved on a Mac
    regions = pd.DataFrame(
        {"id": list(REGION_NAMES), "name": [_nfd(n) for n in REGION_NAMES.values()]}
    )
    df = long.copy()
    df["region"] = df["region"].map(REGION_NAMES)  # composed names in the data
    types = sorted(long["stakeholder_type"].unique())
    typology = pd.DataFrame(
        {
            "sector": _nfd("Economía social"),
            "stakeholder_type": [_nfd(f"Tipo {t} ñ") for t in types],
        }
    )
    df["stakeholder_type"] = df["stakeholder_type"].map(lambda t: f"Tipo {t} ñ")
    survey = sm.Survey.from_frame(df, regions=regions, typology=typology, **OPTIONS)
    out = survey.to_frame()
    assert out["region"].tolist() == long["region"].tolist()
    # one type per type of the data, each respondent's own
    codes = pd.factorize(out["stakeholder_type"])[0]
    np.testing.assert_array_equal(codes, pd.factorize(long["stakeholder_type"])[0])
    assert out["stakeholder_type"].nunique() == len(types)


def test_surrounding_spaces_are_not_part_of_a_key(long, reference):
    df = long.copy()
    df["respondent"] = " " + df["respondent"] + "\u00a0"  # Excel's no-break space
    df["region"] = df["region"] + "  "
    df["competence"] = "\t" + df["competence"]
    survey = sm.Survey.from_frame(df, **OPTIONS)
    pd.testing.assert_frame_equal(survey.gaps(), reference)
    assert survey.to_frame()["respondent"].tolist() == long["respondent"].tolist()


def test_control_characters_are_located(long, assert_issue):
    df = long.head(8).copy()
    df.loc[1, "respondent"] = "00\x001"
    df.loc[3, "region"] = "ES\t22"
    df.loc[5, "competence"] = "se.found\nprinciples"
    df.loc[6, "organisation_size"] = "small\x1b"
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df, **OPTIONS)
    err = info.value
    found = err.issues[err.issues["code"] == "control_character"]
    assert found[["row", "column"]].values.tolist() == [
        [1, "respondent"],
        [3, "region"],
        [5, "competence"],
        [6, "organisation_size"],
    ]
    assert found["value"].tolist() == [
        "00\\x001",
        "ES\\x0922",
        "se.found\\x0aprinciples",
        "small\\x1b",
    ]
    assert_issue(err, 1, "respondent", "U+0000")
    assert_issue(err, 3, "region", "U+0009")
    # a bad key is reported once, not again as missing
    assert len(err.issues[err.issues["row"] == 1]) == 1


def test_blank_ids_are_errors(long, assert_issue):
    df = long.head(8).copy()
    df.loc[2, "respondent"] = "   "
    df.loc[4, "respondent"] = ""
    df.loc[5, "respondent"] = "\u00a0"
    with pytest.raises(sm.ValidationError) as info:
        sm.Survey.from_frame(df, **OPTIONS)
    for row in (2, 4, 5):
        assert_issue(info.value, row, "respondent", "missing respondent id")
    assert set(info.value.issues["code"]) == {"missing_value"}


def test_blank_id_in_a_file(tmp_path, assert_issue):
    path = tmp_path / "blank-id.csv"
    path.write_text(
        "respondent;region;stakeholder_type;competence;current;required\r\n"
        '"  ";ES22;cooperative;se.found.principles;2;4\r\n',
        encoding="utf-8",
    )
    with pytest.raises(sm.ValidationError) as info:
        sm.read_survey(path)
    assert_issue(info.value, 0, "respondent", "missing respondent id")


_PIECES = st.sampled_from(["e", "é", _nfd("é"), "n", "ñ", _nfd("ñ"), "c", "č", _nfd("č"), "ö", " "])
_VALUES = st.lists(_PIECES, max_size=4).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(_VALUES, min_size=1, max_size=30))
def test_codes_follow_the_standard_library(values):
    """Two values share a code exactly when unicodedata says they are one
    NFC string once trimmed; blank ones are missing."""
    codes, labels, uniques = categorical(pd.Series(values, dtype=object))
    clean = [unicodedata.normalize("NFC", v.strip()) for v in values]
    for i, ci in enumerate(clean):
        if ci == "":
            assert codes[i] == -1
            continue
        assert labels[codes[i]] == ci
        for j, cj in enumerate(clean):
            if cj != "":
                assert (codes[i] == codes[j]) == (ci == cj)
    assert len(labels) == len({c for c in clean if c}) == len(uniques)


_ODD = st.sampled_from(
    [
        "a",
        "é",
        _nfd("é"),
        " ",
        "\t",
        "\n",
        "\x00",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9c",
        "\u00a0",
        "\u200b",
    ]
)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(_ODD, max_size=4).map("".join), min_size=1, max_size=30))
def test_control_characters_follow_the_standard_library(values):
    """A value is reported exactly when, trimmed, it holds a character of
    Unicode category Cc; reported values are missing, the others are kept."""
    for dtype in (object, "str"):
        issues: list = []
        codes, labels, _ = categorical(pd.Series(values, dtype=dtype), "key", issues)
        clean = [unicodedata.normalize("NFC", v.strip()) for v in values]
        bad = [any(unicodedata.category(c) == "Cc" for c in v) for v in clean]
        assert [row for row, *_ in issues] == [i for i, b in enumerate(bad) if b]
        assert {code for *_, code in issues} <= {"control_character"}
        for i, v in enumerate(clean):
            if bad[i] or v == "":
                assert codes[i] == -1
            else:
                assert labels[codes[i]] == v


def test_arrow_and_object_columns_agree():
    values = ["a", _nfd("é"), "é ", None, " ", "b", "é"] * 3
    arrow = categorical(pd.Series(values, dtype="str"))
    plain = categorical(pd.Series(values, dtype=object))
    np.testing.assert_array_equal(arrow[0], plain[0])
    assert arrow[1] == plain[1] == ["a", "é", "b"]


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint16", "Int64", "int64[pyarrow]"])
def test_integer_ids_factorise_as_pandas_does(dtype):
    """Integer ids (factorised by the core) get pandas.factorize's codes and
    uniques, with the uniques' dtype, and their decimal texts as labels;
    nullable missing ids are code -1."""
    rng = np.random.default_rng(5)
    ids = np.repeat(rng.integers(0, 3_000, 20_000), rng.integers(1, 40, 20_000))
    if dtype == "uint16":
        ids = ids % 60_000
    values = pd.Series(ids, dtype=dtype)
    if dtype[0] == "I" or "pyarrow" in dtype:
        values[rng.random(len(values)) < 0.01] = None
    codes, labels, uniques = categorical(values)
    ref_codes, ref_uniques = pd.factorize(values, use_na_sentinel=True)
    np.testing.assert_array_equal(codes, ref_codes)
    assert codes.dtype == np.int32  # what the core reads in place
    pd.testing.assert_index_equal(uniques, pd.Index(ref_uniques))
    assert labels == [str(int(v)) for v in ref_uniques]


def test_read_table_returns_the_bytes_as_text(tmp_path):
    # the written table is what pandas reads from an unambiguous UTF-8 copy
    df = pd.DataFrame({"id": ["007", "x"], "name": ["Región", "Načela"], "v": [1.5, 2.0]})
    buf = io.StringIO()
    df.to_csv(buf, sep=";", index=False, decimal=",")
    path = tmp_path / "t.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    frame = read_table(path, text_columns=["id"])
    expected = pd.read_csv(io.StringIO(buf.getvalue()), sep=";", decimal=",", dtype={"id": str})
    pd.testing.assert_frame_equal(frame, expected)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav"])
def test_every_column_as_text(tmp_path, suffix):
    df = pd.DataFrame({"id": ["007", "8"], "score": [3.5, 4.0], "size": ["1,5", "x"]})
    path = tmp_path / f"all{suffix}"
    if suffix == ".csv":
        path.write_text("id;score;size\r\n007;3,5;1,5\r\n8;4;x\r\n", encoding="cp1252")
    elif suffix == ".xlsx":
        pytest.importorskip("openpyxl")
        df.to_excel(path, index=False)
    else:
        pyreadstat = pytest.importorskip("pyreadstat")
        pyreadstat.write_sav(df, path)
    frame = read_table(path, text_columns=True)
    assert frame["id"].tolist() == ["007", "8"]
    expected = ["3,5", "4"] if suffix == ".csv" else ["3.5", "4"]
    assert frame["score"].tolist() == expected  # as written, never a number
    assert frame["size"].tolist() == ["1,5", "x"]
    with pytest.raises(sm.ConfigurationError, match="text_columns"):
        read_table(path, text_columns=[1])
