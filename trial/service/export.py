"""Use-case: export a trial's analysis dataset and results for re-analysis elsewhere."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from trial.audit import file_sha256
from trial.errors import InputError, NotFoundError, Problem, RefusedError
from trial.service.blinding import viewer_mask
from trial.service.context import Context
from trial.service.trials import find_trial

FORMATS = ("csv", "parquet")


def results_document(ctx: Context, name: str) -> tuple[dict[str, Any], str]:
    """The newest saved results ("saved"), else the analysis run now ("provisional")."""
    from trial.service.analysis import run_analysis, saved_results

    try:
        return saved_results(ctx, trial=name), "saved"
    except NotFoundError:
        return run_analysis(ctx, trial=name), "provisional"


def _out_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(Problem("exists and is not a directory", str(out), field="--out"))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(Problem(f"cannot create the directory: {exc.strerror}", str(out),
                                 field="--out")) from None
    return out


def export_trial(ctx: Context, *, trial: str | None, fmt: str = "csv",
                 out: Path | str) -> dict[str, Any]:
    """Write spots.csv (and spots.parquet), results.csv, README.txt and analysis.R to ``out``.

    One audited action ("export") records every file's SHA-256.

    Args:
        ctx: the service context.
        trial: the trial (None: the database's only trial).
        fmt: "csv" or "parquet" (parquet also writes the CSV; it needs pyarrow).
        out: the directory (created when missing).

    Returns:
        ``{"trial", "directory", "format", "results", "results_sha256", "files": [{"name",
        "sha256", "bytes"}], "warnings"}``; ``results`` is "saved" or "provisional".

    Raises:
        InputError: an unknown format or an unusable directory.
        RefusedError: parquet without pyarrow; a trial not yet randomised.
    """
    from trial.analysis.dataset import column_descriptions
    from trial.report.csvfiles import dataset_csv, result_column_descriptions, results_csv
    from trial.report.readme import readme_text, software
    from trial.report.rscript import analysis_r
    from trial.service.analysis import gather
    from trial.service.outcomes import lock_status

    if fmt not in FORMATS:
        raise InputError(Problem(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}",
                                 field="--format"))
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise RefusedError("--format parquet needs the pyarrow package, which is not installed: "
                           "`pip install pyarrow` (or export with --format csv)")
    directory = _out_dir(Path(out))
    with ctx.reading() as s:
        t = find_trial(s, trial)
        name = t.name
        inputs = gather(s, t)
        mask = viewer_mask(s, t, ctx.actor)
    doc, status = results_document(ctx, name)
    warnings = list(doc.get("warnings") or [])
    lock = lock_status(ctx, trial=name)
    if lock.get("imported_since"):
        warnings.append(f"{lock['imported_since']} outcome records were imported after the "
                        "outcome lock: spots.csv counts them, the saved results do not")
    versions = software()
    data, protocol = inputs.dataset, inputs.protocol
    if mask is not None:
        data, protocol = mask.dataset(data), mask.protocol(protocol)
        warnings.append("the trial is blinded: arms are masked labels and delivery columns "
                        "are withheld until unblinding")
    texts: dict[str, bytes] = {"spots.csv": dataset_csv(data).encode()}
    results_text, result_columns = results_csv(doc["hypotheses"])
    texts["results.csv"] = results_text.encode()
    texts["analysis.R"] = analysis_r(protocol, data, doc,
                                     version=versions["spotlight"]).encode()
    if fmt == "parquet":
        import io

        buffer = io.BytesIO()
        data.to_parquet(buffer, index=False)
        texts["spots.parquet"] = buffer.getvalue()
    digests = {k: file_sha256(v) for k, v in texts.items()}
    with ctx.action(action="export", trial=name, entity=f"export of {name}") as act:
        readme = readme_text(
            results=doc, status=status,
            spots_columns=column_descriptions(protocol, data),
            results_columns=result_column_descriptions(result_columns),
            files={k: v for k, v in digests.items() if k != "analysis.R"},
            exported_at=act.at.isoformat(), exported_by=act.actor, versions=versions)
        texts["README.txt"] = readme.encode()
        digests["README.txt"] = file_sha256(texts["README.txt"])
        for file_name, content in texts.items():
            try:
                (directory / file_name).write_bytes(content)
            except OSError as exc:
                raise InputError(Problem(f"cannot write {file_name}: {exc.strerror}",
                                         str(directory), field="--out")) from None
        act.written.file_sha256 = digests["spots.csv"]
        act.written.extra.update({
            "format": fmt, "results": status, "results_sha256": doc.get("results_sha256"),
            "protocol_sha256": doc["protocol_sha256"], "files": digests,
            "masked": mask is not None})
    return {"trial": name, "directory": str(directory), "format": fmt, "results": status,
            "results_sha256": doc.get("results_sha256"), "masked": mask is not None,
            "files": [{"name": k, "sha256": digests[k], "bytes": len(texts[k])}
                      for k in texts],
            "warnings": warnings}


REPORT_SUFFIXES = (".html", ".htm", ".md")


def write_report(ctx: Context, *, trial: str | None, out: Path | str) -> dict[str, Any]:
    """Write the trial report: self-contained HTML, or Markdown (by the file's suffix) with its
    figures in ``<name>_figures/`` beside it. One audited action ("report").

    Uses the newest saved results and says so; without them it runs the analysis and labels
    the report "not saved: provisional".

    Returns:
        ``{"trial", "file", "format", "results", "results_sha256", "sha256", "figures"}``.

    Raises:
        InputError: a suffix other than .html, .htm or .md, or an unwritable file.
    """
    from trial.report.collect import collect
    from trial.report.html import render_html
    from trial.report.markdown import render_markdown

    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise InputError(Problem(f"the report is HTML or Markdown: name the file .html or .md, "
                                 f"not {suffix or 'without a suffix'}", str(path), field="--out"))
    if path.is_dir():
        raise InputError(Problem("is a directory; name a file", str(path), field="--out"))
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    doc, status = results_document(ctx, name)
    figures: dict[str, bytes] = {}
    # Read before the action: on SQLite a read session inside it would wait on its lock.
    data = collect(ctx, trial=name, results=doc, status=status,
                   generated_at=ctx.clock().isoformat(timespec="seconds"),
                   generated_by=ctx.actor)
    with ctx.action(action="report", trial=name, entity=f"report of {name}") as act:
        folder = path.with_name(path.stem + "_figures")
        if suffix == ".md":
            text, figures = render_markdown(data, figures=folder.name)
        else:
            text = render_html(data)
        content = text.encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            if figures:
                folder.mkdir(exist_ok=True)
                for file_name, png in figures.items():
                    (folder / file_name).write_bytes(png)
        except OSError as exc:
            raise InputError(Problem(f"cannot write the report: {exc.strerror}", str(path),
                                     field="--out")) from None
        act.written.file_sha256 = file_sha256(content)
        act.written.extra.update({"format": suffix.lstrip("."), "results": status,
                                  "results_sha256": doc.get("results_sha256"),
                                  "protocol_sha256": doc["protocol_sha256"]})
    return {"trial": name, "file": str(path), "format": "markdown" if suffix == ".md" else "html",
            "results": status, "results_sha256": doc.get("results_sha256"),
            "sha256": file_sha256(content),
            "figures": [str(folder / f) for f in figures]}
