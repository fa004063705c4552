# Reference values from the R package rpact for hypokit's group-sequential designs
# (hypokit/stats/_group_sequential.py), used by tests/test_group_sequential.py.
#
# Rerun from the repository root (needs R and rpact; not part of CI):
#
#     Rscript scripts/rpact_reference.R
#
# Output: tests/data/rpact_reference.csv (overwritten). Deterministic.
#
# Generated with: R version 4.2.2 Patched (2022-11-10 r83330), rpact 3.3.4
#
# Designs: Lan-DeMets alpha spending, O'Brien-Fleming type ("asOF") and Pocock type
# ("asP"); one-sided (sided = 1) and two-sided symmetric (sided = 2); alpha 0.05 and
# 0.025; kMax = 2..5 looks, equally spaced and at the unequal informationRates below.
#
# CSV columns (one row per reference value, long format)
#   type_of_design     asOF or asP
#   sided              1 or 2
#   alpha              the design's (total) alpha
#   k_max              number of looks
#   information_rates  the information fractions, ";"-separated
#   quantity           critical_value, alpha_spent (both per stage) or inflation_factor
#   stage              1..k_max for per-stage values; empty for inflation_factor
#   power              1 - beta for inflation_factor; empty otherwise
#   value              the value rpact returns, sprintf("%.10g")
#   r_call             the exact R expression that returns `value`

suppressPackageStartupMessages(library(rpact))

out_file <- file.path("tests", "data", "rpact_reference.csv")

lit <- function(x) format(x, digits = 10)
rates_call <- function(rates) paste0("c(", paste(vapply(rates, lit, ""), collapse = ", "), ")")

unequal <- list(
  "2" = c(0.3, 1),
  "3" = c(0.2, 0.5, 1),
  "4" = c(0.15, 0.4, 0.7, 1),
  "5" = c(0.1, 0.25, 0.5, 0.8, 1)
)

rows <- list()
add <- function(design_args, rates, quantity, stage, power, value, r_call) {
  rows[[length(rows) + 1]] <<- data.frame(
    type_of_design = design_args$typeOfDesign,
    sided = design_args$sided,
    alpha = lit(design_args$alpha),
    k_max = design_args$kMax,
    information_rates = paste(vapply(rates, lit, ""), collapse = ";"),
    quantity = quantity,
    stage = if (is.na(stage)) "" else as.character(stage),
    power = if (is.na(power)) "" else lit(power),
    value = sprintf("%.10g", value),
    r_call = r_call,
    stringsAsFactors = FALSE
  )
}

for (type in c("asOF", "asP")) {
  for (sided in c(1, 2)) {
    for (alpha in c(0.05, 0.025)) {
      for (k in 2:5) {
        for (spacing in c("equal", "unequal")) {
          rates <- if (spacing == "equal") seq_len(k) / k else unequal[[as.character(k)]]
          args <- list(kMax = k, alpha = alpha, sided = sided, typeOfDesign = type)
          design_text <- sprintf(
            'getDesignGroupSequential(kMax = %d, alpha = %s, sided = %d, typeOfDesign = "%s"%s)',
            k, lit(alpha), sided, type,
            if (spacing == "equal") "" else paste0(", informationRates = ", rates_call(rates))
          )
          design <- eval(parse(text = design_text))
          stopifnot(isTRUE(all.equal(design$informationRates, rates)))
          for (i in seq_len(k)) {
            add(args, rates, "critical_value", i, NA, design$criticalValues[i],
                sprintf("%s$criticalValues[%d]", design_text, i))
            add(args, rates, "alpha_spent", i, NA, design$alphaSpent[i],
                sprintf("%s$alphaSpent[%d]", design_text, i))
          }
          for (power in c(0.8, 0.9)) {
            beta_text <- sub(")$", sprintf(", beta = %s)", lit(1 - power)), design_text)
            char_text <- sprintf("getDesignCharacteristics(%s)$inflationFactor", beta_text)
            add(args, rates, "inflation_factor", NA, power, eval(parse(text = char_text)),
                char_text)
          }
        }
      }
    }
  }
}

out <- do.call(rbind, rows)
write.csv(out, out_file, row.names = FALSE)
cat(sprintf("wrote %d rows to %s\n", nrow(out), out_file))
