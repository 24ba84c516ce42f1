"""Access to a user's Anki collection file: refuse when locked, open, install note types.

Owns the boundary with the ``anki`` package for ``dlflash sync``. A file that
is not an Anki collection, and a collection that Anki (or anything else) holds
open, are refused before Anki touches them, and a
dry run reads a copy, because opening a collection with ``anki`` may rewrite
the file (journal mode, schema upgrades) even when nothing is changed.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

from dlflash.anki.notetypes import NoteTypeSpec, deck_css
from dlflash.errors import CollectionRefused, UsageError

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.dbproxy import DBProxy
    from anki.models import NotetypeDict, NotetypeId

# Anki stores a cloze note type with type 1 (MODEL_CLOZE in anki.consts).
CLOZE_KIND = 1


# the first bytes of every SQLite database file (sqlite.org/fileformat.html) and of a zip (.colpkg, .apkg)
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
# tables every Anki collection has had since the 2.1 schema (Anki's rslib/src/storage/schema11.sql)
ANKI_TABLES = frozenset({"col", "notes", "cards", "revlog", "graves"})
_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


def check_not_locked(path: Path) -> None:
    """Refuse what is not an Anki collection, or one another process holds (Anki locks it while open).

    Runs before Anki opens the file: Anki would turn any SQLite database into a collection.
    """
    if not path.is_file():
        raise UsageError(f"collection not found: {str(path)!r}")
    _check_is_sqlite(path)
    try:
        probe = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=0, isolation_level=None)
    except sqlite3.Error as exc:
        raise CollectionRefused(f"{path}: cannot open the collection file: {exc}") from exc
    try:
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
        tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", None) in _BUSY:
            raise CollectionRefused(_locked_message(path, str(exc))) from exc
        raise CollectionRefused(f"{path}: not an Anki collection ({exc}); nothing was changed") from exc
    finally:
        probe.close()
    if missing := sorted(ANKI_TABLES - tables):
        raise CollectionRefused(
            f"{path}: not an Anki collection: an SQLite database without Anki's tables {missing}; "
            "point --collection at collection.anki2 in your Anki profile folder. Nothing was changed."
        )


def _check_is_sqlite(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return
    what = (
        "a zip archive (a .colpkg backup or an .apkg deck): import it in Anki with File > Import, or"
        if head.startswith(ZIP_MAGIC)
        else "not an SQLite database:"
    )
    raise CollectionRefused(
        f"{path}: not an Anki collection, {what} point --collection at collection.anki2 in your Anki profile "
        "folder. Nothing was changed."
    )


def _locked_message(path: Path, detail: str) -> str:
    return (
        f"{path}: the collection is open in Anki or locked by another program ({detail}); "
        "close Anki (or finish its sync) and run again. Nothing was changed."
    )


def media_folder(path: Path) -> Path:
    """The collection's media folder: Anki's ``collection.media`` beside ``collection.anki2``.

    Anki derives it only from a name ending in ``.anki2`` (any other name would make the
    collection file its own media folder); another name gets its suffix replaced the same way.
    """
    if path.suffix.lower() == ".media":
        return path.with_name(path.name + ".media")
    return path.with_suffix(".media")


@contextmanager
def _media_paths(media: Path) -> Iterator[None]:
    """Collections opened inside get ``media`` as their media folder (``anki`` has no parameter for it).

    Both the backend (``anki.collection``) and ``MediaManager`` (``anki.media``) derive it from the name.
    """
    import anki.collection
    import anki.media

    modules = (anki.collection, anki.media)
    original = getattr(anki.media, "media_paths_from_col_path")  # noqa: B009 (not exported: mypy)

    def paths(_col_path: str) -> tuple[str, str]:
        return (str(media), f"{media}.db2")

    for module in modules:
        setattr(module, "media_paths_from_col_path", paths)  # noqa: B010
    try:
        yield
    finally:
        for module in modules:
            setattr(module, "media_paths_from_col_path", original)  # noqa: B010


@contextmanager
def open_collection(path: Path, *, copy: bool = False) -> Iterator[Collection]:
    """Open the collection (or, with ``copy``, a throw-away copy of it) and close it after."""
    check_not_locked(path)
    try:
        from anki.collection import Collection
        from anki.errors import AnkiException
    except ImportError as exc:
        raise UsageError("dlflash sync needs the anki package: pip install anki==26.9.3") from exc
    with tempfile.TemporaryDirectory(prefix="dlflash-sync-") as tmp:
        target = _copy(path, Path(tmp)) if copy else path
        try:
            with _media_paths(media_folder(target.absolute())):
                col = Collection(str(target))
        except AnkiException as exc:
            raise CollectionRefused(
                _locked_message(path, str(exc))
                if "already open" in str(exc)
                else f"{path}: not a usable Anki collection: {exc}"
            ) from exc
        try:
            yield col
        finally:
            col.close()


def _copy(path: Path, folder: Path) -> Path:
    target = folder / path.name
    shutil.copy2(path, target)
    # an unclean shutdown can leave committed pages in the write-ahead log
    wal = path.with_name(path.name + "-wal")
    if wal.is_file():
        shutil.copy2(wal, target.with_name(target.name + "-wal"))
    return target


def db(col: Collection) -> DBProxy:
    assert col.db is not None, "an open collection has a database"
    return col.db


def _notetype(col: Collection, model_id: int) -> NotetypeDict | None:
    return col.models.get(cast("NotetypeId", model_id))


def notetype_name(col: Collection, model_id: int) -> str | None:
    notetype = _notetype(col, model_id)
    return None if notetype is None else str(notetype["name"])


def field_names(col: Collection, model_id: int) -> tuple[str, ...] | None:
    """The field names of a note type in the collection, or None if it is absent."""
    notetype = _notetype(col, model_id)
    return None if notetype is None else tuple(f["name"] for f in notetype["flds"])


def install_notetype(col: Collection, spec: NoteTypeSpec) -> None:
    """Add one of our note types under its frozen id (the collection must be reopened after).

    Anki's API always mints a new id for an added note type, but our ids are
    frozen so that the .apkg route and sync agree on the same note type; so we
    add it and then move it to its id in the three tables that key on it.
    """
    models = col.models
    notetype = models.new(spec.name)
    for name in spec.fields:
        models.add_field(notetype, models.new_field(name))
    for name, question, answer in spec.templates:
        template = models.new_template(name)
        template["qfmt"], template["afmt"] = question, answer
        models.add_template(notetype, template)
    notetype["css"] = deck_css()
    if spec.cloze:
        notetype["type"] = CLOZE_KIND
    minted = models.add_dict(notetype).id
    for table, column in (("notetypes", "id"), ("fields", "ntid"), ("templates", "ntid")):
        db(col).execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", spec.model_id, minted)


def refresh_looks(col: Collection, spec: NoteTypeSpec) -> bool:
    """Give our note type our current templates and CSS (never its fields); True if changed."""
    notetype = _notetype(col, spec.model_id)
    assert notetype is not None, "installed before"
    changed = False
    by_name = {t["name"]: t for t in notetype["tmpls"]}
    for name, question, answer in spec.templates:
        template = by_name[name]
        if (template["qfmt"], template["afmt"]) != (question, answer):
            template["qfmt"], template["afmt"] = question, answer
            changed = True
    if notetype["css"] != deck_css():
        notetype["css"] = deck_css()
        changed = True
    if changed:
        col.models.update_dict(notetype)
    return changed


def looks_differ(col: Collection, spec: NoteTypeSpec) -> bool:
    notetype = _notetype(col, spec.model_id)
    if notetype is None:
        return False
    have = {t["name"]: (t["qfmt"], t["afmt"]) for t in notetype["tmpls"]}
    want = {name: (q, a) for name, q, a in spec.templates}
    return notetype["css"] != deck_css() or any(have.get(k) != v for k, v in want.items())


def template_names(col: Collection, model_id: int) -> tuple[str, ...]:
    notetype = _notetype(col, model_id)
    return () if notetype is None else tuple(t["name"] for t in notetype["tmpls"])
