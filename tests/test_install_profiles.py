"""`promoterbench install-profiles` where a profile folder of another origin is in the way."""

from __future__ import annotations

from promoterbench import cli, profiles


def test_a_folder_in_the_way_is_named_with_what_is_there_and_the_ways_forward(tmp_path, capsys):
    theirs = tmp_path / "slurm"
    theirs.mkdir()
    (theirs / "config.yaml").write_text("executor: slurm\n")
    assert cli.main(["install-profiles", "--target", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert (
        f"skipped {theirs}: a folder of 1 entry (config.yaml), not promoterbench's slurm "
        "profile, is in the way. Either remove it and run `promoterbench install-profiles` again, "
        "or run `promoterbench install-profiles --force`, which moves it to "
        "slurm.backup-<date> beside it first"
    ) in out
    assert f"linked {tmp_path / 'tpu'} -> " in out  # the other profile is installed
    assert (theirs / "config.yaml").read_text() == "executor: slurm\n"  # untouched


def test_a_link_or_file_in_the_way_is_described_as_such(tmp_path):
    (tmp_path / "slurm").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "tpu").write_text("")
    report = profiles.install(tmp_path)
    assert report[0].startswith(
        f"skipped {tmp_path / 'slurm'}: a link to {tmp_path / 'elsewhere'},"
    )
    assert report[1].startswith(f"skipped {tmp_path / 'tpu'}: a file, not promoterbench's tpu")


def test_force_keeps_a_backup_of_what_it_replaces(tmp_path):
    theirs = tmp_path / "slurm"
    theirs.mkdir()
    (theirs / "config.yaml").write_text("executor: slurm\n")
    report = profiles.install(tmp_path, force=True)
    backups = list(tmp_path.glob("slurm.backup-*"))
    assert len(backups) == 1 and (backups[0] / "config.yaml").read_text() == "executor: slurm\n"
    assert report[0] == f"moved {theirs} (not promoterbench's) to {backups[0]}"
    assert (tmp_path / "slurm").resolve() == profiles.repository_profiles() / "slurm"


def test_installing_again_replaces_our_own_links_without_a_backup(tmp_path):
    profiles.install(tmp_path)
    report = profiles.install(tmp_path)
    assert [line.split()[0] for line in report] == ["linked", "linked"]
    assert not list(tmp_path.glob("*.backup-*"))
