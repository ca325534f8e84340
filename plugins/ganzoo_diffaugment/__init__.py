"""DiffAugment (Zhao et al. 2020): differentiable augmentation of everything D sees, as a
regularizer any image recipe can add (``--reg diffaugment``)."""

from ganzoo.api import hookimpl


@hookimpl
def ganzoo_register_regularizers(registry):
    registry.add("regularizer", "diffaugment", "ganzoo_diffaugment.regularizer:DiffAugment",
                 summary="Zhao et al. 2020: differentiable color/translation/cutout of real and "
                         "fake images before every D call; policy=color+translation+cutout")
