# Reference values from base R (stats package) for hypokit's power /
# sample-size functions, used as cross-checks in the Python tests.
#
# Rerun from the repository root:
#
#     Rscript tests/data/make_r_power_reference.R
#
# Output: tests/data/r_power_reference.csv (overwritten). Only base R is
# needed; no CRAN packages. The script is deterministic.
#
# Generated with: R version 4.2.2 Patched (2022-11-10 r83330)
#
# CSV columns
#   function     power.t.test or power.prop.test
#   n, delta, sd, p1, p2, sig_level, power
#                argument values exactly as written in r_call; a cell is
#                empty when the argument does not appear in r_call (the
#                quantity being solved for, arguments of the other
#                function, or -- in the help-page examples only -- an
#                argument left at R's default: sd = 1, sig.level = 0.05)
#   alternative  "two.sided" or "one.sided" (always filled with the
#                effective value, even when r_call relies on the default)
#   solve_for    n, power, delta (t) or p2 (prop): the argument R solved for
#   result       the solved value, sprintf("%.10g")
#   r_call       the exact R call that produced `result`
#
# All calls use the defaults type = "two.sample" (t) and strict = FALSE.
# Note on precision: when solving for n, delta or p2, R calls uniroot()
# with its default tol = .Machine$double.eps^0.25 (about 1.2e-4, absolute,
# on the solved quantity), so those results are only accurate to roughly
# that absolute tolerance even though 10 significant digits are printed.
# Solved power values are closed-form and accurate to full precision.
# (Checked when generated: against uniroot with tol = 1e-12, the solved
# n / delta / p2 values here differ by at most 3e-5 absolute, 3.4e-4
# relative -- compare those with e.g. rel_tol = 1e-3 in Python.)
# Also note: power.prop.test(p1 = .50, p2 = .75, power = .90) gives
# n = 76.70693 (R's help page: "=> n = 76.7"); the closed form agrees.

out_file <- file.path("tests", "data", "r_power_reference.csv")

arg_cols <- c("n", "delta", "sd", "p1", "p2", "sig_level", "power")
# R argument name -> CSV column name
r_to_col <- c(n = "n", delta = "delta", sd = "sd", p1 = "p1", p2 = "p2",
              sig.level = "sig_level", power = "power")

# Format a numeric input as a short literal (also used inside r_call).
lit <- function(x) format(x, digits = 10)

rows <- list()

# Add one row. `args` is a named list of R arguments whose values are
# already literal strings (numbers) or plain strings (alternative), in the
# order they should appear in the call.
add_row <- function(fun, args, solve_for) {
  parts <- vapply(names(args), function(a) {
    v <- args[[a]]
    if (a == "alternative") sprintf('%s = "%s"', a, v) else sprintf("%s = %s", a, v)
  }, character(1))
  r_call <- sprintf("%s(%s)", fun, paste(parts, collapse = ", "))
  # Skip exact duplicates (e.g. p1 = 0.5: p1 * 1.1 == p1 + 0.05).
  if (r_call %in% vapply(rows, function(r) r$r_call, character(1))) return(invisible())
  res <- eval(parse(text = r_call))
  value <- res[[solve_for]]
  stopifnot(length(value) == 1, is.finite(value))

  row <- setNames(as.list(rep(NA_character_, length(arg_cols))), arg_cols)
  for (a in intersect(names(args), names(r_to_col))) row[[r_to_col[[a]]]] <- args[[a]]
  alt <- if (is.null(args$alternative)) "two.sided" else args$alternative
  rows[[length(rows) + 1]] <<- c(list(`function` = fun), row,
                                 list(alternative = alt, solve_for = solve_for,
                                      result = sprintf("%.10g", value),
                                      r_call = r_call))
}

## 1. Examples from R's help pages (?power.t.test, ?power.prop.test),
##    written exactly as published.
add_row("power.t.test", list(n = "20", delta = "1"), "power")
add_row("power.t.test", list(power = ".90", delta = "1"), "n")
add_row("power.t.test", list(power = ".90", delta = "1", alternative = "one.sided"), "n")
add_row("power.prop.test", list(n = "50", p1 = ".50", p2 = ".75"), "power")
add_row("power.prop.test", list(p1 = ".50", p2 = ".75", power = ".90"), "n")
add_row("power.prop.test", list(n = "50", p1 = ".5", power = ".90"), "p2")

## 2. t-test, solve for n. Full grid would be
##    delta {0.1,0.25,0.5,1,2} x sd {1,2.5} x power {0.8,0.9}
##    x sig.level {0.05,0.01} x alternative {two.sided,one.sided} = 80 rows;
##    keep a balanced half-fraction of the (power, sig.level, alternative)
##    combinations for every (delta, sd) pair -> 40 rows.
t_design <- list(
  list(power = 0.8, sig = 0.05, alt = "two.sided"),
  list(power = 0.8, sig = 0.01, alt = "one.sided"),
  list(power = 0.9, sig = 0.05, alt = "one.sided"),
  list(power = 0.9, sig = 0.01, alt = "two.sided")
)
for (delta in c(0.1, 0.25, 0.5, 1, 2)) for (sd in c(1, 2.5)) for (d in t_design) {
  add_row("power.t.test",
          list(delta = lit(delta), sd = lit(sd), sig.level = lit(d$sig),
               power = lit(d$power), alternative = d$alt), "n")
}

## 3. t-test, solve for power.
for (n in c(10, 50, 500)) for (delta in c(0.25, 0.5)) for (alt in c("two.sided", "one.sided")) {
  add_row("power.t.test",
          list(n = lit(n), delta = lit(delta), sd = "1", sig.level = "0.05",
               alternative = alt), "power")
}

## 4. t-test, solve for delta (minimum detectable effect).
for (n in c(20, 100)) for (power in c(0.8, 0.9)) {
  add_row("power.t.test",
          list(n = lit(n), sd = "1", sig.level = "0.05", power = lit(power),
               alternative = "two.sided"), "delta")
}

## 5. Two proportions, solve for n: p1 {0.02,0.1,0.3,0.5} with
##    p2 = p1 * 1.1 (10% relative lift) and p2 = p1 + 0.05, sig.level 0.05;
##    (power, alternative) in a half-fraction {(0.8, two.sided), (0.9, one.sided)}.
##    p2 is rounded to a short literal, so r_call and the CSV agree exactly.
for (p1 in c(0.02, 0.1, 0.3, 0.5)) {
  for (p2 in c(signif(p1 * 1.1, 10), signif(p1 + 0.05, 10))) {
    for (d in list(list(power = 0.8, alt = "two.sided"), list(power = 0.9, alt = "one.sided"))) {
      add_row("power.prop.test",
              list(p1 = lit(p1), p2 = lit(p2), sig.level = "0.05",
                   power = lit(d$power), alternative = d$alt), "n")
    }
  }
}

## 6. Two proportions, solve for power.
for (n in c(100, 1000)) for (p1 in c(0.1, 0.3)) for (alt in c("two.sided", "one.sided")) {
  add_row("power.prop.test",
          list(n = lit(n), p1 = lit(p1), p2 = lit(signif(p1 + 0.05, 10)),
               sig.level = "0.05", alternative = alt), "power")
}

## 7. Two proportions, solve for p2 (minimum detectable p2 > p1).
p2_cases <- list(
  list(n = 200,  p1 = 0.1,  power = 0.8, alt = "two.sided"),
  list(n = 1000, p1 = 0.3,  power = 0.9, alt = "two.sided"),
  list(n = 5000, p1 = 0.02, power = 0.8, alt = "two.sided"),
  list(n = 500,  p1 = 0.5,  power = 0.8, alt = "one.sided")
)
for (d in p2_cases) {
  add_row("power.prop.test",
          list(n = lit(d$n), p1 = lit(d$p1), sig.level = "0.05",
               power = lit(d$power), alternative = d$alt), "p2")
}

tab <- do.call(rbind, lapply(rows, function(r) as.data.frame(r, stringsAsFactors = FALSE,
                                                            check.names = FALSE)))
# Plain header line, then the data. Only r_call is quoted (it contains
# commas and double quotes; inner quotes are doubled per RFC 4180).
writeLines(paste(names(tab), collapse = ","), out_file)
write.table(tab, out_file, append = TRUE, sep = ",", row.names = FALSE,
            col.names = FALSE, na = "", qmethod = "double",
            quote = which(names(tab) == "r_call"), fileEncoding = "UTF-8")

cat(R.version.string, "\n", sep = "")
cat(sprintf("Wrote %d rows to %s\n", nrow(tab), out_file))
