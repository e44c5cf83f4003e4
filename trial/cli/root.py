"""The root command, global options, and the one place errors become exit codes."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import click

from trial.errors import InputError, SpotlightError

OpenApp = Callable[[str | None, str | None], None]


@dataclass
class Globals:
    """What ``spotlight`` was told before the command: database and acting user."""

    db: str | None
    user: str | None
    _ctx: Any = field(default=None, repr=False)

    def context(self) -> Any:
        """The service context, opened (and the database created or migrated) on first use."""
        if self._ctx is None:
            from trial.service.context import open_context

            self._ctx = open_context(self.db, user=self.user)
        return self._ctx


pass_globals = click.make_pass_decorator(Globals)
_OPEN_APP: OpenApp | None = None


class SpotlightGroup(click.Group):
    """Groups whose commands turn Spotlight errors into ``spotlight: error: ...`` and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            for p in exc.problems:
                click.echo(f"spotlight: error: {p}", err=True)
            sys.exit(1)
        except SpotlightError as exc:
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"spotlight: error: {line}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so in one line, never a traceback
            if os.environ.get("SPOTLIGHT_DEBUG"):
                raise
            if "permission denied" in str(exc).lower() or "insufficient privilege" in str(
                    exc).lower():
                first = str(exc).strip().splitlines()[0]
                click.echo(f"spotlight: error: not permitted by the database: {first}",
                           err=True)
                sys.exit(1)
            click.echo(f"spotlight: error: internal error ({type(exc).__name__}: {exc}); "
                       "please report it (SPOTLIGHT_DEBUG=1 shows the details)", err=True)
            sys.exit(1)


@click.group(cls=SpotlightGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", metavar="PATH_OR_URL", envvar="SPOTLIGHT_DB",
              help="SQLite file or SQLAlchemy URL (default: SPOTLIGHT_DB, else ./spotlight.db).")
@click.option("--user", metavar="NAME",
              help="Acting user (default: SPOTLIGHT_USER, else the OS login; on PostgreSQL "
                   "the database login).")
@click.version_option(package_name="spotlight-trials", prog_name="spotlight")
@click.pass_context
def cli(ctx: click.Context, db: str | None, user: str | None) -> None:
    """Spotlight: randomised trials of hot-spot policing.

    With no command, opens the app.
    """
    ctx.obj = Globals(db=db, user=user)
    if ctx.invoked_subcommand is None:
        if _OPEN_APP is None:
            raise click.UsageError("no command given (and the app is not installed)")
        _OPEN_APP(db, user)


def _register_commands() -> None:
    if cli.commands:
        return
    from trial.cli import (
        allocation_cmds,
        analysis_cmds,
        audit_cmds,
        db_cmds,
        demo_cmds,
        export_cmds,
        fieldwork_cmds,
        integrity_cmds,
        outcome_cmds,
        protocol_cmds,
        serve_cmds,
        spots_cmds,
        trial_cmds,
        users_cmds,
    )

    for module in (trial_cmds, protocol_cmds, spots_cmds, allocation_cmds, outcome_cmds,
                   fieldwork_cmds, analysis_cmds, audit_cmds, db_cmds, demo_cmds, users_cmds,
                   serve_cmds, export_cmds, integrity_cmds):
        module.register(cli)


def main(argv: Sequence[str] | None = None, *, open_app: OpenApp | None = None) -> None:
    """Run the command line; ``open_app`` opens the Textual app when no command is given."""
    global _OPEN_APP
    _OPEN_APP = open_app
    _register_commands()
    warnings.filterwarnings("default")
    warnings.showwarning = _show_warning
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="spotlight",
                 standalone_mode=True)
    except SpotlightError as exc:  # raised while opening the database
        for line in str(exc).splitlines():
            click.echo(f"spotlight: error: {line}", err=True)
        sys.exit(1)


def _show_warning(message: Any, category: Any, filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    if issubclass(category, (UserWarning, RuntimeWarning)):
        click.echo(f"spotlight: warning: {message}", err=True)
