"""Text → image (plugin ganzoo_text2image, GAN-CLS + GAN-INT): captions as character codes,
the captioned datasets, the text conditioning, the nets and their frozen char-CNN-RNN, the
matching-aware discriminator's three kinds of pairs, the interpolation term, exact resume,
``ganzoo sample --text`` and the caption-accuracy metric.  Tiny nets, a few steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from ganzoo.api import (
    DataSpec,
    IncompatibleError,
    MetricTask,
    OptimizerSpec,
    PartsKit,
    decode_captions,
    encode_captions,
    load_run,
    train,
)
from ganzoo.data.text import CAPTION_LENGTH
from ganzoo.errors import DatasetUnavailableError, GanzooError
from ganzoo.plugins import get_registry
from ganzoo.training.conditioning import make_conditioning
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan
from ganzoo_digits.attributes import levels, measure, parse
from ganzoo_text2image import metric as caption_metric
from ganzoo_text2image.method import GANCLS
from ganzoo_text2image.nets import TextDiscriminator, TextGenerator
from ganzoo_text2image.text_encoder import CharEncoder, pretrain
from run_checks import resumes_exactly

SPEC = DataSpec((1, 28, 28), num_classes=10, captioned=True)
NETS = {"base_channels": 4, "embed_dim": 8, "text_dim": 4}
TINY = {"generator_options": NETS, "discriminator_options": NETS,
        "method_options": {"pretrain_steps": 2}, "batch_size": 8}


def dataset(name: str, **kwargs: Any) -> Any:
    return get_registry().get("dataset", name).load().build(**kwargs)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gan-cls") / "run"
    train("gan-cls", "captioned-digits", out=out, steps=2, sample_every=0, **TINY)
    return out


def test_the_recipe_has_the_papers_settings():
    recipe = get_registry().get("model", "gan-cls").load()
    assert "arXiv:1605.05396" in recipe.paper and recipe.notes
    assert recipe.conditioning == "text" and recipe.loss == "non-saturating"
    assert recipe.g_optimizer == recipe.d_optimizer == OptimizerSpec("adam", 2e-4, (0.5, 0.999))
    assert (recipe.batch_size["image"], recipe.latent_dim["image"]) == (64, 100)
    assert recipe.method_choice.options["beta"] == 0.5


def test_captions_encode_as_characters_and_decode_back():
    codes = encode_captions(["A thick  Seven,\nleaning right", "one"], length=20)
    assert codes.shape == (2, 20) and codes.dtype == torch.long
    assert decode_captions(codes) == ["a thick seven, leani", "one"]  # lowercased, cut at 20
    assert (codes[1, 3:] == 0).all()  # padding after the end
    with pytest.raises(GanzooError, match="'é'.*fixed alphabet"):
        encode_captions(["a café"])
    with pytest.raises(GanzooError, match="empty"):
        encode_captions(["  "])


def test_captioned_digits_captions_say_the_label_and_the_measured_attributes():
    data = dataset("captioned-digits", split="test")
    mnist = dataset("mnist-5k", split="test")
    images, labels, codes = data.tensors
    assert torch.equal(images, mnist.tensors[0]) and torch.equal(labels, mnist.tensors[1])
    assert decode_captions(codes) == data.captions and codes.shape[1] == CAPTION_LENGTH
    found = levels(measure(images))
    for i, text in enumerate(data.captions):
        assert parse(text) == {"digit": int(labels[i]), "thickness": int(found["thickness"][i]),
                               "slant": int(found["slant"][i])}, text
    orders = {text.startswith("a ") or text.startswith("an ") for text in data.captions}
    assert orders == {True, False} and len(set(data.captions)) > 60  # several orders
    assert dataset("captioned-digits", split="train", image_size=16)[0][0].shape == (1, 16, 16)


def _picture(path: Path, caption: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (12, 10), (200, 30, 30)).save(path)
    if caption is not None:
        path.with_suffix(".txt").write_text(caption)


def test_image_captions_reads_a_caption_beside_each_image(tmp_path):
    root = tmp_path / "root"
    _picture(root / "image-captions/train/b.png", "A red square\nignored second line")
    _picture(root / "image-captions/train/a.png", "a small red square")
    data = dataset("image-captions", root=root, image_size=8)
    assert data.captions == ["a small red square", "A red square"]
    image, codes = data[1]
    assert image.shape == (3, 8, 8) and decode_captions(codes[None]) == ["a red square"]
    # --data-root may also name the folder holding train/ and test/
    assert len(dataset("image-captions", root=root / "image-captions")) == 2
    _picture(root / "image-captions/test/c.png", None)
    with pytest.raises(DatasetUnavailableError,
                       match=r"without a caption.*c\.txt.*x\.png and x\.txt"):
        dataset("image-captions", root=root, split="test")
    (root / "image-captions/test/c.txt").write_text("un café")
    with pytest.raises(GanzooError, match=r"cannot use 1 .*c\.txt .*'é'"):
        dataset("image-captions", root=root, split="test")
    with pytest.raises(DatasetUnavailableError,
                       match="no images in .*elsewhere.*image-captions/train"):
        dataset("image-captions", root=tmp_path / "elsewhere")


def test_the_text_conditioning_needs_captioned_data_and_captions_to_draw_from():
    with pytest.raises(IncompatibleError, match="has no captions"):
        make_conditioning("text", DataSpec((1, 28, 28), num_classes=10), 16)
    text = make_conditioning("text", SPEC, 16)
    batch = (torch.zeros(2, 1, 28, 28), torch.tensor([1, 2]), encode_captions(["one", "two"]))
    assert text.split(batch)[1] is batch[2]
    with pytest.raises(GanzooError, match="--text"):
        text.random_cond(3, "cpu")
    seeded = torch.Generator().manual_seed(0)
    drawn = text.with_captions(["one", "two"]).random_cond(50, "cpu", seeded)
    assert set(decode_captions(drawn)) == {"one", "two"}


def test_the_nets_embed_captions_with_a_frozen_encoder_and_refuse_other_conditioning():
    G = TextGenerator(SPEC, latent_dim=6, conditioning="text", **NETS)
    D = TextDiscriminator(SPEC, conditioning="text", **NETS)
    codes = encode_captions(["a thin two leaning left", "seven, thick, upright"])
    images = G(torch.randn(2, 6), codes)
    assert images.shape == (2, 1, 28, 28) and images.abs().max() <= 1
    assert D(images, codes).shape == (2,)
    assert not any(p.requires_grad for p in [*G.encoder.parameters(), *D.encoder.parameters()])
    with pytest.raises(IncompatibleError, match="captioned-digits"):
        TextGenerator(SPEC, latent_dim=6, conditioning="class")
    with pytest.raises(IncompatibleError, match="conditioned on captions"):
        TextDiscriminator(SPEC, conditioning="none")


def test_conditioning_augmentation_samples_in_training_and_uses_the_mean_in_eval():
    G = TextGenerator(SPEC, latent_dim=6, conditioning="text", augmentation=True, **NETS)
    z, text = torch.randn(3, 6), G.embed(encode_captions(["one"] * 3))
    _, kl = G.from_embedding(z, text)
    assert kl > 0 and not torch.equal(G.from_embedding(z, text)[0], G.from_embedding(z, text)[0])
    G.eval()
    assert torch.equal(G.from_embedding(z, text)[0], G.from_embedding(z, text)[0])


def test_the_char_encoder_ignores_padding_and_pretraining_matches_text_to_images():
    torch.manual_seed(0)
    encoder = CharEncoder(8).requires_grad_(False)
    texts = ["a thick seven leaning right", "one"]
    padded, shorter = encode_captions(texts), encode_captions(texts, 40)
    assert torch.allclose(encoder(padded), encoder(shorter), atol=1e-6)
    data = dataset("captioned-digits", split="test")
    images, codes = data.tensors[0][:32], data.tensors[2][:32]
    def minimize(loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    losses = pretrain(encoder, 1, 40, lambda: (images, codes), minimize)
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5 - 0.2  # the matching loss falls
    assert not any(p.requires_grad for p in encoder.parameters())


def _method(generator_options: dict[str, Any] = NETS, **options: Any) -> GANCLS:
    registry = get_registry()
    config = TrainConfig("gan-cls", "captioned-digits", batch_size=6,
                         generator_options=generator_options, discriminator_options=NETS)
    return GANCLS(PartsKit(resolve_plan(config, registry), registry), **options)


def test_the_discriminator_learns_real_right_fake_right_and_real_wrong_pairs():
    torch.manual_seed(0)
    method = _method(pretrain_steps=1)
    data = dataset("captioned-digits", split="test")
    batch = tuple(t[:6] for t in data.tensors)
    method.step(lambda: batch)  # fits the encoder first
    assert method.encoder_ready and len(method.match_losses) == 1
    for key, value in method.generator.encoder.state_dict().items():
        assert torch.equal(value, method.discriminator.encoder.state_dict()[key])
    calls: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    D, forward = method.discriminator, method.discriminator.forward
    D.forward = lambda x, cond: calls.append((x, cond, out := forward(x, cond))) or out
    values = method.step(lambda: batch)
    real, codes = batch[0], batch[2]
    (x0, c0, right), (x1, c1, fake), (x2, c2, wrong) = calls[:3]
    assert torch.equal(x0, real) and torch.equal(c0, codes) and torch.equal(c1, codes)
    assert torch.equal(x2, real) and torch.equal(c2, codes.roll(1, 0))  # real image, wrong text
    d_wrong = method.loss.d_loss(right, wrong)
    assert torch.allclose(values["d_wrong"], d_wrong)
    assert torch.allclose(values["d_loss"], (method.loss.d_loss(right, fake) + d_wrong) / 2)
    assert {"g_loss", "g_int"} <= values.keys()
    assert "g_int" not in _method(pretrain_steps=1, interpolation_weight=0).step(lambda: batch)


def test_conditioning_augmentation_adds_its_kl_term_to_gs_loss():
    torch.manual_seed(0)
    batch = tuple(t[:6] for t in dataset("captioned-digits", split="test").tensors)
    values = _method({**NETS, "augmentation": True}, pretrain_steps=1).step(lambda: batch)
    assert values["kl"] > 0
    assert "kl" not in _method(pretrain_steps=1).step(lambda: batch)


def test_the_method_refuses_encoders_of_different_sizes():
    registry = get_registry()
    config = TrainConfig("gan-cls", "captioned-digits", generator_options=NETS,
                         discriminator_options={**NETS, "embed_dim": 5})
    with pytest.raises(IncompatibleError, match="same embed_dim"):
        GANCLS(PartsKit(resolve_plan(config, registry), registry))


def test_the_recipe_resumes_exactly(tmp_path):
    resumes_exactly("gan-cls", tmp_path, dataset="captioned-digits", **TINY)


def test_sample_draws_the_given_texts_or_test_captions(run_dir, run_cli, tmp_path):
    run = load_run(run_dir)
    assert run.sample(4).shape == (4, 1, 28, 28)  # captions drawn from the test split
    assert torch.equal(run.sample(2, texts=["a thin two"]), run.sample(2, texts=["a thin two"] * 2))
    assert run.sample(3, texts=["one", "two"]).shape[0] == 2  # one sample per text
    result = run_cli("sample", str(run_dir), "--text", "a thin two leaning left", "--text",
                     "seven, thick, upright", "-n", "3", "--out", str(tmp_path / "s.pt"))
    assert result.code == 0, result.err
    assert torch.load(tmp_path / "s.pt").shape == (6, 1, 28, 28)
    result = run_cli("sample", str(run_dir), "--text", "a thin two", "--out",
                     str(tmp_path / "s.png"))
    assert result.code == 0 and (tmp_path / "s.png").exists()
    result = run_cli("sample", str(run_dir), "--text", "a thin twö", "--out",
                     str(tmp_path / "x.png"))
    assert result.code == 2 and "fixed alphabet" in result.err


def test_the_cli_trains_it_and_says_how_to_sample_from_text(tmp_path, run_cli):
    tiny = [f"{flag}={value}" for value in ("base_channels=4", "embed_dim=8", "text_dim=4")
            for flag in ("--g-opt", "--d-opt")]
    args = [arg for pair in (item.split("=", 1) for item in tiny) for arg in pair]
    result = run_cli("train", "gan-cls", "--dataset", "captioned-digits", "--steps", "1",
                     "--batch-size", "4", "--method-opt", "pretrain_steps=1", *args,
                     "--out", str(tmp_path / "run"))
    assert result.code == 0, result.err
    assert '--text "a thin two leaning left"' in " ".join(result.out.split())


def test_eval_draws_sample_i_from_test_caption_i(run_dir, monkeypatch):
    from ganzoo.metrics.evaluate import run_task

    run = load_run(run_dir)
    reference = run.dataset("test")
    asked: dict[str, Any] = {}
    monkeypatch.setattr(run, "sample",
                        lambda n, **kw: asked.update(kw) or torch.zeros(n, 1, 28, 28))
    info = get_registry().get("dataset", "captioned-digits").load()
    task = run_task(run, info, "test", reference, num_samples=None, device="cpu", seed=0)
    task.samples(1002)
    assert asked["texts"] == reference.captions + reference.captions[:2]


def test_text_is_refused_for_models_without_it(tmp_path, run_cli):
    out = tmp_path / "dcgan"
    train("dcgan", "digits", out=out, steps=1, batch_size=8, sample_every=0,
          generator_options={"base_channels": 4}, discriminator_options={"base_channels": 4})
    result = run_cli("sample", str(out), "--text", "a thin two", "--out", str(tmp_path / "x.png"))
    assert result.code == 2 and "--text is for text-to-image models" in result.err
    with pytest.raises(GanzooError, match="does not generate from text"):
        load_run(out).sample(2, texts=["a thin two"])


class _Oracle(torch.nn.Module):
    """A digit 'classifier' that knows the test images' labels (uint8 images, as torch-fidelity)."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor):
        super().__init__()
        pixels = ((images + 1) * 127.5).round().to(torch.uint8)
        self.known = {p.numpy().tobytes(): int(l) for p, l in zip(pixels, labels)}

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor]:
        labels = torch.tensor([self.known.get(p.numpy().tobytes(), 0) for p in pixels])
        return (torch.nn.functional.one_hot(labels, 10).float(),)


@pytest.mark.parametrize("shuffled", [False, True])
def test_caption_accuracy_scores_samples_against_their_captions(monkeypatch, shuffled):
    data = dataset("captioned-digits", split="test")
    images, labels = data.tensors[0], data.tensors[1]
    monkeypatch.setattr(caption_metric, "_classifier", lambda task: (_Oracle(images, labels), {}))
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
    drawn = images[order] if shuffled else images
    task = MetricTask(sampler=lambda n: drawn[:n], reference=data, spec=SPEC, conditioning="text",
                      dataset="captioned-digits", num_samples=300)
    result = caption_metric.CaptionAccuracy().compute(task)
    assert result.values.keys() == {"digit_accuracy", "thickness_accuracy", "slant_accuracy"}
    assert result.measured_with["real_test_images"] == {
        "digit_accuracy": 1.0, "thickness_accuracy": 1.0, "slant_accuracy": 1.0}
    if shuffled:  # images that ignore their captions score near chance
        assert result.values["digit_accuracy"] < 0.3 and result.values["slant_accuracy"] < 0.6
    else:
        assert all(v == 1.0 for v in result.values.values())
    assert caption_metric.CaptionAccuracy().applies_to(SPEC, "text")
    assert not caption_metric.CaptionAccuracy().applies_to(SPEC, "class")
