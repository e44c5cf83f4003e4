"""The trial report as Markdown, with its figures as PNG files beside it."""

from __future__ import annotations

from trial.report.collect import ReportData
from trial.report.content import Block, Bullets, Figure, Flow, Para, Table, header, sections


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _block(b: Block, figures: str, out: dict[str, bytes]) -> str:
    if isinstance(b, Para):
        return f"> {b.text}" if b.kind in ("warn", "note") else b.text
    if isinstance(b, Bullets):
        return "\n".join(f"- {i}" for i in b.items) or "- nothing"
    if isinstance(b, Table):
        lines = [f"**{b.caption}**", ""] if b.caption else []
        lines.append("| " + " | ".join(_cell(c) for c in b.columns) + " |")
        lines.append("|" + "---|" * len(b.columns))
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in b.rows]
        return "\n".join(lines)
    if isinstance(b, Figure):
        name = f"{b.name}.png"
        out[name] = b.png
        return f"![{b.alt}]({figures}/{name})\n\n*{b.caption}*"
    assert isinstance(b, Flow)
    lines = []
    for i, row in enumerate(b.rows):
        indent = "    " if i == 2 or i == 3 else ""
        for title, more in row:
            lines.append(f"{indent}- **{title}**" + "".join(f"; {m}" for m in more))
    return "\n".join(lines)


def render_markdown(d: ReportData, *, figures: str) -> tuple[str, dict[str, bytes]]:
    """(the Markdown text, figure file name -> PNG bytes to write in folder ``figures``)."""
    title, facts = header(d)
    out: dict[str, bytes] = {}
    status = "saved results" if d.status == "saved" else "NOT SAVED: PROVISIONAL"
    parts = [f"# {title}", "", f"**{status}**", ""]
    parts += [f"- **{k}**: {v}" for k, v in facts]
    parts += ["", "## Summary", ""]
    parts += [f"- **{h['id']}**: {h['decision']}" for h in d.results["hypotheses"]
              if h["confirmatory"]]
    for s in sections(d):
        parts += ["", f"## {s.title}", ""]
        for b in s.blocks:
            parts += [_block(b, figures, out), ""]
    return "\n".join(parts).rstrip() + "\n", out
