"""``ganzoo export RUN --out model.safetensors``: a trained run's generator as a file to
share: its (EMA) weights as safetensors and a JSON model card beside them (see
:mod:`ganzoo.export`)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("export")
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="The weights file (NAME.safetensors); the card goes beside it as "
                   "NAME.card.json.")
@click.option("--force", is_flag=True, help="Overwrite an existing weights file or card.")
def export_command(run_dir: Path, out: Path, force: bool) -> None:
    """Export the generator of the trained run in RUN_DIR for others to load.

    \b
      ganzoo export runs/dcgan-mnist-5k --out dcgan-mnist.safetensors
      ganzoo sample dcgan-mnist.safetensors -n 64 --out grid.png
    """
    from ganzoo.export import export

    card = export(run_dir, out, force=force)
    click.echo(f"Wrote {out} and its model card {card}")
