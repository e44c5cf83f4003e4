"""``spotlight serve``: the same app in a web browser (textual-serve), on localhost by default."""

from __future__ import annotations

import shlex
import sys

import click

from trial.cli.output import warn
from trial.cli.root import Globals, pass_globals

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def app_command(db: str | None, user: str | None) -> str:
    """The command each browser session runs: this Python opening the app on the same database."""
    parts = [sys.executable, "-m", "tui.launch"]
    if db:
        parts += ["--db", db]
    if user:
        parts += ["--user", user]
    return shlex.join(parts)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but localhost lets other machines connect.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@pass_globals
def serve(g: Globals, host: str, port: int) -> None:
    """Serve the app to a web browser; each browser tab runs its own app on this database."""
    from textual_serve.server import Server

    from trial.service.context import open_context

    open_context(g.db, user=g.user).engine.dispose()  # create or migrate before serving
    if host in LOCAL_HOSTS:
        click.echo(f"Serving Spotlight at http://{host}:{port} on this machine only "
                   "(--host 0.0.0.0 to let others connect). Ctrl+C stops.", err=True)
    else:
        warn(f"serving Spotlight at http://{host}:{port} to other machines: anyone who can "
             "reach this address can use the app as this user, without a password")
    Server(app_command(g.db, g.user), host=host, port=port, title="Spotlight").serve()


def register(root: click.Group) -> None:
    root.add_command(serve)
