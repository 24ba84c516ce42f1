"""Shared state of the verify tests: the mutation kill rate is summed over every formula and printed."""

from __future__ import annotations

import pytest

KILLS = {"mutants": 0, "killed": 0, "equivalent": 0}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if KILLS["mutants"]:
        rate = 100 * KILLS["killed"] / KILLS["mutants"]
        terminalreporter.write_line(
            f"mutation kill rate: {KILLS['killed']}/{KILLS['mutants']} ({rate:.1f}%),"
            f" {KILLS['equivalent']} listed as equivalent"
        )
