"""Languages of the report, the figures and the command line: message
catalogues and locale-aware numbers.

Every user-facing string of the regional diagnosis, the figures and the
``skillsmap report`` messages is an English ``msgid`` looked up in a gettext
catalogue (standard library :mod:`gettext`), one per language under
``skillsmap/locale/<lang>/LC_MESSAGES/skillsmap.po``. The compiled ``.mo``
files sit beside the ``.po`` files and ship in the wheel; the test suite
fails when a ``.mo`` no longer matches its ``.po``, when a marked string has
no translation in a language, or when a translation drops a ``{placeholder}``
of its ``msgid``. ``python -m skillsmap._i18n`` adds new msgids to every
catalogue (untranslated) and recompiles the ``.mo`` files (needs Babel).

Strings are marked in the code as ``_("…")`` (translated where they are
used) or ``N_("…")`` (a constant translated later); placeholders are named,
``_("{n} respondents").format(n=…)``, so that a translation may reorder them.

Numbers and dates follow the language's conventions through Babel
(``pip install 'skillsmap[report]'``): a decimal comma in es, fr, sl, fi and it.
"""

from __future__ import annotations

import ast
import datetime as _dt
import functools
import gettext
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

__all__ = ["LANGUAGES", "N_", "Lang", "check_lang", "environment_language", "lang_of"]

#: Languages with a complete catalogue: the RESEES regions' and English.
LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "sl", "fi", "it")
DOMAIN = "skillsmap"
LOCALE_DIR = Path(__file__).parent / "locale"

#: The modules whose user-facing strings must all be marked (checked by the
#: test suite with :func:`unmarked`).
TRANSLATED_MODULES: tuple[str, ...] = (
    "report/_diagnosis.py",
    "report/_diagnosis_html.py",
    "plot/_gaps.py",
    "plot/_priorities.py",
    "plot/_similarity.py",
    "plot/_network.py",
    "plot/_common.py",
    "plot/_difference.py",
    "report/_build.py",
    "report/_html.py",
    "cli.py",
    "_summary.py",
)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues without translating it yet."""
    return message


def check_lang(value: Any) -> str:
    """``value`` as a supported language code, or :class:`ConfigurationError`
    listing the supported ones."""
    if isinstance(value, str) and value.strip().lower() in LANGUAGES:
        return value.strip().lower()
    raise ConfigurationError(f"unknown language {value!r}; supported: {', '.join(LANGUAGES)}")


def environment_language(environ: Any = None) -> str:
    """The language of messages asked for by the environment, as gettext
    reads it: the first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and
    ``LANG`` that is set names the languages to try (``LANGUAGE`` may list
    several, ``fi:en``); the first supported one wins. ``C``, ``POSIX``,
    an unsupported language or nothing set is English.

    >>> environment_language({"LANG": "fi_FI.UTF-8"})
    'fi'
    >>> environment_language({"LANGUAGE": "de:it", "LANG": "fi_FI.UTF-8"})
    'it'
    >>> environment_language({"LC_ALL": "C", "LANG": "fi_FI.UTF-8"})
    'en'
    """
    import os

    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if not value:
            continue
        for entry in value.split(":"):
            # fi_FI.UTF-8@euro -> fi
            code = re.split(r"[_.@-]", entry.strip(), maxsplit=1)[0].lower()
            if code in LANGUAGES:
                return code
        return "en"
    return "en"


@functools.cache
def _catalogue(code: str) -> gettext.NullTranslations:
    try:
        return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code])
    except OSError:  # pragma: no cover - a broken installation
        return gettext.NullTranslations()


@functools.cache
def _babel_locale(code: str) -> Any:
    try:
        from babel import Locale
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "formatting numbers for a language needs Babel: pip install 'skillsmap[report]'"
        ) from err
    return Locale.parse(code)


@dataclass(frozen=True)
class Lang:
    """One language: its messages and its number and date formats.

    ``Lang("fi").gettext("mean gap")`` is the Finnish text of a msgid,
    ``Lang("fi").num(0.5)`` is ``"0,50"``.
    """

    code: str = "en"

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", check_lang(self.code))

    def gettext(self, message: str) -> str:
        """The translation of ``message`` (the msgid itself when missing)."""
        return _catalogue(self.code).gettext(message)

    __call__ = gettext

    def num(self, value: Any, digits: int = 2) -> str:
        """A number with ``digits`` decimals in the language's format; an
        en dash for a missing or non-finite value.

        The float's exact value is rounded (half to even), as Python's
        ``format`` and Rust's ``{:.2}`` round it, so that a number printed
        here reads the same as in a table or in the core's text: Babel alone
        would round the float's shortest repr, and 1.015 (stored as
        1.01499…) would become 1.02.

        >>> Lang("en").num(1.015), f"{1.015:.2f}", Lang("fi").num(1.015)
        ('1.01', '1.01', '1,01')
        """
        try:
            v = float(value)
        except (TypeError, ValueError):
            return str(value)
        if not math.isfinite(v):
            return "–"
        from babel.numbers import format_decimal

        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(Decimal(v), format=pattern, locale=_babel_locale(self.code))

    def int(self, value: Any) -> str:
        """A count with the language's grouping separator."""
        return self.num(value, 0)

    def p(self, value: Any) -> str:
        """A p-value: three decimals, or "< 0.001"."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return str(value)
        if math.isfinite(v) and v < 0.001:
            return "< " + self.num(0.001, 3)
        return self.num(v, 3)

    def date(self, when: _dt.date | None = None) -> str:
        """A date (today by default) in the language's long format."""
        from babel.dates import format_date

        return format_date(when or _dt.date.today(), format="long", locale=_babel_locale(self.code))

    def join(self, items: list[str]) -> str:
        """``a, b and c`` in the language (Babel's list patterns)."""
        if not items:
            return ""
        from babel.lists import format_list

        return format_list(items, locale=_babel_locale(self.code))


def lang_of(value: Any = None) -> Lang:
    """The :class:`Lang` of a code (a :class:`Lang` passes through; None is
    English)."""
    if isinstance(value, Lang):
        return value
    return Lang("en" if value is None else value)


# -- the catalogues, for the test suite and the update command ---------------------


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def _marked_calls(tree: ast.AST) -> Iterator[tuple[ast.Call, str]]:
    """Calls of ``_("…")``, ``N_("…")`` and ``<anything>.gettext("…")``
    with a literal message."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            (
                (isinstance(func, ast.Name) and func.id in ("_", "N_"))
                or (isinstance(func, ast.Attribute) and func.attr == "gettext")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node, node.args[0].value


def msgids() -> dict[str, list[str]]:
    """Every msgid marked anywhere in the package (not only in the
    :data:`TRANSLATED_MODULES`), with where it is used: a string passed to
    the translation functions is found wherever it is."""
    pkg = Path(__file__).parent
    found: dict[str, list[str]] = {}
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, text in _marked_calls(tree):
            found.setdefault(text, []).append(f"{rel}:{node.lineno}")
    return found


# keyword arguments whose string values are drawn as text
_TEXT_KEYWORDS = {"title", "label", "xlabel", "ylabel", "text", "caption", "help", "description"}


def unmarked(rel: str) -> list[tuple[int, str]]:
    """String constants of a translated module that read as user-facing text
    but are not marked: (line, text). Docstrings, exception messages and
    warnings (for developers, in English), and keyword values that are not
    drawn as text (``loc="upper left"``) are not text; a string whose first
    or last line ends in ``# i18n: not text`` is skipped."""
    path = Path(__file__).parent / rel
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    skip: set[int] = set()

    def ignore(node: ast.AST) -> None:
        for sub in ast.walk(node):
            skip.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ignore(body[0])
        if isinstance(node, ast.Raise) or isinstance(node, ast.Assert):
            ignore(node)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("_", "N_", "gettext", "warn", "log", "ConfigurationError", "Omitted"):
                ignore(node)
            for kw in node.keywords:
                if kw.arg not in _TEXT_KEYWORDS:
                    ignore(kw.value)
        if isinstance(node, ast.Subscript):
            ignore(node.slice)
        if isinstance(node, ast.Compare):
            ignore(node)
        if isinstance(node, ast.Dict):
            for k in node.keys:
                if k is not None:
                    ignore(k)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value
                for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            for v in node.values:
                skip.add(id(v))
        else:
            continue
        line = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", None) or line
        if line and any(lines[n - 1].rstrip().endswith("# i18n: not text") for n in {line, end}):
            continue
        if _reads_as_text(text):
            found.append((line, text))
    return sorted(found)


def _reads_as_text(text: str) -> bool:
    """Two or more words (space-separated, with letters, not acronyms) outside
    HTML tags, entities and placeholders: identifiers such as ``mean_gap``
    and markup are not text."""
    bare = re.sub(r"<[^>]*>|\{[^}]*\}|&[a-z]+;", " ", text)
    words = [w for w in bare.split() if re.search(r"[^\W\d_]{2,}", w) and not w.isupper()]
    return len(words) >= 2


def read_catalogue(code: str) -> dict[str, str]:
    """msgid → msgstr of a language's ``.po`` file (Babel's reader)."""
    from babel.messages.pofile import read_po

    with po_path(code).open("rb") as fh:
        cat = read_po(fh, locale=code, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in cat if m.id}


def compiled_catalogue(code: str) -> dict[str, str]:
    """msgid → msgstr of a language's compiled ``.mo`` file, as gettext reads it."""
    with (po_path(code).with_suffix(".mo")).open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    return {str(k): str(v) for k, v in mo._catalog.items() if k}  # type: ignore[attr-defined]


def compiled(code: str) -> bytes:
    """The ``.mo`` bytes of a language's ``.po`` file."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(code).open("rb") as fh:
        cat = read_po(fh, locale=code, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def update(translations: dict[str, dict[str, str]] | None = None) -> None:
    """Add every marked msgid missing from a catalogue (with the given
    translations, else empty, English copied), drop msgids no longer used,
    and recompile the ``.mo`` files."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    used = msgids()
    translations = translations or {}
    for code in LANGUAGES:
        path = po_path(code)
        path.parent.mkdir(parents=True, exist_ok=True)
        old: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as fh:
                old = {str(m.id): str(m.string) for m in read_po(fh, locale=code) if m.id}
        cat = Catalog(
            locale=code,
            domain=DOMAIN,
            header_comment=(
                f"# Messages of skillsmap's reports, figures and command line ({code}).\n"
                "# Working translation by the skillsmap project, to be checked by native "
                "speakers.\n# Regenerate with: python -m skillsmap._i18n"
            ),
            project="skillsmap",
            version="",
            copyright_holder="the skillsmap project",
            last_translator="the skillsmap project",
            language_team=code,
            charset="utf-8",
            fuzzy=False,
        )
        cat.creation_date = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)
        cat.revision_date = cat.creation_date
        for msgid in sorted(used):
            text = translations.get(msgid, {}).get(code) or old.get(msgid, "")
            if code == "en" and not text:
                text = msgid
            cat.add(msgid, text, locations=[(loc.split(":")[0], None) for loc in used[msgid][:1]])
        with path.open("wb") as fh:
            write_po(fh, cat, width=100, omit_header=False, no_location=True, sort_output=True)
        (path.with_suffix(".mo")).write_bytes(compiled(code))


def translator(code: str) -> Callable[[str], str]:
    """``Lang(code).gettext``: the function bound to ``_`` in a module."""
    return Lang(code).gettext


if __name__ == "__main__":  # pragma: no cover - a maintainer's command
    update()
