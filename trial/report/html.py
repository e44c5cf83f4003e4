"""The trial report as one self-contained HTML file: inline CSS, figures as base64 PNG."""

from __future__ import annotations

import base64
from html import escape

from trial.report.collect import ReportData
from trial.report.content import (
    Block,
    Bullets,
    Figure,
    Para,
    Section,
    Table,
    header,
    sections,
)

CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1d2733; margin: 0; background: #f5f6f8; line-height: 1.45; font-size: 15px; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid #1b6ca8; }
.badge { display: inline-block; padding: 3px 10px; border-radius: 12px; font-size: 13px;
  font-weight: 600; }
.saved { background: #d6ecd2; color: #1e5a2a; }
.provisional { background: #fde2c8; color: #8a4b08; }
dl.facts { display: grid; grid-template-columns: 200px 1fr; gap: 3px 14px; font-size: 13px;
  margin: 14px 0; }
dl.facts dt { color: #5b6675; } dl.facts dd { margin: 0; word-break: break-all; }
nav { font-size: 13px; margin: 10px 0 0; } nav a { margin-right: 14px; color: #1b6ca8; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0 18px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #333; }
th, td { border-bottom: 1px solid #e3e6ea; padding: 5px 7px; text-align: left;
  vertical-align: top; }
th { background: #eef2f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 12px 0 22px; } figure img { max-width: 100%; }
figcaption { font-size: 13px; color: #5b6675; }
p.note { color: #5b6675; font-size: 13px; }
p.warn { background: #fff4e0; border-left: 4px solid #edae49; padding: 6px 10px; }
p.lead { font-size: 16px; }
ul.limits li { margin-bottom: 4px; }
.flow { display: flex; flex-direction: column; align-items: center; gap: 6px; margin: 12px 0 20px; }
.flow .row { display: flex; gap: 14px; justify-content: center; width: 100%; }
.flow .box { border: 1.5px solid #1b6ca8; border-radius: 6px; padding: 6px 12px;
  background: #f3f8fc; font-size: 13px; min-width: 180px; max-width: 340px; }
.flow .box b { display: block; }
.flow .box span { display: block; color: #5b6675; font-size: 12px; }
.flow .arrow { color: #1b6ca8; font-size: 18px; line-height: 1; }
footer { font-size: 12px; color: #7a8490; margin-top: 36px; }
"""


def _is_number(text: str) -> bool:
    t = text.replace("<", "").replace("–", "").strip()
    try:
        float(t)
    except ValueError:
        return False
    return True


def _block(b: Block) -> str:
    if isinstance(b, Para):
        return f'<p class="{b.kind}">{escape(b.text)}</p>'
    if isinstance(b, Bullets):
        items = "".join(f"<li>{escape(i)}</li>" for i in b.items) or "<li>nothing</li>"
        return f'<ul class="limits">{items}</ul>'
    if isinstance(b, Table):
        cap = f"<caption>{escape(b.caption)}</caption>" if b.caption else ""
        head = "".join(f"<th>{escape(c)}</th>" for c in b.columns)
        body = "".join(
            "<tr>" + "".join(
                f'<td class="num">{escape(v)}</td>' if _is_number(v) else f"<td>{escape(v)}</td>"
                for v in row) + "</tr>" for row in b.rows)
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(b, Figure):
        data = base64.b64encode(b.png).decode("ascii")
        return (f'<figure id="fig-{b.name}"><img alt="{escape(b.alt)}" '
                f'src="data:image/png;base64,{data}"><figcaption>{escape(b.caption)}'
                "</figcaption></figure>")
    rows = []
    for row in b.rows:
        boxes = "".join(
            '<div class="box"><b>' + escape(title) + "</b>"
            + "".join(f"<span>{escape(line)}</span>" for line in lines) + "</div>"
            for title, lines in row)
        rows.append(f'<div class="row">{boxes}</div>')
    return '<div class="flow">' + '<div class="arrow">&#8595;</div>'.join(rows) + "</div>"


def _section(s: Section) -> str:
    return (f'<section id="{s.id}"><h2>{escape(s.title)}</h2>'
            + "\n".join(_block(b) for b in s.blocks) + "</section>")


def render_html(d: ReportData) -> str:
    """The whole report; it loads nothing from outside the file."""
    title, facts = header(d)
    secs = sections(d)
    badge = ('<span class="badge saved">saved results</span>' if d.status == "saved"
             else '<span class="badge provisional">not saved: provisional</span>')
    decisions = "".join(
        f"<li><b>{escape(h['id'])}</b>: {escape(h['decision'])}</li>"
        for h in d.results["hypotheses"] if h["confirmatory"])
    nav = "".join(f'<a href="#{s.id}">{escape(s.title.split(":")[0])}</a>' for s in secs)
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
        f"<header>{badge}<h1>{escape(title)}</h1><dl class=\"facts\">{dl}</dl>"
        f"<nav>{nav}</nav></header>"
        f'<section id="summary"><h2>Summary</h2><ul>{decisions}</ul></section>'
        + "\n".join(_section(s) for s in secs)
        + "<footer>Spotlight " + escape(d.versions.get("spotlight", "?")) + "; "
        + escape(", ".join(f"{k} {v}" for k, v in d.versions.items() if k != "spotlight"))
        + "</footer></main></body></html>\n")
