"""Command line: arguments in, exit codes out; the work is done by the stages.

Exit codes: 0 success, 1 problems in the input (printed as path:line: ...),
2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

from . import __version__
from .build import FORMATS, build, check
from .exports import DEFAULT_TARGETS, EXPORT_FORMATS
from .errors import ReportgenError, as_errors, counted, display_path, print_problems
from .progress import Progress
from .project import Project
from .pdf import PDF_VARIANTS  # a tuple: WeasyPrint itself is imported only to make a PDF

COMMANDS = ("build", "check", "init", "add", "reanchor", "paragraphs", "schema", "serve", "watch",
            "export", "import", "suggest", "accept", "reject")
BROKEN_PIPE = 141  # what a shell reports for a writer its reader stopped (128 + SIGPIPE)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS + ("-h", "--help", "--version"):
        argv.insert(0, "build")  # `reportgen` alone builds the briefing
    args = parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a reader that stopped early shows up here, not at exit
        return code
    except ReportgenError as exc:
        print_problems(exc.problems)
        count = sum(p.severity == "error" for p in exc.problems)
        print(f"{count} error{'s' * (count != 1)}; nothing was written.", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `reportgen schema | head`: end quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        return BROKEN_PIPE


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="reportgen",
        description="Build side-by-side comparison briefings from annotated source texts. "
                    "With no command, builds the briefing (HTML, JSON, the full PDF and the brief). Commands work "
                    "on the project in the current folder: the nearest folder, this one or a "
                    "parent, holding annotations/.",
    )
    root.add_argument("--version", action="version", version=f"reportgen {__version__}")
    commands = root.add_subparsers(title="commands", metavar="COMMAND")

    build_cmd = commands.add_parser("build", help="check the annotations and write the report")
    _project_options(build_cmd)
    build_cmd.add_argument("--format", default=",".join(FORMATS),
                           help="comma-separated outputs to write: html (report.html), json (report.json), "
                                "pdf (report.pdf, the full report), brief (brief.pdf) "
                                "(default: all)")
    build_cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build_cmd.add_argument("--force", action="store_true",
                           help="rebuild every output even if its inputs did not change")
    build_cmd.add_argument("--pdf-variant", metavar="VARIANT", choices=PDF_VARIANTS,
                           help="write the PDF as this variant: pdf/ua-1 is tagged and "
                                f"accessible (about 10%% slower); one of {', '.join(PDF_VARIANTS)}")
    build_cmd.set_defaults(run=run_build)

    check_cmd = commands.add_parser("check", help="check sources and annotations, write nothing")
    _project_options(check_cmd)
    check_cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check_cmd.set_defaults(run=run_check)

    init_cmd = commands.add_parser(
        "init", help="make a new project: annotations/ with starter files, seeds/, .gitignore")
    init_cmd.add_argument("folder", type=Path, nargs="?", default=Path("."), metavar="DIR",
                          help="where to make it (default: the current folder)")
    init_cmd.add_argument("--example", action="store_true",
                          help="write the bundled example corpus (sources and annotations) instead")
    init_cmd.set_defaults(run=run_init)

    add_cmd = commands.add_parser(
        "add", help="copy a new source into seeds/ and write its skeleton annotation file")
    add_cmd.add_argument("sources", type=Path, nargs="+", metavar="SOURCE",
                         help="the text files to add")
    _project_options(add_cmd)
    add_cmd.set_defaults(run=run_add)

    reanchor_cmd = commands.add_parser(
        "reanchor", help="re-find annotated paragraphs by their quotes after a source was edited")
    reanchor_cmd.add_argument("--write", action="store_true",
                              help="update the para numbers (and quotes) in place; "
                                   "comments and everything else are kept")
    _project_options(reanchor_cmd)
    reanchor_cmd.set_defaults(run=run_reanchor)

    paragraphs_cmd = commands.add_parser(
        "paragraphs", help="show how a source is split into numbered paragraphs")
    paragraphs_cmd.add_argument("source", type=Path, help="a text file (e.g. seeds/x.txt)")
    paragraphs_cmd.add_argument("--segmentation", choices=("auto", "blocks", "lines"),
                                default="auto")
    paragraphs_cmd.set_defaults(run=run_paragraphs)

    serve_cmd = commands.add_parser(
        "serve", help="serve the report on 127.0.0.1, rebuild on every save, reload the page")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve_cmd.add_argument("--open", action="store_true", help="open the page in a browser")
    _project_options(serve_cmd)
    serve_cmd.set_defaults(run=run_serve)

    watch_cmd = commands.add_parser(
        "watch", help="rebuild the outputs (PDF included) whenever an input changes")
    watch_cmd.add_argument("--format", default=",".join(FORMATS),
                           help="comma-separated outputs to rebuild (default: all)")
    _project_options(watch_cmd)
    watch_cmd.set_defaults(run=run_watch)

    export_cmd = commands.add_parser(
        "export", help="write the checked briefing as csv, json, w3c (Web Annotations) or qdpx")
    export_cmd.add_argument("format", choices=EXPORT_FORMATS, metavar="FORMAT",
                            help=f"one of {', '.join(EXPORT_FORMATS)} (see docs/formats.md)")
    _project_options(export_cmd, output_help="where to write it (a folder for csv); default: "
                                             "build/export/...")
    export_cmd.set_defaults(run=run_export)

    import_cmd = commands.add_parser(
        "import", help="add the sources, codes and coding of a REFI-QDA project (.qdpx)")
    import_cmd.add_argument("qdpx", type=Path, metavar="PATH.qdpx", help="the file to import")
    import_cmd.add_argument("--segmentation", choices=("fit", "auto", "blocks", "lines"),
                            default="fit", help="how to split the sources into paragraphs; "
                            "fit (default): the split the coded selections fit best")
    _project_options(import_cmd)
    import_cmd.set_defaults(run=run_import)

    schema_cmd = commands.add_parser("schema", help="print the JSON Schema of the annotation files")
    schema_cmd.add_argument("--write", type=Path, metavar="DIR",
                            help="write one KIND.schema.json per file kind into DIR instead "
                                 "(annotations/schemas refreshes a project's)")
    schema_cmd.set_defaults(run=run_schema)
    _suggestion_commands(commands)
    return root


def _suggestion_commands(commands) -> None:
    """suggest, accept, reject: the discrepancy assistant (reportgen.decisions)."""
    suggest_cmd = commands.add_parser(
        "suggest", help="propose agreements, discrepancies and themes the annotations lack "
                        "(writes build/suggestions.json)")
    suggest_cmd.add_argument("--all", action="store_true", help="list every suggestion, "
                             "not only the strongest")
    _project_options(suggest_cmd)
    suggest_cmd.set_defaults(run=run_suggest)
    for name, text in (("accept", "add a suggestion to the annotations: a finding, or themes"),
                       ("reject", "record a suggestion as rejected: it is not suggested again")):
        command = commands.add_parser(name, help=text)
        command.add_argument("id", metavar="ID", help="the suggestion's id (or its first characters)")
        _project_options(command)
        command.set_defaults(run=run_decision, decide=name)


def _project_options(command: argparse.ArgumentParser, output_help: str = "") -> None:
    group = command.add_argument_group("locations")
    group.add_argument("--project", type=Path, metavar="DIR",
                       help="folder holding annotations/, seeds/ (and optionally templates/); "
                            "default: the nearest folder, this one or a parent, holding "
                            "annotations/")
    group.add_argument("--annotations", type=Path, metavar="DIR", help="annotations folder")
    group.add_argument("--seeds", type=Path, metavar="DIR", help="source texts folder")
    group.add_argument("--templates", type=Path, metavar="DIR", help="Jinja2 templates folder")
    group.add_argument("--output", "-o", type=Path, metavar="PATH" if output_help else "DIR",
                       help=output_help or "where reports are written")


def project_from(args: argparse.Namespace) -> Project:
    """The project the command works on, announced in one line on standard error."""
    project = Project.discover(project=args.project, annotations=args.annotations,
                               seeds=args.seeds, templates=args.templates, output=args.output)
    print(project.describe(), file=sys.stderr, flush=True)
    return project


def say_if_empty(project: Project) -> None:
    """A project with no sources yet is not an error, but say what to do next."""
    if not project.source_files() and not project.document_files():
        print(f"no sources yet: add each one with `{project.command('add', 'FILE')}`",
              file=sys.stderr)


def formats_from(args: argparse.Namespace) -> tuple[str, ...] | None:
    """The --format list, or None (with the usage message printed) if it names no output."""
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    if formats and all(f in FORMATS for f in formats):
        return formats
    print(f"reportgen: --format expects some of {', '.join(FORMATS)}, "
          f"but received: {args.format!r}", file=sys.stderr)
    return None


def run_build(args: argparse.Namespace) -> int:
    formats = formats_from(args)
    if formats is None:
        return 2
    started = time.perf_counter()
    project = project_from(args)
    result = build(project, formats, force=args.force, pdf_variant=args.pdf_variant,
                   strict=args.strict, progress=Progress(sys.stderr))
    say_if_empty(project)
    print_problems(result.warnings)
    for line in result.changes:
        print(f"changed: {line}")
    for path in result.written:
        print(f"wrote {display_path(path)}")
    took = f"{time.perf_counter() - started:.2f} s"
    if not result.written:
        print(f"nothing changed; nothing written ({took})")
    else:
        up_to_date = f"; up to date: {', '.join(result.skipped)}" if result.skipped else ""
        print(f"built in {took}{up_to_date}")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(project_from(args), port=args.port, open_browser=args.open)


def run_watch(args: argparse.Namespace) -> int:
    from .serve import watch

    formats = formats_from(args)
    return 2 if formats is None else watch(project_from(args), formats)


def run_add(args: argparse.Namespace) -> int:
    from .sources import add_source

    project = project_from(args)
    problems: list = []
    added = 0
    for source in args.sources:  # each on its own: one refused leaves the others added
        try:
            seed, skeleton, count = add_source(project, source)
        except ReportgenError as exc:
            problems += exc.problems
            continue
        added += 1
        if seed.resolve() != Path(source).resolve():  # a text already in seeds/ stays as it is
            print(f"copied {display_path(source)} to {display_path(seed)}")
        print(f"wrote {display_path(skeleton)} with {counted(count, 'paragraph')} to annotate; "
              f"`{project.command('check')}` lists what is left")
    if problems and not added:
        raise ReportgenError(problems)
    if problems:
        print_problems(problems)
        print(f"added {added} of {len(args.sources)} sources; the others were not",
              file=sys.stderr)
        return 1
    return 0


def run_init(args: argparse.Namespace) -> int:
    from .starter import init_example, init_project

    folder = args.folder
    made = Project.at(folder)
    print(made.describe(), file=sys.stderr, flush=True)
    if args.example:
        written = init_example(folder)
        print(f"wrote the example briefing to {display_path(folder)}/: "
              f"{len(written)} files, sources in seeds/, annotations in annotations/")
        print(f"next: {_in(folder, made.command('build'))} builds it into "
              f"{display_path(made.output)}/")
        return 0
    for path in init_project(folder):
        print(f"wrote {display_path(path)}")
    print(f"next: {_in(folder, made.command('add', 'FILE'))} for each source text, then give "
          f"its paragraphs themes in annotations/documents/ and run `reportgen check`")
    return 0


def _in(folder: Path, command: str) -> str:
    """``command`` as run from ``folder``: commands find the project from there."""
    if folder.resolve() == Path.cwd().resolve():
        return f"`{command}`"
    return f"`cd {shlex.quote(display_path(folder))} && {command}`"


def run_reanchor(args: argparse.Namespace) -> int:
    from .sources import reanchor

    project = project_from(args)
    lines, orphans = reanchor(project, write=args.write)
    for line in lines:
        print(line)
    if not lines:
        print("every annotation still points at its paragraph")
    elif not args.write:
        print(f"nothing was changed; `{project.command('reanchor', '--write')}` "
              "updates the anchors in place")
    return 1 if orphans else 0


def run_paragraphs(args: argparse.Namespace) -> int:
    from .sources import paragraph_listing

    print(paragraph_listing(args.source, args.segmentation))
    return 0


def run_check(args: argparse.Namespace) -> int:
    project = project_from(args)
    comparison, warnings = check(project)
    if args.strict and warnings:
        raise as_errors(warnings)
    print_problems(warnings)
    for note in comparison.notes:  # worth knowing, never a failure
        print(f"note: {note}", file=sys.stderr)
    briefing = comparison.briefing
    paragraphs = len(briefing.paragraphs)
    print(f"ok: {counted(len(briefing.documents), 'source')}, "
          f"{counted(paragraphs, 'paragraph')} annotated, "
          f"{counted(len(briefing.themes), 'theme')}, {counted(len(briefing.findings), 'finding')}, "
          f"{counted(len(comparison.computed), 'compared claim')}")
    say_if_empty(project)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from .exports import export

    target, args.output = args.output, None  # -o names the export, not the report folder
    project = project_from(args)
    comparison, warnings = check(project)
    print_problems(warnings)
    for path in export(comparison, project, args.format,
                       target or project.output / DEFAULT_TARGETS[args.format]):
        print(f"wrote {display_path(path)}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from .qdpx_import import import_qdpx

    project = project_from(args)
    result = import_qdpx(project, args.qdpx, args.segmentation)
    for path in result.written:
        print(f"wrote {display_path(path)}")
    for line in result.notes:
        print(f"note: {line}")
    for line in result.unmapped:
        print(f"not imported: {line}")
    print(result.summary)
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from .editor import write_schema_files
    from .schema import json_schemas

    if args.write is None:
        print(json.dumps(json_schemas(), indent=2))
        return 0
    for path in write_schema_files(args.write):
        print(f"wrote {display_path(path)}")
    return 0


def run_suggest(args: argparse.Namespace) -> int:
    from .decisions import run_suggest as suggest, summary_lines

    project = project_from(args)
    outcome = suggest(project)
    for line in summary_lines(outcome, project, shown=10**9 if args.all else 15):
        print(line)
    return 0


def run_decision(args: argparse.Namespace) -> int:
    from . import decisions

    print(getattr(decisions, args.decide)(project_from(args), args.id))
    return 0
