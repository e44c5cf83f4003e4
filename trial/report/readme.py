"""README.txt of an export: what every column means, the hashes, and what produced the files."""

from __future__ import annotations

import platform
import textwrap
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from trial.report.rscript import R_OUTPUT


def software() -> dict[str, str]:
    """Versions of Spotlight and the libraries that computed the numbers."""
    out = {"python": platform.python_version()}
    for name, dist in (("spotlight", "spotlight-trials"), ("numpy", "numpy"),
                       ("scipy", "scipy"), ("pandas", "pandas")):
        try:
            out[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def _columns(title: str, descriptions: Mapping[str, str]) -> list[str]:
    width = max((len(c) for c in descriptions), default=0)
    lines = [title, "-" * len(title)]
    for c, d in descriptions.items():
        wrapped = textwrap.wrap(d, 96 - width - 2) or [""]
        lines.append(f"{c.ljust(width)}  {wrapped[0]}")
        lines += [" " * (width + 2) + more for more in wrapped[1:]]
    return lines + [""]


def readme_text(*, results: Mapping[str, Any], status: str, spots_columns: Mapping[str, str],
                results_columns: Mapping[str, str], files: Mapping[str, str],
                exported_at: str, exported_by: str, versions: Mapping[str, str]) -> str:
    """The README of an export directory.

    Args:
        results: the results document exported.
        status: "saved" or "provisional".
        spots_columns, results_columns: column -> description.
        files: file name -> SHA-256 of the files written beside the README.
        exported_at: ISO time of the export; exported_by: who.
        versions: software versions (see `software`).
    """
    saved = status == "saved"
    lock = results.get("outcome_lock")
    alloc = results.get("allocation") or {}
    lines = [
        f"Trial {results['trial']}: analysis dataset and results",
        "=" * (len(results["trial"]) + 36),
        "",
        f"Exported {exported_at} by {exported_by}.",
        "",
        f"Protocol as analysed: sha256 {results['protocol_sha256']}",
        f"Protocol as registered: sha256 {results.get('registered_sha256')}",
        ("Results: saved, sha256 " + str(results.get("results_sha256"))) if saved else
        "Results: NOT SAVED: PROVISIONAL (run on the data as they stand;\n"
        "  `spotlight analyse --save` locks the outcomes and stores them)",
        f"Outcome lock: sha256 {lock}" if lock else
        "Outcome lock: none (the outcome data were not locked)",
        f"Allocation: {alloc.get('method')}, sha256 {alloc.get('sha256')}, seed source "
        f"{alloc.get('seed_source')}",
        "",
        "Amendments: " + ("none" if not results.get("amendments") else ""),
    ]
    for a in results.get("amendments") or []:
        lines.append(f"  version {a['version']} (sha256 {a['sha256']}), {a['at']} by "
                     f"{a['by']}: {a['reason']}")
    lines += ["", "Files", "-----"]
    for name, digest in files.items():
        lines.append(f"{name}  sha256 {digest}")
    lines += [
        "analysis.R  R script re-running the registered confirmatory analysis on spots.csv "
        f"(writes {R_OUTPUT})",
        "",
        textwrap.fill("Text cells starting with = + - @ or a tab or carriage return carry a "
                      "leading ' so a spreadsheet shows them instead of running them. Counts "
                      "are integers; other numbers are written to full precision; an empty "
                      "cell is missing.", 96),
        "",
    ]
    lines += _columns("Columns of spots.csv (one row per randomised spot)", spots_columns)
    lines += _columns("Columns of results.csv (one row per hypothesis)", results_columns)
    lines += ["Software", "--------"]
    lines += [f"{k} {v}" for k, v in versions.items()]
    return "\n".join(lines) + "\n"
