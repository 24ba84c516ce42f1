"""Verify stage: run card formulas against torch references (registry, inputs, runner, mutants, errata)."""
