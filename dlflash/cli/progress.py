"""Progress of long commands on a terminal: shown on stderr when it is a terminal, silent otherwise.

click's own ``progressbar`` still prints its label once when the stream is not
a terminal; piped output, CI logs and tests must not change, so nothing at all
is written there.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


def on_terminal() -> bool:
    return sys.stderr.isatty()


def stage(message: str) -> None:
    """Name the step that starts now (``rendering 412 cards``)."""
    if on_terminal():
        click.echo(f"{message} ...", err=True)


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A bar of ``length`` steps; the caller advances it with the yielded ``update(n)``."""
    if not on_terminal() or length == 0:
        yield lambda _steps: None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update
