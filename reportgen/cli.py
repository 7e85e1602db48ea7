"""Command line: arguments in, exit codes out; the work is done by the stages.

Exit codes: 0 success, 1 problems in the input (printed as path:line: ...),
2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import __version__
from .build import FORMATS, build, check
from .errors import ReportgenError, as_errors, display_path, print_problems
from .load import Project
from .pdf import PDF_VARIANTS  # a tuple: WeasyPrint itself is imported only to make a PDF

COMMANDS = ("build", "check", "add", "reanchor", "paragraphs", "schema", "serve", "watch")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS + ("-h", "--help", "--version"):
        argv.insert(0, "build")  # `reportgen` alone builds the briefing
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ReportgenError as exc:
        print_problems(exc.problems)
        count = sum(p.severity == "error" for p in exc.problems)
        print(f"{count} error{'s' * (count != 1)}; nothing was written.", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="reportgen",
        description="Build side-by-side comparison briefings from annotated source texts. "
                    "With no command, builds the briefing (HTML, JSON and PDF).",
    )
    root.add_argument("--version", action="version", version=f"reportgen {__version__}")
    commands = root.add_subparsers(title="commands", metavar="COMMAND")

    build_cmd = commands.add_parser("build", help="check the annotations and write the report")
    _project_options(build_cmd)
    build_cmd.add_argument("--format", default=",".join(FORMATS),
                           help="comma-separated outputs to write: html,json,pdf (default: all)")
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

    add_cmd = commands.add_parser(
        "add", help="copy a new source into seeds/ and write its skeleton annotation file")
    add_cmd.add_argument("source", type=Path, help="the text file to add")
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

    schema_cmd = commands.add_parser("schema", help="print the JSON Schema of the annotation files")
    schema_cmd.set_defaults(run=run_schema)
    return root


def _project_options(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("locations")
    group.add_argument("--project", type=Path, metavar="DIR",
                       help="folder holding annotations/, seeds/ (and optionally templates/); "
                            "default: the bundled corpus")
    group.add_argument("--annotations", type=Path, metavar="DIR", help="annotations folder")
    group.add_argument("--seeds", type=Path, metavar="DIR", help="source texts folder")
    group.add_argument("--templates", type=Path, metavar="DIR", help="Jinja2 templates folder")
    group.add_argument("--output", "-o", type=Path, metavar="DIR", help="where reports are written")


def project_from(args: argparse.Namespace) -> Project:
    return Project.at(args.project, annotations=args.annotations, seeds=args.seeds,
                      templates=args.templates, output=args.output)


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
    result = build(project_from(args), formats, force=args.force, pdf_variant=args.pdf_variant,
                   strict=args.strict)
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

    seed, skeleton, count = add_source(project_from(args), args.source)
    print(f"copied {display_path(args.source)} to {display_path(seed)}")
    print(f"wrote {display_path(skeleton)} with {count} paragraphs to annotate; "
          "reportgen check lists what is left")
    return 0


def run_reanchor(args: argparse.Namespace) -> int:
    from .sources import reanchor

    lines, orphans = reanchor(project_from(args), write=args.write)
    for line in lines:
        print(line)
    if not lines:
        print("every annotation still points at its paragraph")
    elif not args.write:
        print("nothing was changed; run with --write to update the anchors in place")
    return 1 if orphans else 0


def run_paragraphs(args: argparse.Namespace) -> int:
    from .sources import paragraph_listing

    print(paragraph_listing(args.source, args.segmentation))
    return 0


def run_check(args: argparse.Namespace) -> int:
    comparison, warnings = check(project_from(args))
    if args.strict and warnings:
        raise as_errors(warnings)
    print_problems(warnings)
    for note in comparison.notes:  # worth knowing, never a failure
        print(f"note: {note}", file=sys.stderr)
    briefing = comparison.briefing
    paragraphs = len(briefing.paragraphs)
    print(f"ok: {len(briefing.documents)} sources, {paragraphs} paragraphs annotated, "
          f"{len(briefing.themes)} themes, {len(briefing.findings)} findings, "
          f"{len(comparison.computed)} compared claims")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from .schema import json_schemas

    print(json.dumps(json_schemas(), indent=2))
    return 0
