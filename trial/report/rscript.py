"""An R script that re-runs the registered confirmatory analysis on the exported spots.csv."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from trial.analysis.dataset import arm_order, days_column, model_design, value_column
from trial.protocol import Protocol

R_OUTPUT = "analysis-R.csv"

HEADER = """\
# Re-runs the registered confirmatory analysis of trial {trial} on spots.csv, with the same
# model, terms and contrasts as Spotlight {version} (protocol sha256 {sha}).
#   Rscript analysis.R [folder holding spots.csv] [output csv]
# Needs the R packages MASS, sandwich and estimatr. Prints each confirmatory hypothesis's ratio
# and two-sided {level}% Wald interval, and writes them to {output} (or the second argument).
suppressPackageStartupMessages({{
  library(MASS); library(sandwich); library(estimatr)
}})
args <- commandArgs(trailingOnly = TRUE)
here <- if (length(args) >= 1) args[[1]] else {{
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 1) dirname(normalizePath(f)) else "."
}}
out_file <- if (length(args) >= 2) args[[2]] else file.path(here, "{output}")
spots <- read.csv(file.path(here, "spots.csv"), check.names = FALSE, na.strings = "",
                  colClasses = c(spot_id = "character", arm = "character",
                                 stratum = "character"))
ALPHA <- {alpha!r}
ARMS <- {arms}  # the reference arm first
spots$arm <- factor(spots$arm, levels = ARMS)
FACTORS <- {factors}  # factorial trials: the factor columns (0/1), else empty
INTERACTION <- {interaction}
USE_STRATA <- {strata}
USE_SETS <- {sets}
# glm's default epsilon (1e-8) stops a few digits short of convergence; Spotlight converges to
# a relative change of 1e-10.
tight <- glm.control(epsilon = 1e-12, maxit = 100)

model_frame <- function(y_col, base_col, days_col, full_days) {{
  d <- data.frame(y = as.numeric(spots[[y_col]]), arm = spots$arm)
  rhs <- character(0)
  if (length(FACTORS) == 0) {{
    rhs <- "arm"
  }} else {{
    for (i in seq_along(FACTORS)) d[[paste0("f", i)]] <- as.numeric(spots[[FACTORS[[i]]]])
    rhs <- paste0("f", seq_along(FACTORS))
    if (INTERACTION) rhs <- c(rhs, "f1:f2")
  }}
  if (!is.na(base_col)) {{
    d$base <- as.numeric(spots[[base_col]])
    rhs <- c(rhs, "log1p(base)")
  }}
  if (USE_STRATA) {{
    d$stratum <- factor(spots$stratum)
    if (nlevels(d$stratum) > 1) rhs <- c(rhs, "stratum")
  }}
  if (USE_SETS) {{
    s <- spots$set
    lv <- c(as.character(sort(unique(s[!is.na(s)]))), if (anyNA(s)) "none")
    d$set <- factor(ifelse(is.na(s), "none", as.character(s)), levels = lv)
    if (nlevels(d$set) > 1) rhs <- c(rhs, "set")
  }}
  # Exposure: log(days open / days in the window); 0 (no offset) when every spot was open.
  d$exposure <- log(pmax(as.numeric(spots[[days_col]]), 0.5) / full_days)
  list(data = d, rhs = paste(rhs, collapse = " + "))
}}

fit_model <- function(model, mf) {{
  d <- mf$data
  if (all(d$y == 0)) return(NULL)
  if (model == "negative-binomial") {{
    m <- glm.nb(as.formula(paste("y ~", mf$rhs, "+ offset(exposure)")), data = d,
                control = tight)
    return(list(coef = coef(m), vcov = vcov(m), theta = m$theta, n = nrow(d)))
  }}
  if (model == "poisson-robust") {{
    m <- glm(as.formula(paste("y ~", mf$rhs, "+ offset(exposure)")), family = poisson,
             data = d, control = tight)
    return(list(coef = coef(m), vcov = sandwich::vcovHC(m, type = "HC0"), theta = NA,
                n = nrow(d)))
  }}
  m <- estimatr::lm_robust(as.formula(paste("log1p(y) ~", mf$rhs)), data = d, se_type = "HC2")
  list(coef = coef(m), vcov = vcov(m), theta = NA, n = nrow(d))
}}

# d = w'beta, Var(d) = w'Vw; ratio exp(d), Wald interval exp(d -+ z SE).
contrast <- function(f, w) {{
  if (is.null(f)) return(c(estimate = NA, ci_low = NA, ci_high = NA, log_ratio = NA, se = NA))
  v <- setNames(numeric(length(f$coef)), names(f$coef))
  v[names(w)] <- unlist(w)
  d <- sum(v * f$coef)
  se <- sqrt(drop(t(v) %*% f$vcov %*% v))
  z <- qnorm(1 - ALPHA / 2)
  c(estimate = exp(d), ci_low = exp(d - z * se), ci_high = exp(d + z * se), log_ratio = d,
    se = se)
}}

rows <- list()
"""

FOOTER = """
results <- do.call(rbind, rows)
print(results[, c("id", "contrast", "model", "estimate", "ci_low", "ci_high")], digits = 6,
      row.names = FALSE)
write.csv(results, out_file, row.names = FALSE)
cat("written:", out_file, "\\n")
"""


def _r(value: Any) -> str:
    """A Python string, number, bool or list as R source."""
    if value is None:
        return "NA"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    items = ", ".join(_r(v) for v in value)
    return f"c({items})" if items else "character(0)"


@dataclass(frozen=True)
class _Job:
    key: str
    model: str
    outcome: str
    window: str


def _weights(protocol: Protocol, h: Mapping[str, Any]) -> tuple[dict[str, float], str]:
    """The coefficient weights of a hypothesis's contrast, by R's coefficient names."""
    factors = list(protocol.factors)
    if h.get("factor"):
        return {f"f{factors.index(h['factor']) + 1}": 1.0}, f"factor {h['factor']}"
    a, b = h["compare"]
    w: dict[str, float] = {}
    if not factors:
        ref = arm_order(protocol)[0]
        for arm, sign in ((a, 1.0), (b, -1.0)):
            if arm != ref:
                w[f"arm{arm}"] = w.get(f"arm{arm}", 0.0) + sign
        return w, f"{a} vs {b}"
    levels = {x.name: dict(x.factors or {}) for x in protocol.arms}
    for i, f in enumerate(factors, 1):
        diff = levels[a].get(f, 0) - levels[b].get(f, 0)
        if diff:
            w[f"f{i}"] = float(diff)
    if protocol.analysis.interaction and len(factors) >= 2:
        prod = [levels[x].get(factors[0], 0) * levels[x].get(factors[1], 0) for x in (a, b)]
        if prod[0] != prod[1]:
            w["f1:f2"] = float(prod[0] - prod[1])
    return w, f"{a} vs {b}"


def analysis_r(protocol: Protocol, dataset: pd.DataFrame, results: Mapping[str, Any], *,
               version: str) -> str:
    """The R script re-running every confirmatory hypothesis in ``results``.

    Args:
        protocol: the protocol as analysed (registered plus amendments).
        dataset: the exported analysis dataset (to know which columns and design effects exist).
        results: the ``spotlight analyse --json`` document the export carries.
        version: Spotlight's version, for the header.

    Returns:
        The script's text. Each hypothesis uses the model Spotlight fitted for it (the
        registered one, or its fallback when Spotlight says so).
    """
    design = model_design(protocol, dataset)
    alpha = protocol.analysis.alpha
    text = HEADER.format(
        trial=protocol.trial.name, version=version, sha=protocol.sha256,
        level=f"{100 * (1 - alpha):g}", output=R_OUTPUT, alpha=alpha,
        arms=_r(list(design.arms)), factors=_r([f"factor_{f}" for f in protocol.factors]),
        interaction=_r(bool(protocol.analysis.interaction)), strata=_r(design.has_strata),
        sets=_r(design.has_sets))
    fits: dict[tuple[str, str, str], str] = {}
    lines: list[str] = []
    for h in results.get("hypotheses", []):
        if not h.get("confirmatory"):
            continue
        outcome, window = h["outcome"], h["window"]
        model = h.get("model") or protocol.outcome(outcome).model
        key = (outcome, window, model)
        if key not in fits:
            name = f"fit{len(fits) + 1}"
            fits[key] = name
            base = value_column(outcome, "baseline")
            use_base = (protocol.analysis.adjust_baseline and window != "baseline"
                        and base in dataset.columns)
            w = protocol.windows.get(window)
            full = (w.end - w.start).days + 1 if w is not None else 1
            lines.append(f"\n# {outcome}, {window} window: {model}")
            lines.append(
                f"{name} <- fit_model({_r(model)}, model_frame("
                f"{_r(value_column(outcome, window))}, {_r(base if use_base else None)}, "
                f"{_r(days_column(window))}, {full}))")
        weights, label = _weights(protocol, h)
        wr = "list(" + ", ".join(f"{_r(k)} = {v!r}" for k, v in weights.items()) + ")"
        lines.append(
            f"rows[[{_r(h['id'])}]] <- data.frame(id = {_r(h['id'])}, outcome = {_r(outcome)}, "
            f"window = {_r(window)}, contrast = {_r(label)}, model = {_r(model)}, "
            f"t(contrast({fits[key]}, {wr})), "
            f"theta = if (is.null({fits[key]})) NA else {fits[key]}$theta, check.names = FALSE)")
    if not lines:
        lines.append('stop("the results hold no confirmatory hypothesis to re-run")')
    return text + "\n".join(lines) + "\n" + FOOTER
