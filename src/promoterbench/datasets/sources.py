"""Where a data set's files come from: a Zenodo record with each file's name and published MD5,
fetched through :mod:`promoterbench.download` (or linked from a local folder) and verified."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from promoterbench import download

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFile:
    """One file of a record; ``md5`` None where no digest is published (then it is not checked)."""

    name: str
    md5: str | None


@dataclass(frozen=True)
class ZenodoRecord:
    """A Zenodo record: its number, its files, and their published total size in bytes."""

    record: int
    files: tuple[SourceFile, ...]
    total_bytes: int | None = None

    @property
    def base_url(self) -> str:
        return f"https://zenodo.org/records/{self.record}/files"

    def file(self, name: str) -> SourceFile:
        """The file called ``name``; a KeyError listing the record's files otherwise."""
        for source in self.files:
            if source.name == name:
                return source
        known = ", ".join(f.name for f in self.files)
        raise KeyError(f"Zenodo record {self.record} has no file {name!r} here (known: {known})")


def obtain(
    record: ZenodoRecord,
    name: str,
    dest: str | os.PathLike,
    setting: str,
    local_dir: str | os.PathLike | None = None,
    base_url: str | None = None,
    verify: bool = True,
) -> Path:
    """Put file ``name`` of ``record`` at ``dest``: linked from ``local_dir`` when given, else
    downloaded from ``base_url`` (default: the record on Zenodo); its MD5 is checked either way
    where one is published, unless ``verify`` is false (a copy that is not the record's, such as
    a test fixture: a warning says so). ``setting`` is the config section that errors name."""
    source, dest = record.file(name), Path(dest)
    if not verify:
        log.warning("%s: %s.verify_md5 is false, so %s is not verified", dest, setting, name)
        source = SourceFile(source.name, None)
    if local_dir is not None:
        download.link_local(local_dir, name, dest, setting=setting)
        if source.md5 is not None:
            try:
                download.verify_md5(dest, source.md5)
            except download.DownloadError:
                dest.unlink()  # the link, never the original
                raise
    else:
        url = download.url_for(base_url or record.base_url, name)
        download.fetch(url, dest, md5=source.md5, setting=setting)
    if source.md5 is None and verify:
        log.warning("%s: no MD5 is published for %s, so the file is not verified", dest, name)
    return dest
