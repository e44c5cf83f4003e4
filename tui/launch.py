"""The ``spotlight`` console script: the command line, which opens the app with no command."""

from __future__ import annotations


def open_app(db: str | None, user: str | None) -> None:
    from tui.app import make_app

    make_app(db=db, user=user).run()


def main() -> None:
    from trial.cli import main as cli_main

    cli_main(open_app=open_app)


if __name__ == "__main__":
    main()
