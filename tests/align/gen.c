/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qot-align-gen - synthetic per-node logs for qot-align with known truth.
 *
 * Nodes share a true time t; node i reads its clock as t + theta[i] (node n0
 * is the fastest clock, the others lag it by between skew/2 and skew). Each
 * node has local events at a Poisson rate; an event is a send with
 * probability p, to a random other node, delivered after min latency plus an
 * exponential extra. Every event is stamped with libqot's HLC (qot_hlc_tick,
 * qot_hlc_merge) on the node's clock. Writes DIR/nI.jsonl and DIR/truth
 * ("node=nI theta=NS" lines).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qot.h"

struct flight {
	double at; /* true delivery time, s */
	int to;
	unsigned long long id;
	struct qot_hlc_ts ts;
};

static struct flight *heap;
static size_t nheap, capheap;

static void heap_push(struct flight f)
{
	size_t i;

	if (nheap == capheap) {
		capheap = capheap ? capheap * 2 : 1024;
		heap = realloc(heap, capheap * sizeof(*heap));
		if (heap == NULL)
			exit(1);
	}
	i = nheap++;
	while (i > 0 && heap[(i - 1) / 2].at > f.at) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = f;
}

static struct flight heap_pop(void)
{
	struct flight top = heap[0], last = heap[--nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && heap[c + 1].at < heap[c].at)
			c++;
		if (heap[c].at >= last.at)
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap > 0)
		heap[i] = last;
	return top;
}

static unsigned long long rng_state = 88172645463325252ull;

static double uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static double expo(double mean)
{
	return -mean * log(uniform());
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: qot-align-gen --dir DIR [--nodes N] [--lines L] [--skew NS]\n"
		"         [--rate EVENTS_PER_S] [--msg P] [--latency-min NS] [--latency-mean NS]\n"
		"         [--seed S] [--no-ids]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dir", required_argument, NULL, 'D'},
		{"nodes", required_argument, NULL, 'n'},
		{"lines", required_argument, NULL, 'l'},
		{"skew", required_argument, NULL, 's'},
		{"rate", required_argument, NULL, 'r'},
		{"msg", required_argument, NULL, 'm'},
		{"latency-min", required_argument, NULL, 'a'},
		{"latency-mean", required_argument, NULL, 'b'},
		{"seed", required_argument, NULL, 'S'},
		{"no-ids", no_argument, NULL, 'I'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	int nodes = 3, ids = 1, c;
	long long lines = 1000;
	double skew = 10e6, rate = 1000, pmsg = 0.2, lat_min = 100e3, lat_mean = 200e3;
	char path[4096];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			dir = optarg;
			break;
		case 'n':
			nodes = atoi(optarg);
			break;
		case 'l':
			lines = atoll(optarg);
			break;
		case 's':
			skew = atof(optarg);
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 'm':
			pmsg = atof(optarg);
			break;
		case 'a':
			lat_min = atof(optarg);
			break;
		case 'b':
			lat_mean = atof(optarg);
			break;
		case 'S':
			rng_state = strtoull(optarg, NULL, 10) * 2654435761ull + 1;
			break;
		case 'I':
			ids = 0;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (dir == NULL || nodes < 2 || nodes > 1000 || lines < 1 || rate <= 0 || pmsg < 0 ||
	    pmsg > 1 || skew < 0 || lat_min < 0 || lat_mean < 0) {
		usage(stderr);
		return 2;
	}

	FILE **out = calloc((size_t)nodes, sizeof(*out));
	struct qot_hlc_ts *hlc = calloc((size_t)nodes, sizeof(*hlc));
	long long *theta = calloc((size_t)nodes, sizeof(*theta));
	double *next = calloc((size_t)nodes, sizeof(*next));
	FILE *truth;
	const long long t0 = 1800000000000000000ll; /* ns since the epoch */
	unsigned long long msgid = 0;
	long long total = 0;

	snprintf(path, sizeof(path), "%s/truth", dir);
	truth = fopen(path, "w");
	if (truth == NULL) {
		fprintf(stderr, "qot-align-gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (int i = 0; i < nodes; i++) {
		snprintf(path, sizeof(path), "%s/n%d.jsonl", dir, i);
		out[i] = fopen(path, "w");
		if (out[i] == NULL) {
			fprintf(stderr, "qot-align-gen: %s: %s\n", path, strerror(errno));
			return 1;
		}
		theta[i] = i == 0 ? 0 : -(long long)llround(skew * (0.5 + 0.5 * uniform()));
		next[i] = expo(1.0 / rate);
		fprintf(truth, "node=n%d theta=%lld\n", i, theta[i]);
	}
	fclose(truth);

	while (total < lines * nodes) {
		int node = 0;
		double t;
		struct qot_hlc_ts ts;
		const char *kind;
		unsigned long long id = 0;

		for (int i = 1; i < nodes; i++) {
			if (next[i] < next[node])
				node = i;
		}
		if (nheap > 0 && heap[0].at <= next[node]) {
			struct flight f = heap_pop();
			node = f.to;
			t = f.at;
			long long pt = t0 + llround(t * 1e9) + theta[node];
			if (qot_hlc_merge(&hlc[node], &f.ts, pt, QOT_UNBOUNDED, &ts) != 0)
				return 1;
			kind = "recv";
			id = f.id;
		} else {
			t = next[node];
			next[node] += expo(1.0 / rate);
			long long pt = t0 + llround(t * 1e9) + theta[node];
			if (qot_hlc_tick(&hlc[node], pt, &ts) != 0)
				return 1;
			kind = "local";
			if (uniform() < pmsg) {
				int to = (int)(uniform() * (nodes - 1));
				if (to >= node)
					to++;
				id = ++msgid;
				kind = "send";
				heap_push((struct flight){t + (lat_min + expo(lat_mean)) / 1e9, to,
							  id, ts});
			}
		}
		char text[QOT_HLC_TEXT_MAX];
		long long pt = t0 + llround(t * 1e9) + theta[node];
		qot_hlc_format(&ts, text, sizeof(text));
		if (id && ids)
			fprintf(out[node],
				"{\"node\":\"n%d\",\"hlc\":\"%s\",\"pt\":%lld,\"%s\":\"m%llu\","
				"\"text\":\"event %lld\"}\n",
				node, text, pt, kind, id, total);
		else
			fprintf(out[node],
				"{\"node\":\"n%d\",\"hlc\":\"%s\",\"pt\":%lld,\"event\":\"%s\","
				"\"text\":\"event %lld\"}\n",
				node, text, pt, kind, total);
		total++;
	}
	for (int i = 0; i < nodes; i++) {
		if (fclose(out[i]) != 0)
			return 1;
	}
	free(out);
	free(hlc);
	free(theta);
	free(next);
	free(heap);
	return 0;
}
