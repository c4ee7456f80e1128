/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync-sim.c - syncd's estimator and discipline against known truth (the
 * simulation engine of tests/sim), as figures: how often the published
 * interval holds the true time (overall and in holdover), how wide it is
 * against the actual error (tightness), and whether the estimate ever went
 * backward. Each variant runs over a few seeds; the conditions are printed
 * so the figures can be quoted. Nothing is asserted: this is a report.
 *
 * Usage: sync-sim [--seeds=N] [--kv=FILE] (bench/sync.sh runs it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvfile.h"
#include "stats.h"
#include "syncsim.h"

#define MAX_SEEDS 64

struct variant {
	const char *key, *label;
	enum syncsim_source source;
	double noise_ns; /* < 0: the default */
	bool no_loss;
};

static const struct variant variants[] = {
	{"ptp", "ptp, defaults", SYNCSIM_PTP, -1, false},
	{"ptp_noise1us", "ptp, noise 1 us", SYNCSIM_PTP, 1000, false},
	{"ptp_noloss", "ptp, no loss", SYNCSIM_PTP, -1, true},
	{"chrony", "chrony, defaults", SYNCSIM_CHRONY, -1, false},
	{"chrony_noloss", "chrony, no loss", SYNCSIM_CHRONY, -1, true},
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void config_for(const struct variant *v, unsigned seed, struct syncsim_config *c)
{
	syncsim_defaults(c, v->source);
	if (v->noise_ns >= 0)
		c->noise_ns = v->noise_ns;
	if (v->no_loss)
		c->loss_every_ns = c->loss_for_ns = 0;
	c->seed = seed;
}

/* What every variant shares, then what each source kind adds. */
static void conditions(void)
{
	struct syncsim_config p, c;

	syncsim_defaults(&p, SYNCSIM_PTP);
	syncsim_defaults(&c, SYNCSIM_CHRONY);
	printf("  # conditions (syncsim_defaults): %.0f s simulated, an update every %.0f s, %u "
	       "checks per update at random instants;\n"
	       "  #   truth starts %.0f us off at %.0f ppm, frequency wander %.0e/sqrt(s); "
	       "source silent %.0f s of every %.0f s\n",
	       p.duration_ns * 1e-9, p.update_every_ns * 1e-9, p.checks_per_update,
	       p.offset0_ns / 1e3, p.freq0 * 1e6, p.wander, p.loss_for_ns * 1e-9,
	       p.loss_every_ns * 1e-9);
	printf("  #   ptp: a sample every %.0f ms through the estimator, noise %.0f ns (1 sigma), "
	       "outliers %.1f%% of samples of +-%.0f us\n",
	       p.sample_every_ns * 1e-6, p.noise_ns, p.outlier_prob * 100, p.outlier_ns / 1e3);
	printf("  #   chrony: a reading every %.0f s, its error uniform within the stated bound "
	       "+-%.0f us; steps of +-%.0f us at %.0f%% of updates\n",
	       c.sample_every_ns * 1e-9, c.chrony_bound_ns / 1e3, c.step_ns / 1e3,
	       c.step_prob * 100);
	printf("  #   variants: ptp_noise1us: noise 1000 ns; *_noloss: the source is never "
	       "silent\n");
}

static int run_variant(const struct variant *v, unsigned seeds)
{
	double width[MAX_SEEDS], error[MAX_SEEDS], ratio[MAX_SEEDS], t0 = mono_s();
	uint64_t checks = 0, covered = 0, hchecks = 0, hcovered = 0, backward = 0;
	char hold[32];

	for (unsigned s = 0; s < seeds; s++) {
		struct syncsim_config c;
		struct syncsim_result r;

		config_for(v, s + 1, &c);
		if (syncsim_run(&c, &r) < 0) {
			fprintf(stderr, "sync-sim: %s: out of memory\n", v->key);
			return -1;
		}
		checks += r.checks;
		covered += r.covered;
		hchecks += r.checks_holdover;
		hcovered += r.covered_holdover;
		backward += r.backward;
		width[s] = r.median_width_ns;
		error[s] = r.median_error_ns;
		ratio[s] = r.median_ratio;
	}
	if (hchecks)
		snprintf(hold, sizeof(hold), "%8.4f%%", 100.0 * (double)hcovered / (double)hchecks);
	else
		snprintf(hold, sizeof(hold), "%9s", "-");
	kvfile_put("sim_%s_coverage_pct=%.4f", v->key, 100.0 * (double)covered / (double)checks);
	kvfile_put("sim_%s_holdover_coverage_pct=%.4f", v->key,
		   hchecks ? 100.0 * (double)hcovered / (double)hchecks : 100.0);
	kvfile_put("sim_%s_median_width_ns=%.0f", v->key, bench_median(width, seeds));
	kvfile_put("sim_%s_median_error_ns=%.0f", v->key, bench_median(error, seeds));
	kvfile_put("sim_%s_median_ratio=%.2f", v->key, bench_median(ratio, seeds));
	kvfile_put("sim_%s_backward=%llu", v->key, (unsigned long long)backward);
	printf("  %-14s %7llu %9.4f%% %6llu %7llu %s %6llu %9.0f %8.0f %7.1f %4llu (%.1fs)\n",
	       v->key, (unsigned long long)checks, 100.0 * (double)covered / (double)checks,
	       (unsigned long long)(checks - covered), (unsigned long long)hchecks, hold,
	       (unsigned long long)(hchecks - hcovered), bench_median(width, seeds),
	       bench_median(error, seeds), bench_median(ratio, seeds), (unsigned long long)backward,
	       mono_s() - t0);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"seeds", required_argument, NULL, 's'},
		{"kv", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned seeds = 4;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 's') {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > MAX_SEEDS) {
				fprintf(stderr, "sync-sim: --seeds: 1 to %d\n", MAX_SEEDS);
				return 2;
			}
			seeds = (unsigned)v;
		} else if (c == 'k') {
			int err = kvfile_open(optarg, "SYNCBENCH_");
			if (err < 0) {
				fprintf(stderr, "sync-sim: %s: %s\n", optarg, strerror(-err));
				return 1;
			}
		} else {
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: %s [--seeds=N (default 4)] [--kv=FILE]\n", argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "Usage: %s [--seeds=N]\n", argv[0]);
		return 2;
	}

	printf("  # each variant: seeds 1..%u; checks and coverage summed over them; width "
	       "(below+above), |error| and\n  #   width/|error| (tightness: lower is tighter) are "
	       "medians over the seeds of each run's median\n",
	       seeds);
	conditions();
	printf("  %-14s %7s %10s %6s %7s %9s %6s %9s %8s %7s %4s\n", "variant", "checks", "covered",
	       "missed", "holdovr", "hcovered", "missed", "width ns", "|err| ns", "w/|err|",
	       "back");
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		if (run_variant(&variants[i], seeds) < 0)
			return 1;
	kvfile_close();
	return 0;
}
