"""The trial report: EMMIE sections, the planted effect, embedded figures, nothing external."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.report.demo import saved_demo
from trial.errors import InputError
from trial.service import audit_trail
from trial.service.export import write_report


@pytest.fixture(scope="module")
def demo() -> tuple[Any, dict[str, Any]]:
    return saved_demo()


class _Resources(HTMLParser):
    """Every URL the page would load, and the section ids."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: list[str] = []
        self.images = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href", "data"):
            v = a.get(key)
            if v and not v.startswith("#"):
                self.urls.append(v)
        if tag == "img":
            self.images += 1
        if tag == "section" and a.get("id"):
            self.ids.append(str(a["id"]))


def test_html_report(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, doc = demo
    before = sum(e["action"] == "report" for e in audit_trail.entries(ctx, limit=1000))
    r = write_report(ctx, trial=None, out=tmp_path / "report.html")
    assert r["results"] == "saved" and r["format"] == "html"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    page = _Resources()
    page.feed(html)
    assert page.ids[:9] == ["summary", "effect", "mechanism", "moderators", "implementation",
                            "economics", "amendments", "limits", "models"]
    # Self-contained: every image inline, no stylesheet, script or font from elsewhere.
    assert page.images >= 4
    assert all(u.startswith("data:image/png;base64,") for u in page.urls), page.urls[:3]
    assert "<script" not in html and "@import" not in html and "url(" not in html
    for h in doc["hypotheses"]:
        assert f"<td>{h['id']}</td>" in html
    h1 = next(h for h in doc["hypotheses"] if h["id"] == "H1")
    # The demo plants a ratio of 0.5 in the physical arm; the report shows the estimate.
    assert f"{h1['estimate']:.3f}" in html and h1["estimate"] < 0.8
    assert "superiority shown" in html
    assert "ISRCTN00000000" in html and "DEMO-2024-001" in html
    assert doc["results_sha256"] in html and "saved results" in html
    assert "Assessed for eligibility: 60 places" in html and "Randomised: 56" in html
    assert "Paid TikTok and Snapchat messages" in html  # TIDieR description
    assert "margin 1.15" in html and "per-protocol" in html
    assert "seed was published in the protocol" in html
    assert re.search(r"Balance at randomisation", html)
    after = sum(e["action"] == "report" for e in audit_trail.entries(ctx, limit=1000))
    assert after == before + 1


def test_markdown_report_and_provisional_label(demo, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from trial.errors import NotFoundError
    from trial.service import analysis

    ctx, doc = demo
    r = write_report(ctx, trial=None, out=tmp_path / "report.md")
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    for title in ("## Effect", "## Mechanism", "## Moderators", "## Implementation",
                  "## Economics", "## Amendments", "## What the data could not show"):
        assert title in text
    assert "| H1 |" in text and "forest.png" in text
    assert r["figures"] and all((tmp_path / "report_figures" / f.split("/")[-1]).exists()
                                for f in r["figures"])
    provisional = {k: v for k, v in doc.items() if k != "results_sha256"} | {"saved": False}

    def none_saved(*a: Any, **k: Any) -> Any:
        raise NotFoundError("no saved results")

    monkeypatch.setattr(analysis, "saved_results", none_saved)
    monkeypatch.setattr(analysis, "run_analysis", lambda *a, **k: provisional)
    write_report(ctx, trial=None, out=tmp_path / "p.html")
    html = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "not saved: provisional" in html
    with pytest.raises(InputError, match=r"\.html or \.md"):
        write_report(ctx, trial=None, out=tmp_path / "report.pdf")
