"""Dataset presets: every image recipe resolves on cifar10 (and on celeba when it needs no
labels) to the nets, batch and optimizers its preset names, without the dataset's files;
the built-in recipes give their papers' settings there; a dataset's preset wins over its
data kind's, and the user's flags win over both."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ganzoo.api import IncompatibleError, OptimizerSpec, PartChoice, Recipe, hookimpl, load_plugins
from ganzoo.plan import Plan
from ganzoo.plugins import get_registry
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan

REGISTRY = get_registry()
DATASETS = ("cifar10", "celeba")
IMAGE_RECIPES = [recipe for recipe in (REGISTRY.get("model", name).load()
                                       for name in REGISTRY.names("model"))
                 if "image" in recipe.generator and recipe.conditioning in ("none", "class")]
CASES = [(recipe.name, dataset) for recipe in IMAGE_RECIPES for dataset in DATASETS]

ADAM_DCGAN = OptimizerSpec("adam", 2e-4, (0.5, 0.999))
ADAM_RESNET = OptimizerSpec("adam", 2e-4, (0.0, 0.9))


def dcgan(base: int, **options: Any) -> PartChoice:
    return PartChoice("dcgan", {"base_channels": base, **options})


def resnet(channels: int) -> PartChoice:
    return PartChoice("sngan-resnet", {"channels": channels})


#: (model, dataset) → generator, discriminator, batch, z, D steps per G step, optimizer of
#: G and D: the papers' settings as the recipes' notes give them (options listed here must
#: be in the plan; the plan holds every other option too).
PAPERS: dict[tuple[str, str], tuple[PartChoice, PartChoice, int, int, int, OptimizerSpec]] = {
    ("gan", "cifar10"): (PartChoice("mlp", {"hidden": 8000, "depth": 2}),
                         PartChoice("mlp", {"hidden": 1600, "depth": 2}), 100, 100, 1, ADAM_DCGAN),
    ("dcgan", "cifar10"): (dcgan(128), dcgan(128, norm="batch"), 128, 100, 1, ADAM_DCGAN),
    ("dcgan", "celeba"): (dcgan(128), dcgan(128, norm="batch"), 128, 100, 1, ADAM_DCGAN),
    ("lsgan", "cifar10"): (dcgan(64), dcgan(64), 64, 100, 1, ADAM_DCGAN),
    ("lsgan", "celeba"): (dcgan(64), dcgan(64), 64, 100, 1, ADAM_DCGAN),
    ("wgan", "cifar10"): (dcgan(64), dcgan(64, norm="batch"), 64, 100, 5,
                          OptimizerSpec("rmsprop", 5e-5)),
    ("wgan", "celeba"): (dcgan(64), dcgan(64, norm="batch"), 64, 100, 5,
                         OptimizerSpec("rmsprop", 5e-5)),
    ("wgan-gp", "cifar10"): (resnet(128), resnet(128), 64, 128, 5, ADAM_RESNET),
    ("wgan-gp", "celeba"): (dcgan(64), dcgan(64, norm="layer"), 64, 128, 5,
                            OptimizerSpec("adam", 1e-4, (0.0, 0.9))),
    ("cgan", "cifar10"): (dcgan(128), dcgan(128), 128, 100, 1, ADAM_DCGAN),
    ("sngan", "cifar10"): (resnet(256), resnet(128), 64, 128, 5, ADAM_RESNET),
    ("sngan", "celeba"): (resnet(256), resnet(128), 64, 128, 5, ADAM_RESNET),
    ("acgan", "cifar10"): (dcgan(96), PartChoice("acgan", {"base_channels": 128, "norm": "batch"}),
                           100, 100, 1, ADAM_DCGAN),
    ("cgan-pd", "cifar10"): (PartChoice("cbn-dcgan", {"base_channels": 128}),
                             PartChoice("projection", {"base_channels": 64, "norm": "none"}),
                             64, 128, 5, ADAM_RESNET),
    ("pacgan", "cifar10"): (dcgan(64), PartChoice("packed", {"inner": "dcgan", "pack": 2,
                                                             "base_channels": 64}),
                            128, 100, 1, ADAM_DCGAN),
    ("pacgan", "celeba"): (dcgan(64), PartChoice("packed", {"inner": "dcgan", "pack": 2,
                                                            "base_channels": 64}),
                           128, 100, 1, ADAM_DCGAN),
}


def has(part: PartChoice, expected: PartChoice) -> bool:
    """``part`` is ``expected``'s part with (at least) its options."""
    return part.name == expected.name and expected.options.items() <= part.options.items()


def plan_for(model: str, dataset: str, **asked: Any) -> Plan:
    return resolve_plan(TrainConfig(model, dataset, **asked), REGISTRY)


def test_every_built_in_image_recipe_is_covered():
    assert {"dcgan", "sngan", "acgan", "cgan-pd", "pacgan"} <= {r.name for r in IMAGE_RECIPES}
    assert {model for model, _ in PAPERS} <= {r.name for r in IMAGE_RECIPES}


@pytest.mark.parametrize("model, dataset", CASES)
def test_image_recipes_resolve_with_the_dataset_preset(model, dataset):
    """Without the files: the plan holds what the kind's preset, then the dataset's, say."""
    recipe: Recipe = REGISTRY.get("model", model).load()
    if dataset == "celeba" and recipe.conditioning == "class":
        with pytest.raises(IncompatibleError, match="no labels"):
            plan_for(model, dataset)
        return
    plan = plan_for(model, dataset)
    expected = recipe.for_data("image", dataset)
    assert has(plan.generator, expected.generator_for("image"))
    assert has(plan.discriminator, expected.discriminator_for("image"))
    assert plan.batch_size == expected.batch_size["image"]
    assert plan.latent_dim == expected.latent_dim["image"]
    assert (plan.g_optimizer, plan.d_optimizer) == (expected.g_optimizer, expected.d_optimizer)
    assert plan.n_critic == expected.n_critic
    assert [r.name for r in plan.regularizers] == [r.name for r in expected.regularizer_choices]
    assert plan.loss.name == expected.loss_choice.name


@pytest.mark.parametrize("model, dataset", sorted(PAPERS))
def test_built_in_recipes_give_their_papers_settings(model, dataset):
    generator, discriminator, batch, latent, n_critic, optimizer = PAPERS[model, dataset]
    plan = plan_for(model, dataset)
    assert has(plan.generator, generator), plan.generator
    assert has(plan.discriminator, discriminator), plan.discriminator
    assert (plan.batch_size, plan.latent_dim, plan.n_critic) == (batch, latent, n_critic)
    assert plan.g_optimizer == plan.d_optimizer == optimizer


@pytest.mark.parametrize("model", ["sngan", "acgan", "wgan-gp"])
@pytest.mark.parametrize("dataset", DATASETS)
def test_print_config_shows_the_preset(run_cli, model, dataset):
    result = run_cli("train", model, "--dataset", dataset, "--print-config")
    if (model, dataset) not in PAPERS:
        assert result.code != 0 and "no labels" in result.err
        return
    assert result.code == 0, result.err
    plan = json.loads(result.out)["plan"]
    generator, discriminator, batch, _, _, optimizer = PAPERS[model, dataset]
    assert plan["generator"]["name"] == generator.name
    assert generator.options.items() <= plan["generator"]["options"].items()
    assert discriminator.options.items() <= plan["discriminator"]["options"].items()
    assert plan["batch_size"] == batch and plan["g_optimizer"]["lr"] == optimizer.lr


def test_preset_keys_are_data_kinds_or_registered_datasets():
    """A misspelt dataset name would be a preset that never applies."""
    known = {"points", "image"} | set(REGISTRY.names("dataset"))
    for name in REGISTRY.names("model"):
        recipe = REGISTRY.get("model", name).load()
        assert set(recipe.presets) <= known, (name, sorted(set(recipe.presets) - known))


class LayeredPlugin:
    """A recipe whose kind preset and cifar10 preset both set the batch and G's width."""

    @staticmethod
    @hookimpl
    def ganzoo_register_models(registry: Any) -> None:
        registry.add_model(Recipe(
            name="layered", summary="test: kind and dataset presets", paper="-",
            loss="non-saturating", generator={"image": "dcgan"},
            discriminator={"image": "dcgan"},
            presets={
                "image": {"generator": {"image": dcgan(8)}, "batch_size": {"image": 32},
                          "latent_dim": {"image": 16}},
                "cifar10": {"generator": {"image": dcgan(12)}, "batch_size": {"image": 24},
                            "g_optimizer": OptimizerSpec("adam", 1e-4, (0.0, 0.9))},
            }))


@pytest.fixture(scope="module")
def layered() -> Any:
    return load_plugins(extra=[("layered", LayeredPlugin)]).registry


def test_the_dataset_preset_wins_over_the_kinds(layered):
    on_cifar = resolve_plan(TrainConfig("layered", "cifar10"), layered)
    assert on_cifar.generator.options["base_channels"] == 12 and on_cifar.batch_size == 24
    assert on_cifar.latent_dim == 16  # the kind's, where the dataset's preset is silent
    assert on_cifar.g_optimizer.lr == 1e-4 and on_cifar.d_optimizer.lr == 2e-4
    on_other = resolve_plan(TrainConfig("layered", "mnist-5k"), layered)  # images, no preset
    assert on_other.generator.options["base_channels"] == 8 and on_other.batch_size == 32


def test_the_users_flags_win_over_both_presets(layered):
    asked = dict(batch_size=6, latent_dim=5, lr_g=3e-3, generator_options={"base_channels": 4})
    plan = resolve_plan(TrainConfig("layered", "cifar10", **asked), layered)
    assert (plan.batch_size, plan.latent_dim, plan.g_optimizer.lr) == (6, 5, 3e-3)
    assert plan.generator.options["base_channels"] == 4
    assert plan.g_optimizer.betas == (0.0, 0.9)  # the preset's, where no flag says otherwise


def test_flags_win_over_a_built_in_preset():
    plan = plan_for("acgan", "cifar10", batch_size=32, generator_options={"base_channels": 16})
    assert plan.batch_size == 32 and plan.generator.options["base_channels"] == 16
    assert plan.discriminator.options["base_channels"] == 128  # not asked: the preset's
    # naming another part drops the preset's choice: its options are the part's own
    plan = plan_for("wgan-gp", "cifar10", generator="dcgan", discriminator="dcgan",
                    discriminator_options={"norm": "layer"})
    assert has(plan.generator, dcgan(32)) and has(plan.discriminator, dcgan(32, norm="layer"))
    assert plan.g_optimizer == ADAM_RESNET and plan.latent_dim == 128
