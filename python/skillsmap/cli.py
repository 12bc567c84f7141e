"""The ``skillsmap`` command line.

``skillsmap validate FILE [--format text|json|csv]`` checks a survey file and
prints every located problem (exit status 1) or a one-line summary (exit
status 0); ``json`` and ``csv`` print every problem in a machine-readable
form (columns ``row``, ``column``, ``value``, ``code``, ``reason``).
``skillsmap summary [FILE] [--demo] [--lang xx]`` prints a survey summary,
in the language of the messages; in English it is the core's text, as it
always was, for scripts that read it.
``skillsmap report [FILE] [--demo] --out DIR [--force]`` writes the
skills-mapping report (``DIR/index.html``, figures as SVG and PNG, tables as
CSV) and prints the path of the page. DIR must be new, empty or hold an
earlier report; ``--force`` writes beside other files, never over them.
``skillsmap report SURVEY --region ID [--lang xx] --out DIR`` writes one
region's diagnosis (in the region's language unless ``--lang`` says
otherwise; the survey's region column is then named with ``--region-column``);
``--all-regions`` writes the interregional report with every region's
diagnosis under ``DIR/regions/ID/``.
``skillsmap questionnaire --framework ID|FILE --languages en,es,… --out FORM``
writes the survey form, in the format of FORM's suffix: ``.xlsx`` XLSForm
(KoboToolbox, ODK), ``.txt`` LimeSurvey structure, ``.csv`` blank template.

Messages (progress lines, errors, help) are in the language given by
``--lang`` (en, es, fr, sl, fi or it), else in the one the environment asks
for (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads
them), else English; argparse's own words (``usage:``, ``error:``) stay as
argparse writes them. What the commands write for programs (CSV and JSON
columns, file names, the printed paths) is the same in every language.

Exit status: 0 success; 1 the data are invalid (every problem printed);
2 a usage error or a file that cannot be read; 141 the reader of the output
went away (``skillsmap summary --demo | head -1``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from ._i18n import LANGUAGES, N_, Lang, environment_language

__all__ = ["main"]

# the help of the column options, one message each so that a translation
# may name the column in its own words
_COLUMN_HELP = {
    "respondent": N_("name of the respondent column (default {default})"),
    "region": N_("name of the region column (default {default})"),
    "stakeholder_type": N_("name of the stakeholder type column (default {default})"),
    "competence": N_("name of the competence column (default {default})"),
    "current": N_("name of the current level column (default {default})"),
}


def _add_survey_options(
    p: argparse.ArgumentParser, _: Any, *, region_flag: str = "--region"
) -> None:
    p.add_argument(
        "--framework",
        default="se-core",
        help=_("embedded framework id or a framework JSON/CSV file (default se-core)"),
    )
    p.add_argument(
        "--scale",
        nargs=2,
        type=float,
        metavar=("MIN", "MAX"),
        default=(1, 5),
        help=_("scale of current and required levels (default 1 5)"),
    )
    for role in ("respondent", "region", "stakeholder_type", "competence", "current"):
        flag = region_flag if role == "region" else f"--{role.replace('_', '-')}"
        p.add_argument(
            flag,
            dest=role,
            default=role,
            metavar="COLUMN",
            help=_(_COLUMN_HELP[role]).format(default=role),
        )
    p.add_argument(
        "--required",
        default="required",
        metavar="COLUMN",
        help=_("required-level column (default required; 'none' if absent)"),
    )
    p.add_argument("--importance", default=None, metavar="COLUMN", help=_("importance column"))
    p.add_argument("--weight", default=None, metavar="COLUMN", help=_("survey weight column"))
    p.add_argument(
        "--open-regions",
        action="store_true",
        help=_("accept any region instead of the six RESEES regions"),
    )
    p.add_argument(
        "--open-types",
        action="store_true",
        help=_("accept any stakeholder type instead of the default typology"),
    )
    p.add_argument(
        "--form",
        default=None,
        metavar="FORM",
        help=_(
            "read FILE as the export of a survey collected with this form (.xlsx XLSForm or "
            ".txt LimeSurvey structure written by 'skillsmap questionnaire'); the form fixes "
            "the framework, scale and columns"
        ),
    )
    p.add_argument(
        "--validation",
        choices=("approved", "complete"),
        default=None,
        help=_(
            "with --form: only KoboToolbox-approved submissions / complete LimeSurvey responses"
        ),
    )
    p.add_argument(
        "--encoding",
        default=None,
        help=_("text encoding of the file (default: UTF-8, else Windows-1252)"),
    )
    p.add_argument(
        "--sep",
        default=None,
        type=_separator,
        help=_("field separator of a text file, e.g. ';' or 'tab' (default: sniffed)"),
    )
    p.add_argument(
        "--decimal",
        default=None,
        choices=[".", ","],
        help=_("decimal mark (default ',' when the separator is ';', else '.')"),
    )


def _read(args: argparse.Namespace, sm: Any) -> Any:
    """The survey file of a command, through its form when one is given."""
    if args.form is not None:
        return sm.read_survey(args.file, form=args.form, validation=args.validation)
    return sm.read_survey(args.file, **_options(args))


def _separator(value: str) -> str:
    return "\t" if value.lower() in {"tab", "\\t"} else value


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "framework": args.framework,
        "scale": tuple(args.scale),
        "respondent": args.respondent,
        "region": args.region,
        "stakeholder_type": args.stakeholder_type,
        "competence": args.competence,
        "current": args.current,
        "required": None if str(args.required).lower() == "none" else args.required,
        "importance": args.importance,
        "weight": args.weight,
        "regions": None if args.open_regions else "resees",
        "typology": None if args.open_types else "se-default",
        "encoding": args.encoding,
        "sep": args.sep,
        "decimal": args.decimal,
    }


def _message_language(argv: Sequence[str]) -> str:
    """The language of the messages: the last valid ``--lang`` of the command
    line, else the environment's (gettext's variables), else English. An
    invalid ``--lang`` is refused later by the parser, in this language."""
    chosen = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value is not None and value.strip().lower() in LANGUAGES:
            chosen = value.strip().lower()
    return chosen or environment_language()


def _parser(_: Any) -> argparse.ArgumentParser:
    """The parser, its descriptions and help in the language of ``_``."""

    def out_folder(value: str) -> str:
        if not value.strip():
            # an empty path would be the current folder
            raise argparse.ArgumentTypeError(
                _("an empty path is not a folder; name one, e.g. --out report")
            )
        return value

    def count(text: str) -> int:
        """A whole number of at least 0."""
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("expected a whole number, got {value}").format(value=repr(text))
            ) from None
        if value < 0:
            raise argparse.ArgumentTypeError(
                _("must be 0 or more, got {value}").format(value=value)
            )
        return value

    def language(text: str) -> str:
        code = text.strip().lower()
        if code not in LANGUAGES:
            raise argparse.ArgumentTypeError(
                _("unknown language {lang}; supported: {languages}").format(
                    lang=repr(text), languages=", ".join(LANGUAGES)
                )
            )
        return code

    def add_lang(q: argparse.ArgumentParser, text: str) -> None:
        q.add_argument("--lang", type=language, default=None, metavar="LANG", help=text)

    messages_help = _(
        "language of the messages: en, es, fr, sl, fi or it (default: from LANGUAGE, LC_ALL, "
        "LC_MESSAGES or LANG, else en)"
    )
    p = argparse.ArgumentParser(
        prog="skillsmap",
        description=_("Skills-mapping analytics for the social economy."),
        epilog=_("exit status: 0 success, 1 invalid data, 2 usage or file error"),
    )
    p.add_argument("--version", action="store_true", help=_("print the version and exit"))
    p.add_argument(
        "--lang",
        dest="messages_lang",
        type=language,
        default=None,
        metavar="LANG",
        help=messages_help,
    )
    sub = p.add_subparsers(dest="command")
    v = sub.add_parser(
        "validate",
        help=_("check a survey file and list every problem"),
    )
    v.add_argument(
        "file",
        help=_("survey file, long format: CSV/TSV (also .gz), Parquet, Excel/ODS, SPSS or Stata"),
    )
    v.add_argument(
        "--max-issues",
        type=count,
        default=50,
        help=_("how many problems to print as text (default 50; all are counted)"),
    )
    v.add_argument(
        "--format",
        choices=("text", "json", "csv"),
        default="text",
        help=_("text for people (default); json or csv list every problem for programs"),
    )
    add_lang(v, messages_help)
    _add_survey_options(v, _)
    s = sub.add_parser(
        "summary",
        help=_("print a survey summary"),
    )
    s.add_argument("file", nargs="?", help=_("survey file; omit with --demo"))
    s.add_argument("--demo", action="store_true", help=_("use the synthetic demonstration survey"))
    s.add_argument("--n-respondents", type=int, default=1200, help=_("demo size (default 1200)"))
    s.add_argument("--seed", type=int, default=0, help=_("demo seed (default 0)"))
    add_lang(s, messages_help)
    _add_survey_options(s, _)
    r = sub.add_parser(
        "report",
        help=_("write the skills-mapping report (HTML, figures as SVG and PNG, tables as CSV)"),
    )
    r.add_argument("file", nargs="?", help=_("survey file; omit with --demo"))
    r.add_argument("--demo", action="store_true", help=_("use the synthetic demonstration survey"))
    r.add_argument("--n-respondents", type=int, default=1200, help=_("demo size (default 1200)"))
    r.add_argument("--seed", type=int, default=0, help=_("demo and bootstrap seed (default 0)"))
    r.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        type=out_folder,
        help=_(
            "output folder: new, empty, or holding an earlier report, which is replaced once "
            "the new one is complete (a failed run leaves it as it was)"
        ),
    )
    r.add_argument(
        "--force",
        action="store_true",
        help=_(
            "also write into a non-empty folder that holds no earlier report, beside the files "
            "there; a file the report did not write is never replaced or deleted"
        ),
    )
    r.add_argument(
        "--by",
        choices=("region", "stakeholder_type"),
        default="region",
        help=_("entities the figures compare (default region)"),
    )
    r.add_argument(
        "--n-boot", type=int, default=1000, help=_("bootstrap replicates (default 1000)")
    )
    r.add_argument("--min-n", type=int, default=5, help=_("suppression threshold (default 5)"))
    r.add_argument("--title", default=None, help=_("title of the page"))
    r.add_argument("--quiet", action="store_true", help=_("no progress lines"))
    r.add_argument(
        "--region",
        dest="diagnose",
        default=None,
        metavar="ID",
        help=_(
            "write the diagnosis of this region (id, name or alias) with the other regions as "
            "context, in its language (the region's column is then --region-column)"
        ),
    )
    r.add_argument(
        "--all-regions",
        action="store_true",
        help=_(
            "write the interregional report with every region's diagnosis under "
            "DIR/regions/ID/, each in its region's language"
        ),
    )
    add_lang(
        r,
        _(
            "language of the report, its figures and the messages: en, es, fr, sl, fi or it "
            "(default: the report in English and each diagnosis in its region's language, en "
            "for regions outside RESEES; the messages from LANGUAGE, LC_ALL, LC_MESSAGES or "
            "LANG)"
        ),
    )
    _add_survey_options(r, _, region_flag="--region-column")
    qn = sub.add_parser(
        "questionnaire",
        help=_("write the survey form: XLSForm .xlsx, LimeSurvey .txt or blank template .csv"),
    )
    qn.add_argument(
        "--framework",
        default="se-core",
        help=_("embedded framework id or a framework JSON/CSV file (default se-core)"),
    )
    qn.add_argument(
        "--languages",
        default=",".join(LANGUAGES),
        help=_("comma-separated, the first is the default (default en,es,fr,sl,fi,it)"),
    )
    qn.add_argument(
        "--ratings",
        default="current,required,importance",
        help=_("comma-separated among current, required, importance (default all three)"),
    )
    qn.add_argument(
        "--scale",
        nargs=2,
        type=int,
        metavar=("MIN", "MAX"),
        default=(1, 5),
        help=_("whole-number levels (default 1 5)"),
    )
    qn.add_argument("--consent", action="store_true", help=_("ask for consent first"))
    qn.add_argument(
        "--organisation-size",
        action="store_true",
        help=_("ask the organisation's size (EU classes micro/small/medium/large)"),
    )
    qn.add_argument(
        "--layout",
        choices=("long", "wide"),
        default="long",
        help=_("layout of a .csv template (default long)"),
    )
    qn.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help=_("the form: .xlsx (XLSForm), .txt (LimeSurvey) or .csv (blank template)"),
    )
    add_lang(qn, messages_help)
    return p


def _error(command: str, message: Any) -> None:
    """``skillsmap COMMAND: message`` on standard error (the command's name
    as typed, the message in the language of the messages)."""
    print(f"skillsmap {command}: {message}", file=sys.stderr)


def _questionnaire(args: argparse.Namespace, sm: Any, _: Any) -> int:
    from pathlib import Path

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in {".xlsx", ".txt", ".csv"}:
        _error(
            "questionnaire",
            _(
                "--out must end in .xlsx (XLSForm), .txt (LimeSurvey) or .csv (template), got {out}"
            ).format(out=repr(args.out)),
        )
        return 2
    try:
        q = sm.Questionnaire(
            args.framework,
            languages=args.languages,
            ratings=args.ratings,
            scale=tuple(args.scale),
            consent=args.consent,
            attributes=["organisation_size"] if args.organisation_size else None,
        )
        if suffix == ".xlsx":
            q.to_xlsform(out)
        elif suffix == ".txt":
            q.to_limesurvey(out)
        else:
            q.to_template(out, layout=args.layout)
    except (sm.SkillsMapError, OSError, ImportError) as err:
        _error("questionnaire", err)
        return 2
    print(out.resolve())
    return 0


def _report(args: argparse.Namespace, sm: Any, _: Any, messages: str) -> int:
    def fail(text: str) -> int:
        _error("report", text)
        return 2

    if args.demo == bool(args.file):
        return fail(_("give a SURVEY file or --demo (not both)"))
    if args.diagnose is not None and args.all_regions:
        return fail(_("give --region ID or --all-regions (not both)"))
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no window, no display needed
    except ImportError:
        return fail(_("matplotlib is needed: pip install 'skillsmap[plot]'"))
    try:
        if args.demo:
            survey = sm.demo_survey(args.n_respondents, seed=args.seed, framework=args.framework)
        else:
            survey = _read(args, sm)
        common = {
            "force": args.force,
            "n_boot": args.n_boot,
            "seed": args.seed,
            "min_n": args.min_n,
            # the progress lines in the language of the messages
            "progress": False if args.quiet else messages,
            "lang": args.lang,
        }
        if args.diagnose is not None:
            result = sm.diagnosis(survey, args.diagnose, args.out, **common)
        elif args.all_regions:
            result = sm.diagnoses(survey, args.out, **common)
        else:
            result = sm.report(survey, args.out, by=args.by, title=args.title, **common)
    except sm.ValidationError as err:
        print(str(err), file=sys.stderr)
        return 1
    except sm.SkillsMapError as err:
        _error("report", err)
        return 1
    except (OSError, ValueError, ImportError) as err:
        _error("report", err)
        return 2
    for f in result.figures:
        if f.omitted is not None:
            text = _("omitted {figure}: {why}").format(figure=f.key, why=f.omitted)
            print(text, file=sys.stderr)
    print(result.index.resolve())
    return 0


def _print_issues(file: str, issues: Any, fmt: str, survey: Any = None) -> None:
    """Every problem of a file as JSON or CSV on standard output."""
    import json

    import pandas as pd

    columns = ["row", "column", "value", "code", "reason"]
    table = pd.DataFrame(columns=columns) if issues is None else issues[columns]
    if fmt == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    records = [
        {k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in table.astype(object).to_dict("records")
    ]
    doc: dict[str, Any] = {"file": file, "valid": issues is None, "n_issues": len(records)}
    if survey is not None:
        doc.update(n_respondents=survey.n_respondents, n_answers=survey.n_answers)
    doc["issues"] = records
    json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status.

    Output piped into a program that stops reading (``| head -1``) ends
    the command quietly, as with any Unix tool, not with a traceback.
    """
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader is gone: point stdout at devnull so that Python's
        # final flush does not fail again, and exit as `head` expects
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    messages = _message_language(argv)
    _ = Lang(messages).gettext
    args = _parser(_).parse_args(argv)
    # --lang before the command means the same as after it
    args.lang = getattr(args, "lang", None) or args.messages_lang
    import skillsmap as sm

    if args.version:
        print(f"skillsmap {sm.__version__}")
        return 0
    if args.command == "validate":
        return _validate(args, sm, _)
    if args.command == "summary":
        if args.demo == bool(args.file):
            _error("summary", _("give a FILE or --demo (not both)"))
            return 2
        try:
            if args.demo:
                survey = sm.demo_survey(args.n_respondents, seed=args.seed)
            else:
                survey = _read(args, sm)
        except sm.SkillsMapError as err:
            print(str(err), file=sys.stderr)
            return 1
        except (OSError, ValueError, ImportError) as err:
            _error("summary", err)
            return 2
        # English is the core's text, unchanged for scripts that read it;
        # another language is the same summary formatted in Python
        print(survey.summary(lang=None if messages == "en" else messages))
        return 0
    if args.command == "report":
        return _report(args, sm, _, messages)
    if args.command == "questionnaire":
        return _questionnaire(args, sm, _)
    _parser(_).print_help()
    return 2


def _validate(args: argparse.Namespace, sm: Any, _: Any) -> int:
    try:
        survey = _read(args, sm)
    except sm.ValidationError as err:
        issues = err.issues
        n = len(issues)
        if args.format != "text":
            _print_issues(args.file, issues, args.format)
            return 1
        found = _("{file}: 1 problem") if n == 1 else _("{file}: {n} problems")
        print(found.format(file=args.file, n=n), file=sys.stdout)
        shown = issues.head(args.max_issues).astype({"row": object}).fillna({"row": "-"})
        print(shown.to_string(index=False))
        if n > args.max_issues:
            print(_("… and {n} more").format(n=n - args.max_issues))
        return 1
    except (OSError, ValueError, ImportError) as err:
        _error("validate", err)
        return 2
    if args.format != "text":
        _print_issues(args.file, None, args.format, survey)
        return 0
    print(
        _(
            "{file}: OK — {respondents} respondents, {answers} answers, {regions} regions, "
            "framework {framework}"
        ).format(
            file=args.file,
            respondents=survey.n_respondents,
            answers=survey.n_answers,
            regions=len(survey.respondents["region"].unique()),
            framework=survey.framework.id,
        )
    )
    return 0
