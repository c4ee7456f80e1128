/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync-sim.c - syncd's sources, estimator and discipline against known truth
 * (the simulation engine of tests/sim), as figures, for the Kalman estimator
 * (the default) and the earlier windowed least squares on the same seeds:
 *
 * - coverage: how often the published interval held the true time, overall
 *   and in holdover;
 * - tightness against the oracle: the oracle half-width is the smallest
 *   symmetric half-width that would have covered 99.99% of that run's
 *   |errors| (known from the truth). The statistical part (bound minus the
 *   path allowance) is compared with the oracle of the error that is not
 *   path asymmetry (|estimate - truth - true asymmetry|); where the
 *   allowance is stated correctly, the whole bound with the oracle of the
 *   whole error. Synced and holdover (with the 10 s after each) apart;
 * - commit-wait: how long qot_commit_wait would wait for an instant just
 *   passed (qot_base_committing on the published parameters), median.
 *
 * Nothing is asserted: this is a report (tests/unit/test_syncsim.c asserts
 * coverage). Usage: sync-sim [--seeds=N] [--seed=S] [--variant=KEY] [--checks=K]
 * [--method=kalman|window] [--kv=FILE]: seeds S..S+N-1 (default 1..N),
 * every variant or only KEY, both estimators or one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvfile.h"
#include "stats.h"
#include "syncsim.h"

#define MAX_SEEDS 16

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 100.0;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* Medians over the seeds of each run's figures. */
struct summary {
	uint64_t checks, covered, hchecks, hcovered, backward;
	double stat, ostat, half, oracle, hstat, hostat, hhalf, horacle, wait;
};

static unsigned first_seed = 1;

static int run(size_t i, enum estimator_method method, unsigned seeds, unsigned checks,
	       struct summary *out)
{
	double v[9][MAX_SEEDS];

	memset(out, 0, sizeof(*out));
	for (unsigned s = 0; s < seeds; s++) {
		struct syncsim_config c;
		struct syncsim_result r;
		const char *key, *what;
		int honest, stated, err;

		syncsim_variant(i, &c, &key, &what, &honest, &stated);
		c.method = method;
		c.seed = first_seed + s;
		c.checks_per_update = checks;
		err = syncsim_run(&c, &r);
		if (err < 0) {
			fprintf(stderr, "sync-sim: %s: %s\n", key, strerror(-err));
			return -1;
		}
		out->checks += r.checks;
		out->covered += r.covered;
		out->hchecks += r.checks_holdover;
		out->hcovered += r.covered_holdover;
		out->backward += r.backward;
		v[0][s] = r.synced.median_stat_ns;
		v[1][s] = r.synced.oracle_stat_ns;
		v[2][s] = r.synced.median_half_ns;
		v[3][s] = r.synced.oracle_ns;
		v[4][s] = r.holdover.median_stat_ns;
		v[5][s] = r.holdover.oracle_stat_ns;
		v[6][s] = r.holdover.median_half_ns;
		v[7][s] = r.holdover.oracle_ns;
		v[8][s] = r.synced.median_wait_ns;
	}
	out->stat = bench_median(v[0], seeds);
	out->ostat = bench_median(v[1], seeds);
	out->half = bench_median(v[2], seeds);
	out->oracle = bench_median(v[3], seeds);
	out->hstat = bench_median(v[4], seeds);
	out->hostat = bench_median(v[5], seeds);
	out->hhalf = bench_median(v[6], seeds);
	out->horacle = bench_median(v[7], seeds);
	out->wait = bench_median(v[8], seeds);
	return 0;
}

static void report(const char *key, const char *mname, int stated, const struct summary *m,
		   double secs)
{
	char whole[32] = "     -";

	if (stated)
		snprintf(whole, sizeof(whole), "%6.2f", ratio(m->half, m->oracle));
	printf("  %-18s %-6s %8llu %9.4f%% %9.4f%% %4llu | %9.0f %9.0f %6.2f | %9.0f %9.0f %s | "
	       "%10.0f %10.0f %6.2f | %9.0f (%.1fs)\n",
	       key, mname, (unsigned long long)m->checks, pct(m->covered, m->checks),
	       pct(m->hcovered, m->hchecks), (unsigned long long)m->backward, m->stat, m->ostat,
	       ratio(m->stat, m->ostat), m->half, m->oracle, whole, m->hstat, m->hostat,
	       ratio(m->hstat, m->hostat), m->wait, secs);
	kvfile_put("sim_%s_%s_coverage_pct=%.4f", key, mname, pct(m->covered, m->checks));
	kvfile_put("sim_%s_%s_holdover_coverage_pct=%.4f", key, mname,
		   pct(m->hcovered, m->hchecks));
	kvfile_put("sim_%s_%s_median_stat_ns=%.0f", key, mname, m->stat);
	kvfile_put("sim_%s_%s_oracle_stat_ns=%.0f", key, mname, m->ostat);
	kvfile_put("sim_%s_%s_stat_ratio=%.2f", key, mname, ratio(m->stat, m->ostat));
	kvfile_put("sim_%s_%s_median_bound_ns=%.0f", key, mname, m->half);
	kvfile_put("sim_%s_%s_oracle_ns=%.0f", key, mname, m->oracle);
	if (stated)
		kvfile_put("sim_%s_%s_bound_ratio=%.2f", key, mname, ratio(m->half, m->oracle));
	kvfile_put("sim_%s_%s_holdover_stat_ratio=%.2f", key, mname, ratio(m->hstat, m->hostat));
	kvfile_put("sim_%s_%s_commit_wait_ns=%.0f", key, mname, m->wait);
	kvfile_put("sim_%s_%s_backward=%llu", key, mname, (unsigned long long)m->backward);
	fflush(stdout);
}

static void conditions(void)
{
	struct syncsim_config p, c;

	syncsim_defaults(&p, SYNCSIM_PTP);
	syncsim_defaults(&c, SYNCSIM_CHRONY);
	printf("  # conditions (tests/sim/syncsim.c): %.0f s simulated, an update every %.0f s; "
	       "source silent %.0f s of every %.0f s;\n",
	       p.duration_ns * 1e-9, p.update_every_ns * 1e-9, p.loss_for_ns * 1e-9,
	       p.loss_every_ns * 1e-9);
	printf("  #   ptp: a fake ptp4l (management socket) behind source_ptp.c, a sync every "
	       "%.0f ms; truth %.0f us off at %.0f ppm,\n"
	       "  #   frequency wander %.0f ppm sinusoid over %.0f s + random walk %.0e/sqrt(s); "
	       "path delay %.0f ns, asymmetry %.0f ns,\n"
	       "  #   queueing |t3| x %.0f ns each way; outliers %.1f%% of +-%.0f us\n",
	       p.sample_every_ns * 1e-6, p.offset0_ns / 1e3, p.freq0 * 1e6, p.wander_amp * 1e6,
	       p.wander_period_s, p.wander, p.delay_ns, p.asym0_ns, p.noise_ns,
	       p.outlier_prob * 100, p.outlier_ns / 1e3);
	printf("  #   chrony: a fake chronyd (command socket) behind source_chrony.c, an update "
	       "every %.0f s: root delay %.0f us (asymmetry %.0f us),\n"
	       "  #   dispersion %.0f us stated, its error uniform within it; host clock "
	       "wander %.1f ppm sinusoid\n",
	       c.sample_every_ns * 1e-9, c.delay_ns / 1e3, c.asym0_ns / 1e3, c.stated_ns / 1e3,
	       c.wander_amp * 1e6);
	for (size_t i = 0;; i++) {
		const char *key, *what;
		int honest, stated;
		if (syncsim_variant(i, &p, &key, &what, &honest, &stated) < 0)
			break;
		printf("  #   %-18s %s\n", key, what);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"seeds", required_argument, NULL, 's'},   {"checks", required_argument, NULL, 'c'},
		{"kv", required_argument, NULL, 'k'},	   {"seed", required_argument, NULL, 'S'},
		{"variant", required_argument, NULL, 'v'}, {"method", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},	   {NULL, 0, NULL, 0},
	};
	unsigned seeds = 1, checks = 140;
	const char *only = NULL;
	int c, methods = 3; /* bit 0: kalman, bit 1: window */

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		unsigned long v;
		if (c == 's' || c == 'c') {
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > (c == 's' ? MAX_SEEDS : 256)) {
				fprintf(stderr, "sync-sim: --%s: 1 to %d\n",
					c == 's' ? "seeds" : "checks", c == 's' ? MAX_SEEDS : 256);
				return 2;
			}
			if (c == 's')
				seeds = (unsigned)v;
			else
				checks = (unsigned)v;
		} else if (c == 'S') {
			v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 1000000) {
				fprintf(stderr, "sync-sim: --seed: 1 to 1000000\n");
				return 2;
			}
			first_seed = (unsigned)v;
		} else if (c == 'v') {
			only = optarg;
		} else if (c == 'm') {
			if (strcmp(optarg, "kalman") != 0 && strcmp(optarg, "window") != 0) {
				fprintf(stderr, "sync-sim: --method: kalman or window\n");
				return 2;
			}
			methods = strcmp(optarg, "kalman") == 0 ? 1 : 2;
		} else if (c == 'k') {
			int err = kvfile_open(optarg, "SYNCBENCH_");
			if (err < 0) {
				fprintf(stderr, "sync-sim: %s: %s\n", optarg, strerror(-err));
				return 1;
			}
		} else {
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: %s [--seeds=N (default 1)] [--checks=K per update (default "
				"140: a million per run)] [--seed=S (the first, default 1)] "
				"[--variant=KEY] [--method=kalman|window] [--kv=FILE]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr,
			"Usage: %s [--seeds=N] [--seed=S] [--variant=KEY] [--method=M] "
			"[--checks=K] [--kv=FILE]\n",
			argv[0]);
		return 2;
	}
	printf("  # each variant: seeds %u..%u, %u checks per update; kalman: the estimator now, "
	       "window: the earlier one, same seeds\n"
	       "  # stat: median statistical part (bound - path allowance); ostat: its oracle "
	       "(99.99%% of |error - true asymmetry|);\n"
	       "  # bound: median half-width; oracle: 99.99%% of |error|; whole: bound/oracle "
	       "where "
	       "the allowance is stated correctly;\n"
	       "  # hold: the same in holdover, the start and the 10 s after a holdover or step; "
	       "wait: median commit-wait for an\n  #   instant just passed (ns)\n",
	       first_seed, first_seed + seeds - 1, checks);
	conditions();
	printf("  %-18s %-6s %8s %10s %10s %4s | %9s %9s %6s | %9s %9s %6s | %10s %10s %6s | %9s\n",
	       "variant", "method", "checks", "covered", "hcovered", "back", "stat ns", "ostat ns",
	       "ratio", "bound ns", "oracle", "whole", "hold stat", "hold ostat", "ratio",
	       "wait ns");
	for (size_t i = 0;; i++) {
		struct syncsim_config cfg;
		const char *key, *what;
		int honest, stated;
		if (syncsim_variant(i, &cfg, &key, &what, &honest, &stated) < 0)
			break;
		if (only != NULL && strcmp(only, key) != 0)
			continue;
		for (int m = 0; m < 2; m++) {
			enum estimator_method method = m ? ESTIMATOR_WINDOW : ESTIMATOR_KALMAN;
			struct summary s;
			double t0 = mono_s();
			if (!(methods & (1 << m)))
				continue;
			if (run(i, method, seeds, checks, &s) < 0)
				return 1;
			report(key, m ? "window" : "kalman", stated, &s, mono_s() - t0);
		}
	}
	kvfile_close();
	return 0;
}
