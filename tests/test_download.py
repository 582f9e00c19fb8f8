"""Fetching the official files: complete or absent, clear errors, tarballs found by name."""

from __future__ import annotations

import gzip
import io
import tarfile
import urllib.request

import pytest

from promoterbench import download, testset
from promoterbench.download import DownloadError


def test_zenodo_urls_ask_for_the_download():
    assert download.url_for(
        "https://zenodo.org/records/10633252/files/", "train_sequences.txt"
    ) == ("https://zenodo.org/records/10633252/files/train_sequences.txt?download=1")
    assert download.url_for("file:///data/zenodo", "x.tar.gz") == "file:///data/zenodo/x.tar.gz"


def test_fetch_copies_a_file_url_completely(tmp_path):
    src = tmp_path / "src.txt"
    src.write_bytes(b"ACGT\t1\n" * 1000)
    dest = tmp_path / "dest.txt"
    assert download.fetch(src.as_uri(), dest) == 7000
    assert dest.read_bytes() == src.read_bytes()
    assert not (tmp_path / "dest.txt.part").exists()


class Broken(io.BytesIO):
    """A response that dies after its first chunk, like a dropped connection."""

    headers = {"Content-Length": "100000000"}

    def read(self, size=-1):
        if self.tell():
            raise ConnectionResetError("connection reset by peer")
        return super().read(size)


def test_an_interrupted_download_leaves_nothing_under_the_final_name(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: Broken(b"x" * 100))
    dest = tmp_path / "train_sequences.txt"
    with pytest.raises(DownloadError, match="connection reset"):
        download.fetch("https://example.org/train_sequences.txt", dest)
    assert not dest.exists() and not (tmp_path / "train_sequences.txt.part").exists()


def test_offline_error_says_what_to_do(tmp_path):
    with pytest.raises(DownloadError) as err:
        download.fetch("https://zenodo.invalid/train_sequences.txt?download=1", tmp_path / "t.txt")
    assert "dream2022.local_dir" in str(err.value) and "zenodo.invalid" in str(err.value)
    assert not list(tmp_path.iterdir())


def test_local_copies_are_linked_not_copied(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train_sequences.txt").write_text("ACGT\t1\n")
    download.link_local(tmp_path / "src", "train_sequences.txt", tmp_path / "linked.txt")
    assert (tmp_path / "linked.txt").is_symlink() and (
        tmp_path / "linked.txt"
    ).read_text() == "ACGT\t1\n"
    with pytest.raises(DownloadError, match="does not exist"):
        download.link_local(tmp_path / "src", "missing.txt", tmp_path / "other.txt")


def test_a_gzip_training_file_in_local_dir_stands_in_for_the_plain_one(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train_sequences.txt.gz").write_bytes(gzip.compress(b"ACGT\t1\n"))
    (tmp_path / "src" / f"{testset.TEST_FILE}.gz").write_bytes(gzip.compress(b"ACGT\t1\n"))
    download.link_local(tmp_path / "src", "train_sequences.txt", tmp_path / "train.txt")
    want = (tmp_path / "src" / "train_sequences.txt.gz").resolve()
    assert (tmp_path / "train.txt").resolve() == want
    with pytest.raises(DownloadError) as err:  # the test file is read uncompressed elsewhere
        download.link_local(tmp_path / "src", testset.TEST_FILE, tmp_path / "test.txt")
    assert str(err.value) == (
        f"dream2022.local_dir: {(tmp_path / 'src').resolve() / testset.TEST_FILE} does not exist"
    )


def make_tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_tarball_members_are_found_by_name_wherever_they_sit(tmp_path):
    make_tar(
        tmp_path / "ids.tar.gz", {"a/b/high.csv": b"1", "low.csv": b"2", "x/../../evil.csv": b"3"}
    )
    download.extract_named(
        tmp_path / "ids.tar.gz", ["high.csv", "low.csv", "evil.csv"], tmp_path / "out"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "evil.csv",
        "high.csv",
        "low.csv",
    ]
    assert (tmp_path / "out" / "high.csv").read_bytes() == b"1"
    assert (tmp_path / "out" / "evil.csv").read_bytes() == b"3"
    # x/../../evil.csv, followed from out/, is tmp_path/evil.csv: nothing written outside out/
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ids.tar.gz", "out"]
    with pytest.raises(DownloadError, match="no member named missing.csv"):
        download.extract_named(tmp_path / "ids.tar.gz", ["missing.csv"], tmp_path / "out2")
    make_tar(tmp_path / "twice.tar.gz", {"a/high.csv": b"1", "b/high.csv": b"2"})
    with pytest.raises(DownloadError, match="several members named high.csv"):
        download.extract_named(tmp_path / "twice.tar.gz", ["high.csv"], tmp_path / "out3")
