"""Mixed precision (`--precision bf16|fp16`): the step's networks compute in the chosen dtype
while weights stay float32, fp16 scales each optimizer's loss and checkpoints its scaler,
both resume bit-exactly, gradient penalties are computed in float32, and the precision is
part of the plan (recorded, checked, not changed on resume).  Tiny nets on the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from ganzoo.api import GanzooError, Plan, train
from ganzoo.plugins import get_registry
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.precision import Precision
from ganzoo.training.run import read_plan
from run_checks import resumes_exactly

TINY = {"base_channels": 4}
IMAGES = dict(dataset="mnist-5k", batch_size=4, generator_options=TINY,
              discriminator_options=TINY)


def test_bf16_steps_compute_in_bfloat16_and_keep_float32_weights(tmp_path, monkeypatch):
    from ganzoo_adversarial.step import Adversarial

    seen: list[torch.dtype] = []
    original = Adversarial.step

    def spying_step(self, next_batch):  # what D computes in during the step
        hook = self.discriminator.register_forward_hook(
            lambda module, args, out: seen.append(out.dtype))
        try:
            return original(self, next_batch)
        finally:
            hook.remove()

    monkeypatch.setattr(Adversarial, "step", spying_step)
    result = train("dcgan", out=tmp_path / "run", steps=2, precision="bf16", **IMAGES)
    assert seen and set(seen) == {torch.bfloat16}
    assert read_plan(tmp_path / "run", get_registry()).precision == "bf16"
    state = load_checkpoint(tmp_path / "run/checkpoints/last.pt")
    weights = [v for net in state["networks"].values() for v in net.values()
               if v.is_floating_point()]
    assert {v.dtype for v in weights} == {torch.float32}
    assert all(torch.isfinite(torch.tensor(v)) for v in result.last_losses.values())


@pytest.mark.parametrize("model, precision", [("dcgan", "fp16"), ("wgan-gp", "bf16")])
def test_mixed_precision_runs_resume_exactly(tmp_path, model, precision):
    settings = IMAGES if model == "dcgan" else dict(dataset="ring8", batch_size=16,
                                                     generator_options={"hidden": 8},
                                                     discriminator_options={"hidden": 8})
    resumes_exactly(model, tmp_path, precision=precision, **settings)
    scalers = load_checkpoint(tmp_path / "split/checkpoints/last.pt")["precision"]
    if precision == "fp16":  # one loss scaler per optimizer, checkpointed
        assert set(scalers) == {"generator", "discriminator"}
        assert all(s["scale"] > 0 for s in scalers.values())
    else:
        assert scalers == {}


def test_fp16_scales_each_optimizers_loss_and_skips_an_overflowing_step():
    net = nn.Linear(3, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    precision = Precision("fp16", "cpu")
    before = net.weight.detach().clone()
    with precision.autocast():
        loss = net(torch.ones(2, 3)).float().sum() * float("inf")
    precision.minimize(loss, opt)  # inf gradients: the step is skipped, the scale halved
    assert torch.equal(net.weight, before)
    assert precision.state_dict({"net": opt})["net"]["scale"] == 2.0 ** 15
    with precision.autocast():  # small inputs: the scaled fp16 gradients stay finite
        loss = net(torch.full((1, 3), 0.01)).float().sum()
    precision.minimize(loss, opt)
    assert not torch.equal(net.weight, before)
    restored = Precision("fp16", "cpu")
    restored.load_state_dict(precision.state_dict({"net": opt}), {"net": opt})
    assert restored.state_dict({"net": opt}) == precision.state_dict({"net": opt})


def test_gradient_penalties_are_computed_in_float32_under_autocast():
    penalty = get_registry().get("regularizer", "gradient-penalty").load()()
    critic = nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
    real, fake = torch.randn(4, 8), torch.randn(4, 8)

    def term() -> torch.Tensor:
        torch.manual_seed(0)  # the same interpolates
        return penalty.d_term(lambda x, cond: critic(x), real, fake, None)

    reference = term()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_autocast = term()
    assert under_autocast.dtype == torch.float32
    assert torch.allclose(under_autocast, reference, rtol=1e-6)


def test_precision_is_part_of_the_plan(tmp_path, run_cli):
    train("gan", "ring8", out=tmp_path / "run", steps=1, batch_size=8)
    with pytest.raises(GanzooError, match="precision"):  # a resumed run keeps its plan
        train("gan", "ring8", out=tmp_path / "run", steps=2, batch_size=8, resume=True,
              precision="bf16")
    with pytest.raises(GanzooError, match="--precision must be one of fp32, bf16, fp16"):
        train("gan", "ring8", out=tmp_path / "other", steps=1, precision="fp8")
    plan = read_plan(tmp_path / "run", get_registry()).to_dict()
    with pytest.raises(GanzooError, match="damaged.*precision"):
        Plan.from_dict({**plan, "precision": "fp8"})
    result = run_cli("train", "gan", "-d", "ring8", "--precision", "fp8", "--print-config")
    assert result.code == 2 and "fp8" in result.err


def test_a_checkpoint_from_before_mixed_precision_still_resumes(tmp_path):
    train("gan", "ring8", out=tmp_path / "run", steps=2, batch_size=8)
    path: Path = tmp_path / "run/checkpoints/last.pt"
    state = load_checkpoint(path)
    del state["precision"]
    torch.save(state, path)
    assert train("gan", "ring8", out=tmp_path / "run", steps=3, batch_size=8,
                 resume=True).steps == 3
