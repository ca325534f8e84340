"""The registry: names by kind, duplicates refused, close matches, filtering, lazy targets."""

from __future__ import annotations

import os.path

import pytest

from ganzoo.errors import DuplicateNameError, GanzooError, UnknownNameError
from ganzoo.registry import (
    KINDS,
    PluginRegistrar,
    Registry,
    close_kind,
    normalize_kind,
    plural,
    resolve,
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
        registry.add("model", "gan", object(), plugin="thirdparty")
    message = str(info.value)
    assert "by plugin 'gan'" in message and "by plugin 'thirdparty'" in message
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
    entry = reg.add("loss", "broken", "no_such_module_anywhere:Loss")  # not imported yet
    with pytest.raises(ModuleNotFoundError):
        entry.load()


def test_registrar_commits_all_or_nothing(registry: Registry) -> None:
    registrar = PluginRegistrar(registry, "thirdparty", "ganzoo-thirdparty")
    registrar.add("loss", "fresh", "x:Fresh")
    registrar.add("model", "gan", object())  # clashes with plugin 'gan'
    assert ("loss", "fresh") not in registry  # staged only
    with pytest.raises(DuplicateNameError):
        registrar.commit()
    assert ("loss", "fresh") not in registry
    assert registry.get("model", "gan").plugin == "gan"


def test_registrar_stamps_plugin_and_distribution(registry: Registry) -> None:
    registrar = PluginRegistrar(registry, "thirdparty", "ganzoo-thirdparty")
    registrar.add("loss", "fresh", "x:Fresh", summary="new")
    (entry,) = registrar.commit()
    assert (entry.plugin, entry.distribution, entry.summary) == (
        "thirdparty", "ganzoo-thirdparty", "new")
