"""`promoterbench validate` and `score` on bad input: one clear message, no traceback."""

from __future__ import annotations

import gzip
import json
import logging
import shutil

import numpy as np
import pytest

from promoterbench import cli, formats, testset

GOOD = "TGCATTTTTTTCACATCACGTACGTACGTACGTACGTACGTACGTACGTACGTAGGTTACGGCTGTT"


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def metrics(stdout):
    rows = [line.split("\t") for line in stdout.splitlines() if line.count("\t") == 1]
    return {key: value for key, value in rows}


# -- submissions


def test_score_on_a_directory_says_so(tmp_path, capsys, small_world):
    code, _, err = run_cli(capsys, "score", tmp_path, "--truth-dir", small_world)
    assert code == 2 and "Traceback" not in err
    assert err == (
        f"promoterbench score: error: {tmp_path} is a directory; "
        "give the path of the submission JSON file\n"
    )
    code, _, err = run_cli(capsys, "validate", tmp_path)
    assert code == 2 and err == (
        f"promoterbench validate: error: {tmp_path} is a directory; give a file to validate\n"
    )


def test_a_latin1_byte_names_file_line_column_and_remedy(tmp_path):
    path = tmp_path / "sub.json"
    path.write_bytes(b'{"0": 0.5,\n "1": 0.7, "caf\xe9": 1}')
    with pytest.raises(formats.FormatError) as err:
        formats.read_submission(path, 10)
    assert str(err.value) == (
        f"{path}:2: byte 0xe9 at column 16 (byte offset 26) is not UTF-8; save the file as UTF-8 "
        f"(from Latin-1: `iconv -f latin1 -t utf-8 {path}`)"
    )


def test_a_non_ascii_digit_key_is_named(tmp_path):
    path = tmp_path / "sub.json"
    path.write_text('{"0": 0.5, "\u00b2": 0.7}', encoding="utf-8")
    with pytest.raises(formats.FormatError) as err:
        formats.read_submission(path, 10)
    assert str(err.value) == f"{path}: 1 key(s) are not integer test indices, first: ['\u00b2']"


def test_a_submission_with_a_byte_order_mark_is_read(tmp_path, caplog):
    path = tmp_path / "sub.json"
    path.write_bytes(formats.BOM + b'{"0": 0.5, "2": 0.7}')
    with caplog.at_level(logging.INFO, logger="promoterbench.formats"):
        np.testing.assert_array_equal(formats.read_submission(path, 3), [0.5, np.nan, 0.7])
    assert f"{path}: skipped a UTF-8 byte-order mark" in caplog.messages


def test_validate_a_submission_against_a_test_set(tmp_path, capsys, small_world):
    n = testset.TestDesign.from_dir(small_world).n
    path = tmp_path / "sub.json"
    path.write_text(json.dumps({str(i): 0.1 for i in range(n)}))
    code, out, _ = run_cli(capsys, "validate", path, "--truth-dir", small_world, "--split", "all")
    assert code == 0 and out.endswith(f"{path}: OK (submission, scored on the all split)\n")
    got = metrics(out)
    assert got["predictions"] == got["test_indices"] == str(n)
    assert got["covers_all"] == f"{n} of {n}"
    path.write_text(json.dumps({str(n): 0.1}))
    code, _, err = run_cli(capsys, "validate", path, "--truth-dir", small_world)
    assert code == 2 and f"{path}: 1 index(es) outside the test set 0..{n - 1}, first: {n}" in err


# -- training and test files


def test_validate_a_gzip_training_file_with_a_byte_order_mark(tmp_path, capsys):
    path = tmp_path / "train_sequences.txt.gz"
    path.write_bytes(
        gzip.compress(formats.BOM + "".join(f"{GOOD}\t{i}\n" for i in range(9)).encode())
    )
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 0 and err == "" and out.endswith(f"{path}: OK (training file)\n")
    got = metrics(out)
    assert got["lines"] == got["kept"] == "9" and got["rejected"] == "0"
    assert got["input_gzip"] == got["utf8_bom_stripped"] == "1"


def test_validate_lists_rejected_lines_and_warns(tmp_path, capsys):
    path = tmp_path / "train_sequences.txt"
    path.write_text("".join(f"{GOOD}\t{i}\n" for i in range(18)) + f"{GOOD}\tx\n{GOOD}\t18\n")
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 0
    assert f"first rejected lines:\n{path}:19: expression 'x' is not a number\n" in out
    assert err == (
        f"warning: {path}: 1 of 20 lines rejected and left out (non_numeric_expression 1); "
        "1 kept labels lie outside the sorting-bin range 0-17 (0 below 0, 1 above 17); "
        "is this the official training file?\n"
    )
    assert metrics(out)["kept_label_above_17"] == "1"


def test_validate_fails_a_file_the_workflow_would_refuse(tmp_path, capsys):
    path = tmp_path / "train_sequences.txt"
    path.write_text(f"{GOOD}\t1\r\n" * 5)
    code, _, err = run_cli(capsys, "validate", path)
    assert code == 1
    assert f"{path}: 5 of 5 lines are invalid" in err and "crlf_line_ending (5)" in err
    assert "dos2unix" in err


def test_validate_holds_the_test_file_to_every_line(tmp_path, capsys, small_world):
    path = tmp_path / testset.TEST_FILE
    shutil.copy(small_world / testset.TEST_FILE, path)
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 0 and "kept_label_" not in out  # the test labels are on another scale
    with open(path, "a") as fh:
        fh.write(f"{GOOD}\n")
    code, _, err = run_cli(capsys, "validate", path)
    lines = formats.count_lines(path)
    assert code == 1 and f"1 of {lines} lines are invalid" in err
    assert f"{path}:{lines}: expected 2 tab-separated fields, found 1" in err


def test_validate_a_cr_only_file_names_the_converter(tmp_path, capsys):
    path = tmp_path / "train_sequences.txt"
    path.write_text(f"{GOOD}\t1\r" * 5)
    code, _, err = run_cli(capsys, "validate", path)
    assert code == 2 and f"mac2unix {path}" in err and "Traceback" not in err


# -- the test-set id files


def test_id_files_with_a_byte_order_mark_are_read(tmp_path, small_world, caplog):
    world = tmp_path / "world"
    shutil.copytree(small_world, world)
    for name in ("high_exp_seqs.csv", "ground.json"):
        path = testset.find_file(world, name)
        path.write_bytes(formats.BOM + path.read_bytes())
    test = world / testset.TEST_FILE
    test.write_bytes(formats.BOM + test.read_bytes())
    with caplog.at_level(logging.INFO, logger="promoterbench.formats"):
        design, measured = testset.load(test, world, world)
    want, want_measured = testset.load(
        *(small_world / testset.TEST_FILE,), small_world, small_world
    )
    np.testing.assert_array_equal(measured, want_measured)
    for name in ("high", "all"):
        np.testing.assert_array_equal(design.public_members[name], want.public_members[name])
    np.testing.assert_array_equal(design.members["high"], want.members["high"])
    skipped = {r.getMessage() for r in caplog.records if "byte-order mark" in r.getMessage()}
    assert {f"{test}: skipped a UTF-8 byte-order mark"} < skipped and len(skipped) == 3


def test_teams_lists_every_model_its_source_and_faithful_to_choices(capsys):
    from promoterbench.teams import REGISTRY

    code, out, _ = run_cli(capsys, "teams", "--scale", "cpu")
    rows = [line.split("\t") for line in out.splitlines()]
    header, table = rows[0], {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert code == 0 and header[0] == "team" and "source" in header
    assert set(table) == set(REGISTRY) | {"ensemble"}
    for name in ("wan_barton", "madlab", "autosome"):  # where code and report disagree
        assert table[name]["faithful_to"] == "code (default), report", name
    assert table["camformers"]["faithful_to"] == "-"
    assert all(row["source"] for row in table.values())
    assert int(table["autosome"]["n_params"]) > 0
