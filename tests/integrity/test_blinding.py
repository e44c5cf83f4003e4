"""Blinded analysis: a researcher sees masked arms and no delivery until a coordinator unblinds."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trial.errors import PermissionDenied, RefusedError
from trial.service import audit_trail
from trial.service.context import Context, open_context

pytestmark = pytest.mark.storage

ARMS = ("digital", "physical", "control")
DOSAGE = ("patrol_minutes", "ad_impressions", "received")


def blinded_protocol() -> str:
    """The demo protocol, blinded, with a title naming no arm."""
    from trial.demo.build import demo_protocol_text

    text = demo_protocol_text()
    text = re.sub(r'^title = .*$', 'title = "Hot spots trial (blinded demonstration)"', text,
                  flags=re.M)
    return text.replace("[analysis]\n", "[analysis]\nblinded = true\n")


def words(p: Any) -> list[str]:
    """Every arm name, label and description in the protocol."""
    from trial.protocol import load_protocol

    proto = load_protocol(blinded_protocol(), source="p.toml")
    out = [a.name for a in proto.arms]
    out += [a.label for a in proto.arms if a.label]
    out += [a.description for a in proto.arms if a.description]
    return out


def leaks(text: str) -> list[str]:
    found = [w for w in words(None) if re.search(r"(?<![\w])" + re.escape(w) + r"(?![\w])",
                                                  text)]
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A blinded demo trial: ana holds every role (she builds it), rita is a researcher."""
    from trial.demo.build import DEMO_SEED
    from trial.demo.crimes import add_demo_crimes
    from trial.demo.fieldwork import add_demo_fieldwork
    from trial.demo.spots import demo_spots_csv
    from trial.service.allocation import randomise
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial
    from trial.service.users import add_user

    db = tmp_path_factory.mktemp("blind") / "t.db"
    ana = open_context(str(db), user="ana")
    add_user(ana, name="ana", roles=["coordinator", "supervisor", "vendor", "researcher",
                                     "admin"])
    add_user(ana, name="rita", roles=["researcher"])
    add_user(ana, name="sam", roles=["supervisor"])
    rng = np.random.default_rng(DEMO_SEED)
    name = create_trial(ana, protocol_text=blinded_protocol(), source="p.toml").trial
    import_spot_data(ana, trial=name, data=demo_spots_csv(rng).encode(), source="spots.csv")
    register(ana, trial=name)
    randomise(ana, trial=name)
    add_demo_crimes(ana, name, rng)
    add_demo_fieldwork(ana, name, np.random.default_rng(DEMO_SEED + 1))
    rita = open_context(str(db), user="rita")
    sam = open_context(str(db), user="sam")
    return {"db": db, "name": name, "ana": ana, "rita": rita, "sam": sam}


R_WORDS = ("glm.control(", "control = tight")  # R's own glm.control, not the arm


def _files(folder: Path) -> str:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())
                      if p.suffix in (".csv", ".txt", ".R", ".md", ".html"))
    for w in R_WORDS:
        text = text.replace(w, "")
    return text


def test_researcher_sees_masked_arms_everywhere(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.allocation import export_csv, show
    from trial.service.analysis import run_analysis
    from trial.service.app_views import trial_overview
    from trial.service.export import export_trial, write_report
    from trial.service.outcomes import outcome_table
    from trial.service.spots import list_spots

    rita, name = world["rita"], world["name"]
    doc = run_analysis(rita, trial=name)
    text = json.dumps(doc)
    assert leaks(text) == []
    assert doc["blinding"]["masked"] and doc["blinding"]["labels"] == ["A", "B", "C"]
    assert {tuple(h["compare"])[1] for h in doc["hypotheses"][:2]} <= {"A", "B", "C"}
    assert doc["cost_effectiveness"] == [] and "received" not in doc["consort"]
    assert all(h["per_protocol"] is None and h["cace"] is None for h in doc["hypotheses"])
    assert list(doc["consort"]["allocated"]) == ["A", "B", "C"]  # label order, not arm order
    # The reference is the control, named by its label only.
    terms = [c["term"] for c in doc["models"][0]["coefficients"] if c["term"].startswith("arm")]
    assert terms == sorted(terms) and len(terms) == 2

    out = tmp_path / "export"
    r = export_trial(rita, trial=name, out=out)
    assert r["masked"] is True
    exported = _files(out)
    assert leaks(exported) == []
    header = (out / "spots.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert not set(DOSAGE) & set(header)
    assert {line.split(",")[header.index("arm")] for line in
            (out / "spots.csv").read_text(encoding="utf-8").splitlines()[1:]} == {"A", "B", "C"}

    for suffix in (".html", ".md"):
        write_report(rita, trial=name, out=tmp_path / f"report{suffix}")
        page = (tmp_path / f"report{suffix}").read_text(encoding="utf-8")
        assert leaks(page) == [], suffix
        assert "withheld until unblinding" in page and "(control)" not in page
        assert "patrol minutes" not in page and "cost (GBP)" not in page

    rows = show(rita, trial=name).rows
    assert {r["arm"] for r in rows} == {"A", "B", "C"}
    assert leaks(export_csv(rita, trial=name)) == []
    assert {s["arm"] for s in list_spots(rita, trial=name) if s["arm"]} == {"A", "B", "C"}
    assert {r["arm"] for r in outcome_table(rita, trial=name).rows} == {"A", "B", "C"}
    overview = trial_overview(rita, trial=name)
    assert overview["masked"] and sorted(overview["arm_spots"]) == ["A", "B", "C"]
    assert leaks(json.dumps(overview["arm_spots"])) == []
    from trial.service.fieldwork_report import fidelity_report

    with pytest.raises(RefusedError, match="blinded"):
        fidelity_report(rita, trial=name)


def test_mask_is_consistent_and_hides_the_order(world) -> None:  # type: ignore[no-untyped-def]
    from trial.service.allocation import show
    from trial.service.blinding import blinding_status

    rita, sam, ana, name = world["rita"], world["sam"], world["ana"], world["name"]
    real = {r["spot_id"]: r["arm"] for r in show(sam, trial=name).rows}
    masked = {r["spot_id"]: r["arm"] for r in show(rita, trial=name).rows}
    key = blinding_status(ana, trial=name)["labels"]
    assert set(real.values()) == set(ARMS) and sorted(key.values()) == ["A", "B", "C"]
    assert all(masked[s] == key[a] for s, a in real.items())
    status = blinding_status(rita, trial=name)
    assert status["masked"] and status["labels"] == ["A", "B", "C"]  # no key for rita


def test_masks_are_drawn_from_entropy() -> None:
    from trial.service.blinding import draw_labels

    seen = {tuple(sorted(draw_labels(ARMS).items())) for _ in range(200)}
    assert len(seen) == 6  # every order of three arms turns up
    for labels in seen:
        assert sorted(dict(labels).values()) == ["A", "B", "C"]


def test_coordinator_and_supervisor_see_real_names(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.allocation import show
    from trial.service.analysis import run_analysis
    from trial.service.export import export_trial

    ana, sam, name = world["ana"], world["sam"], world["name"]
    assert {r["arm"] for r in show(sam, trial=name).rows} == set(ARMS)
    doc = run_analysis(ana, trial=name)
    assert "blinding" not in doc and doc["cost_effectiveness"]
    assert {tuple(h["compare"]) for h in doc["hypotheses"]} >= {("physical", "control")}
    export_trial(ana, trial=name, out=tmp_path / "e")
    assert "patrol_minutes" in (tmp_path / "e" / "spots.csv").read_text().splitlines()[0]


def test_unblind_only_after_saved_results_and_audited(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.analysis import run_analysis, saved_results
    from trial.service.blinding import unblind

    ana, rita, name = world["ana"], world["rita"], world["name"]
    with pytest.raises(RefusedError, match="no saved results"):
        unblind(ana, trial=name, reason="results are in")
    saved = run_analysis(rita, trial=name, save=True)
    assert saved["saved"] and leaks(json.dumps(saved)) == []
    assert leaks(json.dumps(saved_results(rita, trial=name))) == []
    with pytest.raises(PermissionDenied, match="cannot unblind"):
        unblind(rita, trial=name, reason="curious")
    r = unblind(ana, trial=name, reason="results saved and circulated")
    assert r["results_sha256"] == saved["results_sha256"]
    assert sorted(r["labels"]) == sorted(ARMS)
    entry = next(e for e in audit_trail.entries(ana, limit=1000) if e["action"] == "unblind")
    assert entry["actor"] == "ana" and entry["trial"] == name
    with pytest.raises(RefusedError, match="was unblinded"):
        unblind(ana, trial=name, reason="again")
    after = saved_results(rita, trial=name)
    assert "blinding" not in after
    assert {tuple(h["compare"]) for h in after["hypotheses"]} >= {("physical", "control")}
    assert audit_trail.verify(ana).ok


def test_unblinding_needs_a_blinded_trial_and_a_reason(ctx) -> None:  # type: ignore[no-untyped-def]
    from tests.integrity.workers import PROTOCOL, SPOTS, TRIAL
    from trial.errors import InputError
    from trial.service.allocation import randomise
    from trial.service.blinding import unblind
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial

    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spot_data(ctx, trial=TRIAL, data=SPOTS, source="spots.csv")
    register(ctx, trial=TRIAL)
    randomise(ctx, trial=TRIAL)
    with pytest.raises(InputError):
        unblind(ctx, trial=TRIAL, reason=" ")
    with pytest.raises(RefusedError, match="not blinded"):
        unblind(ctx, trial=TRIAL, reason="why not")
    assert audit_trail.verify(ctx).ok



def _blinded_small(ctx: Context, tmp: Path) -> str:
    from tests.integrity.workers import PROTOCOL, SPOTS, TRIAL, crime_file
    from trial.service.allocation import randomise
    from trial.service.crimes import import_crimes
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial

    text = PROTOCOL + "[analysis]\nblinded = true\n"
    create_trial(ctx, protocol_text=text, source="p.toml")
    import_spot_data(ctx, trial=TRIAL, data=SPOTS, source="spots.csv")
    register(ctx, trial=TRIAL)
    randomise(ctx, trial=TRIAL)
    f = crime_file(tmp / "c.csv", rows=3000, seed=3, prefix="b")
    text_18 = f.read_text().replace("2019-", "2018-").replace("\nb", "\nq")
    g = tmp / "c18.csv"
    g.write_text(text_18)
    import_crimes(ctx, trial=TRIAL, paths=[f, g])
    return TRIAL


def test_single_user_mode_masks_everyone_until_unblinding(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.allocation import show
    from trial.service.analysis import run_analysis
    from trial.service.blinding import unblind

    name = _blinded_small(ctx, tmp_path)
    assert {r["arm"] for r in show(ctx, trial=name).rows} == {"A", "B"}
    doc = run_analysis(ctx, trial=name, save=True)
    assert "patrol" not in json.dumps(doc["hypotheses"])
    unblind(ctx, trial=name, reason="done")
    assert {r["arm"] for r in show(ctx, trial=name).rows} == {"patrol", "control"}
    assert audit_trail.verify(ctx).ok
