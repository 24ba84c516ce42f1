"""Stage 6, rendering: cards to note fields (``fields``), the figures cards show, MathJax typesetting."""
