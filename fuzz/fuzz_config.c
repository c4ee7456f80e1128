/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_config.c - syncd.conf (config_parse, which config_load feeds the file
 * to): any text is either refused with -EINVAL and a message, or gives a
 * configuration whose printed form (syncd --check-config) reads back to the
 * same printed form, each rule found by its own name.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static struct syncd_config conf, again;
static char printed[1 << 16], reprinted[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], err2[256];
	int res, n, n2;

	memset(err, FUZZ_POISON, sizeof(err));
	res = config_parse(&conf, (const char *)data, size, err, sizeof(err));
	FUZZ_CHECK(res == 0 || res == -EINVAL);
	if (res) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		/* A small message buffer truncates, never overruns. */
		res = config_parse(&conf, (const char *)data, size, err2, 8);
		FUZZ_CHECK(res == -EINVAL && strnlen(err2, 8) < 8);
		return 0;
	}
	FUZZ_CHECK(conf.nsources >= 1 && conf.nsources <= CONFIG_MAX_SOURCES);
	FUZZ_CHECK(conf.nrules >= 1 && conf.nrules <= CONFIG_MAX_RULES);
	for (size_t i = 0; i < conf.nrules; i++) {
		/* A peer timeline may have no source of its own. */
		FUZZ_CHECK((conf.rules[i].nsources >= 1 || conf.rules[i].peer) &&
			   conf.rules[i].nsources <= CONFIG_MAX_RULE_SOURCES);
		for (size_t j = 0; j < conf.rules[i].nsources; j++)
			FUZZ_CHECK(conf.rules[i].sources[j] < conf.nsources);
		FUZZ_CHECK(config_rule_for(&conf, conf.rules[i].pattern) == &conf.rules[i]);
	}
	FUZZ_CHECK(conf.stale_ns > conf.interval_ns && conf.interval_ns > 0);

	n = config_print(&conf, printed, sizeof(printed));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(printed));
	res = config_parse(&again, printed, (size_t)n, err, sizeof(err));
	if (res)
		fprintf(stderr, "printed configuration refused: %s\n%s", err, printed);
	FUZZ_CHECK(res == 0);
	n2 = config_print(&again, reprinted, sizeof(reprinted));
	FUZZ_CHECK(n2 == n && memcmp(printed, reprinted, (size_t)n) == 0);
	/* Too small a buffer is said so, not overrun. */
	FUZZ_CHECK(config_print(&conf, reprinted, (size_t)n) == -ENOSPC);
	return 0;
}
