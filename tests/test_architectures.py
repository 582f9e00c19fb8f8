"""The DeepSTARR and lentiMPRA models (issue 28, part 2): parameter counts against their sources,
and forward passes on the organisers' real samples read through ``promoterbench.datasets``."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import torch

from promoterbench import architectures
from promoterbench.architectures import inputs
from promoterbench.datasets import lentimpra
from promoterbench.teams.torch_team import keras_param_count

# the part-1 fixtures: the real samples in each record's layout (skipped where ../shared is absent)
from test_other_datasets import (  # noqa: F401
    mpra_rows,
    mpra_tarball,
    starr_folder,
    starr_rows,
    starr_table,
)

# "Total params" of the torchinfo summaries printed in the organisers' notebooks,
# benchmarks/drosophila/ and benchmarks/human/DREAMNets_buildModel_Train_Predict.ipynb
# (de-Boer-Lab/random-promoter-dream-challenge-2022), each with its final block's two layers
# per output head (Conv1d 1×1 → 256, Linear 256 → 1) as the summary lists them.
NOTEBOOKS = {
    ("deepstarr", "dream_cnn"): (1_962_754, 16_640, 257),
    ("deepstarr", "dream_rnn"): (4_285_826, 82_176, 257),
    ("deepstarr", "dream_attn"): (4_690_434, 65_792, 257),
    ("lentimpra", "dream_cnn"): (1_945_857, 16_640, 257),
    ("lentimpra", "dream_rnn"): (4_203_393, 82_176, 257),
    ("lentimpra", "dream_attn"): (4_619_521, 65_792, 257),
}


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def paper_model(data: str, model: str) -> torch.nn.Module:
    return architectures.build(data, model, architectures.preset(data, model, "paper"))


@pytest.mark.parametrize(("data", "model"), sorted(NOTEBOOKS))
def test_dream_nets_have_the_notebooks_parameter_counts(data, model):
    total, head_conv, head_linear = NOTEBOOKS[data, model]
    net = paper_model(data, model)
    assert count(net) == total
    heads = net.final.heads
    assert len(heads) == len(architectures.OUTPUTS[data])
    assert [(count(h[0]), count(h[3])) for h in heads] == [(head_conv, head_linear)] * len(heads)


def test_deepstarr_has_the_keras_models_parameter_count():
    """Keras' summary of DeepSTARR() (bernardo-de-almeida/DeepSTARR, DeepSTARR_training.ipynb;
    the notebook does not print it), derived by hand from its layer list: a Conv1D has
    width·in·filters + filters parameters, a Dense in·units + units, a BatchNormalization 4 per
    channel (γ, β trainable; moving mean and variance not); 249 nt halve to 124, 62, 31, 15."""
    conv = (7 * 4 * 256 + 256) + (3 * 256 * 60 + 60) + (5 * 60 * 60 + 60) + (3 * 60 * 120 + 120)
    assert conv == 7_424 + 46_140 + 18_060 + 21_720
    dense = (15 * 120 * 256 + 256) + (256 * 256 + 256)  # Flatten: 15 positions × 120 filters
    heads = 2 * (256 + 1)  # Dense_Dev, Dense_Hk
    batch_norm = 4 * (256 + 60 + 60 + 120 + 256 + 256)
    keras_total = conv + dense + heads + batch_norm
    assert keras_total == 624_738
    net = paper_model("deepstarr", "deepstarr")
    assert keras_param_count(net) == keras_total
    assert count(net) == keras_total - batch_norm // 2  # PyTorch: moving statistics are buffers


def test_mpra_legnet_has_the_released_configs_parameter_count():
    """human_legnet's models/example.cfg (stem 64 k 5, stages 80/96/112/128 k 3, resize 4, no
    reverse channel) through model.py's layer list, by hand. A stage from c to o channels: 1×1
    expand c·4c, BN 2·4c, depth-wise 4c·3, BN 2·4c, SE Linear(4c, c) 4c·c + c and Linear(c, 4c)
    c·4c + 4c, 1×1 project 4c·c, BN 2c (= 16c² + 35c), then Conv(2c → o, k 3) 2c·o·3 and BN 2o."""

    def stage(c: int, o: int) -> int:
        return 16 * c * c + 35 * c + 6 * c * o + 2 * o

    stem = 4 * 64 * 5 + 2 * 64
    stages = stage(64, 80) + stage(80, 96) + stage(96, 112) + stage(112, 128)
    mapper = 2 * 128 + (128 * 256 + 256)  # BN, Conv 1×1 with bias
    head = (256 * 256 + 256) + 2 * 256 + (256 + 1)
    assert stem + stages + mapper + head == 857_825
    assert count(paper_model("lentimpra", "mpra_legnet")) == 857_825


def both_strands(table: pa.Table, rows: int = 4) -> pa.Table:
    """The first ``rows`` rows of each strand of the test split (validation where it has none)."""
    split = (
        "test"
        if "-" in pc.filter(table["strand"], pc.equal(table["split"], "test")).to_pylist()
        else "val"
    )
    held_out = table.filter(pc.equal(table["split"], split))
    plus = held_out.filter(pc.equal(held_out["strand"], "+")).slice(0, rows)
    minus = held_out.filter(pc.equal(held_out["strand"], "-")).slice(0, rows)
    return pa.concat_tables([plus, minus])


@pytest.fixture(scope="module")
def samples(starr_table, mpra_tarball, tmp_path_factory) -> dict[str, pa.Table]:
    """Eight real rows of each data set, four per orientation."""
    path = lentimpra.extract(mpra_tarball, "K562", tmp_path_factory.mktemp("k562"))
    return {
        "deepstarr": both_strands(starr_table[0]),
        "lentimpra": both_strands(lentimpra.read(path)[0]),
    }


ALL = [(data, model) for data in architectures.OUTPUTS for model in architectures.models(data)]


@pytest.mark.parametrize(("data", "model"), ALL)
def test_paper_models_predict_one_column_per_output_on_real_rows(samples, data, model):
    settings = architectures.preset(data, model, "paper")
    x = inputs.encode(samples[data], settings["input"])
    assert x.shape == (8, 4 + settings["input"]["reverse_channel"], architectures.LENGTHS[data])
    net = architectures.build(data, model, settings).eval()
    with torch.no_grad():
        y = net(x)
    assert y.shape == (8, len(architectures.OUTPUTS[data]))
    assert torch.isfinite(y).all() and y.std(dim=0).min() > 0  # rows are told apart


@pytest.mark.parametrize("data", sorted(architectures.OUTPUTS))
def test_encoding_follows_the_preset_order_and_marks_reverse_rows(samples, data):
    table = samples[data]
    for model in architectures.models(data):
        spec = architectures.preset(data, model, "paper")["input"]
        x = inputs.encode(table, spec)
        for row, sequence in enumerate(table.column("sequence").to_pylist()[:2]):
            called = "".join(
                spec["order"][i] if v else "N"
                for i, v in zip(x[row, :4].argmax(0), x[row, :4].amax(0))
            )
            assert called == sequence
        if spec["reverse_channel"]:
            strand = torch.tensor([s == "-" for s in table.column("strand").to_pylist()])
            assert torch.equal(x[:, 4], strand.float()[:, None].expand(-1, x.shape[2]))
            assert 0 < strand.sum() < len(strand)


@pytest.mark.parametrize(("data", "model"), ALL)
def test_cpu_presets_take_a_training_step_and_repeat_with_the_seed(samples, data, model):
    settings = architectures.preset(data, model, "cpu")
    x = inputs.encode(samples[data], settings["input"])
    y = inputs.targets(samples[data], architectures.OUTPUTS[data])

    def step() -> tuple[float, torch.Tensor]:
        torch.manual_seed(settings["seed"])
        net = architectures.build(data, model, settings).train()
        optimiser = torch.optim.AdamW(net.parameters(), lr=1e-3)
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        optimiser.step()
        return loss.item(), torch.cat([p.detach().flatten() for p in net.parameters()])

    (loss, weights), (again, same) = step(), step()
    assert loss == again and torch.equal(weights, same)
    assert count(architectures.build(data, model, settings)) < count(paper_model(data, model)) / 10


def test_models_are_offered_per_data_set_and_bad_input_is_named():
    assert architectures.models("deepstarr")[-1] == "deepstarr"
    assert architectures.models("lentimpra")[-1] == "mpra_legnet"
    with pytest.raises(ValueError, match="'mpra_legnet' is not offered on deepstarr: dream_cnn"):
        architectures.preset("deepstarr", "mpra_legnet", "paper")
    with pytest.raises(ValueError, match="'deepstarr' is not offered on lentimpra"):
        architectures.build(
            "lentimpra", "deepstarr", architectures.preset("deepstarr", "deepstarr", "paper")
        )
    with pytest.raises(ValueError, match="'dream2022': models exist for deepstarr, lentimpra"):
        architectures.models("dream2022")
    with pytest.raises(
        ValueError, match="'autosome' is not offered on lentimpra: .*yeast team, for"
    ):
        architectures.preset("lentimpra", "autosome", "cpu")
    with pytest.raises(ValueError, match="scale 'laptop'"):
        architectures.preset("lentimpra", "dream_cnn", "laptop")
    wrong = pa.table({"id": ["seq7_F"], "sequence": ["ACGT" * 50], "strand": ["+"]})
    with pytest.raises(ValueError, match=r"row 0 \(seq7_F\): 200 nt, the model takes 230 nt"):
        inputs.encode(wrong, architectures.preset("lentimpra", "dream_cnn", "paper")["input"])
