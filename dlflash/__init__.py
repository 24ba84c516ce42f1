"""dlflash: notes and YAML cards to an Anki deck whose formulas are checked against PyTorch.

The packages are the stages of the pipeline, in import order (``tests/test_layers.py``):
``sources`` (card files, the notes' facts, coverage) → ``text`` (Markdown) → ``formula`` (AST,
evaluation, LaTeX) → ``verify`` (formulas against torch references) → ``anki`` (note types, GUIDs,
ledger, package, collection) → ``render`` (note fields, figures, MathJax) → ``checks`` (what
``dlflash check`` runs) → ``report`` (stats, forecast); then the products ``build`` and ``preview``,
and ``cli``. ``model``, ``errors``, ``config`` and ``fileio`` are the base every stage uses.
"""
