"""One line per user error: the command line's error policy and the checks of its path options.

Every error a user can cause ends as one line on stderr, ``itb-evidence <command>: <problem>``,
naming the input (option, file, PMID, line) and the problem, and a non-zero exit: 2 for a
usage error (click's, or a refused option value), 1 otherwise. No traceback is shown unless
``--debug`` (or ``ITB_EVIDENCE_DEBUG=1``) asks for it; an error nobody anticipated still prints
one line, marked ``unexpected error``, and the hint to rerun with ``--debug``.

``OneLineErrors`` is the typer group class of the app (``typer.Typer(cls=OneLineErrors)``): it
runs click in non-standalone mode and turns what escapes into that line, whether the app is run
as the ``itb-evidence`` script or through ``typer.testing.CliRunner``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

PROG = "itb-evidence"


class UserError(Exception):
    """A problem with what the user asked for; ``message`` is the whole line to print."""

    def __init__(self, message: str, *, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(slots=True)
class _State:
    debug: bool = False
    command: str = ""


STATE = _State()


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) folded into one space."""
    return " ".join(str(text).split())


def describe(exc: BaseException) -> str:
    """What went wrong, naming the file for an ``OSError``."""
    if isinstance(exc, OSError) and exc.filename is not None:
        target = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
        return f"{target}: {exc.strerror or exc}"
    text = one_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _debug_from_env() -> bool:
    return os.environ.get("ITB_EVIDENCE_DEBUG", "").strip().lower() in ("1", "true", "yes")


def _fail(where: str, message: str, code: int) -> NoReturn:
    typer.echo(f"{where}: {one_line(message)}", err=True)
    sys.exit(code or 1)


def _where(exc: BaseException) -> str:
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", "") if ctx is not None else ""
    words = path.split()[1:] if path else STATE.command.split()
    return " ".join([PROG, *words])


class OneLineErrors(TyperGroup):
    """The app's group: every error that escapes a command becomes one line on stderr."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        STATE.debug, STATE.command = _debug_from_env(), ""
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except typer.TyperException as exc:  # click's usage and parameter errors
            if type(exc).__name__ == "NoArgsIsHelpError":  # the help, already shown
                if exc.format_message().strip():
                    typer.echo(exc.format_message())
                sys.exit(2)
            message = exc.format_message()
            if getattr(exc, "exit_code", 1) == 2 and "Invalid value" not in message:
                message += f" (see `{_where(exc)} --help`)"
            _fail(_where(exc), message, getattr(exc, "exit_code", 1))
        except UserError as exc:
            _fail(_where(exc), exc.message, exc.code)
        except typer.Abort:
            _fail(_where(typer.Abort()), "aborted", 1)
        except Exception as exc:
            if STATE.debug:
                raise
            if isinstance(exc, OSError):
                _fail(_where(exc), describe(exc), 1)
            _fail(
                _where(exc),
                f"unexpected error: {describe(exc)} (rerun with --debug for the traceback)",
                1,
            )
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        """Also note the command being run, for the line of an error raised inside it."""
        name, command, rest = super().resolve_command(ctx, args)
        if name:
            STATE.command = f"{STATE.command} {name}".strip()
        return name, command, rest


# --- checks of path options (typer callbacks: a bad value is refused before any work) ----------
def _nearest_existing(path: Path) -> Path:
    current = path.absolute()
    while not current.exists() and current.parent != current:
        current = current.parent
    return current


def _check_writable_parent(path: Path) -> None:
    base = _nearest_existing(path)
    if not base.is_dir():
        raise typer.BadParameter(f"{path}: {base} is a file, not a directory")
    if not os.access(base, os.W_OK | os.X_OK):
        raise typer.BadParameter(f"{path}: {base} is not writable")


def check_out_dir(value: Path | None) -> Path | None:
    """An output directory: an existing directory, or one that can be made, writable."""
    if value is None:
        return value
    if value.exists() and not value.is_dir():
        raise typer.BadParameter(f"{value} exists and is not a directory")
    _check_writable_parent(value)
    return value


def check_out_file(value: Path | None) -> Path | None:
    """An output file (or parquet folder) whose folder exists, or can be made, writable."""
    if value is None:
        return value
    _check_writable_parent(value.parent)
    return value


_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def _check_duckdb_file(value: Path) -> None:
    """An existing ``--db`` must be a DuckDB database: DuckDB itself would open a CSV or JSON file
    as an in-memory database with a view over it, and store nothing."""
    if value.is_dir():
        raise typer.BadParameter(f"{value} is a directory, not a DuckDB store file")
    if not value.exists():
        return
    try:
        with value.open("rb") as handle:
            header = handle.read(12)
    except OSError as exc:
        raise typer.BadParameter(f"{value}: {exc.strerror or exc}") from exc
    if header[8:12] != _DUCKDB_MAGIC:
        raise typer.BadParameter(f"{value} is not a DuckDB database file")


def check_db(value: Path) -> Path:
    """A store that may be created: a DuckDB file, or nothing yet in a folder that can hold it."""
    _check_duckdb_file(value)
    if not value.exists():
        _check_writable_parent(value.parent)
    return value


def check_existing_db(value: Path) -> Path:
    """A store that must already exist (commands that read it, or correct it)."""
    if not value.exists() and not value.is_symlink():
        raise typer.BadParameter(
            f"no store at {value}; run `itb-evidence demo` or `itb-evidence refresh` first"
        )
    _check_duckdb_file(value)
    return value
