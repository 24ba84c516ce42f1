"""dlflash: a deep-learning cheatsheet as an Anki deck whose formulas are checked against PyTorch.

The package is the pipeline of ``DESIGN.md``, one module per stage:
``yamlsource``/``load`` (cards), ``facts``/``coverage`` (cheatsheet),
``formula`` (AST, evaluation, LaTeX), ``render`` (HTML fields), ``ledger``
(modification times), ``export`` (the .apkg), and ``cli``.
"""
