"""What the image-to-image parts need from the data: paired images of one size."""

from __future__ import annotations

from ganzoo.api import DataSpec, IncompatibleError


def image_to_image_shapes(spec: DataSpec, conditioning: str, part: str) -> tuple[int, int]:
    """``(input channels, output channels)`` of a paired image spec, or a clear refusal."""
    if conditioning != "image" or not spec.paired or spec.input_shape is None:
        raise IncompatibleError(
            f"The {part} translates an input image into an output image, so it needs a "
            f"paired (input → target) image dataset and an image-conditional recipe such as "
            f"pix2pix; here the data is {spec.describe()} and the conditioning is "
            f"{conditioning!r}."
        )
    if tuple(spec.input_shape[1:]) != tuple(spec.shape[1:]):
        raise IncompatibleError(
            f"The {part} needs inputs and targets of the same size, but they are "
            f"{spec.input_shape[1]}×{spec.input_shape[2]} and {spec.shape[1]}×{spec.shape[2]}; "
            "resize both with --image-size N."
        )
    return spec.input_shape[0], spec.shape[0]
