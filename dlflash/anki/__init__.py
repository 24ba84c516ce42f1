"""Stage 5, Anki's concepts, one a module: note types, GUIDs, the ledger of mtimes, the package,
a card as the reviewer shows it, a learner's collection, sync and retired notes."""
