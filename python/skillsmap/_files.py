"""Reading a file into a DataFrame: the one place that knows file formats,
text encodings, separators and decimal commas.

:func:`read_table` takes files as partners bring them: CSV written by a
Windows Excel (Windows-1252, ``;``, decimal comma, ``\\r\\n``), UTF-8 with
or without a byte-order mark, tab-separated text, compressed text, Parquet,
Excel and OpenDocument workbooks, SPSS and Stata files. What it cannot read
it says in a :class:`~skillsmap.FormatError` naming the file and what is
wrong (never a codec, zip or parser traceback). It checks no survey
content: the survey readers (:func:`skillsmap.read_survey`) do.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigurationError, FormatError

__all__ = ["read_table"]

_TEXT = {".csv": None, ".txt": None, ".tsv": "\t", ".tab": "\t"}
_EXCEL = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
_PARQUET = {".parquet", ".pq"}
_SPSS = {".sav", ".zsav"}
_STATA = {".dta"}
_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip", ".zst": "zstd"}
_SUPPORTED = (
    ".csv, .tsv, .tab, .txt (also compressed: .gz, .bz2, .xz, .zip, .zst), "
    ".parquet, .pq, .xlsx, .xlsm, .xlsb, .xls, .ods, .sav, .zsav, .dta"
)

#: Leading bytes of the formats a misnamed file most often is.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive (an .xlsx or .ods workbook?)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook (.xls) or another OLE file"),
    (b"PAR1", "a Parquet file"),
    (b"$FL2", "an SPSS .sav file"),
    (b"$FL3", "an SPSS .zsav file"),
    (b"<stata_dta>", "a Stata .dta file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
)

#: Byte-order marks, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: A multi-byte UTF-8 sequence: in a file that is not valid UTF-8, one of
#: these says it is damaged UTF-8 rather than another encoding.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

#: A number written with a decimal comma, e.g. ``3,5`` or ``-0,25``.
_DECIMAL_COMMA = r"\s*[+-]?(?:\d+,\d*|,\d+)\s*"


def read_table(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    sheet_name: str | int = 0,
    text_columns: Iterable[str] | bool = (),
) -> pd.DataFrame:
    """Read a data file as it comes into a DataFrame.

    Parameters
    ----------
    path : str or path
        The file; its format is known from its suffix: ``.csv``, ``.txt``,
        ``.tsv``/``.tab`` (text, also compressed as ``.gz``, ``.bz2``,
        ``.xz``, ``.zip`` or ``.zst``), ``.parquet``/``.pq``, ``.xlsx``,
        ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods`` (with the ``excel`` extra),
        ``.sav``/``.zsav`` (SPSS) and ``.dta`` (Stata, with the ``spss``
        extra).
    encoding : str, optional
        Text encoding. By default UTF-8 (with or without a byte-order mark;
        UTF-16 and UTF-32 with one), else Windows-1252, which reads
        Latin-1 text too.
    sep : str, optional
        Field separator of text files. By default the one of ``,`` ``;``
        and tab that splits the header and the first lines into the same
        number of fields (quoted fields may hold separators), or what an
        Excel ``sep=;`` first line says.
    decimal : {".", ","}, optional
        Decimal mark of numbers. By default ``,`` when the separator is
        ``;`` (as Excel writes in most of Europe), else ``.``; with ``,``
        numbers written either way are read.
    sheet_name : str or int
        Sheet of a workbook (default the first).
    text_columns : iterable of str, or True
        Columns read as text, never as numbers: ids and keys (``007``
        stays ``007``); ``True`` reads every column as text (an export whose
        cells are codes or labels). Value labels of SPSS and Stata files are applied to
        these columns only (a region coded 1..6 with labels is its label;
        coded ratings stay numbers).

    Returns
    -------
    DataFrame
        Column names trimmed and in Unicode NFC. A name given twice stays
        twice (pandas would rename the second ``x.1``): the survey readers
        report a repeated column they need, with its positions. Trailing
        empty rows (as Excel leaves) are dropped; rows keep their order.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    FormatError
        Naming the file and what is wrong: a directory, an empty file, an
        unsupported suffix, a file whose content is not its suffix's format
        (a CSV renamed ``.xlsx``, a PNG renamed ``.csv``), text in no
        encoding it could be read in (with the byte offset), malformed text
        (the line), a damaged workbook or SPSS/Stata file.
    ConfigurationError
        For a bad ``encoding``, ``sep``, ``decimal`` or ``sheet_name``.
    ImportError
        When the optional package a format needs is not installed (the
        message names the extra to install).

    Examples
    --------
    >>> import os, tempfile
    >>> from skillsmap._files import read_table
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "excel.csv")
    ...     with open(path, "wb") as f:
    ...         _ = f.write("id;région;score\\r\\n007;Région de Murcia;3,5\\r\\n".encode("cp1252"))
    ...     read_table(path, text_columns=["id"])
        id            région  score
    0  007  Région de Murcia    3.5
    """
    p = Path(path)
    if encoding is not None and not isinstance(encoding, str):
        raise ConfigurationError(f"encoding must be a str, got {encoding!r}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigurationError(
                f"encoding={encoding!r} is not a text encoding Python knows "
                "(e.g. 'utf-8', 'cp1252', 'latin-1', 'utf-16')"
            ) from None
    if sep is not None and not (isinstance(sep, str) and len(sep) == 1 and sep not in '"\r\n'):
        raise ConfigurationError(f"sep must be one character such as ',' ';' or '\\t', got {sep!r}")
    if decimal not in (None, ".", ","):
        raise ConfigurationError(f"decimal must be '.' or ',', got {decimal!r}")
    if isinstance(sheet_name, bool) or not isinstance(sheet_name, str | int):
        raise ConfigurationError(f"sheet_name must be a sheet name or index, got {sheet_name!r}")
    keys: list[str] | None  # None: every column
    if text_columns is True:
        keys = None
    elif text_columns is False:
        keys = []
    else:
        keys = [text_columns] if isinstance(text_columns, str) else list(text_columns)
        if not all(isinstance(c, str) for c in keys):
            raise ConfigurationError(
                f"text_columns must be column names or True, got {text_columns!r}"
            )

    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    if p.is_dir():
        raise FormatError(f"{p} is a directory, not a data file")
    if p.stat().st_size == 0:
        raise FormatError(f"{p} is empty (0 bytes): no header, no rows")

    suffixes = [s.lower() for s in p.suffixes]
    suffix = suffixes[-1] if suffixes else ""
    compression = _COMPRESSED.get(suffix)
    inner = suffixes[-2] if compression and len(suffixes) > 1 else suffix
    if compression and inner not in _TEXT:
        raise FormatError(
            f"{p}: unsupported file type {''.join(suffixes[-2:])!r}: only text tables "
            f"(.csv, .tsv, .txt) are read compressed; supported: {_SUPPORTED}"
        )
    if inner in _TEXT:
        raw = _read_bytes(p, compression)
        frame = _read_text(p, raw, encoding, sep, decimal, keys, default_sep=_TEXT[inner])
    elif suffix in _EXCEL:
        frame = _read_workbook(p, sheet_name, keys)
    elif suffix in _PARQUET:
        frame = _read_parquet(p, keys)
    elif suffix in _SPSS or suffix in _STATA:
        frame = _read_stat(p, suffix, keys)
    else:
        shown = suffix or "(none)"
        raise FormatError(f"{p}: unsupported file type {shown!r}; supported: {_SUPPORTED}")
    if decimal == "," and inner not in _TEXT:
        _decimal_commas(frame, keys)
    return frame


# -- checks of what a file holds -----------------------------------------------------------------


def _head(p: Path, n: int = 8192) -> bytes:
    with open(p, "rb") as f:
        return f.read(n)


def _magic(head: bytes) -> str | None:
    """What the leading bytes say a file is, if they are a known signature."""
    for sig, what in _MAGIC:
        if head.startswith(sig):
            return what
    if head.startswith(b"BZh") and head[3:10].startswith(tuple(b"%d1AY&SY" % d for d in range(10))):
        return "a bzip2-compressed file"
    return None


def _looks_like_text(head: bytes) -> bool:
    """Whether leading bytes are text (no NUL, printable in UTF-8 or cp1252)."""
    if not head or b"\x00" in head:
        return False
    for enc in ("utf-8", "cp1252"):
        try:
            s = head.decode(enc)
        except UnicodeDecodeError as err:
            if enc == "utf-8" and err.start >= len(head) - 3:
                s = head[: err.start].decode("utf-8")  # a character cut by the sample
            else:
                continue
        controls = sum(1 for c in s if unicodedata.category(c) == "Cc" and c not in "\t\r\n")
        return controls == 0
    return False


def _not_a(p: Path, expected: str, head: bytes, hint: str = "") -> FormatError:
    """The error for a file whose bytes are not its suffix's format."""
    what = _magic(head)
    if what is not None:
        found = f"it is {what}"
    elif _looks_like_text(head):
        found = "it holds text (a CSV or tab-separated file?)"
    else:
        found = "its content is not recognised"
    return FormatError(
        f"{p} is named {p.suffix} but is not {expected}: {found}" + (f"; {hint}" if hint else "")
    )


# -- text ----------------------------------------------------------------------------------------


def _read_bytes(p: Path, compression: str | None) -> bytes:
    """The bytes of a text file, decompressed."""
    data = p.read_bytes()
    if compression is None:
        return data
    try:
        if compression == "gzip":
            import gzip

            return gzip.decompress(data)
        if compression == "bz2":
            import bz2

            return bz2.decompress(data)
        if compression == "xz":
            import lzma

            return lzma.decompress(data)
        if compression == "zip":
            return _unzip(p, data)
        return _unzstd(data)
    except FormatError:
        raise
    except ImportError:
        raise
    except Exception as err:  # each library has its own errors for a bad stream
        raise FormatError(
            f"{p} is not a valid {compression} file or is truncated ({err})"
        ) from None


def _unzip(p: Path, data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = [n for n in z.namelist() if not n.endswith("/") and not n.startswith("__MACOSX/")]
        if len(names) != 1:
            raise FormatError(
                f"{p}: a zipped table must hold exactly one file, this one holds {len(names)}"
                + (f" ({', '.join(names[:5])})" if names else "")
            )
        return z.read(names[0])


def _unzstd(data: bytes) -> bytes:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14
    except ImportError:
        try:
            import zstandard  # type: ignore[import-not-found]
        except ImportError:
            raise ImportError(
                "reading .zst files needs the zstandard package (pip install zstandard) "
                "or Python 3.14"
            ) from None
        return bytes(zstandard.ZstdDecompressor().decompressobj().decompress(data))
    return bytes(zstd.decompress(data))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _decode(p: Path, data: bytes, encoding: str | None) -> tuple[str, str, int]:
    """The text of a file, the encoding it was read in and the offset of
    the text after a byte-order mark."""
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as err:
            raise FormatError(
                f"{p} is not valid {encoding}: byte 0x{data[err.start]:02x} at byte offset "
                f"{err.start} (line {_line_of(data, err.start)}) cannot be decoded; "
                "pass the file's encoding as encoding=..."
            ) from None
        return text.removeprefix("\ufeff"), encoding, 0
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc), enc, len(bom)
            except UnicodeDecodeError as err:
                at = err.start + len(bom)
                raise FormatError(
                    f"{p} starts with a {enc} byte-order mark but byte offset {at} "
                    f"(line {_line_of(data, at)}) is not valid {enc}; the file is damaged, "
                    "or pass its encoding as encoding=..."
                ) from None
    head = data[:8192]
    if b"\x00" in head or (_magic(head) is not None and not _looks_like_text(head)):
        raise _binary(p, head)
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError as err:
        bad = err.start
    line = _line_of(data, bad)
    if _UTF8_SEQUENCE.search(data) is not None:
        # é as UTF-8 (c3 a9) elsewhere in the file: this is UTF-8 with a
        # damaged byte, and reading it as cp1252 would garble every accent
        raise FormatError(
            f"{p} is UTF-8 except byte 0x{data[bad]:02x} at byte offset {bad} (line {line}), "
            "which is not valid UTF-8: the file is damaged or mixes encodings; repair that "
            "byte, or pass encoding='cp1252' (or the file's encoding) if it is not UTF-8"
        )
    try:
        return data.decode("cp1252"), "cp1252", 0
    except UnicodeDecodeError as err:
        raise FormatError(
            f"{p} is neither UTF-8 (byte 0x{data[bad]:02x} at byte offset {bad}, line {line}) "
            f"nor Windows-1252 (byte 0x{data[err.start]:02x} at byte offset {err.start}, "
            f"line {_line_of(data, err.start)}, is undefined there); pass the file's "
            "encoding as encoding=..., e.g. encoding='latin-1' or 'mac-roman'"
        ) from None


def _binary(p: Path, head: bytes) -> FormatError:
    what = _magic(head)
    if what is None:
        # ASCII as UTF-16 has a NUL in every other byte
        for order, nuls in (("le", head[1:200:2]), ("be", head[0:200:2])):
            if nuls and nuls.count(0) >= 0.9 * len(nuls):
                return FormatError(
                    f"{p} looks like UTF-16 text without a byte-order mark: "
                    f"pass encoding='utf-16-{order}'"
                )
        return FormatError(f"{p} is a binary file (it holds NUL bytes), not a text table")
    hint = ""
    if "workbook" in what:
        hint = ": save it with an .xlsx, .ods or .xls name"
    elif "compressed" in what:
        hint = ": add the compression suffix to its name (e.g. .csv.gz)"
    elif what in {"a Parquet file", "an SPSS .sav file", "a Stata .dta file"}:
        hint = ": name it with the matching suffix"
    return FormatError(f"{p} is {what}, not a text table{hint}")


def _sniff_sep(text: str, default: str | None) -> str:
    """The separator among ``,`` ``;`` and tab that splits the header into
    several fields and the next lines into as many (quotes respected)."""
    sample = text[: 1 << 16]
    if len(text) > len(sample):
        sample = sample[: sample.rfind("\n") + 1] or sample
    order = [",", ";", "\t"]
    if default is not None:
        order.remove(default)
        order.insert(0, default)
    best: tuple[Any, ...] | None = None
    choice = default or ","
    for rank, d in enumerate(order):
        reader = csv.reader(io.StringIO(sample), delimiter=d, quotechar='"')
        widths: list[int] = []
        try:
            for record in reader:
                if record:
                    widths.append(len(record))
                if len(widths) > 20:
                    break
        except csv.Error:
            continue
        if not widths:
            continue
        head = widths[0]
        rows = widths[1:-1] if len(text) > len(sample) else widths[1:]
        score = (head > 1, sum(w == head for w in rows), head, -rank)
        if best is None or score > best:
            best, choice = score, d
    return choice


def _read_text(
    p: Path,
    data: bytes,
    encoding: str | None,
    sep: str | None,
    decimal: str | None,
    text_columns: list[str] | None,
    *,
    default_sep: str | None,
) -> pd.DataFrame:
    text, enc, start = _decode(p, data, encoding)
    if not text or text.isspace():
        raise FormatError(f"{p} holds only blank lines: no header, no rows")
    # the header, the separator and the "sep=" line are read from the first
    # lines; pandas parses the bytes, in the encoding found (faster than
    # parsing the decoded text)
    sample = text[: 1 << 16]
    if len(text) > len(sample):
        sample = sample[: sample.rfind("\n") + 1] or text[: 1 << 20]
    # Excel reads and writes a first line "sep=;" naming the separator
    first, _, rest = sample.partition("\n")
    m = re.fullmatch(r"\s*sep=(.)\s*", first)
    skip = 0
    if m is not None:
        sep = sep or m.group(1)
        skip = 1
        sample = rest
    if sep is None:
        sep = _sniff_sep(sample, default_sep)
    if decimal is None:
        decimal = "," if sep == ";" else "."
    try:
        header = pd.read_csv(io.StringIO(sample), sep=sep, nrows=0, skipinitialspace=True)
        # pandas renames a repeated name "x.1": the names as written
        written = _header_record(sample, sep)
        if len(written) != len(header.columns):
            written = list(header.columns)
        # an empty header cell keeps pandas' "Unnamed: j"
        names = [
            _clean_name(w) if w.strip() else raw
            for w, raw in zip(written, header.columns, strict=True)
        ]
        keys = set(names if text_columns is None else text_columns)
        dtype = {raw: str for raw, name in zip(header.columns, names, strict=True) if name in keys}
        frame = pd.read_csv(
            io.BytesIO(memoryview(data)[start:]),
            encoding=enc,
            skiprows=skip,
            sep=sep,
            dtype=dtype,
            decimal=decimal,
            skipinitialspace=True,
            low_memory=False,  # one type per column, not one per chunk
        )
    except pd.errors.EmptyDataError:
        raise FormatError(f"{p} has no header row") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as err:
        message = _parser_message(str(err), text)
        raise FormatError(f"{p}: {message}; {_sep_note(sep)}") from None
    if len(frame.columns) == len(names):
        frame.columns = names  # the names as written: no ".1" for a repeated one
    frame = _drop_trailing_blank_rows(frame)
    if decimal == ",":
        _decimal_commas(frame, text_columns)
    return frame


def _header_record(text: str, sep: str) -> list[str]:
    """The first non-blank record of a text table, as written."""
    try:
        for record in csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True):
            if any(field.strip() for field in record):
                return record
    except csv.Error:
        pass
    return []


def _sep_note(sep: str) -> str:
    name = {",": "','", ";": "';'", "\t": "tab"}.get(sep, repr(sep))
    return f"read with separator {name} (pass sep=... if that is wrong)"


def _parser_message(message: str, text: str) -> str:
    """pandas' tokenizer message, said with 1-based file lines."""
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if m:
        expected, line, saw = (int(g) for g in m.groups())
        return (
            f"line {line} has {saw} fields where the header has {expected} "
            "(an unquoted separator inside a value?)"
        )
    if "EOF inside string" in message and text.count('"') % 2 == 1:
        # quotes toggle in and out of a field ("" inside one toggles twice):
        # the field left open starts at the last quote
        line = text.count("\n", 0, text.rfind('"')) + 1
        return f"a quoted field opened on line {line} is never closed (a stray double quote?)"
    return "cannot be parsed as a table: " + message.replace("Error tokenizing data. C error: ", "")


def _clean_name(name: Any) -> Any:
    """A column name trimmed and in NFC, so that ``région`` typed on a Mac
    matches ``région`` typed elsewhere."""
    if not isinstance(name, str):
        return name
    return unicodedata.normalize("NFC", name.strip())


def _drop_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Without the empty rows at the end (Excel saves formatted empty rows
    as ``;;;;``); rows before keep their positions."""
    if frame.empty:
        return frame
    filled = np.flatnonzero(frame.notna().to_numpy().any(axis=1))
    last = int(filled[-1]) + 1 if len(filled) else 0
    return frame.iloc[:last] if last < len(frame) else frame


def _decimal_commas(frame: pd.DataFrame, text_columns: list[str] | None) -> None:
    """Cells such as ``3,5`` of the columns that are not text columns become
    numbers, in place; other cells stay as they are (a cell that is no
    number is the survey reader's to report)."""
    if text_columns is None:
        return  # every column is text
    protected = set(text_columns)
    for j in range(frame.shape[1]):
        if frame.columns[j] in protected:
            continue
        s = frame.iloc[:, j]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        try:
            hit = s.str.fullmatch(_DECIMAL_COMMA)
        except AttributeError:  # an object column holding no text
            continue
        hit = hit.fillna(False).astype(bool).to_numpy()
        if not hit.any():
            continue
        values = s.to_numpy(dtype=object).copy()
        values[hit] = [float(v.strip().replace(",", ".")) for v in values[hit]]
        column = pd.Series(values, index=frame.index, name=s.name, dtype=object)
        numbers = pd.to_numeric(column, errors="coerce")
        if numbers.notna().sum() == column.notna().sum():
            frame.isetitem(j, numbers)
        else:
            frame.isetitem(j, column)


# -- binary formats ------------------------------------------------------------------------------


def _need(module: str, package: str, extra: str, suffix: str) -> Any:
    """An optional package, or an ImportError naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"reading {suffix} files needs {package}: pip install 'skillsmap[{extra}]'"
        ) from None


def _as_text(values: pd.Series) -> pd.Series:
    """A column as text: numbers as they print (``7``, not ``7.0``),
    missing values kept missing."""

    def text(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            return np.nan
        if isinstance(v, str):
            return v
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return pd.Series([text(v) for v in values], index=values.index, name=values.name, dtype=object)


def _text_columns(frame: pd.DataFrame, text_columns: list[str] | None) -> None:
    """The text columns of a frame read as text, in place."""
    wanted = set(frame.columns if text_columns is None else text_columns)
    for j in range(frame.shape[1]):
        if frame.columns[j] in wanted:
            s = frame.iloc[:, j]
            if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
                frame.isetitem(j, _as_text(s))


def _header_name(value: Any, j: int) -> str:
    """A header cell of a workbook as a column name."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"Unnamed: {j}"
    if isinstance(value, str):
        return str(_clean_name(value))
    return str(_as_text(pd.Series([value], dtype=object)).iloc[0])


def _read_workbook(p: Path, sheet_name: str | int, text_columns: list[str] | None) -> pd.DataFrame:
    head = _head(p)
    suffix = p.suffix.lower()
    zipped = head.startswith(b"PK\x03\x04")
    ole = head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if suffix == ".xls" and not (ole or zipped):
        raise _not_a(
            p, "an Excel workbook", head, "if it is text, name it .csv (or .txt) and read that"
        )
    if suffix != ".xls" and not zipped:
        kind = "an OpenDocument spreadsheet" if suffix == ".ods" else "an Excel workbook"
        raise _not_a(p, kind, head, "if it is text, name it .csv (or .txt) and read that")
    _need("python_calamine", "python-calamine", "excel", suffix)
    try:
        book = pd.ExcelFile(p, engine="calamine")
    except Exception as err:  # calamine's and zip's errors for a damaged workbook
        raise FormatError(
            f"{p} cannot be read as a workbook: it is damaged or truncated ({err})"
        ) from None
    with book:
        sheets = list(book.sheet_names)
        if isinstance(sheet_name, int):
            if not 0 <= sheet_name < len(sheets):
                raise ConfigurationError(
                    f"sheet_name={sheet_name}: {p} has {len(sheets)} sheet(s): {sheets}"
                )
        elif sheet_name not in sheets:
            raise ConfigurationError(
                f"sheet_name={sheet_name!r}: {p} has no such sheet; its sheets: {sheets}"
            )
        try:
            grid = pd.read_excel(book, sheet_name=sheet_name, header=None, dtype=object)
        except Exception as err:
            raise FormatError(f"{p}: sheet {sheet_name!r} cannot be read ({err})") from None
    if grid.empty:
        raise FormatError(f"{p}: sheet {sheet_name!r} is empty: no header, no rows")
    names = [_header_name(v, j) for j, v in enumerate(grid.iloc[0])]
    body = grid.iloc[1:].reset_index(drop=True)
    body.columns = pd.Index(names, dtype=object)
    body = _drop_trailing_blank_rows(body)
    frame = pd.DataFrame(
        {j: body.iloc[:, j].infer_objects() for j in range(body.shape[1])}, index=body.index
    )
    frame.columns = body.columns
    _text_columns(frame, text_columns)
    return frame


def _read_parquet(p: Path, text_columns: list[str] | None) -> pd.DataFrame:
    head = _head(p)
    if not head.startswith(b"PAR1"):
        raise _not_a(p, "a Parquet file", head)
    try:
        frame = pd.read_parquet(p)
    except Exception as err:  # pyarrow's errors for a damaged file
        raise FormatError(f"{p} cannot be read as Parquet: damaged or truncated ({err})") from None
    frame.columns = [_clean_name(c) for c in frame.columns]
    _text_columns(frame, text_columns)
    return frame


def _read_stat(p: Path, suffix: str, text_columns: list[str] | None) -> pd.DataFrame:
    head = _head(p)
    spss = suffix in _SPSS
    if spss:
        ok = head[:4] in (b"$FL2", b"$FL3")
        kind = "an SPSS data file"
    else:
        # Stata 13+ starts with <stata_dta>; older releases with a format
        # byte (102..115) and a byte-order byte (1 or 2)
        ok = head.startswith(b"<stata_dta>") or (
            len(head) > 1 and 102 <= head[0] <= 115 and head[1] in (1, 2)
        )
        kind = "a Stata data file"
    if not ok:
        raise _not_a(p, kind, head)
    pyreadstat = _need("pyreadstat", "pyreadstat", "spss", suffix)
    reader = pyreadstat.read_sav if spss else pyreadstat.read_dta
    try:
        frame, meta = reader(str(p), apply_value_formats=False)
    except Exception as err:  # pyreadstat's errors for a damaged file
        raise FormatError(f"{p} cannot be read as {kind}: damaged or truncated ({err})") from None
    frame.columns = [_clean_name(c) for c in frame.columns]
    labels = {_clean_name(k): v for k, v in (meta.variable_value_labels or {}).items()}
    wanted = set(frame.columns if text_columns is None else text_columns)
    for j in range(frame.shape[1]):
        name = frame.columns[j]
        if name not in wanted:
            continue  # coded ratings keep their codes
        s = frame.iloc[:, j]
        mapping = labels.get(name)
        if mapping:
            s = s.map(lambda v, m=mapping: m.get(v, v))
        frame.isetitem(j, _as_text(s))
    return frame
