"""Every default in PROTOCOL.md's table is filled in when the key is left out."""

from __future__ import annotations

from tests.protocol.minimal import MINIMAL, variant
from trial.protocol import load_protocol
from trial.protocol_model import AdsDosage, GpsRules, PatrolDosage


def test_every_default_of_the_table() -> None:
    p = load_protocol(MINIMAL)
    # trial
    assert p.trial.timezone == "Europe/London"
    assert (p.trial.title, p.trial.registration, p.trial.ethics_reference) == (None, None, None)
    # arm
    a = p.arm("a")
    assert a.ratio == 1
    assert a.delivers == ()
    assert a.control is False
    assert (a.label, a.description, a.factors) == (None, None, None)
    # design
    d = p.design
    assert d.strata == ()
    assert d.balance_on == ()
    assert d.match_on is None
    assert d.criterion == "max_abs_smd"
    assert d.max_abs_smd == 0.1
    assert d.acceptance == 0.1
    assert d.max_draws == 100000
    assert d.min_separation_m == 0
    assert d.seed is None
    # windows
    assert (p.windows.run_in, p.windows.follow_up, p.windows.hours) == (None, None, None)
    # catchment, dosage, fidelity, costs, privacy, subgroups
    assert p.catchment.buffer_m == 0
    assert p.dosage.patrol is None
    assert p.dosage.ads is None
    assert p.dosage.gps == GpsRules(max_gap_s=120, min_stay_s=120, max_speed_kmh=10)
    assert p.fidelity.patrol is None
    assert p.fidelity.ads is None
    assert p.costs.officer_hour_gbp is None
    assert dict(p.costs.fixed_gbp) == {}
    assert p.privacy.pseudonymise_officers is False
    assert p.subgroups == ()
    # outcome
    o = p.outcome("crime")
    assert o.exclude == ()
    assert o.source == "all"
    assert o.measure == "count"
    assert o.better == "lower"
    assert o.harm_weights == "cchi-police-uk"
    assert o.model == "negative-binomial"
    # hypothesis
    h = p.hypotheses[0]
    assert h.margin is None
    assert h.test == "superiority"
    assert h.alternative == "two-sided"
    assert h.window == "treatment"
    # analysis
    an = p.analysis
    assert an.model == "negative-binomial"
    assert an.adjust_baseline is True
    assert an.design_effects is True
    assert an.interaction is False
    assert an.alpha == 0.05
    assert an.multiplicity == "holm"
    assert an.randomisation_inference == 0
    assert an.ri_seed is None
    assert an.inference == "model"
    assert an.nonconvergence == "poisson-robust"
    assert an.per_protocol is False
    assert an.blinded is False


def test_outcome_primary_and_hypothesis_confirmatory_default_to_false() -> None:
    p = load_protocol(variant(append='[[outcome]]\nname = "other"\ncrime_types = ["Robbery"]\n'
                                     '[[hypothesis]]\nid = "H2"\noutcome = "other"\n'
                                     'compare = ["b", "a"]\n'))
    assert p.outcome("other").primary is False
    assert p.hypotheses[1].confirmatory is False
    assert p.confirmatory_hypotheses == (p.hypotheses[0],)


def test_outcome_model_follows_analysis_model_for_counts_and_is_poisson_robust_for_harm() -> None:
    p = load_protocol(variant(append='[[outcome]]\nname = "harm"\ncrime_types = "all"\n'
                                     'measure = "harm"\n'
                                     '[[outcome]]\nname = "calls"\ncrime_types = ["Call"]\n'
                                     'model = "poisson-robust"\n'
                                     '[analysis]\nmodel = "log-linear"\n'))
    assert p.outcome("crime").model == "log-linear"
    assert p.outcome("harm").model == "poisson-robust"
    assert p.outcome("calls").model == "poisson-robust"


def test_empty_dosage_tables_have_no_targets() -> None:
    p = load_protocol(variant(('name = "a"\n', 'name = "a"\ndelivers = ["patrol", "ads"]\n'),
                              append="[dosage]\npatrol = {}\nads = {}\ngps = { max_gap_s = 60 }\n"))
    assert p.dosage.patrol == PatrolDosage()
    assert p.dosage.ads == AdsDosage()
    assert p.dosage.gps == GpsRules(max_gap_s=60.0, min_stay_s=120.0, max_speed_kmh=10.0)


def test_hours_without_days_means_every_day() -> None:
    p = load_protocol(variant(("[windows]\n", '[windows]\nhours = { start = "22:00", '
                                              'end = "02:00" }\n')))
    assert p.windows.hours is not None
    assert p.windows.hours.days == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
