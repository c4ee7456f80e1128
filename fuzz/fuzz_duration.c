/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_duration.c - durations ("250us", "3s", "none"): qot_dur_parse on any
 * bytes, and the promise of duration.h that what is formatted parses back to
 * the same value.
 */
#include <errno.h>
#include <string.h>

#include "duration.h"
#include "fuzz.h"
#include "qot.h"

/* Format v into a buffer of exactly its size (ASan sees any overrun), parse it back. */
static void round_trip(uint64_t v)
{
	char text[QOT_DUR_TEXT_MAX];
	size_t n = qot_dur_format(v, text, sizeof(text));
	uint64_t again = 0;
	char *exact;

	FUZZ_CHECK(n > 0 && n < sizeof(text) && strlen(text) == n);
	FUZZ_CHECK(qot_dur_parse(text, n, &again) == 0 && again == v);
	exact = malloc(n + 1);
	FUZZ_CHECK(exact != NULL);
	FUZZ_CHECK(qot_dur_format(v, exact, n) == 0); /* one byte short: refused */
	FUZZ_CHECK(qot_dur_format(v, exact, n + 1) == n && memcmp(exact, text, n + 1) == 0);
	free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;
	int err = qot_dur_parse((const char *)data, size, &v);

	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err) {
		FUZZ_CHECK(v == 0x5a5a5a5a5a5a5a5aull); /* untouched on error */
	} else {
		round_trip(v);
	}
	/* Any value formats and parses back, whatever the text was. */
	if (size >= sizeof(v)) {
		memcpy(&v, data, sizeof(v));
		round_trip(v);
	}
	return 0;
}
