"""Sequence encodings: fixed length with padding/truncation, N handling, reverse complement."""

import numpy as np
import pytest
import torch

from promoterbench import sequences as sq
from promoterbench.teams.torch_team import one_hot


def test_encode_pads_and_truncates_on_the_requested_sides():
    seqs = ["ACGTN", "ACG", "ACGTACG"]
    right = sq.encode(seqs, 5, pad="right", keep="left")
    assert sq.decode(right) == ["ACGTN", "ACGNN", "ACGTA"]
    left = sq.encode(seqs, 5, pad="left", keep="right")
    assert sq.decode(left) == ["ACGTN", "NNACG", "GTACG"]


def test_encode_rejects_foreign_characters():
    with pytest.raises(ValueError, match="sequence 1 contains a character outside ACGTN"):
        sq.encode(["ACGT", "ACXT"], 4)


def test_reverse_complement_round_trip():
    codes = sq.encode(["AACGTN", "GGGTTA"], 6)
    rc = sq.reverse_complement(codes)
    assert sq.decode(rc) == ["NACGTT", "TAACCC"]
    np.testing.assert_array_equal(sq.reverse_complement(rc), codes)


def test_one_hot_orders_channels_and_fills_n():
    codes = torch.from_numpy(sq.encode(["ACGTN"], 5))
    x = one_hot(codes)
    assert x.shape == (1, 4, 5)
    np.testing.assert_array_equal(x[0, :, :4].numpy(), np.eye(4))
    assert x[0, :, 4].tolist() == [0, 0, 0, 0]
    agct = one_hot(codes, n_value=0.25, order="AGCT")
    assert agct[0, :, 1].tolist() == [0, 0, 1, 0]  # C is the third channel in A,G,C,T
    assert agct[0, :, 4].tolist() == [0.25] * 4


def test_lengths():
    assert sq.lengths(["A", "ACGT", ""]).tolist() == [1, 4, 0]
