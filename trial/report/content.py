"""The report's content, laid out as What Works reviewers read it (EMMIE), as plain blocks.

HTML and Markdown render the same blocks, so both say the same things.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from trial.report import plots
from trial.report.collect import ReportData


@dataclass(frozen=True)
class Para:
    text: str
    kind: str = "p"  # p | note | warn | lead


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None


@dataclass(frozen=True)
class Figure:
    name: str
    png: bytes = field(repr=False)
    alt: str
    caption: str


@dataclass(frozen=True)
class Flow:
    """CONSORT flow: rows of boxes, each box a title and lines."""

    rows: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]


Block = Para | Bullets | Table | Figure | Flow


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]


def f3(x: Any, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def pval(x: Any) -> str:
    if x is None:
        return "–"
    return "<0.0001" if x < 1e-4 else f"{x:.4f}"


def _ci(lo: Any, hi: Any) -> str:
    return "–" if lo is None or hi is None else f"{lo:.3f} to {hi:.3f}"


def _what(h: dict[str, Any]) -> str:
    return " vs ".join(h["compare"]) if h.get("compare") else f"factor {h.get('factor')}"


def header(d: ReportData) -> tuple[str, list[tuple[str, str]]]:
    p, r = d.protocol, d.results
    title = p.trial.title or p.trial.name
    saved = (f"saved (sha256 {r.get('results_sha256')})" if d.status == "saved"
             else "not saved: provisional (run on the data as they stand)")
    facts = [
        ("Trial", p.trial.name),
        ("Registration", p.trial.registration or "not given in the protocol"),
        ("Ethics reference", p.trial.ethics_reference or "not given in the protocol"),
        ("Protocol (registered)", f"sha256 {d.registered.sha256}"),
        ("Protocol (as analysed)", f"sha256 {p.sha256}"
         + ("" if p.sha256 == d.registered.sha256 else " (amended)")),
        ("Results", saved),
        ("Outcome lock", f"sha256 {r['outcome_lock']}" if r.get("outcome_lock")
         else "none: the outcome data were not locked"),
        ("Allocation", f"{d.allocation['method']}, sha256 {d.allocation['sha256']}, seed from "
                       f"{d.allocation['seed_source']}"),
        ("Generated", f"{d.generated_at} for {d.generated_by} by Spotlight "
                      f"{d.versions.get('spotlight', '?')}"),
    ]
    if d.masked:
        facts.append(("Blinding", "blinded: arms are shown as masked labels ("
                      + ", ".join(a.name for a in p.arms) + "); fieldwork, cost and "
                      "per-protocol results are withheld until unblinding"))
    return title, facts


def _effect(d: ReportData) -> Section:
    p, r = d.protocol, d.results
    hyps = r["hypotheses"]
    a = p.analysis
    adjust = []
    if a.adjust_baseline:
        adjust.append("log(1 + the same outcome in the baseline window)")
    if a.design_effects and p.design.strata:
        adjust.append("stratum fixed effects")
    elif a.design_effects and p.design.method == "matched":
        adjust.append("matched-set fixed effects")
    blocks: list[Block] = [Para(
        f"One {a.model} model per outcome and window, fitted on all arms with "
        f"{p.control_arm.name} as the reference" + (", adjusted for " + " and ".join(adjust)
                                                     if adjust else "")
        + f". Ratios below 1 mean less of the outcome in the first arm. Confirmatory hypotheses "
        f"are judged after {a.multiplicity} adjustment at alpha = {a.alpha:g}.")]
    blocks.append(Table(
        ("ID", "status", "comparison", "outcome (window)", "test", "ratio",
         f"{100 * (1 - a.alpha):g}% CI", "p", "p adjusted", "p (randomisation)", "decision"),
        tuple((h["id"], h["status"] + ("" if h["confirmatory"] else ", exploratory"),
               _what(h), f"{h['outcome']} ({h['window']})", h["test"]
               + (f", margin {h['margin']:g}" if h.get("margin") else ""),
               f3(h["estimate"]), _ci(h["ci_low"], h["ci_high"]), pval(h["p_value"]),
               pval(h["p_adjusted"]), pval(h["p_randomisation"]), h["decision"])
              for h in hyps), "Hypotheses, as registered (amended or added ones say so)"))
    rows = [{"label": f"{h['id']}: {_what(h)}", "estimate": h["estimate"],
             "ci_low": h["ci_low"], "ci_high": h["ci_high"], "margin": h.get("margin")}
            for h in hyps]
    if any(x["estimate"] is not None for x in rows):
        blocks.append(Figure("forest", plots.forest_png(rows, alpha=a.alpha),
                             "forest plot of the hypotheses' ratios",
                             "Ratio and interval of every hypothesis (log scale)."))
    ni = [h for h in hyps if h["test"] == "non-inferiority"]
    if ni:
        def pp(h: dict[str, Any]) -> tuple[str, str, str]:
            x = h.get("per_protocol") or {}
            return (f3(x.get("estimate")), _ci(x.get("ci_low"), x.get("ci_high")),
                    str(x.get("n_excluded", "–")) if x else
                    "withheld until unblinding" if d.masked else "not requested")
        blocks.append(Table(
            ("ID", "comparison", "margin", "ITT ratio", "ITT CI", "per-protocol ratio",
             "per-protocol CI", "spots excluded (per-protocol)", "decision"),
            tuple((h["id"], _what(h), f"{h['margin']:g}", f3(h["estimate"]),
                   _ci(h["ci_low"], h["ci_high"]), *pp(h), h["decision"]) for h in ni),
            "Non-inferiority: intention-to-treat and per-protocol side by side; the conclusion "
            "needs both intervals below the margin"))
    windows = [(w.name, w.start, w.end) for w in p.windows.defined]
    outcome = p.primary_outcome.name
    if d.monthly.get("spots"):
        blocks.append(Figure("monthly", plots.monthly_png(
            d.monthly["spots"], windows=windows, ylabel="mean per spot",
            title=f"{outcome}: monthly mean per spot, by arm"),
            "monthly counts per arm", f"{outcome} per month, mean per spot in each arm; the "
            "shaded bands are the protocol's windows."))
    disp = r.get("displacement") or []
    if disp:
        blocks.append(Table(
            ("arm", "outcome", "catchment ratio", "CI", "WDQ", "WDD", "WDD SE", "note"),
            tuple((x["arm"], x["outcome"], f3(x["catchment_ratio"]),
                   _ci(x["catchment_ci_low"], x["catchment_ci_high"]), f3(x.get("wdq")),
                   f3(x.get("wdd"), 1), f3(x.get("wdd_se"), 1), x.get("reason") or "")
                  for x in disp),
            f"Displacement and diffusion: catchments of {p.catchment.buffer_m:g} m around each "
            f"spot, treated arm against {p.control_arm.name} (WDQ: weighted displacement "
            "quotient)"))
        if d.monthly.get("catchment"):
            blocks.append(Figure("catchment", plots.monthly_png(
                d.monthly["catchment"], windows=windows, ylabel="mean per catchment",
                title=f"{outcome} in the catchments: monthly mean per spot, by arm"),
                "catchment trends", "The same outcome in the catchment rings around the "
                "spots (displacement would show as a rise in a treated arm's catchments)."))
    blocks.append(Table(
        ("ID", "RIRR", "Cohen's d"),
        tuple((h["id"], f3(h.get("rirr")), f3(h.get("cohens_d"))) for h in hyps),
        "For comparison with reviews only: relative incidence rate ratio (Braga & Weisburd "
        "2020) and Cohen's d from it (Wilson 2022 argues against d)"))
    return Section("effect", "Effect", tuple(blocks))


def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return ", ".join(map(str, v))
    if isinstance(v, dt.time):
        return f"{v:%H:%M}"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _targets(d: ReportData, delivers: Sequence[str]) -> tuple[str, str]:
    dosage, fidelity = d.protocol.dosage, d.protocol.fidelity
    target, threshold = [], []
    for what in delivers:
        t = getattr(dosage, what, None)
        if t is not None:
            target.append(f"{what}: " + ", ".join(
                f"{k.replace('_', ' ')} {_value(v)}" for k, v in vars(t).items()
                if v is not None))
        f = getattr(fidelity, what, None)
        if f is not None:
            threshold.append(f"{what}: " + ", ".join(
                f"{k.replace('_', ' ')} {_value(v)}" for k, v in vars(f).items()
                if v is not None))
    return ("; ".join(target) or "none set", "; ".join(threshold) or
            "none: every allocated spot counts as received")


def _mechanism(d: ReportData) -> Section:
    p = d.protocol
    rows = []
    for arm in p.arms:
        if d.masked:
            rows.append((arm.name, *(["withheld until unblinding"] * 5), str(arm.ratio)))
            continue
        target, threshold = _targets(d, arm.delivers)
        rows.append((arm.name + (" (control)" if arm is p.control_arm else ""),
                     arm.label or "–", arm.description or "–",
                     ", ".join(arm.delivers) or "nothing (business as usual)", target,
                     threshold, str(arm.ratio)))
    hours = p.windows.hours
    when = (f"{', '.join(hours.days)} {hours.start:%H:%M}-{hours.end:%H:%M}" if hours
            else "all hours")
    return Section("mechanism", "Mechanism: what each arm received (TIDieR)", (
        Para(f"Treatment window {p.windows.treatment.start} to {p.windows.treatment.end}; "
             f"outcomes counted at {when}, in the trial's timezone ({p.trial.timezone})."),
        Table(("arm", "label", "description", "delivers", "dosage targets",
               "received when (fidelity)", "allocation ratio"), tuple(rows),
              "The interventions as registered"),
    ))


def _moderators(d: ReportData) -> Section:
    subs = d.results.get("subgroups") or []
    if not subs:
        return Section("moderators", "Moderators", (
            Para("The protocol pre-specified no subgroups."),))
    blocks: list[Block] = [Para("Pre-specified subgroups: each is an interaction test of the "
                                "arms with the subgroup on the primary outcome, labelled as "
                                "such; not a confirmatory finding.", "note")]
    for s in subs:
        blocks.append(Table(
            ("subgroup", "attribute", "chi-squared", "df", "p", "note"),
            ((s["subgroup"], s["attribute"], f3(s.get("chi2"), 2), str(s.get("df") or "–"),
              pval(s.get("p_value")), s.get("reason") or ""),), None))
        if s.get("levels"):
            blocks.append(Table(
                ("level", "term", "ratio", "CI"),
                tuple((lv["level"], lv["term"], f3(lv["estimate"]),
                       _ci(lv["ci_low"], lv["ci_high"])) for lv in s["levels"]),
                f"{s['subgroup']}: ratio of each arm to {d.protocol.control_arm.name} "
                "within each level"))
    return Section("moderators", "Moderators", tuple(blocks))


def _flow(c: dict[str, Any], arms: Sequence[str]) -> Flow:
    reasons = tuple(f"{k}: {v}" for k, v in c.get("exclusion_reasons", {}).items())
    return Flow((
        ((f"Assessed for eligibility: {c['assessed']} places", ()),
         (f"Excluded: {c['excluded']}", reasons)),
        ((f"Randomised: {c['randomised']}", ()),),
        tuple((f"Allocated to {a}: {c['allocated'].get(a, 0)}",
               (f"received the allocated intervention: {c['received'].get(a, 0)}",)
               if "received" in c else ())
              for a in arms),
        tuple((f"Analysed ({a}): {c['analysed'].get(a, 0)}", ()) for a in arms),
    ))


def _implementation(d: ReportData) -> Section:
    p, r = d.protocol, d.results
    arms = [a.name for a in p.arms]
    blocks: list[Block] = [Para("CONSORT flow of places (cluster and non-inferiority "
                                "extensions; received by the [fidelity] thresholds)."),
                           _flow(r["consort"], arms)]
    if d.balance:
        blocks.append(Table(
            ("covariate", "arm", "vs", "mean", "mean (vs)", "SD", "SD (vs)", "SMD"),
            tuple((b["covariate"], b["arm_a"], b["arm_b"], f3(b["mean_a"], 2),
                   f3(b["mean_b"], 2), f3(b["sd_a"], 2), f3(b["sd_b"], 2), f3(b["smd"]))
                  for b in d.balance),
            "Balance at randomisation (standardised mean differences)"))
    if d.masked:
        blocks.append(Para("Blinded: dosage, fidelity and contamination by arm are withheld "
                           "until a coordinator unblinds the trial.", "note"))
    elif d.fidelity is None:
        blocks.append(Para("No fieldwork recorded: no patrol visits or ad delivery have been "
                           "logged, so dosage and fidelity cannot be shown.", "warn"))
    else:
        fa = d.fidelity.get("arms", [])
        blocks.append(Figure("dosage", plots.dosage_png(fa), "dosage per arm",
                             "Directed patrol minutes (planned and delivered) and ad "
                             "impressions per spot in each arm, treatment window."))
        blocks.append(Table(
            ("arm", "spots", "received", "patrol visits", "patrol minutes",
             "ad impressions", "contamination", "cost (GBP)"),
            tuple((a["arm"], str(a.get("spots", "–")), str(a.get("spots_received", "–")),
                   str(a["patrol_visits"]), f3(a["patrol_minutes"], 0),
                   str(a["ad_impressions"]), str(a["contamination"]), f3(a["cost_gbp"], 0))
                  for a in fa), "Fidelity and contamination by arm"))
    pp = [h for h in r["hypotheses"] if h.get("per_protocol") or h.get("cace")]
    if pp:
        blocks.append(Table(
            ("ID", "per-protocol ratio", "CI", "CACE (count scale)", "CACE CI", "note"),
            tuple((h["id"], f3((h.get("per_protocol") or {}).get("estimate")),
                   _ci((h.get("per_protocol") or {}).get("ci_low"),
                       (h.get("per_protocol") or {}).get("ci_high")),
                   f3((h.get("cace") or {}).get("estimate")),
                   _ci((h.get("cace") or {}).get("ci_low"), (h.get("cace") or {}).get("ci_high")),
                   "; ".join(x for x in ((h.get("per_protocol") or {}).get("reason"),
                                         (h.get("cace") or {}).get("reason")) if x))
                  for h in pp),
            "Secondary: per-protocol and complier average causal effects"))
    if d.demand.get("records"):
        blocks.append(Figure("demand", plots.demand_png(d.demand["overall"], d.demand["days"]),
                             "demand profile heatmap",
                             f"When the {d.demand['records']:,} timed records of the baseline "
                             "window in the spots happened: day of week by hour (local "
                             "time)."))
    else:
        blocks.append(Para(d.demand.get("note") or "No demand profile.", "note"))
    return Section("implementation", "Implementation", tuple(blocks))


def _economics(d: ReportData) -> Section:
    rows = d.results.get("cost_effectiveness") or []
    if d.masked:
        return Section("economics", "Economics", (Para(
            "Blinded: costs show what each arm delivered, so they are withheld until "
            "unblinding."),))
    if not rows:
        return Section("economics", "Economics", (Para(
            "No costs: no fieldwork cost was recorded or the protocol sets no [costs]."),))
    return Section("economics", "Economics", (
        Para("Cost per arm = directed officer-minutes / 60 x officer_hour_gbp + ad spend + "
             "fixed costs split over the arms that deliver them. Outcomes prevented: the "
             "model's predictions as if control minus as allocated, with a spot-level "
             "bootstrap interval; cost per outcome prevented only where that interval "
             "excludes zero."),
        Table(("arm", "outcome", "cost (GBP)", "prevented", "interval", "cost per prevented",
               "note"),
              tuple((x["arm"], x["outcome"], f3(x["cost_gbp"], 0), f3(x["prevented"], 1),
                     _ci(x["prevented_low"], x["prevented_high"]),
                     f3(x["cost_per_prevented"], 0), x.get("reason") or "") for x in rows),
              "Cost-effectiveness"),
    ))


def _amendments(d: ReportData) -> Section:
    am = d.results.get("amendments") or []
    if not am:
        return Section("amendments", "Amendments", (
            Para("None: the analysis follows the registered protocol."),))
    changed = [f"{h['id']}: {h['status']}" for h in d.results["hypotheses"]
               if h["status"] != "registered"]
    return Section("amendments", "Amendments", (
        Table(("version", "sha256", "by", "at", "reason"),
              tuple((str(a["version"]), a["sha256"][:16] + "…", a["by"], a["at"], a["reason"])
                    for a in am)),
        Para("Hypotheses changed or added after registration: "
             + (", ".join(changed) if changed else "none")
             + ". Added hypotheses are exploratory.", "note"),
    ))


def limits(d: ReportData) -> list[str]:
    """What the data could not show, and why."""
    r = d.results
    out = []
    for h in r["hypotheses"]:
        if h["estimate"] is None:
            out.append(f"{h['id']}: not estimable: {h.get('reason') or 'no model'}")
        elif h["decision"].startswith("no difference"):
            out.append(f"{h['id']}: {h['decision']}. Not showing a difference is not showing "
                       "that there is none: see the interval.")
        elif h["decision"].startswith("non-inferiority not"):
            out.append(f"{h['id']}: {h['decision']}.")
        for k in ("per_protocol", "cace"):
            x = h.get(k) or {}
            if x.get("reason"):
                out.append(f"{h['id']} {k.replace('_', '-')}: {x['reason']}")
    for x in r.get("displacement") or []:
        if x.get("reason"):
            out.append(f"displacement ({x['arm']}, {x['outcome']}): {x['reason']}")
    for x in r.get("cost_effectiveness") or []:
        if x.get("reason"):
            out.append(f"cost-effectiveness ({x['arm']}, {x['outcome']}): {x['reason']}")
    for x in r.get("subgroups") or []:
        if x.get("reason"):
            out.append(f"subgroup {x['subgroup']}: {x['reason']}")
    out += [f"warning: {w}" for w in r.get("warnings") or []]
    if not d.lock.get("locked"):
        out.append("the outcome data are not locked: records could still change before the "
                   "results are saved")
    elif d.lock.get("imported_since"):
        out.append(f"{d.lock['imported_since']} outcome records were imported after the lock "
                   "and are not in the saved results")
    if d.status != "saved":
        out.append("these results are not saved: provisional, from the data as they stand")
    if d.allocation.get("seed_source") == "protocol":
        out.append("the allocation's seed was published in the protocol, so anyone could have "
                   "previewed the allocation (acceptable only for demonstrations and "
                   "re-analysis)")
    if d.masked:
        out.append("blinded: what the arms received, their cost and the per-protocol results "
                   "are withheld until unblinding")
    elif d.fidelity is None:
        out.append("no fieldwork recorded: what the arms actually received is unknown")
    return out


def sections(d: ReportData) -> list[Section]:
    """The report, in EMMIE order, then amendments and limits."""
    return [_effect(d), _mechanism(d), _moderators(d), _implementation(d), _economics(d),
            _amendments(d),
            Section("limits", "What the data could not show", (Bullets(tuple(limits(d))),)),
            _models(d)]


def _models(d: ReportData) -> Section:
    blocks: list[Block] = []
    for m in d.results.get("models") or []:
        if not m.get("coefficients"):
            continue
        theta = f", theta {m['theta']:.4g}" if m.get("theta") else ""
        blocks.append(Table(
            ("term", "estimate (log)", "SE"),
            tuple((c["term"], f"{c['estimate']:.5f}", f"{c['se']:.5f}")
                  for c in m["coefficients"]),
            f"{m['outcome']}, {m['window']}, {m['area']}: {m['model']}, n = {m['n']}{theta}"
            + (f" ({m['fallback_reason']})" if m.get("fallback_reason") else "")))
    return Section("models", "Appendix: fitted models", tuple(blocks) or (
        Para("No model was fitted."),))
