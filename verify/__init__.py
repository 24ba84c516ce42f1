"""The project's torch references (``verify/references``) and the numeric tests of every card formula."""
