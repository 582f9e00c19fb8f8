"""Bad input, second round: `validate` gives the verdict of `score` and the evaluate rule, and
hostile files (deep nesting, huge numbers, alias bombs, empty or misplaced files) get one named
line, not a traceback. The corpus is tests/data/bad_input, plus files generated here."""

from __future__ import annotations

import gzip
import logging
import shutil
import zlib

import pytest

from bad_input import CORPUS, write_corpus
from promoterbench import cli, config_files, download, formats, scoring, testset
from promoterbench.teams import get_team
from test_cli import GOOD, run_cli
from workflow_helpers import copy_workflow, snakemake


@pytest.fixture(scope="module")
def corpus(small_world, tmp_path_factory):
    design = testset.TestDesign.from_dir(small_world)
    return write_corpus(tmp_path_factory.mktemp("corpus"), design)


def verdicts(capsys, path, truth_dir, split):
    """(exit status, stderr) of validate and of score, and the evaluate rule's error or None."""
    design, truth = testset.load(truth_dir / testset.TEST_FILE, truth_dir, truth_dir)
    try:
        scoring.score_submission(path, truth, design, split)
        rule = None
    except (formats.FormatError, scoring.CoverageError) as err:
        rule = str(err)
    common = ("--truth-dir", truth_dir, "--split", split)
    return run_cli(capsys, "validate", path, *common), run_cli(capsys, "score", path, *common), rule


@pytest.mark.parametrize("split", testset.SPLITS)
def test_validate_score_and_the_evaluate_rule_agree_on_the_corpus(
    corpus, small_world, capsys, split
):
    assert len(corpus) > 20
    for path, accepted in corpus.items():
        validate, score, rule = verdicts(capsys, path, small_world, split)
        if split in accepted:
            assert validate[0] == score[0] == 0 and rule is None, (path, validate, score, rule)
            continue
        assert validate[0] == score[0] == 2, (path, validate, score)
        # one line, the rule's message, naming the file
        assert validate[2] == f"promoterbench validate: error: {rule}\n", path
        assert score[2] == f"promoterbench score: error: {rule}\n", path
        assert rule.startswith(f"{path}: ") and len(rule) < 400, rule


def test_validate_names_the_split_it_scores_on_and_notes_constant_predictions(
    corpus, small_world, capsys
):
    by_name = {path.stem: path for path in corpus}
    code, out, err = run_cli(capsys, "validate", by_name["constant"], "--truth-dir", small_world)
    assert code == 0 and out.endswith(f"{by_name['constant']}: OK (submission, scored on the "
                                      "private split)\n")  # fmt: skip
    assert "note: private split: the predictions are constant in all, high" in err
    code, out, err = run_cli(capsys, "score", by_name["constant"], "--truth-dir", small_world)
    assert "note: private split: the predictions are constant in all, high" in err
    path = by_name["public_only"]
    code, out, err = run_cli(capsys, "validate", path, "--truth-dir", small_world)
    assert code == 0 and out.endswith(f"{path}: OK (submission, scored on the public split)\n")
    assert "scored on public only (not private)" in err


def test_the_split_defaults_to_the_config_in_the_current_folder(
    corpus, small_world, capsys, monkeypatch, tmp_path
):
    path = next(p for p in corpus if p.stem == "private_only")
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "validate", path, "--truth-dir", small_world)[0] == 0  # no config
    (tmp_path / "config.yaml").write_text("split: public\n")
    code, _, err = run_cli(capsys, "validate", path, "--truth-dir", small_world)
    assert code == 2 and "public leaderboard index(es) have no prediction" in err
    assert run_cli(capsys, "validate", path, "--truth-dir", small_world, "--split", "all")[0] == 2
    (tmp_path / "config.yaml").write_text("split: [private\n")
    code, _, err = run_cli(capsys, "score", path, "--truth-dir", small_world)
    assert code == 2 and "config.yaml:2: not valid YAML" in err


@pytest.mark.parametrize(
    "name, message",
    [
        ("empty_object", "an empty object; a submission maps test indices to predictions"),
        ("deep_nesting", "arrays or objects nested too deeply to read"),
        ("long_integer", "the integer 77777777777777777...77777777777777777 (5,000 characters) "
                         "is too large for a float; predictions must be finite numbers"),
        ("integer_overflow", "is too large for a float"),
        ("long_key", "1 index(es) outside the test set 0..769, first: 11111111111111111...1"),
        ("leading_zero_key", "1 key(s) are not integer test indices, first: ['00']"),
    ],
)  # fmt: skip
def test_hostile_submissions_get_one_named_line_without_a_truth_dir(corpus, capsys, name, message):
    path = next(p for p in corpus if p.stem == name)
    code, _, err = run_cli(capsys, "validate", path)
    assert code == 2 and err.startswith(f"promoterbench validate: error: {path}: ")
    assert message.replace("0..769", f"0..{cli.OFFICIAL_TEST_SIZE - 1}") in err
    assert err.count("\n") == 1 and len(err) < 400


# -- the wrong file blamed


def test_an_empty_test_file_is_named(small_world, tmp_path, capsys):
    world = tmp_path / "world"
    shutil.copytree(small_world, world)
    (world / testset.TEST_FILE).write_bytes(b"")
    sub = tmp_path / "sub.json"
    sub.write_text('{"0": 0.5}')
    for command in ("score", "validate"):
        code, _, err = run_cli(capsys, command, sub, "--truth-dir", world)
        assert code == 2 and err == (
            f"promoterbench {command}: error: {world / testset.TEST_FILE}: the test file holds "
            "no sequences (it is empty); download it again\n"
        )


def test_an_id_outside_the_test_set_names_the_id_file_and_the_test_size(small_world, tmp_path):
    world = tmp_path / "world"
    shutil.copytree(small_world, world)
    test = world / testset.TEST_FILE
    lines = test.read_text().splitlines(keepends=True)
    test.write_text("".join(lines[:10]))
    with pytest.raises(formats.FormatError) as err:
        testset.load(test, world, world)
    assert "index(es) outside the test set 0..9 (the test file has 10 sequences), first: " in str(
        err.value
    )
    assert str(err.value).startswith(str(world))


def test_local_dir_that_is_a_file_or_holds_a_folder_is_named(tmp_path):
    folder = tmp_path / "zenodo"
    folder.write_text("not a folder")
    with pytest.raises(download.DownloadError) as err:
        download.link_local(folder, "train_sequences.txt", tmp_path / "out.txt")
    assert str(err.value) == (
        f"dream2022.local_dir: {folder} is a file, not a folder; set it to the folder holding "
        "the four files"
    )
    folder.unlink()
    (folder / "train_sequences.txt").mkdir(parents=True)
    with pytest.raises(download.DownloadError) as err:
        download.link_local(folder, "train_sequences.txt", tmp_path / "out.txt")
    assert str(err.value) == (
        f"dream2022.local_dir: {folder / 'train_sequences.txt'} is a folder, not a file"
    )


# -- config files


@pytest.mark.parametrize(
    "name, message",
    [
        ("invalid.yaml", ":3: not valid YAML (column 1: expected ',' or '}', but got '<scalar>'; "
                         "while parsing a flow mapping at line 2, column 8)"),
        ("list.yaml", ": the file is a list ([{'split': 'private'}, {'scale': 'cpu'}]), not a mapping"),
        ("empty.yaml", ": the file is empty, not a mapping"),
        ("cycle.yaml", ":1: split[0] expands to more than 100,000 values"),
        ("bomb_top.yaml", ":7: a5 expands to more than 100,000 values (YAML aliases"),
        ("bomb_team.yaml", ":11: teams.camformers.train.lr.a5 expands to more than 100,000 values"),
    ],
)  # fmt: skip
def test_config_files_are_named_with_the_line(capsys, name, message):
    path = CORPUS / "configs" / name
    with pytest.raises(config_files.ConfigFileError) as err:
        config_files.load(path)
    assert str(err.value).startswith(f"{path}{message}")
    code, _, err = run_cli(capsys, "validate", path)
    assert code == 2 and err.count("\n") == 1 and f"{path}{message}" in err


def test_a_team_setting_error_quotes_a_short_excerpt_of_a_huge_value():
    value: object = ["lol"] * 8
    for _ in range(6):  # 8^7 values, shared: the old message copied them all (2 M strings)
        value = [value] * 8
    with pytest.raises(ValueError) as err:
        get_team("camformers").settings("cpu", {"train": {"lr": value}})
    assert str(err.value).startswith("teams.camformers.train.lr must be a number > 0, not [[[")
    assert len(str(err.value)) < 200


# -- smaller


def _lines(first: int, last: int) -> bytes:
    return "".join(f"{GOOD}\t{i % 18}\n" for i in range(first, last)).encode()


def _flushed(data: bytes) -> bytes:
    """A gzip member of ``data`` flushed to a byte boundary and not closed, as if cut there."""
    deflate = zlib.compressobj(wbits=31)
    return deflate.compress(data) + deflate.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize(
    "content, line",
    [
        (_flushed(_lines(0, 199) + GOOD[:30].encode()), 199),  # cut inside line 200
        (gzip.compress(_lines(0, 5000)) + _flushed(_lines(5000, 5100)), 5100),  # 2nd member cut
        (_flushed(_lines(0, 3000)) + b"\xff" * 100, 3000),  # an invalid block after line 3000
    ],
    ids=["truncated", "second_member_truncated", "corrupt_block"],
)
def test_a_broken_gzip_file_names_the_last_line_that_decompressed(tmp_path, capsys, content, line):
    path = tmp_path / "train_sequences.txt.gz"
    path.write_bytes(content)
    for read in (formats.count_lines, lambda p: list(formats.OfficialTxt(p))):
        with pytest.raises(formats.FormatError, match=f"truncated or corrupt after line {line} "):
            read(path)
    code, _, err = run_cli(capsys, "validate", path)
    assert code == 2 and f"after line {line} (" in err and err.count("\n") == 1


def test_a_corrupt_checkpoint_is_kept_and_said_where_on_screen(tmp_path, capsys, caplog):
    from test_checkpoints import fit

    checkpoints = tmp_path / "checkpoints"
    fit(checkpoints)
    (checkpoints / "last.pt").write_bytes(b"not a checkpoint")
    with caplog.at_level(logging.WARNING):
        fit(checkpoints)
    shutil.rmtree(checkpoints)  # as the train rule does once training succeeded
    aside = tmp_path / "checkpoints.last.pt.corrupt"
    assert aside.read_bytes() == b"not a checkpoint"
    err = capsys.readouterr().err
    assert f"moved it to {aside} (kept), training starts afresh" in err
    assert f"moved it to {aside} (kept)" in caplog.text


# -- through Snakemake


@pytest.mark.workflow
def test_the_evaluate_rule_and_validate_agree_on_every_corpus_file(tmp_path, monkeypatch, capsys):
    workdir = copy_workflow(tmp_path)
    snakemake(workdir, "resources/synthetic/world.json")  # the simulated test set
    design = testset.TestDesign.from_dir(workdir / "resources" / "synthetic")
    corpus = write_corpus(workdir / "submissions", design)  # scored as external submissions
    targets = {path: f"results/synthetic/evaluation/{path.stem}/rep1.tsv" for path in corpus}
    run = snakemake(workdir, "--keep-going", *targets.values(), check=False)
    screen = run.stdout + run.stderr
    monkeypatch.chdir(workdir)  # validate's split: the workflow's config.yaml (private)
    for path, accepted in corpus.items():
        relative = path.relative_to(workdir)
        code, _, err = run_cli(capsys, "validate", relative, "--truth-dir", "resources/synthetic")
        assert (workdir / targets[path]).exists() == (code == 0) == ("private" in accepted), path
        if code:
            assert err.removeprefix("promoterbench validate: error: ").strip() in screen, err


@pytest.mark.workflow
@pytest.mark.parametrize(
    "config_yaml, extra, message",
    [
        ("invalid.yaml", None, "config.yaml:3: not valid YAML (column 1: expected ',' or '}'"),
        ("list.yaml", None, "config.yaml: the file is a list ("),
        (None, "bomb_team.yaml", "bomb_team.yaml:11: teams.camformers.train.lr.a5 expands to"),
        (None, "bomb_top.yaml", "bomb_top.yaml:7: a5 expands to more than 100,000 values"),
    ],
)
def test_the_workflow_names_a_bad_config_file_first(tmp_path, config_yaml, extra, message):
    workdir = copy_workflow(tmp_path)
    if config_yaml:
        shutil.copy(CORPUS / "configs" / config_yaml, workdir / "config.yaml")
    configs = ("tiny.yaml",) + ((str(CORPUS / "configs" / extra),) if extra else ())
    run = snakemake(workdir, "-n", configs=configs, check=False)
    assert run.returncode != 0 and message in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr and len(run.stdout + run.stderr) < 2000
