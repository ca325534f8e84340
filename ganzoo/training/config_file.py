"""Config files for ``ganzoo train --config FILE`` (TOML, YAML or JSON, by extension).

A file holds either a *request* — :class:`TrainConfig` fields spelled as the command-line
options (``batch-size`` or ``batch_size``, ``reg``, ``g-opt``, ``tracker``...) — or a
*recorded plan*: a run's ``config.json`` (a ``"plan"`` section, perhaps beside its
``"config"``) or a bare copy of a plan.  A request is resolved like command-line flags; a
recorded plan is trained as it is, never re-resolved from today's recipe defaults, so a
run can be reproduced exactly.  Flags given on the command line override the file
(:func:`merge_settings`).
"""

from __future__ import annotations

import difflib
import json
import types
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Mapping, Union, get_args, get_origin, get_type_hints

from ganzoo.errors import GanzooError
from ganzoo.part_options import TYPE_WORDS as OPTION_TYPE_WORDS
from ganzoo.plan import Plan
from ganzoo.recipe import parse_options
from ganzoo.registry import Registry
from ganzoo.training.config import RunOptions, TrainConfig

# ganzoo.training.run (torch) is imported where needed: the CLI imports this module for
# `ganzoo --help`, which must stay fast.

#: Request keys spelled as the command-line flags, for fields whose flag has another name.
FLAG_NAMES = {"regularizers": "reg", "generator_options": "g-opt",
              "discriminator_options": "d-opt", "method_options": "method-opt",
              "trackers": "tracker"}
ALIASES = {flag.replace("-", "_"): name for name, flag in FLAG_NAMES.items()}

#: What a value of each type looks like, for error messages.
TYPE_WORDS = {**OPTION_TYPE_WORDS, Path: "a path (a string)", tuple: "a list of strings",
              dict: "a table of key = value options"}


def parse_regularizers(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--reg`` values (repeated or comma lists, each ``NAME[:key=value...]``); ``none``
    clears what came before it.

    No ``--reg`` at all keeps the recipe's regularizers (``None``).
    """
    if not values:
        return None
    names: list[str] = []
    for value in values:
        for name in (n.strip() for n in value.split(",")):
            if name.lower() == "none":
                names.clear()
            elif name:
                names.append(name)
    return tuple(names)


def flag_name(field: str) -> str:
    """How the command line spells a TrainConfig field (``batch_size`` → ``batch-size``)."""
    return FLAG_NAMES.get(field, field.replace("_", "-"))


@dataclass(frozen=True)
class ConfigFile:
    """A parsed ``--config`` file: TrainConfig field values, and a recorded plan if it
    holds one (then ``settings`` are the recorded request, without ``resume``)."""

    path: Path
    settings: dict[str, Any]
    plan: Plan | None = None


# ---------------------------------------------------------------- reading files


def _load_toml(text: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _load_yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


LOADERS: dict[str, Callable[[str], Any]] = {
    ".toml": _load_toml, ".yaml": _load_yaml, ".yml": _load_yaml, ".json": json.loads,
}


def _parse_error(path: Path, exc: Exception) -> GanzooError:
    """One paragraph naming the file and, where the parser tells, the line."""
    mark = getattr(exc, "problem_mark", None)  # PyYAML's position
    if mark is not None:
        where = f"line {mark.line + 1}, column {mark.column + 1}: "
        detail = getattr(exc, "problem", None) or exc
    else:  # tomllib and json put the line in their message
        where, detail = "", exc
    text = " ".join(f"{where}{detail}".split())
    return GanzooError(f"Cannot read the config file {path}: {text}.")


def load_file(path: Path) -> dict[str, Any]:
    """The top-level table of a TOML, YAML or JSON file (by extension)."""
    if not path.exists():
        raise GanzooError(
            f"There is no config file {path}. Pass a TOML, YAML or JSON file, or a run "
            "folder (its config.json re-runs that run's plan)."
        )
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise GanzooError(
            f"Cannot tell the format of the config file {path} from its extension; name it "
            "*.toml, *.yaml (*.yml) or *.json."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GanzooError(
            f"Cannot read the config file {path}: {exc.strerror or exc}."
        ) from None
    try:
        data = loader(text)
    except Exception as exc:  # noqa: BLE001 - each parser has its own error class
        raise _parse_error(path, exc) from None
    if data is None:  # an empty YAML file
        return {}
    if not isinstance(data, dict):
        raise GanzooError(
            f"The config file {path} should hold settings as key = value pairs (a table), "
            f"not a {type(data).__name__}."
        )
    return data


# ---------------------------------------------------------------- checking settings


def _unknown_key(key: str, path: Path) -> GanzooError:
    names = [f.name for f in fields(TrainConfig)]
    spelled = key.replace("-", "_")
    close = difflib.get_close_matches(spelled, [*names, *ALIASES], n=3)
    guess = {flag_name(ALIASES.get(c, c)) for c in close}
    hint = f" Did you mean {' or '.join(map(repr, sorted(guess)))}?" if guess else ""
    return GanzooError(
        f"The config file {path} has an unknown setting {key!r}.{hint} Settings are spelled "
        f"as the options of 'ganzoo train' (dashes or underscores): "
        f"{', '.join(flag_name(n) for n in names)}."
    )


def _strings(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise TypeError
    return tuple(items)


def _options(value: Any, key: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return {str(k).replace("-", "_"): v for k, v in value.items()}
    return parse_options(_strings(value), key)


def _scalar(value: Any, kind: type) -> Any:
    if isinstance(value, bool) and kind is not bool:
        raise TypeError
    if kind is float and isinstance(value, (int, str)):
        return float(value)  # ints, and YAML 1.1 reads 1e-4 (no dot) as a string
    if kind is Path and isinstance(value, str):
        return Path(value)
    if isinstance(value, kind):
        return value
    raise TypeError


def _kinds(hint: Any) -> tuple[Any, ...]:
    """The types a field allows besides None (``int | None`` → ``(int,)``)."""
    args = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    return tuple(a for a in args if a is not type(None))


def _convert(name: str, key: str, value: Any, hint: Any) -> Any:
    """``value`` as the TrainConfig field ``name`` holds it; TypeError/ValueError if it
    cannot be."""
    if value is None:
        if type(None) in get_args(hint):
            return None
        raise TypeError
    if name == "regularizers":
        return parse_regularizers(_strings(value)) or ()  # an empty list: none
    kind = _kinds(hint)[0]
    origin = get_origin(kind) or kind
    if origin is tuple:
        return _strings(value)
    if origin is dict:
        return _options(value, key)
    return _scalar(value, kind)


def request_settings(data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """TrainConfig field values from a request's keys (each field spelled at most once)."""
    hints = get_type_hints(TrainConfig)
    settings: dict[str, Any] = {}
    for key, value in data.items():
        spelled = str(key).replace("-", "_")
        name = ALIASES.get(spelled, spelled)
        if name not in hints:
            raise _unknown_key(str(key), path)
        if name in settings:
            raise GanzooError(
                f"The config file {path} sets {flag_name(name)} twice (as {key!r} and "
                "another spelling); keep one."
            )
        try:
            settings[name] = _convert(name, str(key), value, hints[name])
        except (TypeError, ValueError):
            words = " or ".join(TYPE_WORDS[get_origin(k) or k] for k in _kinds(hints[name]))
            raise GanzooError(
                f"In the config file {path}, {key} should be {words}, not {value!r}."
            ) from None
        except GanzooError as exc:  # a malformed key=value option
            raise GanzooError(f"In the config file {path}, {exc}") from None
    return settings


# ---------------------------------------------------------------- recorded plans


def _is_plan(data: Any) -> bool:
    return isinstance(data, dict) and "format" in data and "model" in data


def _plan(data: dict[str, Any], path: Path, toml: bool) -> Plan:
    if toml:  # TOML has no null: a value left out of a TOML copy was null
        hints = get_type_hints(Plan)
        for f in fields(Plan):
            if type(None) in get_args(hints[f.name]):
                data.setdefault(f.name, None)
    return Plan.from_dict(data, f"The plan in {path}")


def _recorded(data: dict[str, Any], path: Path) -> ConfigFile | None:
    """The plan (and the request it was resolved from) that the file records, if any."""
    toml = path.suffix.lower() == ".toml"
    if "plan" in data:
        if not _is_plan(data["plan"]):
            raise GanzooError(
                f"The \"plan\" section of {path} is not a ganzoo plan (one has \"format\" "
                "and \"model\" keys); use a run's config.json, or drop the section."
            )
        plan = _plan(dict(data["plan"]), path, toml)
        request = data["config"] if isinstance(data.get("config"), dict) else {}
    elif _is_plan(data):
        plan, request = _plan(dict(data), path, toml), {}
    else:
        return None
    known = {f.name for f in fields(TrainConfig)} - {"resume"}
    # the plan decides what it records itself; the request adds run options
    settings = {**{k: v for k, v in request.items() if k in known},
                "model": plan.model, "dataset": plan.dataset, "seed": plan.seed}
    return ConfigFile(path, request_settings(settings, path), plan)


def read_config_file(path: Path) -> ConfigFile:
    """A request or a recorded plan from ``path``; a run folder stands for its config.json."""
    from ganzoo.training.run import RunPaths

    path = Path(path)
    if path.is_dir():
        path = RunPaths(path).config
    data = load_file(path)
    return _recorded(data, path) or ConfigFile(path, request_settings(data, path))


# ---------------------------------------------------------------- file + flags


def _flag(name: str) -> str:
    return "MODEL" if name == "model" else f"--{flag_name(name)}"


def _refuse_plan_changes(file: ConfigFile, flags: Mapping[str, Any]) -> None:
    """A recorded plan is reproduced as is: only where and how long it runs may change."""
    from ganzoo.training.run import RESUMABLE_CHANGES, RESUMABLE_FLAGS

    plan = file.plan
    changing = [name for name, value in flags.items() if name not in RESUMABLE_CHANGES
                and not (name in ("model", "dataset") and value == getattr(plan, name))]
    if changing:
        raise GanzooError(
            f"{file.path} holds a recorded plan, which is reproduced as it is; "
            f"{', '.join(map(_flag, changing))} would change it. With a recorded plan only "
            f"where and how long it runs may be given (--resume, {RESUMABLE_FLAGS}). To "
            "change the run, "
            "start from its request instead: copy the \"config\" section into a request "
            "file (or give the settings as flags) and change it there."
        )


def merge_settings(file: ConfigFile | None, flags: Mapping[str, Any]) -> dict[str, Any]:
    """The file's settings with the command line's over them (TrainConfig field values).

    ``--g-opt``/``--d-opt`` options are laid over the file's key by key; any other flag
    replaces the file's value.
    """
    settings = dict(file.settings) if file is not None else {}
    if file is not None and file.plan is not None:
        _refuse_plan_changes(file, flags)
    for name, value in flags.items():
        old = settings.get(name)
        settings[name] = {**old, **value} if isinstance(old, dict) else value
    return settings


def prepare_recorded_run(plan: Plan, config: TrainConfig, registry: Registry,
                         path: Path) -> RunOptions:
    """The run options for training a recorded plan, its part options checked (it may have
    been edited); resuming a run needs the same plan in its folder (the normal run-folder
    checks apply)."""
    from ganzoo.training.resolve import check_plan_options
    from ganzoo.training.run import RunPaths, check_run_folder, read_plan

    check_plan_options(plan, registry)
    options = config.run_options()
    resuming = check_run_folder(RunPaths(options.run_dir), options.resume)
    if resuming and read_plan(options.run_dir, registry) != plan:
        raise GanzooError(
            f"Cannot resume {options.run_dir} with the plan in {path}: that run has another "
            "plan. Resume it with the command that started it, or pick another folder "
            "with --out."
        )
    return options

