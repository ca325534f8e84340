"""Entry point of the ``ganzoo`` command.

Commands are imported only when invoked, so ``ganzoo --help`` and ``ganzoo list`` stay fast
(no torch import).  A command whose module fails to import still shows in ``--help``, marked
as broken, and explains itself when run.  User errors (:class:`ganzoo.errors.GanzooError`)
print as one paragraph without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import signal
import sys
import traceback
import warnings
from contextlib import contextmanager
from typing import Any, Iterator

import click
from rich.console import Console
from rich.markup import escape

from ganzoo import __version__
from ganzoo.cli.pipes import discard_output, stdout_reader_may_leave
from ganzoo.errors import GanzooError, GanzooWarning
from ganzoo.interrupts import exit_code, signal_name, stop_signal, stop_signals_raise
from ganzoo.registry import resolve

COMMANDS: dict[str, str] = {
    "list": "ganzoo.cli.listing:list_command",
    "info": "ganzoo.cli.listing:info_command",
    "plugins": "ganzoo.cli.listing:plugins_command",
    "new-plugin": "ganzoo.cli.new_plugin:new_plugin_command",
    "train": "ganzoo.cli.train:train_command",
    "sample": "ganzoo.cli.sample:sample_command",
    "eval": "ganzoo.cli.evaluate:eval_command",
    "bench": "ganzoo.cli.bench:bench_command",
    "export": "ganzoo.cli.export:export_command",
}

err_console = Console(stderr=True)


def _broken_command(name: str, exc: BaseException) -> click.Command:
    tb = "".join(traceback.format_exception(exc))

    def run() -> None:
        raise GanzooError(
            f"The '{name}' command failed to load ({type(exc).__name__}: {exc}). "
            "Reinstall ganzoo (pip install -e .) or run with --debug for the traceback.\n"
            + (tb if _debug_requested() else "")
        )

    return click.Command(name, callback=run, help=f"[failed to load: {exc}]",
                         short_help="[failed to load]")


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        try:
            return resolve(target)
        except Exception as exc:  # noqa: BLE001 - show it as broken instead of crashing
            return _broken_command(cmd_name, exc)


def _debug_requested() -> bool:
    return "--debug" in sys.argv[1:]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ganzoo")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def cli(debug: bool) -> None:
    """ganzoo: a plugin-based zoo of GANs.

    \b
      ganzoo list                        everything installed, and which plugin gave it
      ganzoo train gan --dataset ring8   train one model
      ganzoo bench --models dcgan,wgan   train, evaluate and compare several
    """


@contextmanager
def _one_line_warnings() -> Iterator[None]:
    """ganzoo's own warnings as one line on stderr, not Python's file:line report."""
    shown = warnings.showwarning

    def show(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, GanzooWarning):
            err_console.print(f"[yellow]Warning:[/] {escape(str(message))}", soft_wrap=True)
        else:
            shown(message, category, *args, **kwargs)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI, turning user errors into one-paragraph messages and exit codes.

    SIGTERM and SIGHUP stop a command as Ctrl-C does (see :mod:`ganzoo.interrupts`), with
    the exit code 128 + the signal's number; output into a pipe whose reader has gone is
    discarded (see :mod:`ganzoo.cli.pipes`).
    """
    debug = _debug_requested() if argv is None else "--debug" in argv
    try:
        with stdout_reader_may_leave(), stop_signals_raise(), _one_line_warnings():
            return cli.main(args=argv, prog_name="ganzoo", standalone_mode=False)
    except GanzooError as exc:
        if debug:
            traceback.print_exc()
        err_console.print(f"[bold red]Error:[/] {escape(str(exc))}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        signum = stop_signal(exc.__cause__ or exc)  # click turns a KeyboardInterrupt into Abort
        err_console.print(f"[yellow]Stopped by {signal_name(signum)}.[/]")
        sys.exit(exit_code(signum))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # output that bypassed sys.stdout; its reader has gone
        discard_output(sys.stdout)
        sys.exit(exit_code(getattr(signal, "SIGPIPE", 13)))
    except Exception as exc:  # noqa: BLE001 - a bug: say so briefly unless --debug
        if debug:
            raise
        err_console.print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {escape(str(exc))}. "
            "This is probably a bug in ganzoo or a plugin; re-run with --debug for the "
            "traceback and report it.",
            soft_wrap=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
