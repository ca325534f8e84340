"""ganzoo's regularizers: gradient penalties, Lipschitz constraints and pix2pix's L1 term."""

from ganzoo.api import hookimpl

_REGULARIZERS = {
    "gradient-penalty": (
        "gradient_penalties:GradientPenalty",
        "Gulrajani et al. 2017 (WGAN-GP): weight·(‖∇D(x̂)‖ − 1)² on real/fake "
        "interpolates x̂; weight=10",
    ),
    "r1": (
        "gradient_penalties:R1",
        "Mescheder et al. 2018: gamma/2·‖∇D(x)‖² on real data; gamma=10",
    ),
    "weight-clipping": (
        "lipschitz:WeightClipping",
        "Arjovsky et al. 2017 (WGAN): clamp D's parameters to ±clip after each D step; clip=0.01",
    ),
    "spectral-norm": (
        "lipschitz:SpectralNorm",
        "Miyato et al. 2018: divide each conv/linear weight of D by its largest singular value",
    ),
    "l1": (
        "reconstruction:L1",
        "Isola et al. 2017 (pix2pix): weight·|G(x) − y| to the paired target; weight=100",
    ),
}


@hookimpl
def ganzoo_register_regularizers(registry):
    for name, (target, summary) in _REGULARIZERS.items():
        registry.add("regularizer", name, f"ganzoo_regularizers.{target}", summary=summary)
