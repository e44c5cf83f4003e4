"""Run the real console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def run(bin_: str, db: Path | str, *args: str, user: str = "tester",
        cwd: Path | None = None) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTLIGHT_")}
    env["SPOTLIGHT_USER"] = user
    p = subprocess.run([bin_, "--db", str(db), *args], capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL, cwd=cwd, timeout=120)
    return Result(p.returncode, p.stdout, p.stderr)
