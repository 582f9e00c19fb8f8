"""The ensemble reference: standardised predictions averaged, bad members named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from promoterbench.ensemble import read_predictions, standardised_mean


def test_members_on_different_scales_count_equally():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = 100 * np.array([4.0, 3.0, 2.0, 1.0]) + 7  # same spread, opposite order, other scale
    np.testing.assert_allclose(standardised_mean({"a": a, "b": b}), 0.0, atol=1e-12)
    c = np.array([0.0, 0.0, 0.0, 8.0])
    z = (c - 2.0) / np.sqrt(12.0)  # mean 2, population SD √12
    np.testing.assert_allclose(
        standardised_mean({"a": a, "c": c}), ((a - 2.5) / np.sqrt(1.25) + z) / 2
    )


@pytest.mark.parametrize(
    "member, message",
    [(np.full(4, 3.0), "every prediction is 3"), (np.array([1.0, np.nan, 2, 3]), "not finite"),
     (np.ones(3), "different numbers")],
)  # fmt: skip
def test_a_member_that_cannot_be_standardised_is_named(member, message):
    with pytest.raises(ValueError, match=message):
        standardised_mean({"good": np.arange(4.0), "bad": member})


def test_prediction_files_must_list_the_test_indices_in_order(tmp_path):
    good, bad = tmp_path / "good.tsv", tmp_path / "bad.tsv"
    pd.DataFrame({"index": [0, 1, 2], "prediction": [0.1, 0.2, 0.3]}).to_csv(
        good, sep="\t", index=False
    )
    pd.DataFrame({"index": [0, 2, 1], "prediction": [0.1, 0.2, 0.3]}).to_csv(
        bad, sep="\t", index=False
    )
    assert read_predictions({"good": good})["good"].tolist() == [0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match="bad.tsv: expected columns index, prediction"):
        read_predictions({"good": good, "bad": bad})
