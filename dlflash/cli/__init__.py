"""The command-line interface; each module below registers its commands on ``main``."""

from dlflash.cli import coverage as _coverage  # noqa: F401  (registers coverage, facts, draft)
from dlflash.cli import deck as _deck  # noqa: F401  (registers check, build)
from dlflash.cli import formula as _formula  # noqa: F401  (registers verify, errata)
from dlflash.cli import health as _health  # noqa: F401  (registers health)
from dlflash.cli import lint as _lint  # noqa: F401  (registers lint)
from dlflash.cli import preview as _preview  # noqa: F401  (registers preview)
from dlflash.cli import sync as _sync  # noqa: F401  (registers sync, retired, stats)
from dlflash.cli.app import main

__all__ = ["main"]
