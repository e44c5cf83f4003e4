"""One protocol per kind of mistake: each names the exact key path, and nothing else is reported."""

from __future__ import annotations

import pytest

from tests.protocol.minimal import FACTORIAL, MINIMAL, after, problems_of, variant
from trial.errors import InputError
from trial.protocol import load_protocol

TRIAL = 'name = "t"\n'
ARM_A = 'name = "a"\n'
ARM_B = 'name = "b"\n'
DESIGN = 'method = "complete"\n'
WINDOWS = "[windows]\n"
TREATMENT = 'treatment = { start = "2024-01-08", end = "2024-04-07" }\n'
OUTCOME = 'name = "crime"\n'
HYPOTHESIS = 'id = "H1"\n'
SECOND_HYPOTHESIS = """
[[hypothesis]]
id = "H2"
outcome = "crime"
"""

# (case id, protocol text, {key path: words the problem must contain})
CASES: list[tuple[str, str, dict[str, str]]] = [
    # unknown keys, each saying which keys are valid there
    ("unknown top-level key", variant(append="[extras]\nx = 1\n"),
     {"extras": 'unknown key "extras"; valid keys in the top level: trial, arm, design'}),
    ("unknown trial key", variant(after(TRIAL, 'colour = "red"')),
     {"trial.colour": "valid keys in [trial]: name, title, timezone, registration, "
                      "ethics_reference"}),
    ("unknown arm key", variant(after(ARM_B, "weight = 2")),
     {"arm[2].weight": "valid keys in [arm[2]]: name, label, description, ratio, delivers"}),
    ("unknown design key", variant(after(DESIGN, 'methd = "complete"')),
     {"design.methd": 'unknown key "methd"'}),
    ("unknown window", variant(after(WINDOWS, 'pilot = { start = "2022-01-01", '
                                              'end = "2022-02-01" }')),
     {"windows.pilot": "valid keys in [windows]: baseline, run_in, treatment, follow_up, hours"}),
    ("unknown key inside a window", variant(
        (TREATMENT,
         'treatment = { start = "2024-01-08", end = "2024-04-07", inclusive = true }\n')),
     {"windows.treatment.inclusive": "valid keys in [windows.treatment]: start, end"}),
    ("unknown outcome key", variant(after(OUTCOME, 'kind = "count"')),
     {"outcome[1].kind": "valid keys in [outcome[1]]: name, primary, crime_types"}),
    ("unknown hypothesis key", variant(after(HYPOTHESIS, "sided = 2")),
     {"hypothesis[1].sided": "compare, factor, test, alternative, margin"}),
    ("unknown analysis key", variant(append="[analysis]\nmodle = \"poisson-robust\"\n"),
     {"analysis.modle": "valid keys in [analysis]: model, adjust_baseline"}),
    ("unknown dosage key", variant(append="[dosage]\ndrones = 1\n"),
     {"dosage.drones": "valid keys in [dosage]: patrol, ads, gps"}),
    ("unknown patrol dosage key", variant(after(ARM_A, 'delivers = ["patrol"]'),
                                          append="[dosage]\npatrol = { visits = 3 }\n"),
     {"dosage.patrol.visits": "visits_per_day, visit_minutes, min_gap_minutes"}),
    ("unknown subgroup key", variant(append='[[subgroup]]\nname = "s"\nattribute = "district"\n'
                                            "levels = 3\n"),
     {"subgroup[1].levels": "valid keys in [subgroup[1]]: name, attribute"}),
    # wrong types
    ("string where an integer is expected", variant(after(ARM_A, 'ratio = "2"')),
     {"arm[1].ratio": 'must be a positive integer, not a string ("2")'}),
    ("float refused where an integer is expected", variant(after(ARM_A, "ratio = 2.0")),
     {"arm[1].ratio": "must be a positive integer, not a float (2.0)"}),
    ("boolean refused where an integer is expected", variant(after(DESIGN, "max_draws = true")),
     {"design.max_draws": "must be a positive integer, not a boolean"}),
    ("string where a number is expected", variant(append='[catchment]\nbuffer_m = "250"\n'),
     {"catchment.buffer_m": 'must be a number, not a string ("250")'}),
    ("nan refused", variant(append="[analysis]\nalpha = nan\n"),
     {"analysis.alpha": "must be a finite number, not nan"}),
    ("string where a boolean is expected", variant(append='[privacy]\n'
                                                          'pseudonymise_officers = "yes"\n'),
     {"privacy.pseudonymise_officers": 'must be true or false, not a string ("yes")'}),
    ("table where a string is expected", variant((TRIAL, 'name = { x = 1 }\n')),
     {"trial.name": "must be a string, not a table"}),
    ("single [arm] table instead of [[arm]]", variant(
        ('[[arm]]\nname = "a"\n[[arm]]\nname = "b"\ncontrol = true\n', '[arm]\nname = "a"\n')),
     {"arm": "must be an array of tables ([[arm]]), not a single table ([arm])"}),
    ("delivers not an array", variant(after(ARM_A, 'delivers = "ads"')),
     {"arm[1].delivers": 'must be an array of strings, not a string ("ads")'}),
    # required keys
    ("no trial table", variant(('[trial]\nname = "t"\n', "")),
     {"trial.name": "required (the [trial] table is missing)"}),
    ("no trial name", variant((TRIAL, 'title = "T"\n')), {"trial.name": "required"}),
    ("arm without a name", variant((ARM_A, 'label = "A"\n')), {"arm[1].name": "required"}),
    ("one arm", variant(('[[arm]]\nname = "b"\ncontrol = true\n', "")),
     {"arm": "two or more [[arm]] tables are required (found 1)",
      "hypothesis[1].compare": 'unknown arm "b" (arms: "a")'}),
    ("no design", variant(('[design]\nmethod = "complete"\n', "")),
     {"design.method": "required (the [design] table is missing)"}),
    ("no design method", variant((DESIGN, "min_separation_m = 0\n")),
     {"design.method": "required"}),
    ("no baseline window", variant(('baseline = { start = "2023-01-01", end = "2023-12-31" }\n',
                                    "")),
     {"windows.baseline": "required"}),
    ("window without an end", variant((TREATMENT, 'treatment = { start = "2024-01-08" }\n')),
     {"windows.treatment.end": "required"}),
    ("outcome without crime types", variant(('crime_types = "all"\n', "")),
     {"outcome[1].crime_types": "required"}),
    ("hypothesis without an outcome", variant(('outcome = "crime"\n', "")),
     {"hypothesis[1].outcome": "required"}),
    ("hypothesis without an id", variant((HYPOTHESIS, "")), {"hypothesis[1].id": "required"}),
    ("subgroup without an attribute", variant(append='[[subgroup]]\nname = "s"\n'),
     {"subgroup[1].attribute": "required"}),
    # arms
    ("ratio zero", variant(after(ARM_A, "ratio = 0")),
     {"arm[1].ratio": "must be a positive integer, not 0"}),
    ("negative ratio", variant(after(ARM_B, "ratio = -2")),
     {"arm[2].ratio": "must be a positive integer, not -2"}),
    ("two control arms", variant(after(ARM_A, "control = true")),
     {"arm[2].control": "only one arm may be the control; arm[1] already is"}),
    ("unknown delivery", variant(after(ARM_A, 'delivers = ["patrol", "drones"]')),
     {"arm[1].delivers[2]": 'must be one of "patrol", "ads", not "drones"'}),
    ("delivery listed twice", variant(after(ARM_A, 'delivers = ["ads", "ads"]')),
     {"arm[1].delivers[2]": '"ads" is listed twice'}),
    ("duplicate arm name", variant((ARM_B, 'name = "a"\n'), ('compare = ["a", "b"]',
                                                              'compare = ["a", "c"]')),
     {"arm[2].name": 'duplicate arm name "a" (also arm[1])',
      "hypothesis[1].compare": 'unknown arm "c" (arms: "a")'}),
    # factorial arms
    ("factor level not 0 or 1", variant(("factors = { digital = 1, physical = 1 }",
                                         "factors = { digital = 2, physical = 1 }"),
                                        base=FACTORIAL),
     {"arm[1].factors.digital": "must be 0 or 1, not 2"}),
    ("an arm without factors", variant(('name = "control"\nfactors = { digital = 0, '
                                        'physical = 0 }\n', 'name = "control"\n'),
                                       base=FACTORIAL),
     {"arm[4].factors": "required: every arm declares factors when any does (arm[1] declares "
                        "digital, physical)"}),
    ("arms with different factors", variant(("factors = { digital = 0, physical = 0 }",
                                             "factors = { digital = 0, foot = 0 }"),
                                            base=FACTORIAL),
     {"arm[4].factors": "must declare the same factors as arm[1] (digital, physical)"}),
    ("empty factors", variant(after(ARM_A, "factors = {}")),
     {"arm[1].factors": "must name at least one factor"}),
    ("factors not a table", variant(after(ARM_A, "factors = [1, 0]")),
     {"arm[1].factors": "must be a table of factor levels such as { digital = 1, physical = 0 }, "
                        "not an array"}),
    ("two arms with the same levels", variant(("factors = { digital = 0, physical = 0 }",
                                               "factors = { digital = 0, physical = 1 }"),
                                              base=FACTORIAL),
     {"arm[4].factors": "the same levels as arm[3]"}),
    ("factor hypothesis in a non-factorial trial",
     variant(('compare = ["a", "b"]', 'factor = "digital"')),
     {"hypothesis[1].factor": "no arm declares factors"}),
    ("unknown factor", variant(('factor = "digital"', 'factor = "digitl"'), base=FACTORIAL),
     {"hypothesis[1].factor": 'unknown factor "digitl" (factors: "digital", "physical")'}),
    ("interaction in a non-factorial trial", variant(append="[analysis]\ninteraction = true\n"),
     {"analysis.interaction": "applies only to factorial trials"}),
    # design
    ("unknown method", variant((DESIGN, 'method = "minimisation"\n')),
     {"design.method": 'must be one of "complete", "stratified", "matched", "rerandomise", '
                       'not "minimisation"'}),
    ("matched without match_on", variant((DESIGN, 'method = "matched"\n')),
     {"design.match_on": 'required for method = "matched"'}),
    ("rerandomise without balance_on", variant((DESIGN, 'method = "rerandomise"\n')),
     {"design.balance_on": 'required for method = "rerandomise"'}),
    ("rerandomise with empty balance_on", variant(
        (DESIGN, 'method = "rerandomise"\nbalance_on = []\n')),
     {"design.balance_on": "rerandomise needs at least one numeric spot attribute"}),
    ("stratified without strata", variant((DESIGN, 'method = "stratified"\n')),
     {"design.strata": "required for stratified"}),
    ("stratified with empty strata", variant((DESIGN, 'method = "stratified"\nstrata = []\n')),
     {"design.strata": "stratified needs at least one spot attribute"}),
    ("unknown criterion", variant(after(DESIGN, 'criterion = "smd"')),
     {"design.criterion": 'must be one of "max_abs_smd", "mahalanobis", not "smd"'}),
    ("max_abs_smd zero", variant(after(DESIGN, "max_abs_smd = 0")),
     {"design.max_abs_smd": "must be > 0, not 0"}),
    ("acceptance zero", variant(after(DESIGN, "acceptance = 0.0")),
     {"design.acceptance": "must be > 0 and <= 1, not 0.0"}),
    ("acceptance above one", variant(after(DESIGN, "acceptance = 1.01")),
     {"design.acceptance": "must be > 0 and <= 1, not 1.01"}),
    ("max_draws zero", variant(after(DESIGN, "max_draws = 0")),
     {"design.max_draws": "must be a positive integer, not 0"}),
    ("negative separation", variant(after(DESIGN, "min_separation_m = -1")),
     {"design.min_separation_m": "must be >= 0, not -1"}),
    ("float seed", variant(after(DESIGN, "seed = 20240108.5")),
     {"design.seed": "must be a non-negative integer, not a float (20240108.5)"}),
    ("strata attribute listed twice", variant(
        (DESIGN, 'method = "stratified"\nstrata = ["district", "district"]\n')),
     {"design.strata[2]": '"district" is listed twice'}),
    # trial
    ("trial name with capitals and spaces", variant((TRIAL, 'name = "Leeds NTE"\n')),
     {"trial.name": '"Leeds NTE" must use only a-z, 0-9 and -'}),
    ("unknown timezone", variant(after(TRIAL, 'timezone = "Europe/Lundon"')),
     {"trial.timezone": 'unknown IANA timezone "Europe/Lundon"'}),
    ("timezone that is a path", variant(after(TRIAL, 'timezone = "../../etc/passwd"')),
     {"trial.timezone": "unknown IANA timezone"}),
    ("timezone of the machine running it", variant(after(TRIAL, 'timezone = "localtime"')),
     {"trial.timezone": 'unknown IANA timezone "localtime"'}),
    ("timezone from a system folder", variant(after(TRIAL, 'timezone = "posix/Europe/London"')),
     {"trial.timezone": "unknown IANA timezone"}),
    # windows
    ("window ends before it starts", variant(
        (TREATMENT, 'treatment = { start = "2024-04-07", end = "2024-01-08" }\n')),
     {"windows.treatment.end": "the window ends (2024-01-08) before it starts (2024-04-07)"}),
    ("overlapping windows", variant(after(WINDOWS, 'run_in = { start = "2024-01-01", '
                                                   'end = "2024-01-08" }')),
     {"windows.treatment": "overlaps windows.run_in (2024-01-01 to 2024-01-08)"}),
    ("windows out of order", variant(after(WINDOWS, 'follow_up = { start = "2023-06-01", '
                                                    'end = "2023-06-30" }'),
                                     ('baseline = { start = "2023-01-01", end = "2023-12-31" }',
                                      'baseline = { start = "2023-01-01", end = "2023-05-31" }')),
     {"windows.follow_up": "must come after windows.treatment"}),
    ("date not in the calendar", variant(
        (TREATMENT, 'treatment = { start = "2024-02-30", end = "2024-04-07" }\n')),
     {"windows.treatment.start": '"2024-02-30" is not a date in the calendar'}),
    ("date written the British way", variant(
        (TREATMENT, 'treatment = { start = "08/01/2024", end = "2024-04-07" }\n')),
     {"windows.treatment.start": 'must be a date "YYYY-MM-DD", not a string ("08/01/2024")'}),
    ("date-time instead of a date", variant(
        (TREATMENT, 'treatment = { start = 2024-01-08T00:00:00, end = "2024-04-07" }\n')),
     {"windows.treatment.start": "not a date-time"}),
    ("hours with an unknown day", variant(after(WINDOWS, 'hours = { days = ["Fri", "Friday"], '
                                                         'start = "20:00", end = "04:00" }')),
     {"windows.hours.days[2]": 'not "Friday"'}),
    ("hours with a malformed time", variant(after(WINDOWS, 'hours = { start = "8pm", '
                                                           'end = "04:00" }')),
     {"windows.hours.start": 'must be a local time "HH:MM" (24-hour clock), not a string ("8pm")'}),
    ("hours past 23:59", variant(after(WINDOWS, 'hours = { start = "20:00", end = "24:00" }')),
     {"windows.hours.end": 'not a string ("24:00")'}),
    ("hours without an end", variant(after(WINDOWS, 'hours = { start = "20:00" }')),
     {"windows.hours.end": "required"}),
    ("hours starting and ending together", variant(after(WINDOWS, 'hours = { start = "20:00", '
                                                                  'end = "20:00" }')),
     {"windows.hours.end": "must differ from start"}),
    ("hours with no days", variant(after(WINDOWS, 'hours = { days = [], start = "20:00", '
                                                  'end = "04:00" }')),
     {"windows.hours.days": "must list at least one day"}),
    # outcomes
    ("no primary outcome", variant(("primary = true\n", "")),
     {"outcome": "exactly one outcome must have primary = true (none does)"}),
    ("two primary outcomes", variant(append='[[outcome]]\nname = "harm"\nprimary = true\n'
                                            'crime_types = "all"\n'),
     {"outcome[2].primary": "only one outcome may be primary; outcome[1] already is"}),
    ("no outcomes", variant(('[[outcome]]\nname = "crime"\nprimary = true\ncrime_types = "all"\n',
                             ""), ('outcome = "crime"\n', 'outcome = "crime"\n')),
     {"outcome": "at least one [[outcome]] is required"}),
    ("duplicate outcome name", variant(append='[[outcome]]\nname = "crime"\n'
                                              'crime_types = ["Robbery"]\n'),
     {"outcome[2].name": 'duplicate outcome name "crime" (also outcome[1])'}),
    ("crime types a bare string", variant(('crime_types = "all"', 'crime_types = "Burglary"')),
     {"outcome[1].crime_types": 'must be "all" or a list of crime types, not "Burglary"'}),
    ("crime types empty", variant(('crime_types = "all"', "crime_types = []")),
     {"outcome[1].crime_types": "must list at least one crime type"}),
    ("unknown source", variant(after(OUTCOME, 'source = "victims"')),
     {"outcome[1].source": 'must be one of "all", "public", "police", not "victims"'}),
    ("unknown measure", variant(after(OUTCOME, 'measure = "rate"')),
     {"outcome[1].measure": 'must be one of "count", "harm", not "rate"'}),
    ("unknown better", variant(after(OUTCOME, 'better = "less"')),
     {"outcome[1].better": 'must be one of "lower", "higher", not "less"'}),
    ("unknown outcome model", variant(after(OUTCOME, 'model = "ols"')),
     {"outcome[1].model": 'must be one of "negative-binomial", "poisson-robust", "log-linear"'}),
    # hypotheses
    ("unknown arm in compare", variant(append=SECOND_HYPOTHESIS + 'compare = ["digitl", "b"]\n'),
     {"hypothesis[2].compare": 'unknown arm "digitl" (arms: "a", "b")'}),
    ("the same arm twice", variant(('compare = ["a", "b"]', 'compare = ["a", "a"]')),
     {"hypothesis[1].compare": 'must name two different arms, not "a" twice'}),
    ("three arms in compare", variant(('compare = ["a", "b"]', 'compare = ["a", "b", "a"]')),
     {"hypothesis[1].compare": "must be two arm names, [a, b]"}),
    ("compare and factor", variant(after(HYPOTHESIS, 'factor = "digital"')),
     {"hypothesis[1]": "give exactly one of compare or factor, not both"}),
    ("neither compare nor factor", variant(('compare = ["a", "b"]\n', "")),
     {"hypothesis[1]": "needs exactly one of compare = [arm, arm] or factor = name"}),
    ("unknown outcome in a hypothesis", variant(('outcome = "crime"', 'outcome = "crimes"')),
     {"hypothesis[1].outcome": 'unknown outcome "crimes" (outcomes: "crime")'}),
    ("duplicate hypothesis id", variant(append=SECOND_HYPOTHESIS.replace("H2", "H1")
                                        + 'compare = ["b", "a"]\n'),
     {"hypothesis[2].id": 'duplicate hypothesis id "H1" (also hypothesis[1])'}),
    ("no confirmatory hypothesis", variant(("confirmatory = true\n", "")),
     {"hypothesis": "at least one hypothesis must have confirmatory = true"}),
    ("no hypotheses", variant(('[[hypothesis]]\nid = "H1"\noutcome = "crime"\n'
                               'compare = ["a", "b"]\nconfirmatory = true\n', "")),
     {"hypothesis": "at least one [[hypothesis]] is required"}),
    ("unknown test", variant(after(HYPOTHESIS, 'test = "equivalence"')),
     {"hypothesis[1].test": 'must be one of "superiority", "non-inferiority"'}),
    ("unknown alternative", variant(after(HYPOTHESIS, 'alternative = "two_sided"')),
     {"hypothesis[1].alternative": 'must be one of "two-sided", "less", "greater"'}),
    ("non-inferiority without a margin", variant(after(HYPOTHESIS, 'test = "non-inferiority"')),
     {"hypothesis[1].margin": "required for non-inferiority"}),
    ("non-inferiority margin below 1 for better lower", variant(
        after(HYPOTHESIS, 'test = "non-inferiority"', "margin = 0.9")),
     {"hypothesis[1].margin": 'must be > 1 when outcome "crime" is better lower, not 0.9'}),
    ("non-inferiority margin of exactly 1", variant(
        after(HYPOTHESIS, 'test = "non-inferiority"', "margin = 1")),
     {"hypothesis[1].margin": "must be > 1"}),
    ("non-inferiority margin above 1 for better higher", variant(
        after(HYPOTHESIS, 'test = "non-inferiority"', "margin = 1.1"),
        after(OUTCOME, 'better = "higher"')),
     {"hypothesis[1].margin": 'must be < 1 when outcome "crime" is better higher, not 1.1'}),
    ("negative margin", variant(after(HYPOTHESIS, 'test = "non-inferiority"', "margin = -1.1")),
     {"hypothesis[1].margin": "must be > 0, not -1.1"}),
    ("alternative with non-inferiority", variant(
        after(HYPOTHESIS, 'test = "non-inferiority"', "margin = 1.15", 'alternative = "less"')),
     {"hypothesis[1].alternative": "non-inferiority is one-sided by definition"}),
    ("margin with superiority", variant(after(HYPOTHESIS, "margin = 1.15")),
     {"hypothesis[1].margin": 'applies only to test = "non-inferiority"'}),
    ("hypothesis on the run-in", variant(after(HYPOTHESIS, 'window = "run_in"')),
     {"hypothesis[1].window": "run_in is excluded from every outcome"}),
    ("hypothesis on the baseline", variant(after(HYPOTHESIS, 'window = "baseline"')),
     {"hypothesis[1].window": "baseline is the covariate window"}),
    ("hypothesis on an unknown window", variant(after(HYPOTHESIS, 'window = "followup"')),
     {"hypothesis[1].window": 'unknown window "followup" (valid: treatment, follow_up)'}),
    ("hypothesis on an undefined window", variant(after(HYPOTHESIS, 'window = "follow_up"')),
     {"hypothesis[1].window": 'window "follow_up" is not defined in [windows]'}),
    ("hypothesis on hours", variant(after(HYPOTHESIS, 'window = "hours"')),
     {"hypothesis[1].window": 'unknown window "hours"'}),
    # subgroups
    ("duplicate subgroup name", variant(append='[[subgroup]]\nname = "s"\nattribute = "district"'
                                               '\n[[subgroup]]\nname = "s"\n'
                                               'attribute = "baseline_tercile"\n'),
     {"subgroup[2].name": 'duplicate subgroup name "s" (also subgroup[1])'}),
    # analysis
    ("alpha zero", variant(append="[analysis]\nalpha = 0\n"),
     {"analysis.alpha": "must be > 0 and < 1, not 0"}),
    ("alpha one", variant(append="[analysis]\nalpha = 1.0\n"),
     {"analysis.alpha": "must be > 0 and < 1, not 1.0"}),
    ("unknown analysis model", variant(append='[analysis]\nmodel = "quasipoisson"\n'),
     {"analysis.model": 'not "quasipoisson"'}),
    ("unknown multiplicity", variant(append='[analysis]\nmultiplicity = "hochberg"\n'),
     {"analysis.multiplicity": 'must be one of "holm", "bonferroni", "fixed-sequence", "none"'}),
    ("negative randomisation inference", variant(append="[analysis]\n"
                                                        "randomisation_inference = -1\n"),
     {"analysis.randomisation_inference": "must be a non-negative integer (0 turns it off)"}),
    ("float randomisation inference", variant(append="[analysis]\n"
                                                     "randomisation_inference = 1e4\n"),
     {"analysis.randomisation_inference": "not a float (10000.0)"}),
    ("unknown inference", variant(append='[analysis]\ninference = "bootstrap"\n'),
     {"analysis.inference": 'must be one of "model", "randomisation"'}),
    ("randomisation inference switched off", variant(
        append='[analysis]\ninference = "randomisation"\nrandomisation_inference = 0\n'),
     {"analysis.randomisation_inference": 'must be > 0 when inference = "randomisation"'}),
    ("randomisation inference not asked for", variant(
        append='[analysis]\ninference = "randomisation"\n'),
     {"analysis.randomisation_inference": 'required when inference = "randomisation"'}),
    ("unknown nonconvergence", variant(append='[analysis]\nnonconvergence = "retry"\n'),
     {"analysis.nonconvergence": 'must be one of "poisson-robust", "log-linear", "refuse"'}),
    ("negative ri_seed", variant(append="[analysis]\nri_seed = -5\n"),
     {"analysis.ri_seed": "must be a non-negative integer, not -5"}),
    ("per_protocol not a boolean", variant(append="[analysis]\nper_protocol = 1\n"),
     {"analysis.per_protocol": "must be true or false, not an integer (1)"}),
    # catchment, dosage, fidelity, costs, privacy
    ("negative buffer", variant(append="[catchment]\nbuffer_m = -5\n"),
     {"catchment.buffer_m": "must be >= 0, not -5"}),
    ("patrol visits zero", variant(after(ARM_A, 'delivers = ["patrol"]'),
                                   append="[dosage]\npatrol = { visits_per_day = 0 }\n"),
     {"dosage.patrol.visits_per_day": "must be a positive integer, not 0"}),
    ("patrol visit minutes zero", variant(after(ARM_A, 'delivers = ["patrol"]'),
                                          append="[dosage]\npatrol = { visit_minutes = 0 }\n"),
     {"dosage.patrol.visit_minutes": "must be > 0, not 0"}),
    ("patrol start without end", variant(after(ARM_A, 'delivers = ["patrol"]'),
                                         append='[dosage]\npatrol = { start = "20:00" }\n'),
     {"dosage.patrol.end": "required when the other end of the period is given"}),
    ("patrol days malformed", variant(after(ARM_A, 'delivers = ["patrol"]'),
                                      append='[dosage]\npatrol = { days = ["fri"] }\n'),
     {"dosage.patrol.days[1]": 'not "fri"'}),
    ("ads ages reversed", variant(after(ARM_A, 'delivers = ["ads"]'),
                                  append="[dosage]\nads = { age_min = 30, age_max = 16 }\n"),
     {"dosage.ads.age_max": "must be >= age_min (30), not 16"}),
    ("negative ads budget", variant(after(ARM_A, 'delivers = ["ads"]'),
                                    append="[dosage]\nads = { daily_budget_gbp = -20.0 }\n"),
     {"dosage.ads.daily_budget_gbp": "must be >= 0, not -20.0"}),
    ("ads dosage with no ads arm", variant(append="[dosage]\nads = { age_min = 16 }\n"),
     {"dosage.ads": 'no arm delivers "ads" (arm.delivers)'}),
    ("gps speed zero", variant(append="[dosage]\ngps = { max_speed_kmh = 0 }\n"),
     {"dosage.gps.max_speed_kmh": "must be > 0, not 0"}),
    ("negative fidelity minimum", variant(after(ARM_A, 'delivers = ["patrol"]'),
                                          append="[fidelity]\n"
                                                 "patrol = { min_visits_per_week = -1 }\n"),
     {"fidelity.patrol.min_visits_per_week": "must be a non-negative integer, not -1"}),
    ("fidelity for a delivery no arm gets", variant(
        append="[fidelity]\nads = { min_impressions_per_week = 1000 }\n"),
     {"fidelity.ads": 'no arm delivers "ads"'}),
    ("unknown fidelity key", variant(after(ARM_A, 'delivers = ["ads"]'),
                                     append="[fidelity]\nads = { min_clicks_per_week = 5 }\n"),
     {"fidelity.ads.min_clicks_per_week": "valid keys in [fidelity.ads]: "
                                          "min_impressions_per_week"}),
    ("negative officer cost", variant(append="[costs]\nofficer_hour_gbp = -45.0\n"),
     {"costs.officer_hour_gbp": "must be >= 0, not -45.0"}),
    ("fixed cost for an unknown delivery", variant(after(ARM_A, 'delivers = ["ads"]'),
                                                   append="[costs]\n"
                                                          "fixed_gbp = { drones = 100.0 }\n"),
     {"costs.fixed_gbp.drones": "valid keys in [costs.fixed_gbp]: patrol, ads"}),
    ("fixed cost for a delivery no arm gets", variant(append="[costs]\n"
                                                             "fixed_gbp = { patrol = 100.0 }\n"),
     {"costs.fixed_gbp.patrol": 'no arm delivers "patrol"'}),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_each_mistake_is_named_by_its_key_path(text: str, expected: dict[str, str]) -> None:
    problems = problems_of(text)
    assert {p.field for p in problems} == set(expected), [str(p) for p in problems]
    for problem in problems:
        assert expected[problem.field or ""] in problem.what, str(problem)
        assert problem.source == "bad.toml"


def test_the_minimal_protocol_is_valid() -> None:
    assert load_protocol(MINIMAL).trial.name == "t"
    assert load_protocol(FACTORIAL).factors == ("digital", "physical")


def test_toml_syntax_error_names_the_line() -> None:
    text = variant((ARM_B, 'name = "b\n'))
    problems = problems_of(text)
    assert len(problems) == 1
    assert problems[0].line == 7
    assert problems[0].field is None
    assert problems[0].what.startswith("not valid TOML: ")
    assert "(at line" not in problems[0].what


def test_toml_duplicate_key_is_a_syntax_error_with_its_line() -> None:
    problems = problems_of(variant(after(TRIAL, 'name = "u"')))
    assert [(p.line, p.field) for p in problems] == [(3, None)]


def test_every_problem_is_reported_at_once() -> None:
    text = """\
[trial]
name = "Bad Name"
timezone = "Mars/Olympus"
colour = "red"

[[arm]]
name = "digital"
ratio = 1.5
delivers = ["drones"]
[[arm]]
name = "control"
control = true
[[arm]]
name = "other"
control = true

[design]
method = "matched"
acceptance = 2

[windows]
baseline = { start = "2023-01-01", end = "2024-01-10" }
treatment = { start = "2024-01-08", end = "2024-04-07" }

[[outcome]]
name = "crime"
crime_types = "all"

[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["digital", "control"]
confirmatory = true
[[hypothesis]]
id = "H2"
outcome = "crime"
compare = ["digitl", "control"]
test = "non-inferiority"

[analysis]
alpha = 5
"""
    problems = problems_of(text)
    assert [(p.line, p.field) for p in problems] == [
        (2, "trial.name"),
        (3, "trial.timezone"),
        (4, "trial.colour"),
        (8, "arm[1].ratio"),
        (9, "arm[1].delivers[1]"),
        (15, "arm[3].control"),
        (17, "design.match_on"),  # a missing key: the line of its table
        (19, "design.acceptance"),
        (23, "windows.treatment"),
        (25, "outcome"),
        (34, "hypothesis[2].margin"),  # missing: the line of its [[hypothesis]] header
        (37, "hypothesis[2].compare"),
        (41, "analysis.alpha"),
    ]
    assert str(problems[11]) == (
        'bad.toml:37: hypothesis[2].compare: unknown arm "digitl" '
        '(arms: "digital", "control", "other")')


def test_problem_lines_fall_back_to_the_enclosing_table() -> None:
    problems = problems_of(variant(('outcome = "crime"\n', "")))
    # the missing key's own line does not exist: the line of its [[hypothesis]] header is given
    assert [(p.line, p.field) for p in problems] == [(22, "hypothesis[1].outcome")]


def test_problems_are_not_raised_as_anything_but_input_error() -> None:
    with pytest.raises(InputError):
        load_protocol("")

