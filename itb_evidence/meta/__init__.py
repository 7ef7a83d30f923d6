"""Meta-analysis of pre→post outcomes: effect sizes as metafor defines them, pooled per outcome.

``conversions`` turns one side's reported summary into a mean and SD (saying how), ``effects``
computes metafor's MC / SMCC / SMCR with their sampling variances, ``studies`` builds the study
rows of each outcome from the curated tables, ``pooling`` pools them (PyMARE's estimators) and
``analysis`` runs the main model and its sensitivity analyses per outcome.
"""
