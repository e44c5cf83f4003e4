"""Shared test fixtures: paths to the shared real data and small fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = ROOT / "tests" / "data"
# Real public data kept beside the checkout (see its README for provenance).
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("the shared real-data folder is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


PG_URL = __import__("os").environ.get("SPOTLIGHT_TEST_PG_URL")


def _fresh_pg_database(admin_url: str) -> tuple[str, str]:
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"spotlight_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A new, empty database: a SQLite file always; PostgreSQL when SPOTLIGHT_TEST_PG_URL is set."""
    if request.param == "sqlite":
        yield str(tmp_path / "spotlight.db")
        return
    if not PG_URL:
        pytest.skip("SPOTLIGHT_TEST_PG_URL is not set")
    url, name = _fresh_pg_database(PG_URL)
    try:
        yield url
    finally:
        from sqlalchemy.orm import close_all_sessions

        close_all_sessions()
        _drop_pg_database(PG_URL, name)


@pytest.fixture
def ctx(db_url: str):  # type: ignore[no-untyped-def]
    """A service context on a new database, acting as 'tester'."""
    from trial.service.context import open_context

    c = open_context(db_url, user="tester")
    yield c
    c.engine.dispose()


@pytest.fixture(scope="session")
def spotlight_bin() -> str:
    """The installed console script (the real one a user runs)."""
    import shutil
    import sys

    candidate = Path(sys.executable).parent / "spotlight"
    found = str(candidate) if candidate.exists() else shutil.which("spotlight")
    if not found:
        pytest.fail("the spotlight console script is not installed (run `make test`)")
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The app's tests (pilot, snapshots, the browser) run one after another on one worker:
    they wait on a responsive event loop, which two of them side by side on two cores starve."""
    for item in items:
        if "tests/tui/" in item.nodeid or item.nodeid.startswith("tui/"):
            item.add_marker(pytest.mark.xdist_group("app"))
