/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_statefile.c - qotfs's state file (statefile_parse), read at start
 * from --state-dir. Refused: -EINVAL with a line number inside the text, and
 * an empty image. Accepted: every timeline has a valid name, no name twice,
 * and the records formatted again parse to the same image.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "statefile.h"

static size_t count_lines(const char *buf, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

static void check_again(const struct statefile_image *img)
{
	size_t cap = 64 + img->n * STATEFILE_TIMELINE_TEXT_MAX, used, line;
	char *text = malloc(cap);
	struct statefile_image again;

	FUZZ_CHECK(text != NULL);
	used = (size_t)snprintf(text, cap, "%s\n", STATEFILE_MAGIC);
	for (size_t i = 0; i < img->n; i++) {
		size_t n = statefile_timeline_format(&img->tl[i], text + used, cap - used);
		FUZZ_CHECK(n > 0);
		used += n;
	}
	used += (size_t)snprintf(text + used, cap - used, "end %s\n",
				 img->stopped ? "stopped" : "running");
	FUZZ_CHECK(statefile_parse(text, used, &again, &line) == 0);
	FUZZ_CHECK(again.n == img->n && again.stopped == img->stopped);
	for (size_t i = 0; i < img->n; i++) {
		struct statefile_timeline a = img->tl[i], b = again.tl[i];
		a.line = b.line = 0;
		/* Parts that were absent may hold anything the parser left there. */
		if (!a.has_standing)
			memset(&a.standing, 0, sizeof(a.standing)),
				memset(&b.standing, 0, sizeof(b.standing));
		FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	}
	statefile_image_free(&again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct statefile_image img;
	size_t line = 0;
	int err = statefile_parse((const char *)data, size, &img, &line);

	if (err) {
		FUZZ_CHECK(err == -EINVAL || err == -ENOMEM);
		FUZZ_CHECK(img.n == 0 && img.tl == NULL);
		FUZZ_CHECK(err == -ENOMEM ||
			   (line >= 1 && line <= count_lines((const char *)data, size) + 1));
		return 0;
	}
	for (size_t i = 0; i < img.n; i++) {
		const struct statefile_timeline *t = &img.tl[i];
		FUZZ_CHECK(qot_name_valid(t->name, strnlen(t->name, sizeof(t->name))));
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(img.tl[j].name, t->name) != 0);
	}
	if (img.n <= 64)
		check_again(&img);
	statefile_image_free(&img);
	return 0;
}
