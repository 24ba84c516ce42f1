"""The click group: the only place that prints problems and chooses exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from dlflash.errors import DlflashError, ProblemsError
from dlflash.model import Problem

F = TypeVar("F", bound=Callable[..., Any])


class DlflashGroup(click.Group):
    """Turns every ``DlflashError`` into its lines on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ProblemsError as exc:
            for problem in exc.problems:
                click.echo(describe(problem), err=True)
            errors = sum(1 for p in exc.problems if p.severity == "error")
            click.echo(f"{errors} problem{'s' if errors != 1 else ''} found", err=True)
            ctx.exit(exc.exit_code)
        except DlflashError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            # a read-only folder, a full disk, a path that is a folder: the file and the reason, not a
            # traceback (every output is written through a temporary file, so nothing is half-written)
            click.echo(f"error: {os_error_message(exc)}", err=True)
            ctx.exit(1)


def os_error_message(exc: OSError) -> str:
    """``file: reason`` for an error of the operating system (the reason as the system words it)."""
    reason = exc.strerror or str(exc)
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    return f"{' -> '.join(names)}: {reason}" if names else reason


def non_empty_path(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--out ""`` named the current folder and ended in a traceback; it must name a file (or be left out)."""
    if value is not None and not value.strip():
        raise click.BadParameter("must name a file, not be empty")
    return value


def describe(problem: Problem) -> str:
    """A problem's line; warnings are marked so they read apart from errors."""
    return f"{problem} (warning)" if problem.severity == "warning" else str(problem)


@click.group(cls=DlflashGroup)
@click.version_option(package_name="dlflash")
def main() -> None:
    """dlflash: notes as an Anki deck whose formulas are verified."""


cards_option = click.option(
    "--cards",
    "cards_dir",
    default="cards",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder with cheatsheet.md and the NN-section.yaml card files.",
)


def out_option(default: str | None, what: str) -> Callable[[F], F]:
    """``--out FILE``: where a command writes its one output file."""
    return click.option(
        "--out",
        default=default,
        show_default=default is not None,
        type=click.Path(dir_okay=False),
        callback=non_empty_path,
        help=f"Where to write {what}.",
    )


def collection_option(help: str, *, required: bool = True) -> Callable[[F], F]:
    """``--collection FILE``: the learner's Anki collection, as the command uses it (``help`` says how)."""
    return click.option("--collection", "collection", required=required, type=click.Path(dir_okay=False), help=help)
