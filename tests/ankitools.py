"""Driving the real Anki backend (the `anki` package) the way a user's import does."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


def import_package(collection: Path, package: Path) -> object:
    """Import with Anki's defaults for notes and note types ("if newer"), scheduling included."""
    col = Collection(str(collection))
    try:
        options = ImportAnkiPackageOptions(
            merge_notetypes=False,
            update_notes=IF_NEWER,
            update_notetypes=IF_NEWER,
            with_scheduling=True,
            with_deck_configs=False,
        )
        response = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
        return response.log
    finally:
        col.close()
