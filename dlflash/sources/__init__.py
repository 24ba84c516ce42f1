"""Stage 1, the sources: YAML card files, the cheatsheet's facts and their coverage, read and validated.

``yamltree`` (YAML text to located nodes) → ``cards`` (card files to ``Card`` values) and ``facts``
(the cheatsheet to ``Fact`` values) → ``coverage`` (facts x cards).
"""
