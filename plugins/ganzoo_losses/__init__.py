"""ganzoo's adversarial losses, registered by name for any recipe to use."""

from ganzoo.api import hookimpl

_LOSSES = {
    "minimax": ("Minimax", "Goodfellow et al. 2014: D maximizes log D(x) + log(1 - D(G(z))); G minimizes log(1 - D(G(z)))"),
    "non-saturating": ("NonSaturating", "Goodfellow et al. 2014: as minimax, but G maximizes log D(G(z)) (stronger early gradients)"),
    "least-squares": ("LeastSquares", "Mao et al. 2017 (LSGAN): squared distance of scores to 1 (real) and 0 (fake)"),
    "wasserstein": ("Wasserstein", "Arjovsky et al. 2017 (WGAN): critic score difference; needs a Lipschitz constraint"),
    "hinge": ("Hinge", "Lim & Ye 2017, Miyato et al. 2018: margin loss for D, -D(G(z)) for G"),
}


@hookimpl
def ganzoo_register_losses(registry):
    for name, (cls, summary) in _LOSSES.items():
        registry.add("loss", name, f"ganzoo_losses.losses:{cls}", summary=summary)
