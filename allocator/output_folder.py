"""Where allocator writes: whole folders it made, staged beside their target, each with a manifest.

Every output (a run folder, an HTML report, a synthetic geography) is a folder. It is written into
``.<name>.partial-<pid>`` beside the target, its ``manifest.json`` is written last, and only then is it
moved into place, so an interrupted write leaves no half-written output.

The manifest lists every file with its size and SHA-256, the allocator version and the kind of folder.
It is what lets allocator recognise its own folders: a target is replaced only when it is absent, empty,
or a folder of the same kind that allocator made and that holds nothing the manifest does not account
for. Anything else (a folder of the user's documents, a web site with its own index.html, a file, the
current folder, a place under /proc) is refused with an input error before anything is touched. Readers
check the manifest too, so a damaged folder is refused with the name of the damaged file.

Folders left by a killed write (``.<name>.partial-<pid>``, ``.<name>.old-<pid>``) are cleaned up by the
next write to the same target, when their process is gone and they belong to the same user; an old
folder whose replacement never arrived is put back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

from allocator.errors import InputError, Problem
from allocator.paths import SYSTEM_ROOTS

MANIFEST = "manifest.json"
FORMAT = 1
"""Version of the manifest's layout."""
MAX_MANIFEST_BYTES = 10_000_000


class OutputError(InputError):
    """The output cannot be written where asked (exit 2); nothing was touched."""

    default_title = "cannot write the output"


class DamagedFolderError(InputError):
    """A folder allocator reads is not one it wrote, or was changed or damaged since (exit 2)."""

    default_title = "the folder cannot be read"


# --- the manifest ----------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _version() -> str:
    try:
        return metadata.version("allocator")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def write_manifest(folder: Path, kind: str, unlisted: Iterable[str] = ()) -> None:
    """Write ``manifest.json`` listing every file of ``folder`` (relative path, bytes, SHA-256).

    Args:
        folder: the finished folder.
        kind: ``run``, ``report`` or ``geodata``.
        unlisted: top-level names whose content may vary or is covered by its own manifest (e.g.
            ``timings.json``; a ``report`` subfolder); they are named in the manifest, not hashed.
    """
    skip = set(unlisted)
    files = {}
    for path in _files(folder):
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST or rel.split("/")[0] in skip:
            continue
        files[rel] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    manifest = {
        "allocator_manifest": FORMAT,
        "kind": kind,
        "allocator_version": _version(),
        "unlisted": sorted(skip),
        "files": files,
    }
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def read_manifest(folder: Path) -> dict[str, object] | None:
    """The folder's manifest, or None when it has none that allocator could have written."""
    path = Path(folder) / MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("allocator_manifest") != FORMAT:
        return None
    files, unlisted = data.get("files"), data.get("unlisted", [])
    if not isinstance(files, dict) or not isinstance(unlisted, list) or not isinstance(data.get("kind"), str):
        return None
    return data


def check_folder(folder: Path, kind: str, required: Iterable[str] = ()) -> None:
    """Raise DamagedFolderError unless ``folder`` is an intact ``kind`` folder allocator wrote: its
    manifest present and listing every ``required`` file, every listed file there, a regular file (not
    a link), with the listed size and SHA-256.

    A folder handed over by someone else is hostile input too: a manifest naming ``../x`` or
    ``/etc/passwd``, or a file linked to ``/dev/zero``, is damage, never followed.
    """
    folder = Path(folder)
    what = {"run": "a run folder (`allocator run` writes one)", "report": "a report folder"}.get(kind, kind)
    if not folder.is_dir():
        raise DamagedFolderError([Problem(str(folder), "", f"is not a folder; expected {what}")])
    manifest = read_manifest(folder)
    if manifest is None:
        message = (
            f"has no readable {MANIFEST}, so it is not {what} made by this version of allocator, or it was "
            "damaged; run `allocator run` again"
        )
        raise DamagedFolderError([Problem(str(folder / MANIFEST), "", message)])
    if manifest["kind"] != kind:
        message = f"says this is a {manifest['kind']} folder; expected {what}"
        raise DamagedFolderError([Problem(str(folder / MANIFEST), "", message)])
    problems = [
        Problem(str(folder / name), "", f"is not listed in {MANIFEST}; a {kind} folder always has it")
        for name in required
        if name not in manifest["files"]
    ]
    for rel, entry in sorted(manifest["files"].items()):
        damage = _damage(folder, rel, entry)
        if damage:
            problems.append(
                Problem(str(folder / rel) if damage != _WRONG else str(folder / MANIFEST), "", damage)
            )
    if problems:
        raise DamagedFolderError(
            problems, title=f"{folder} is damaged or was changed after allocator wrote it"
        )


_WRONG = "lists a file outside the folder, or lists it wrongly"


def _damage(folder: Path, rel: str, entry: object) -> str | None:
    parts = Path(rel).parts
    if not isinstance(entry, dict) or Path(rel).is_absolute() or ".." in parts or not parts:
        return _WRONG
    path = folder / rel
    if path.is_symlink():
        return "is a symbolic link; allocator writes only regular files"
    if not path.is_file():
        return "is missing"
    size, listed = path.stat().st_size, entry.get("bytes")
    if size != listed:
        said = f"{listed:,}" if isinstance(listed, int) else repr(listed)
        return f"has {size:,} bytes; the manifest says {said} (truncated or changed)"
    if _sha256(path) != entry.get("sha256"):
        return "does not match its SHA-256 in the manifest (changed after allocator wrote it)"
    return None


def _foreign(folder: Path, manifest: dict[str, object]) -> list[str]:
    """Files in ``folder`` its manifest does not account for (listed, unlisted by name, or inside a
    subfolder with an intact manifest of its own)."""
    listed = set(manifest["files"]) | {MANIFEST}
    unlisted = set(manifest.get("unlisted", []))
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.name in unlisted and entry.is_dir() and not entry.is_symlink():
            inner = read_manifest(entry)  # a subfolder with its own manifest, e.g. a run's report
            if inner is None:
                out.append(f"{entry.name}/")
            else:
                out += [f"{entry.name}/{f}" for f in _foreign(entry, inner)]
            continue
        if entry.name in unlisted:
            continue
        if entry.is_dir() and not entry.is_symlink():
            out += [
                p.relative_to(folder).as_posix()
                for p in _files(entry)
                if p.relative_to(folder).as_posix() not in listed
            ]
        elif entry.name not in listed:
            out.append(entry.name)
    return out


# --- where allocator may write ---------------------------------------------------------------------


def _refuse(target: Path, message: str) -> OutputError:
    return OutputError([Problem(str(target), "", message)])


def check_target(target: Path, kind: str) -> None:
    """Raise OutputError unless allocator may write a ``kind`` folder at ``target`` (replacing what is
    there). Nothing is touched either way."""
    target = Path(target)
    absolute = target.absolute()
    resolved = target.resolve()
    for root in SYSTEM_ROOTS:
        if resolved == root or root in resolved.parents:
            raise _refuse(target, f"is under {root}; expected a folder for allocator's output")
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise _refuse(target, "is the current folder or holds it; give a new folder, e.g. runs/my_run")
    if target.is_symlink():
        raise _refuse(target, "is a symbolic link; give the folder itself")
    if target.exists():
        _check_existing(target, kind)
    ancestor = absolute.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise _refuse(target, f"cannot be created: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise _refuse(target, f"cannot be written: no permission to write in {ancestor}")


def _check_existing(target: Path, kind: str) -> None:
    if not target.is_dir():
        raise _refuse(target, f"is a file; expected a folder (new, empty, or an earlier {kind} folder)")
    if not any(target.iterdir()):
        return
    manifest = read_manifest(target)
    if manifest is None or manifest["kind"] != kind:
        raise _refuse(
            target,
            f"holds files allocator did not write (it has no {kind} {MANIFEST}); allocator replaces "
            f"only an empty folder or an earlier {kind} folder it made. Nothing was touched: choose "
            "a new folder, or empty this one",
        )
    foreign = _foreign(target, manifest)
    if foreign:
        listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise _refuse(
            target,
            f"is an earlier {kind} folder, but also holds files allocator did not write ({listed}); "
            "nothing was touched: move them out, or choose a new folder",
        )


# --- staging and replacing -------------------------------------------------------------------------

_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<what>partial|old)-(?P<pid>\d+)$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def clean_leftovers(target: Path) -> list[Path]:
    """Remove (or restore) what killed writes to ``target`` left beside it; return what was removed."""
    target = Path(target)
    parent = target.absolute().parent
    removed = []
    if not parent.is_dir():
        return removed
    for entry in sorted(parent.iterdir()):
        match = _LEFTOVER.match(entry.name)
        if match is None or match["name"] != target.name or not entry.is_dir() or entry.is_symlink():
            continue
        if _alive(int(match["pid"])) or entry.stat().st_uid != os.getuid():
            continue
        if match["what"] == "old" and not target.exists():
            entry.rename(target)  # the write died between moving the old folder out and the new one in
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def publish(tmp: Path, target: Path, kind: str, unlisted: Iterable[str] = ()) -> Path:
    """Write the manifest of the finished folder ``tmp``, then move it to ``target`` (replacing an
    earlier folder of the same kind there, after checking it may be replaced)."""
    target = Path(target)
    check_target(target, kind)
    clean_leftovers(target)
    write_manifest(tmp, kind, unlisted)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        shutil.rmtree(old)
    return target


@contextlib.contextmanager
def staged(target: Path, kind: str, unlisted: Iterable[str] = ()) -> Iterator[Path]:
    """A fresh folder to write ``kind`` output into; published to ``target`` when the block ends, removed
    if it raises (Ctrl-C included).

    Raises:
        OutputError: ``target`` may not be written (checked before the block runs; nothing touched).
    """
    target = Path(target)
    check_target(target, kind)
    clean_leftovers(target)
    tmp = target.absolute().parent / f".{target.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        tmp.mkdir(parents=True)
    except OSError as exc:
        raise _refuse(target, f"cannot be written ({exc.strerror or 'error'})") from None
    try:
        yield tmp
        publish(tmp, target, kind, unlisted)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --- single files ----------------------------------------------------------------------------------


def check_file_target(path: Path) -> None:
    """Raise OutputError unless a file may be written at ``path`` (a file the user named, e.g.
    ``compare --csv``: an existing file there is replaced, a folder never)."""
    path = Path(path)
    resolved = path.resolve()
    for root in SYSTEM_ROOTS:
        if resolved == root or root in resolved.parents:
            raise _refuse(path, f"is under {root}; expected a file for allocator's output")
    if path.is_dir():
        raise _refuse(path, "is a folder; expected the name of a file to write")
    if path.exists() and not path.is_file():
        raise _refuse(path, "is not a regular file (a device, FIFO or socket); expected a file to write")
    parent = path.absolute().parent
    if not parent.is_dir():
        raise _refuse(path, f"cannot be written: its folder {parent} does not exist or is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _refuse(path, f"cannot be written: no permission to write in {parent}")


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file beside it, then a rename)."""
    path = Path(path)
    check_file_target(path)
    tmp = path.absolute().parent / f".{path.name}.partial-{os.getpid()}"
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
