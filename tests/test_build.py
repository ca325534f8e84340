"""Resolving a run's plan: the user's part choices and options laid over a recipe's."""

import pytest

from ganzoo.errors import GanzooError, UnknownNameError
from ganzoo.plugins import get_registry
from ganzoo.recipe import PartChoice, parse_part
from ganzoo.training.resolve import resolve_plan
from ganzoo.training.config import TrainConfig


def test_reg_options_override_the_recipe_s_own():
    plan = resolve_plan(TrainConfig("wgan-gp", "ring8", regularizers=("gradient-penalty:weight=0.1",)),
                    get_registry())
    assert plan.regularizers == (PartChoice("gradient-penalty", {"weight": 0.1}),)


def test_reg_without_options_keeps_recipe_defaults_and_none_clears():
    plan = resolve_plan(TrainConfig("wgan", "ring8"), get_registry())
    assert plan.regularizers == (PartChoice("weight-clipping", {"clip": 0.01}),)
    assert resolve_plan(TrainConfig("wgan", "ring8", regularizers=()), get_registry()).regularizers == ()


def test_parse_part_reads_several_typed_options():
    assert parse_part("r1:gamma=1:center=false") == PartChoice("r1", {"gamma": 1, "center": False})
    with pytest.raises(GanzooError, match="NAME:key=value"):
        parse_part("r1:gamma=1:center")


def test_unknown_regularizer_is_refused_with_suggestions():
    with pytest.raises(UnknownNameError, match="gradient-penalty"):
        resolve_plan(TrainConfig("wgan", "ring8", regularizers=("gradient-penalti",)), get_registry())
