# Reference numbers for tests/analysis. Run from this folder:
#   Rscript make-oracles.R <folder holding medpar.csv and quine.csv>
# Writes medpar.json, quine.json, three-arm-trial.json, p-adjust.json.
suppressPackageStartupMessages({
  library(MASS); library(sandwich); library(estimatr); library(multcomp); library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
shared <- args[1]
versions <- list(
  R = R.version.string,
  MASS = as.character(packageVersion("MASS")),
  sandwich = as.character(packageVersion("sandwich")),
  estimatr = as.character(packageVersion("estimatr")),
  multcomp = as.character(packageVersion("multcomp"))
)
nb_out <- function(m) list(
  coef = as.list(coef(m)), se = as.list(sqrt(diag(vcov(m)))), vcov = unname(vcov(m)),
  theta = m$theta, theta_se = m$SE.theta, loglik = m$twologlik / 2, iter = m$iter
)
lin <- function(m, name, L) {
  g <- glht(m, linfct = L)
  s <- summary(g, test = adjusted("none"))
  ci <- confint(g, calpha = univariate_calpha(), level = 0.95)$confint
  list(call = name, estimate = unname(s$test$coefficients), se = unname(s$test$sigma),
       z = unname(s$test$tstat), p = unname(s$test$pvalues), ci_low = ci[1, "lwr"],
       ci_high = ci[1, "upr"])
}
write_oracle <- function(x, file) write(toJSON(x, digits = NA, auto_unbox = TRUE, pretty = TRUE), file)

medpar <- read.csv(file.path(shared, "medpar.csv"))
call <- "MASS::glm.nb(los ~ factor(type) + hmo + white, data = medpar)"
m <- glm.nb(los ~ factor(type) + hmo + white, data = medpar)
L <- matrix(c(0, -1, 1, 0, 0), nrow = 1)
write_oracle(list(
  versions = versions, call = call, nb = nb_out(m),
  contrast_type3_vs_type2 = lin(m, "multcomp::glht(fit, linfct = rbind(c(0, -1, 1, 0, 0)))", L)
), "medpar.json")

quine <- read.csv(file.path(shared, "quine.csv"), stringsAsFactors = TRUE)
f <- Days ~ Eth + Sex + Age + Lrn
mq <- glm.nb(f, data = quine)
# glm's default epsilon (1e-8) leaves the last IRLS weights ~1e-6 from convergence, which moves
# the HC0 SEs in the 7th digit; a tight epsilon gives the converged answer.
tight <- glm.control(epsilon = 1e-12, maxit = 100)
pq <- glm(f, family = poisson, data = quine, control = tight)
lq <- lm_robust(log1p(Days) ~ Eth + Sex + Age + Lrn, data = quine, se_type = "HC2")
write_oracle(list(
  versions = versions,
  columns = colnames(model.matrix(f, quine)),
  nb = c(list(call = "MASS::glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine)"), nb_out(mq)),
  poisson_hc0 = list(
    call = "glm(Days ~ Eth + Sex + Age + Lrn, family = poisson, data = quine, control = glm.control(epsilon = 1e-12, maxit = 100)); sandwich::vcovHC(fit, type = 'HC0')",
    coef = as.list(coef(pq)), se = as.list(sqrt(diag(vcovHC(pq, type = "HC0")))),
    loglik = as.numeric(logLik(pq))),
  loglinear_hc2 = list(
    call = "estimatr::lm_robust(log1p(Days) ~ Eth + Sex + Age + Lrn, data = quine, se_type = 'HC2')",
    coef = as.list(coef(lq)), se = as.list(lq$std.error))
), "quine.json")

trial <- read.csv("three-arm-trial.csv", stringsAsFactors = TRUE)
trial$arm <- relevel(trial$arm, ref = "control")
ft <- y ~ arm + log1p(baseline) + stratum
mt <- glm.nb(ft, data = trial)
pt <- glm(ft, family = poisson, data = trial, control = tight)
lt <- lm_robust(log1p(y) ~ arm + log1p(baseline) + stratum, data = trial, se_type = "HC2")
write_oracle(list(
  versions = versions,
  columns = colnames(model.matrix(ft, trial)),
  nb = c(list(call = "MASS::glm.nb(y ~ arm + log1p(baseline) + stratum, data = trial)  # arm relevelled to control"), nb_out(mt)),
  contrast_digital_vs_physical = lin(mt, "multcomp::glht(fit, linfct = rbind(c(0, 1, -1, 0, 0, 0)))",
                                     matrix(c(0, 1, -1, 0, 0, 0), nrow = 1)),
  poisson_hc0 = list(call = "glm(same formula, family = poisson, control = glm.control(epsilon = 1e-12, maxit = 100)); sandwich::vcovHC(fit, type = 'HC0')",
                     coef = as.list(coef(pt)), se = as.list(sqrt(diag(vcovHC(pt, type = "HC0"))))),
  loglinear_hc2 = list(call = "estimatr::lm_robust(log1p(y) ~ arm + log1p(baseline) + stratum, se_type = 'HC2')",
                       coef = as.list(coef(lt)), se = as.list(lt$std.error))
), "three-arm-trial.json")

p <- c(0.01, 0.04, 0.03, 0.005, 0.20)
write_oracle(list(
  versions = versions, p = p,
  holm = p.adjust(p, "holm"), bonferroni = p.adjust(p, "bonferroni"),
  call = "p.adjust(p, method)"
), "p-adjust.json")
