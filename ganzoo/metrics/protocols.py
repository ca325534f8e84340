"""Named measuring protocols for image metrics.

A FID is a distance in one feature space, measured on given sample counts against a given
reference and after a given resizing; change any of them and the number changes meaning.
Every image figure therefore records the protocol it was measured under
(``measured_with["protocol"]``), and figures of different protocols are never compared.
"""

from __future__ import annotations

from ganzoo.errors import GanzooError

#: ganzoo's domain CNN, trained on the dataset's labeled train split (offline)
OFFLINE_DOMAIN = "offline-domain"
#: torch-fidelity's Inception-v3 with the TF-ported weights of published FIDs
INCEPTION_LEGACY = "inception-legacy"
#: clean-fid's Inception-v3 after its PIL bicubic resizing to 299×299 (Parmar et al. 2022)
CLEAN = "clean"

PROTOCOLS: dict[str, str] = {
    OFFLINE_DOMAIN: "ganzoo's domain CNN trained on the dataset's train split, native size",
    INCEPTION_LEGACY: "torch-fidelity's Inception-v3 (TF-ported 2015 weights), its own "
                      "bilinear resize to 299×299",
    CLEAN: "clean-fid's Inception-v3 (TorchScript), PIL bicubic resize to 299×299 "
           "(pip install 'torch-ganzoo[clean]')",
}


def check_protocol(name: str | None) -> str | None:
    """``name`` if it is a protocol (``None``: the automatic choice), else a clear error."""
    if name is None or name in PROTOCOLS:
        return name
    listed = "; ".join(f"{key}: {what}" for key, what in PROTOCOLS.items())
    raise GanzooError(
        f"Unknown measuring protocol {name!r}. The protocols are {listed}. Leave --protocol "
        f"out to use {INCEPTION_LEGACY} when its weights are installed and {OFFLINE_DOMAIN} "
        "otherwise."
    )
