"""``--compile``: the method's networks are compiled in place for the steps, the generator's
moving average stays an eager copy, checkpoints keep their keys (a compiled run resumes
exactly, with or without compiling), and gradient penalties run eagerly (a compiled graph
cannot be differentiated twice).  Tiny MLPs on ring8: compiling them takes seconds."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.api import double_backward, train
from ganzoo.training.precision import compile_networks
from run_checks import checkpoint_tensors, resumes_exactly

TINY = dict(dataset="ring8", batch_size=16, generator_options={"hidden": 8},
            discriminator_options={"hidden": 8})


def test_a_compiled_run_resumes_exactly_and_keeps_its_checkpoint_keys(tmp_path):
    resumes_exactly("wgan-gp", tmp_path / "compiled", compile=True, **TINY)
    train("wgan-gp", out=tmp_path / "eager", steps=2, **TINY)
    assert checkpoint_tensors(tmp_path / "compiled/whole").keys() == \
        checkpoint_tensors(tmp_path / "eager").keys()
    # compiling is a run option: the compiled run continues without it
    result = train("wgan-gp", out=tmp_path / "compiled/whole", steps=5, resume=True, **TINY)
    assert (result.start_step, result.steps) == (4, 5)


def test_networks_compile_in_place_and_penalties_run_eagerly():
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    keys = list(net.state_dict())
    compile_networks([net], torch.device("cpu"))
    assert list(net.state_dict()) == keys
    x = torch.randn(4, 2, requires_grad=True)
    with pytest.raises(RuntimeError):  # what a penalty would hit without double_backward
        (grad,) = torch.autograd.grad(net(x).sum(), x, create_graph=True)
        grad.pow(2).sum().backward()
    with double_backward(x):
        (grad,) = torch.autograd.grad(net(x).sum(), x, create_graph=True)
    grad.pow(2).sum().backward()
    assert net[0].weight.grad is not None
