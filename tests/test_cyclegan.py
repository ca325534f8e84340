"""CycleGAN (plugin ganzoo_cyclegan): the recipe keeps the paper's settings, the unpaired
datasets throw the pairing away in train and keep it in test, the image pool and the lr
decay are saved so a run resumes exactly, and a run samples both directions from the CLI
and is evaluated per direction.  Tiny nets, a few steps."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from ganzoo.api import (DatasetUnavailableError, GanzooError, IncompatibleError,
                        OptimizerSpec, evaluate, load_run, train)
from ganzoo.plugins import get_registry
from ganzoo_cyclegan.method import lr_factor
from ganzoo_cyclegan.pool import ImagePool
from ganzoo_digits.edges import edge_map
from run_checks import resumes_exactly

TINY = {"generator_options": {"base_channels": 4, "n_blocks": 1},
        "discriminator_options": {"base_channels": 4}, "batch_size": 2}
SCHEDULE = {"constant_steps": 1, "decay_steps": 4}  # step 4 (index 3) runs at half the lr


def dataset(name: str, **kwargs):
    return get_registry().get("dataset", name).load().build(**kwargs)


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "cyclegan").load()
    assert "arXiv:1703.10593" in recipe.paper and recipe.notes
    assert recipe.loss == "least-squares" and recipe.conditioning == "unpaired"
    assert recipe.g_optimizer == recipe.d_optimizer == OptimizerSpec("adam", 2e-4, (0.5, 0.999))
    assert recipe.batch_size["image"] == 1 and recipe.latent_dim["image"] == 0
    method = recipe.method_choice
    assert (method.options["cycle_weight"], method.options["identity_weight"],
            method.options["pool_size"]) == (10.0, 0.5, 50)
    assert recipe.discriminator_for("image").options == {"norm": "instance"}
    digits = recipe.for_data("image", "edges2digits-unpaired")
    assert digits.method_choice.options["identity_weight"] == 0.0  # measured: it copied A


def test_the_generator_has_six_blocks_below_256_pixels_and_nine_at_256():
    from ganzoo.api import DataSpec
    from ganzoo_cyclegan.pair import CycleGANGenerator

    assert CycleGANGenerator.defaults_for(DataSpec((3, 256, 256), input_shape=(3, 256, 256),
                                                   unpaired=True)) == {"n_blocks": 9,
                                                                       "n_downsampling": 2}
    small = DataSpec((1, 28, 28), input_shape=(1, 28, 28), unpaired=True)
    assert CycleGANGenerator.defaults_for(small) == {"n_blocks": 6, "n_downsampling": 1}
    G = CycleGANGenerator(small, conditioning="unpaired", base_channels=4, n_blocks=1)
    a = torch.rand(3, 1, 28, 28) * 2 - 1
    assert G(None, a).shape == G.b_to_a(None, a).shape == (3, 1, 28, 28)
    with pytest.raises(IncompatibleError, match="n_downsampling"):
        CycleGANGenerator(DataSpec((1, 30, 30), input_shape=(1, 30, 30), unpaired=True),
                          conditioning="unpaired", n_downsampling=2)


def test_the_lr_stays_then_falls_linearly_to_zero():
    assert [lr_factor(s, 2, 4) for s in range(8)] == [1, 1, 1, 0.75, 0.5, 0.25, 0, 0]
    assert lr_factor(10, 0, 0) == 1  # no schedule


def test_the_pool_fills_then_swaps_half_of_the_time_and_restores_exactly():
    pool = ImagePool(2, (1, 2, 2), torch.device("cpu"))
    first = torch.full((2, 1, 2, 2), 1.0)
    assert torch.equal(pool.query(first), first) and len(pool.images) == 2
    torch.manual_seed(0)
    later = [pool.query(torch.full((1, 1, 2, 2), float(i))) for i in range(2, 40)]
    from_history = sum(int(out[0, 0, 0, 0]) != i for i, out in zip(range(2, 40), later))
    assert 8 < from_history < 30  # about half come from the history
    saved = pool.state_dict()
    twin = ImagePool(2, (1, 2, 2), torch.device("cpu"))
    twin.load_state_dict(saved)
    torch.manual_seed(1)
    a = pool.query(torch.zeros(3, 1, 2, 2))
    torch.manual_seed(1)
    assert torch.equal(twin.query(torch.zeros(3, 1, 2, 2)), a)
    assert torch.equal(ImagePool(0, (1,), torch.device("cpu")).query(first), first)


def test_edges2digits_unpaired_throws_the_pairing_away_in_train_only():
    train_set, test_set = (dataset("edges2digits-unpaired", split=s) for s in ("train", "test"))
    (a, b), (ta, tb) = train_set.tensors, test_set.tensors
    assert a.shape == b.shape == (4000, 1, 28, 28) and len(ta) == 1000
    assert torch.equal(edge_map(tb), ta) and test_set.true_partners  # partners kept
    assert not train_set.true_partners
    assert (edge_map(b) == a).flatten(1).all(1).float().mean() < 0.01  # partners gone
    assert (train_set.input_labels == train_set.target_labels).float().mean() < 0.2
    # the same digits, only reordered
    paired = dataset("edges2digits", split="train").tensors[1]
    assert torch.equal(b.flatten(1).sum(1).sort().values, paired.flatten(1).sum(1).sort().values)


def _images(folder: Path, count: int, shade: int) -> None:
    folder.mkdir(parents=True)
    for i in range(count):
        Image.new("RGB", (12, 10), (shade, i * 20, 0)).save(folder / f"{i}.png")


def test_unpaired_folder_reads_cyclegans_layout(tmp_path):
    for split, counts in (("train", (3, 5)), ("test", (2, 2))):
        _images(tmp_path / "unpaired-folder" / f"{split}A", counts[0], 250)
        _images(tmp_path / "unpaired-folder" / f"{split}B", counts[1], 0)
    data = dataset("unpaired-folder", root=tmp_path, image_size=8)
    assert len(data) == 5  # the larger domain, once an epoch
    a, b = zip(*(data[i] for i in range(5)))
    assert all(x.shape == (3, 8, 8) for x in a + b)
    assert all(x[0].mean() > 0.9 for x in a) and all(x[0].mean() < -0.9 for x in b)
    assert len({tuple(x[1].flatten()[:1].tolist()) for x in b}) == 5  # every B once
    direct = dataset("unpaired-folder", root=tmp_path / "unpaired-folder", split="test",
                     image_size=8)
    assert len(direct) == 2
    with pytest.raises(DatasetUnavailableError, match="trainA.*testB"):
        dataset("unpaired-folder", root=tmp_path / "empty")


def test_cyclegan_refuses_data_without_two_domains(tmp_path):
    with pytest.raises(IncompatibleError, match="unpaired"):
        train("cyclegan", "mnist-5k", out=tmp_path / "r", steps=1, **TINY)
    with pytest.raises(IncompatibleError, match="cyclegan"):
        train("dcgan", "edges2digits-unpaired", out=tmp_path / "d", steps=1)


def test_the_recipe_trains_and_resumes_exactly_through_the_lr_decay(tmp_path):
    resumed, tensors = resumes_exactly("cyclegan", tmp_path, dataset="edges2digits-unpaired",
                                       method_options=SCHEDULE, **TINY)
    assert {k.split(".")[0] for k in tensors} == {"ema", "g_ab", "g_ba", "d_a", "d_b"}
    state = torch.load(tmp_path / "split" / "checkpoints" / "last.pt", weights_only=True)
    assert state["method"]["steps"] == 4
    assert len(state["method"]["pools"]["a"]["images"]) == 8  # 4 steps of 2 fakes
    assert state["optimizers"]["generators"]["param_groups"][0]["lr"] == pytest.approx(1e-4)


def test_a_penalty_applies_to_each_discriminator_and_generator_terms_are_refused(tmp_path):
    result = train("cyclegan", "edges2digits-unpaired", out=tmp_path / "r1", steps=1,
                   regularizers=("r1",), **TINY)
    assert {"r1_a", "r1_b"} <= set(result.last_losses)
    with pytest.raises(IncompatibleError, match="l1"):
        train("cyclegan", "edges2digits-unpaired", out=tmp_path / "l1", steps=1,
              regularizers=("l1",), **TINY)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cyclegan") / "run"
    train("cyclegan", "edges2digits-unpaired", out=out, steps=2, sample_every=1,
          method_options=SCHEDULE, **TINY)
    return out


def test_previews_show_both_directions(run_dir):
    with Image.open(run_dir / "samples" / "final.png") as picture:
        width, height = picture.size
    assert (width - 2) * 2 == height - 2  # 8 rows of a | A→B(a) | b | B→A(b)
    run = load_run(run_dir)
    assert run.sample(3, inputs=torch.zeros(3, 1, 28, 28)).shape == (3, 1, 28, 28)
    back = run.sample(2, inputs=torch.zeros(2, 1, 28, 28), direction="BtoA")
    assert torch.equal(back, run.generator.b_to_a(None, torch.zeros(2, 1, 28, 28)))
    with pytest.raises(GanzooError, match="direction"):
        run.sample(1, inputs=torch.zeros(1, 1, 28, 28), direction="sideways")


def test_the_cli_samples_both_directions(run_dir, run_cli, tmp_path):
    digit = tmp_path / "digit.png"
    Image.new("L", (28, 28), 0).save(digit)
    for direction in ("AtoB", "BtoA"):
        out = tmp_path / f"{direction}.pt"
        result = run_cli("sample", str(run_dir), "--input", str(digit), "--direction",
                         direction, "--out", str(out))
        assert result.code == 0, result.err
        assert torch.load(out).shape == (1, 1, 28, 28)
    ab, ba = (torch.load(tmp_path / f"{d}.pt") for d in ("AtoB", "BtoA"))
    assert not torch.equal(ab, ba)


def test_the_cli_trains_it_and_says_how_to_sample_each_direction(run_cli, tmp_path):
    result = run_cli("train", "cyclegan", "--dataset", "edges2digits-unpaired", "--steps", "1",
                     "--batch-size", "2", "--g-opt", "base_channels=4", "--g-opt", "n_blocks=1",
                     "--d-opt", "base_channels=4", "--out", str(tmp_path / "run"),
                     "--no-progress")
    assert result.code == 0, result.err
    assert "--direction AtoB" in result.out


def test_direction_is_refused_for_models_with_one(run_cli, tmp_path):
    out = tmp_path / "gan"
    train("gan", "ring8", out=out, steps=1, batch_size=8)
    result = run_cli("sample", str(out), "--direction", "BtoA", "--out", str(tmp_path / "x.pt"))
    assert result.code != 0 and "one direction" in result.err


def test_eval_measures_each_direction_against_the_hidden_partners(run_dir):
    figures = evaluate(run_dir, ["true-partner"], num_samples=16, progress=False)
    values = figures["true-partner"]["values"]
    assert set(values) == {"l1_AtoB", "ssim_AtoB", "l1_BtoA", "ssim_BtoA"}
    assert all(0 <= v <= 1 for k, v in values.items() if k.startswith("l1"))
    record = figures["true-partner"]["measured_with"]
    assert record["num_pairs"] == record["BtoA"]["num_pairs"] == 16
