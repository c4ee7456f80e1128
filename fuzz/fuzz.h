/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h - what every libFuzzer target here shares: the entry point's
 * prototype (the build wants one for every global function) and a check that
 * fails loudly, so a broken invariant is a crash libFuzzer records, not only
 * a wrong value nobody sees.
 */
#ifndef QOT_FUZZ_H
#define QOT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A struct filled with a pattern, to see whether a failed parse wrote to it. */
#define FUZZ_POISON 0xa5

#endif /* QOT_FUZZ_H */
