"""Blinded analysis: arms shown to blinded readers as masked labels until a coordinator unblinds.

With ``[analysis] blinded = true`` a *blinded reader* (a user whose roles include researcher but
not coordinator; in single-user mode, everyone) sees every arm as a label (A, B, C, ...) in the
analysis, export, report, allocation and spot lists, and nothing that gives the arms away
(dosage, fidelity, contamination, cost, per-protocol and complier effects, what each arm
delivers) until a coordinator runs ``spotlight unblind`` after the results were saved.

The labels are assigned at randomisation (or allocation import) in an order drawn from the
operating system's entropy (``secrets.SystemRandom``), never from the allocation's seed (which
is printed in certificates), and stored with the allocation in the audited ``arm_mask`` table.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import secrets
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlmodel import Session, select

from trial.errors import InputError, NotFoundError, Problem, RefusedError
from trial.permissions import COORDINATOR, RESEARCHER
from trial.protocol import Protocol
from trial.service.context import Act, Context
from trial.service.trials import find_trial
from trial.store.integrity_models import ArmMask, Unblinding
from trial.store.models import AnalysisResult, Trial
from trial.store.users import enforcing, roles_of

WITHHELD = "withheld until unblinding"
ENTROPY = "entropy"
# Analysis-dataset columns that show what a spot received, so which arm it is in.
DOSAGE_COLUMNS = ("patrol_minutes", "ad_impressions", "received", "officer_minutes",
                  "contamination")
# Results sections computed from delivery or cost.
WITHHELD_SECTIONS = ("cost_effectiveness", "per_protocol", "cace", "consort.received")


def label_for(i: int) -> str:
    """The i-th masked label: A, B, ..., Z, then A2, B2, ..."""
    letters = string.ascii_uppercase
    return letters[i % 26] + ("" if i < 26 else str(i // 26 + 1))


def draw_labels(arms: Sequence[str]) -> dict[str, str]:
    """Arm -> label, the order drawn from OS entropy (``secrets.SystemRandom().shuffle``)."""
    order = list(arms)
    secrets.SystemRandom().shuffle(order)
    return {arm: label_for(i) for i, arm in enumerate(order)}


def store_masks(act: Act, t: Trial, arms: Sequence[str]) -> list[ArmMask]:
    """Draw and store the trial's arm masks in the randomising action (audited ``arm_mask``)."""
    assert t.id is not None
    labels = draw_labels(arms)
    rows = [ArmMask(trial_id=t.id, arm=a, label=labels[a], source=ENTROPY,
                    audit_id=act.entry_id) for a in arms]
    act.session.add_all(rows)
    act.written.add_rows("arm_mask", rows)
    return rows


def stored_labels(session: Session, t: Trial) -> dict[str, str]:
    return {m.arm: m.label for m in session.exec(select(ArmMask).where(ArmMask.trial_id == t.id))}


def unblinding_of(session: Session, t: Trial) -> Unblinding | None:
    return session.exec(select(Unblinding).where(Unblinding.trial_id == t.id)).first()


def is_blinded_reader(session: Session, actor: str) -> bool:
    """Researchers who are not coordinators; everyone in single-user mode."""
    if not enforcing(session):
        return True
    roles = roles_of(session, actor) or frozenset()
    return RESEARCHER in roles and COORDINATOR not in roles


@dataclass(frozen=True)
class Mask:
    """How one blinded reader sees one trial's arms.

    Attributes:
        labels: arm name -> masked label.
        aliases: other protocol text naming an arm (its label and description) -> masked label.
    """

    labels: Mapping[str, str]
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def order(self) -> list[str]:
        """The labels, sorted."""
        return sorted(self.labels.values())

    def arm(self, name: Any) -> Any:
        """An arm's label (anything that is not an arm name is returned as it is)."""
        return self.labels.get(name, name) if isinstance(name, str) else name

    def _pattern(self) -> re.Pattern[str] | None:
        words = {**self.aliases, **self.labels}
        if not words:
            return None
        alternatives = sorted(words, key=len, reverse=True)
        return re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in alternatives)
                          + r")(?![\w])")

    def text(self, value: str) -> str:
        """Every arm name, arm label or description in free text replaced by the mask label
        (in one pass, so an arm named like another's label is never replaced twice)."""
        pattern = self._pattern()
        if pattern is None:
            return value
        words = {**self.aliases, **self.labels}
        return pattern.sub(lambda m: words[m.group(1)], value)

    def deep(self, value: Any) -> Any:
        """:meth:`text` applied to every string (keys too) of a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.deep(k): self.deep(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep(v) for v in value]
        return value

    def protocol(self, p: Protocol) -> Protocol:
        """The protocol as a blinded reader sees it: arms under their labels in label order,
        nothing about what each delivers, comparisons by label, no text."""
        arms = sorted((dataclasses.replace(a, name=self.arm(a.name), label=None,
                                           description=None, delivers=())
                       for a in p.arms), key=lambda a: a.name)
        hypotheses = tuple(dataclasses.replace(
            h, compare=None if h.compare is None else (self.arm(h.compare[0]),
                                                       self.arm(h.compare[1])))
            for h in p.hypotheses)
        return dataclasses.replace(p, arms=tuple(arms), hypotheses=hypotheses, text="",
                                   raw=MappingProxyType({}))

    def results(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A results document with arms masked and what gives them away withheld."""
        # Names are replaced in one pass over the original document first, so a label is
        # never taken for an arm's name afterwards.
        out: dict[str, Any] = self.deep(copy.deepcopy(dict(doc)))
        for h in out.get("hypotheses") or []:
            for key in ("per_protocol", "cace"):
                if key in h:
                    h[key] = None
        if "cost_effectiveness" in out:
            out["cost_effectiveness"] = []
        consort = out.get("consort")
        if isinstance(consort, dict):
            consort.pop("received", None)
            for key in ("allocated", "analysed"):
                if isinstance(consort.get(key), dict):
                    consort[key] = {k: consort[key][k] for k in sorted(consort[key])}
        out["displacement"] = sorted(out.get("displacement") or [],
                                     key=lambda x: (str(x.get("arm")), str(x.get("outcome"))))
        for s in out.get("subgroups") or []:
            if s.get("levels"):
                s["levels"] = sorted(s["levels"], key=lambda lv: (str(lv.get("level")),
                                                                  str(lv.get("term"))))
        for m in out.get("models") or []:
            if m.get("coefficients"):
                m["coefficients"] = _arm_terms_sorted(m["coefficients"])
        out["blinding"] = {"masked": True, "labels": self.order,
                           "withheld": list(WITHHELD_SECTIONS),
                           "note": f"arms are shown as masked labels; {', '.join(DOSAGE_COLUMNS)}"
                                   f", cost and per-protocol results are {WITHHELD}"}
        return out

    def dataset(self, frame: Any) -> Any:
        """The analysis dataset with arms masked and the delivery columns dropped."""
        out = frame.drop(columns=[c for c in DOSAGE_COLUMNS if c in frame.columns]).copy()
        out["arm"] = [self.arm(a) for a in out["arm"]]
        return out

    def balance(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Balance rows by label: each pair in label order (SMD sign follows), sorted."""
        out = []
        for b in rows:
            r = dict(b)
            r["arm_a"], r["arm_b"] = self.arm(r["arm_a"]), self.arm(r["arm_b"])
            if str(r["arm_a"]) > str(r["arm_b"]):
                r["arm_a"], r["arm_b"] = r["arm_b"], r["arm_a"]
                r["mean_a"], r["mean_b"] = r["mean_b"], r["mean_a"]
                r["sd_a"], r["sd_b"] = r["sd_b"], r["sd_a"]
                r["smd"] = None if r.get("smd") is None else -r["smd"]
            out.append(r)
        return sorted(out, key=lambda r: (str(r["covariate"]), str(r["arm_a"]),
                                          str(r["arm_b"])))

    def rows(self, rows: Iterable[Mapping[str, Any]], key: str = "arm") -> list[dict[str, Any]]:
        """Rows with their ``key`` field masked (their order kept)."""
        return [{**r, key: self.arm(r.get(key))} for r in rows]


def _arm_terms_sorted(coefficients: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The arm terms among a model's coefficients put in label order, in their places."""
    places = [i for i, c in enumerate(coefficients) if str(c.get("term", "")).startswith("arm")]
    ordered = sorted((coefficients[i] for i in places), key=lambda c: str(c["term"]))
    out = list(coefficients)
    for i, c in zip(places, ordered, strict=True):
        out[i] = c
    return out


def trial_is_blinded(session: Session, t: Trial) -> bool:
    """Whether the protocol in force (registered, or as amended) says ``blinded = true``."""
    from trial.service.analysis import analysed_protocol

    current, _ = analysed_protocol(session, t)
    return bool(current.analysis.blinded)


def viewer_mask(session: Session, t: Trial, actor: str) -> Mask | None:
    """The mask ``actor`` sees ``t`` through, or None when they see the arms as they are.

    Raises:
        RefusedError: a blinded trial whose masks were never drawn (randomised before masks
            were stored): its arms cannot be shown to a blinded reader.
    """
    if t.state != "randomised" or not trial_is_blinded(session, t):
        return None
    if unblinding_of(session, t) is not None or not is_blinded_reader(session, actor):
        return None
    labels = stored_labels(session, t)
    if not labels:
        raise RefusedError(f"trial {t.name} is blinded but has no arm masks (randomised before "
                           "masks were stored): a coordinator can unblind it, or show it to "
                           "a coordinator")
    from trial.service.trials import trial_protocol

    aliases: dict[str, str] = {}
    for a in trial_protocol(t).arms:
        for text in (a.label, a.description):
            if text and a.name in labels:
                aliases[text] = labels[a.name]
    return Mask(labels=labels, aliases=aliases)


def mask_for(ctx: Context, *, trial: str | None) -> Mask | None:
    """:func:`viewer_mask` for the context's actor."""
    with ctx.reading() as s:
        return viewer_mask(s, find_trial(s, trial), ctx.actor)


def refuse_if_masked(session: Session, t: Trial, actor: str, *, what: str) -> None:
    """Refuse a blinded reader something that would give the arms away."""
    if viewer_mask(session, t, actor) is not None:
        raise RefusedError(f"trial {t.name} is blinded: {what} is {WITHHELD} (a coordinator "
                           "runs `spotlight unblind` once the results are saved)")


def unblind(ctx: Context, *, trial: str | None, reason: str) -> dict[str, Any]:
    """Unblind a trial (coordinators): allowed once results were saved (``analyse --save``).

    One audited action ("unblind") writing an ``unblinding`` row naming the newest saved
    results, so the trail shows the analysis was fixed before anyone saw the arms.

    Returns:
        ``{"trial", "unblinded_at", "unblinded_by", "reason", "results_sha256", "labels"}``
        (``labels``: arm -> the label readers saw).

    Raises:
        InputError: no reason given.
        RefusedError: the trial is not blinded, is already unblinded, or has no saved results.
    """
    if not reason.strip():
        raise InputError(Problem("say why the trial is unblinded", field="--reason"))
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="unblind", trial=name, entity=f"blinding of {name}") as act:
        t = find_trial(act.session, name)
        assert t.id is not None
        if not trial_is_blinded(act.session, t):
            raise RefusedError(f"trial {name} is not blinded ([analysis] blinded = false): "
                               "there is nothing to unblind")
        done = unblinding_of(act.session, t)
        if done is not None:
            raise RefusedError(f"trial {name} was unblinded on {done.unblinded_at.isoformat()} "
                               f"by {done.unblinded_by}")
        saved = list(act.session.exec(select(AnalysisResult).where(
            AnalysisResult.trial_id == t.id)))
        if not saved:
            raise RefusedError(f"trial {name} has no saved results: the registered analysis "
                               "is saved (`spotlight analyse --save`) before anyone is unblinded")
        newest = max(saved, key=lambda r: r.saved_at)
        row = Unblinding(trial_id=t.id, reason=reason.strip(), results_sha256=newest.sha256,
                         unblinded_at=act.at, unblinded_by=act.actor, audit_id=act.entry_id)
        act.session.add(row)
        act.written.add_rows("unblinding", [row])
        labels = stored_labels(act.session, t)
        act.written.extra.update({"reason": row.reason, "results_sha256": newest.sha256,
                                  "labels": labels})
    return {"trial": name, "unblinded_at": act.at.isoformat(), "unblinded_by": act.actor,
            "reason": row.reason, "results_sha256": newest.sha256, "labels": labels}


def blinding_status(ctx: Context, *, trial: str | None) -> dict[str, Any]:
    """Whether the trial is blinded, unblinded (when, by whom, why) and masked for the reader.

    The arm -> label key is shown only to those who see the arms anyway.
    """
    with ctx.reading() as s:
        t = find_trial(s, trial)
        if t.state != "randomised":
            raise NotFoundError(f"trial {t.name} is {t.state}: blinding starts at randomisation")
        blinded = trial_is_blinded(s, t)
        done = unblinding_of(s, t)
        mask = viewer_mask(s, t, ctx.actor)
        labels = stored_labels(s, t)
    return {"trial": t.name, "blinded": blinded, "unblinded": done is not None,
            "unblinded_at": done.unblinded_at.isoformat() if done else None,
            "unblinded_by": done.unblinded_by if done else None,
            "reason": done.reason if done else None,
            "results_sha256": done.results_sha256 if done else None,
            "masked": mask is not None,
            "labels": sorted(labels.values()) if mask is not None else labels}
