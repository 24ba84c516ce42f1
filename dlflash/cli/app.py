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
        help=f"Where to write {what}.",
    )
