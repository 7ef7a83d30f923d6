# Reference values for tests/meta/test_against_metafor.py, computed by R and metafor alone.
# Input (CSV, one row per study side): tbl, study, side, n, mean, sd, se, ci_lo, ci_hi, median,
#   q1, q3, min, max, t, p, ri_assumed.
# Output (CSV): tbl, what, measure, model, index, value -- long format, one number a row.
# Conversions use metafor::conv.fivenum (test = FALSE) where the installed metafor has it
# (>= 4.0); otherwise the published formulas written out below in R (Debian's metafor 3.8-1 has
# no conv.fivenum); the first output row says which.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
has_fivenum <- exists("conv.fivenum")

convert <- function(r) {
  n <- r$n
  if (!is.na(r$mean) && !is.na(r$sd)) return(c(r$mean, r$sd))
  if (!is.na(r$mean) && !is.na(r$se)) return(c(r$mean, r$se * sqrt(n)))
  if (!is.na(r$mean) && !is.na(r$ci_lo)) {
    return(c(r$mean, sqrt(n) * (r$ci_hi - r$ci_lo) / (2 * qt(0.975, n - 1))))
  }
  xi <- 2 * qnorm((n - 0.375) / (n + 0.25))
  eta <- 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))
  rng <- !is.na(r$min); iqr <- !is.na(r$q1)
  if (has_fivenum && !is.na(r$median)) {
    cf <- conv.fivenum(min = if (rng) r$min else NA, q1 = if (iqr) r$q1 else NA,
                       median = r$median, q3 = if (iqr) r$q3 else NA,
                       max = if (rng) r$max else NA, n = n, test = FALSE)
    return(c(cf$mean, cf$sd))
  }
  if (rng && iqr) {  # Luo 2018 mean, Shi 2020 SD
    w1 <- 2.2 / (2.2 + n^0.75); w2 <- 0.7 - 0.72 / n^0.55
    m <- w1 * (r$min + r$max) / 2 + w2 * (r$q1 + r$q3) / 2 + (1 - w1 - w2) * r$median
    w <- 1 / (1 + 0.07 * n^0.6)
    return(c(m, w * (r$max - r$min) / xi + (1 - w) * (r$q3 - r$q1) / eta))
  }
  if (rng) {
    s <- (r$max - r$min) / xi
    if (!is.na(r$mean)) return(c(r$mean, s))
    w <- 4 / (4 + n^0.75)
    return(c(w * (r$min + r$max) / 2 + (1 - w) * r$median, s))
  }
  w <- 0.7 + 0.39 / n
  c(w * (r$q1 + r$q3) / 2 + (1 - w) * r$median, (r$q3 - r$q1) / eta)
}

out <- data.frame(tbl = "-", what = "conversions", measure = "-", model = "-", index = 0,
                  value = if (has_fivenum) 1 else 0)
add <- function(tbl, what, measure, model, values) {
  if (length(values) == 0) return(invisible())
  out <<- rbind(out, data.frame(tbl = tbl, what = what, measure = measure, model = model,
                                index = seq_along(values) - 1, value = as.numeric(values)))
}

for (tb in unique(d$tbl)) {
  rows <- d[d$tbl == tb, ]
  studies <- unique(rows$study)
  m1 <- m2 <- s1 <- s2 <- ni <- ri <- numeric(0)
  for (st in studies) {
    pre <- convert(rows[rows$study == st & rows$side == "pre", ])
    post <- convert(rows[rows$study == st & rows$side == "post", ])
    r <- rows[rows$study == st & rows$side == "pre", ]
    n <- r$n; corr <- r$ri_assumed
    tval <- r$t
    if (is.na(tval) && !is.na(r$p)) tval <- sign(r$p) * qt(abs(r$p) / 2, df = n - 1, lower.tail = FALSE)
    if (!is.na(tval)) {
      implied <- (pre[2]^2 + post[2]^2 - (post[1] - pre[1])^2 * n / tval^2) / (2 * pre[2] * post[2])
      if (abs(implied) <= 1) corr <- implied
    }
    m1 <- c(m1, post[1]); m2 <- c(m2, pre[1]); s1 <- c(s1, pre[2]); s2 <- c(s2, post[2])
    ni <- c(ni, n); ri <- c(ri, corr)
  }
  add(tb, "pre_mean", "-", "-", m2); add(tb, "pre_sd", "-", "-", s1)
  add(tb, "post_mean", "-", "-", m1); add(tb, "post_sd", "-", "-", s2)
  add(tb, "ri", "-", "-", ri)
  for (measure in c("MC", "SMCC", "SMCR")) {
    es <- escalc(measure = measure, m1i = m1, m2i = m2, sd1i = s1, sd2i = s2, ni = ni, ri = ri)
    add(tb, "yi", measure, "-", es$yi); add(tb, "vi", measure, "-", es$vi)
    if (length(studies) < 2) next
    ctl <- list(threshold = 1e-12, maxiter = 10000, stepadj = 0.5)
    for (model in c("REML", "DL", "FE")) {
      for (test in c("z", "knha")) {
        fit <- rma(es$yi, es$vi, method = model, test = test, control = ctl)
        pr <- predict(fit)
        label <- paste(model, test)
        add(tb, "estimate", measure, label, fit$beta[1]); add(tb, "se", measure, label, fit$se)
        add(tb, "ci_lo", measure, label, fit$ci.lb); add(tb, "ci_hi", measure, label, fit$ci.ub)
        add(tb, "p", measure, label, fit$pval)
        add(tb, "tau2", measure, label, fit$tau2); add(tb, "i2", measure, label, fit$I2)
        add(tb, "q", measure, label, fit$QE); add(tb, "q_p", measure, label, fit$QEp)
        if (model != "FE") {
          add(tb, "pi_lo", measure, label, pr$pi.lb); add(tb, "pi_hi", measure, label, pr$pi.ub)
        }
      }
    }
  }
}
write.csv(out, args[2], row.names = FALSE)
