"""The registry: names by kind, duplicates refused, close matches, filtering, lazy targets."""

from __future__ import annotations

import os.path
import sys
import types

import pytest

from ganzoo.data.spec import DataSpec, DatasetInfo
from ganzoo.errors import (
    DuplicateNameError,
    EntryLoadError,
    GanzooError,
    RegistrationError,
    UnknownNameError,
)
from ganzoo.recipe import PartChoice, Recipe, parse_part
from ganzoo.registry import (
    KINDS,
    PluginRegistrar,
    Registry,
    close_kind,
    is_lazy_target,
    normalize_kind,
    plural,
    resolve,
    split_name,
)


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.add("model", "gan", object(), summary="the original", plugin="gan", distribution="ganzoo")
    reg.add("model", "dcgan", object(), plugin="dcgan")
    reg.add("model", "wgan-gp", object(), plugin="wgan")
    reg.add("loss", "non-saturating", "ganzoo_losses.losses:NonSaturating", plugin="losses")
    reg.add("loss", "minimax", "ganzoo_losses.losses:Minimax", plugin="losses")
    reg.add("generator", "mlp", "x:G", plugin="gan")
    reg.add("discriminator", "mlp", "x:D", plugin="gan")
    return reg


def test_entry_records_its_plugin_and_distribution(registry: Registry) -> None:
    entry = registry.get("model", "gan")
    assert (entry.kind, entry.name, entry.plugin, entry.distribution, entry.summary) == (
        "model", "gan", "gan", "ganzoo", "the original")


def test_duplicate_is_refused_naming_both_plugins(registry: Registry) -> None:
    with pytest.raises(DuplicateNameError) as info:
        registry.add("model", "gan", object(), plugin="thirdparty", distribution="ganzoo-3rd")
    message = str(info.value)
    assert "by plugin 'gan' (distribution ganzoo), which keeps it" in message
    assert "by plugin 'thirdparty' (distribution ganzoo-3rd), which was therefore not loaded" \
        in message
    assert "GANZOO_DISABLE_PLUGINS=thirdparty" in message  # how to silence the newcomer
    assert registry.get("model", "gan").plugin == "gan"  # the first keeps its entry


def test_same_name_in_different_kinds_is_fine(registry: Registry) -> None:
    assert registry.get("generator", "mlp").target == "x:G"
    assert registry.get("discriminator", "mlp").target == "x:D"


def test_unknown_name_suggests_close_matches(registry: Registry) -> None:
    with pytest.raises(UnknownNameError) as info:
        registry.get("model", "gann")
    message = str(info.value)
    assert "Did you mean 'gan'" in message
    assert "Installed models: dcgan, gan, wgan-gp" in message
    assert isinstance(info.value, GanzooError)


def test_unknown_name_of_an_empty_kind(registry: Registry) -> None:
    with pytest.raises(UnknownNameError, match="No metrics are installed"):
        registry.get("metric", "fid")


def test_unknown_kind_is_refused(registry: Registry) -> None:
    with pytest.raises(UnknownNameError, match="Unknown kind 'recipe'"):
        registry.add("recipe", "x", object())


def test_list_filters_by_kind_and_glob_in_natural_order(registry: Registry) -> None:
    assert [e.name for e in registry.list("model")] == ["dcgan", "gan", "wgan-gp"]
    assert [e.name for e in registry.list("model", "*gan")] == ["dcgan", "gan"]
    assert [e.name for e in registry.list(pattern="m*")] == ["mlp", "mlp", "minimax"]
    assert [e.kind for e in registry.list(pattern="mlp")] == ["generator", "discriminator"]
    assert registry.list("loss", "z*") == []


def test_natural_order_sorts_numbers_by_value() -> None:
    reg = Registry()
    for name in ("grid25", "ring8", "ring16", "grid9"):
        reg.add("dataset", name, object())
    assert reg.names("dataset") == ["grid9", "grid25", "ring8", "ring16"]


@pytest.mark.parametrize("text, kind", [
    ("model", "model"), ("models", "model"), ("Losses", "loss"), ("recipes", "model"),
    ("discriminators", "discriminator"), ("dataset", "dataset"), ("metrics", "metric"),
])
def test_kinds_accept_plurals_and_aliases(text: str, kind: str) -> None:
    assert normalize_kind(text) == kind


def test_every_kind_has_a_plural_alias() -> None:
    assert all(normalize_kind(plural(k)) == k for k in KINDS)
    assert plural("loss") == "losses" and plural("entry") == "entries"


def test_unknown_kind_suggests_the_closest() -> None:
    assert close_kind("modle") == "model"
    assert close_kind("dcgan") is None
    with pytest.raises(UnknownNameError, match="Did you mean 'model'"):
        normalize_kind("modle")


def test_find_searches_every_kind(registry: Registry) -> None:
    assert [e.kind for e in registry.find("mlp")] == ["generator", "discriminator"]
    assert [e.kind for e in registry.find("mlp", "discriminator")] == ["discriminator"]
    with pytest.raises(UnknownNameError, match=r"Did you mean 'minimax' \(loss\)"):
        registry.find("minmax")
    with pytest.raises(UnknownNameError, match="Unknown loss 'mlp'"):
        registry.find("mlp", "loss")


def test_lazy_targets_resolve_on_load() -> None:
    assert resolve("os.path:join") is os.path.join
    assert resolve(os.path.join) is os.path.join
    reg = Registry()
    entry = reg.add("loss", "join", "os.path:join")  # not imported yet
    assert entry.load() is os.path.join


@pytest.mark.parametrize("target, cause", [
    ("no_such_module_anywhere:Loss", ModuleNotFoundError),
    ("os.path:no_such_attribute", AttributeError),
])
def test_failing_lazy_target_names_its_plugin(target: str, cause: type) -> None:
    entry = Registry().add("loss", "broken", target, plugin="shaky",
                           distribution="ganzoo-shaky")
    with pytest.raises(EntryLoadError) as info:
        entry.load()
    message = str(info.value)
    assert isinstance(info.value, GanzooError) and isinstance(info.value.__cause__, cause)
    for part in ("loss 'broken'", "plugin 'shaky'", "distribution ganzoo-shaky",
                 repr(target), cause.__name__, "GANZOO_DISABLE_PLUGINS=shaky"):
        assert part in message


def test_registrar_commits_all_or_nothing(registry: Registry) -> None:
    registrar = PluginRegistrar(registry, "thirdparty", "ganzoo-thirdparty")
    registrar.add("loss", "fresh", "x:Fresh")
    registrar.add("loss", "minimax", "x:Minimax")  # clashes with plugin 'losses'
    assert ("loss", "fresh") not in registry  # staged only
    with pytest.raises(DuplicateNameError):
        registrar.commit()
    assert ("loss", "fresh") not in registry
    assert registry.get("loss", "minimax").plugin == "losses"


def test_registrar_stamps_plugin_and_distribution(registry: Registry) -> None:
    registrar = PluginRegistrar(registry, "thirdparty", "ganzoo-thirdparty")
    registrar.add("loss", "fresh", "x:Fresh", summary="new")
    (entry,) = registrar.commit()
    assert (entry.plugin, entry.distribution, entry.summary) == (
        "thirdparty", "ganzoo-thirdparty", "new")


# ---------------------------------------------------------------- qualified names


def test_qualified_names_resolve_through_get(registry: Registry) -> None:
    assert split_name("dcgan:dcgan") == ("dcgan", "dcgan") and split_name("gan") == (None, "gan")
    assert registry.get("model", "dcgan:dcgan") is registry.get("model", "dcgan")
    assert registry.get("loss", "losses:minimax").target == "ganzoo_losses.losses:Minimax"
    assert ("loss", "losses:minimax") in registry
    assert ("loss", "gan:minimax") not in registry
    assert [e.kind for e in registry.find("gan:mlp")] == ["generator", "discriminator"]
    assert [e.kind for e in registry.find("gan:mlp", "generator")] == ["generator"]


def test_qualified_name_of_the_wrong_plugin_names_the_owner(registry: Registry) -> None:
    with pytest.raises(UnknownNameError) as info:
        registry.get("model", "wgan:dcgan")
    assert "plugin 'wgan' registered no model 'dcgan'" in str(info.value)
    assert "comes from plugin 'dcgan' ('dcgan:dcgan')" in str(info.value)
    with pytest.raises(UnknownNameError, match="'mlp' comes from plugin\\(s\\) gan"):
        registry.find("wgan:mlp")


def test_qualified_part_choices_on_the_command_line(registry: Registry) -> None:
    """``--reg PLUGIN:NAME:key=value``: segments with '=' are options, the rest the name."""
    registry.add("regularizer", "r1", "x:R1", plugin="regs")
    choice = parse_part("regs:r1:gamma=1")
    assert choice == PartChoice("regs:r1", {"gamma": 1})
    assert registry.get("regularizer", choice.name).name == "r1"
    assert parse_part("r1:gamma=1") == PartChoice("r1", {"gamma": 1})
    with pytest.raises(GanzooError, match="PLUGIN:NAME"):
        parse_part("regs:r1:gamma")  # three names
    # 'r1:gamma' (a forgotten '=1') reads as plugin 'r1'; the registry says what was meant
    with pytest.raises(UnknownNameError, match="an option is written r1:gamma=VALUE"):
        registry.get("regularizer", parse_part("r1:gamma").name)


# ---------------------------------------------------------------- checked registrations


RECIPE = Recipe(name="tiny", summary="", paper="", loss="minimax",
                generator={"points": "mlp"}, discriminator={"points": "mlp"})
DATASET = DatasetInfo("dots", DataSpec((2,)), builder="x:build")


class NotALoss:
    pass


@pytest.mark.parametrize("kind, name, target, expected", [
    ("model", "tiny", object(), "expected a ganzoo.recipe.Recipe object"),
    ("model", "tiny", "my_plugin.recipes:TINY", "expected a ganzoo.recipe.Recipe object"),
    ("dataset", "dots", RECIPE, "expected a ganzoo.data.spec.DatasetInfo object"),
    ("loss", "bad", "my_plugin.losses", "is not a 'module:attr' string"),
    ("loss", "bad", "my plugin:Loss", "is not a 'module:attr' string"),
    ("loss", "bad", "my_plugin:1Loss", "is not a 'module:attr' string"),
    ("loss", "bad", "my_plugin..losses:Loss", "is not a 'module:attr' string"),
    ("loss", "", "x:Y", "a name must be a non-empty string"),
    ("loss", "my plugin", "x:Y", "a name must be a non-empty string without ':' or whitespace"),
    ("loss", "a:b", "x:Y", "':' is reserved for qualified names"),
    ("losses", "bad", "x:Y", "'losses' is not a kind (did you mean 'loss'?)"),
    ("loss", "bad", NotALoss, "expected a subclass of ganzoo.parts.Loss"),
])
def test_registrar_refuses_what_cannot_work(
    registry: Registry, kind: str, name: str, target: object, expected: str,
) -> None:
    import ganzoo.parts  # noqa: F401 - loaded, so loss classes are checked

    registrar = PluginRegistrar(registry, "sloppy", "ganzoo-sloppy")
    with pytest.raises(RegistrationError) as info:
        registrar.add(kind, name, target)
    message = str(info.value)
    assert f"Plugin 'sloppy' cannot register the {kind} {name!r}" in message
    assert expected in message and "GANZOO_DISABLE_PLUGINS=sloppy" in message
    assert registrar.staged == []


def test_registrar_accepts_well_formed_entries(registry: Registry) -> None:
    from ganzoo.parts import Loss

    class Fine(Loss):
        pass

    registrar = PluginRegistrar(registry, "tidy")
    registrar.add_model(RECIPE)
    registrar.add_dataset(DATASET)
    registrar.add("loss", "fine", Fine)
    registrar.add("loss", "lazy", "my_plugin.losses:Loss.factory")
    registrar.add("generator", "g", lambda spec, **options: None)
    assert [e.name for e in registrar.commit()] == ["tiny", "dots", "fine", "lazy", "g"]


@pytest.mark.parametrize("kind, module_name, base_name", [
    ("regularizer", "ganzoo.parts", "Regularizer"),
    ("method", "ganzoo.method", "Method"),
    ("metric", "ganzoo.metrics.base", "Metric"),
])
def test_base_classes_are_checked_only_once_imported(
    monkeypatch: pytest.MonkeyPatch, kind: str, module_name: str, base_name: str,
) -> None:
    """Registering must not import torch, so a base whose module is not loaded is not
    checked (nor imported)."""
    base = type(base_name, (), {"__module__": module_name})
    monkeypatch.setitem(sys.modules, module_name, types.SimpleNamespace(**{base_name: base}))
    with pytest.raises(RegistrationError, match=f"subclass of {module_name}.{base_name}"):
        PluginRegistrar(Registry(), "p").add(kind, "x", NotALoss)
    PluginRegistrar(Registry(), "p").add(kind, "y", type("Fine", (base,), {}))

    monkeypatch.delitem(sys.modules, module_name)
    PluginRegistrar(Registry(), "p").add(kind, "x", NotALoss)
    assert module_name not in sys.modules


@pytest.mark.parametrize("text, lazy", [
    ("os.path:join", True), ("pkg:Class.factory", True), ("a.b.c:d", True),
    ("os.path", False), (":join", False), ("os:", False), ("os:path:join", False),
    ("os-path:join", False),
])
def test_lazy_target_format(text: str, lazy: bool) -> None:
    assert is_lazy_target(text) is lazy
