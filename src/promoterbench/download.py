"""Fetch the official challenge files (Zenodo record 10633252) and unpack the id tarballs.

Downloads are written to ``NAME.part`` and renamed only when complete, so an interrupted or
failed transfer never leaves a partial file under the final name. A folder that already holds
the files (``dream2022.local_dir``) is linked instead of copied; the originals are only read.
A file whose MD5 the record publishes is checked: a download before it takes its final name, a
linked copy after linking.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger(__name__)

FILES = (
    "train_sequences.txt",
    "filtered_test_data_with_MAUDE_expression.txt",
    "test_subset_ids.tar.gz",
    "public_leaderboard_ids.tar.gz",
)
# What a config section's local_dir must hold, as its errors say it; other sections: "its files".
HOLDS = {"dream2022": "the four files"}
CHUNK = 8 << 20
TIMEOUT_S = 60


class DownloadError(RuntimeError):
    """A file could not be fetched; the message says how to get it another way."""


def url_for(base_url: str, name: str) -> str:
    """The URL of ``name`` under ``base_url`` (Zenodo wants ``?download=1``)."""
    base = base_url.rstrip("/")
    if base.startswith(("http://", "https://")):
        return f"{base}/{name}?download=1"
    return f"{base}/{name}"


def md5sum(path: str | os.PathLike) -> str:
    """The MD5 hex digest of a file, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_md5(
    path: str | os.PathLike, expected: str, shown: str | os.PathLike | None = None
) -> None:
    """DownloadError naming ``shown`` (default ``path``) when the file's MD5 is not ``expected``."""
    got = md5sum(path)
    if got != expected.lower():
        raise DownloadError(
            f"{shown or path}: MD5 {got} differs from the published {expected}; the copy is "
            "corrupt or not the official file: delete it and download it again"
        )
    log.info("%s: MD5 %s verified", shown or path, got)


def fetch(
    url: str, dest: str | os.PathLike, md5: str | None = None, setting: str = "dream2022"
) -> int:
    """Stream ``url`` to ``dest`` through ``dest.part``; returns the number of bytes.

    With ``md5`` the data must have that digest before it takes the final name. ``setting`` is
    the config section named in the advice of an error (its ``local_dir`` and ``base_url``).
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    done = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, open(part, "wb") as fh:
            size = response.headers.get("Content-Length")  # http(s) and file:// alike
            total = int(size) if size else None
            next_report = 0
            while chunk := response.read(CHUNK):
                fh.write(chunk)
                done += len(chunk)
                if done >= next_report:
                    share = f" of {total / 1e6:.0f} MB ({done / total:.0%})" if total else ""
                    log.info("%s: %.0f MB%s", dest.name, done / 1e6, share)
                    next_report = done + 100 * 10**6
        if total is not None and done != total:
            raise DownloadError(f"{url}: got {done} of {total} bytes")
        if md5 is not None:
            verify_md5(part, md5, shown=url)
    except (urllib.error.URLError, OSError, TimeoutError) as err:
        part.unlink(missing_ok=True)
        reason = getattr(err, "reason", err)
        raise DownloadError(
            f"could not download {url}: {reason}. If this machine is offline, fetch the file "
            f"elsewhere and set {setting}.local_dir (a folder holding "
            f"{HOLDS.get(setting, 'its files')}) or "
            f"{setting}.base_url in config.yaml."
        ) from err
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, dest)
    log.info("%s: %d bytes from %s", dest.name, done, url)
    return done


# Files whose readers take gzip as well: a local NAME.gz stands in for a missing NAME.
GZIP_READABLE = ("train_sequences.txt",)


def link_local(
    folder: str | os.PathLike, name: str, dest: str | os.PathLike, setting: str = "dream2022"
) -> None:
    """Symlink ``folder/name`` to ``dest`` (a clear error, naming ``setting.local_dir``, when it
    is missing).

    The training file may be kept gzip-compressed as ``name.gz``; ingest decompresses it.
    """
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DownloadError(
            f"{setting}.local_dir: {folder} {what}; set it to the folder holding "
            f"{HOLDS.get(setting, 'its files')}"
        )
    candidates = [folder / name] + ([folder / f"{name}.gz"] if name in GZIP_READABLE else [])
    source = next((path for path in candidates if path.is_file()), None)
    if source is None:
        present = [path for path in candidates if path.exists()]
        why = (
            f"{present[0]} is {'a folder' if present[0].is_dir() else 'a special file'}, not a file"
            if present
            else f"{' or '.join(map(str, candidates))} does not exist"
        )
        raise DownloadError(f"{setting}.local_dir: {why}")
    Path(dest).symlink_to(source)
    log.info("%s -> %s", dest, source)


def extract_named(
    tarball: str | os.PathLike, names: list[str], dest_dir: str | os.PathLike
) -> None:
    """Copy the members called ``names`` out of ``tarball`` into ``dest_dir``, wherever they sit.

    Only regular files are read and written under their base name, so odd paths inside the
    archive cannot escape ``dest_dir``. Missing or duplicated names are an error.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        found: dict[str, list[tarfile.TarInfo]] = {}
        for member in tar.getmembers():
            if member.isfile():
                found.setdefault(Path(member.name).name, []).append(member)
        missing = [n for n in names if n not in found]
        if missing:
            raise DownloadError(f"{tarball}: no member named {', '.join(missing)}")
        doubles = [n for n in names if len(found[n]) > 1]
        if doubles:
            raise DownloadError(f"{tarball}: several members named {', '.join(doubles)}")
        for name in names:
            with tar.extractfile(found[name][0]) as src, open(dest / name, "wb") as out:
                shutil.copyfileobj(src, out)
    log.info("%s: extracted %d files into %s", tarball, len(names), dest)
