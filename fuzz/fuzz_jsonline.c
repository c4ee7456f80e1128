/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_jsonline.c - qot-align's log lines: the input is split into lines as
 * qot-align splits a log, and each line that is not blank goes through the
 * strict JSON scanner (jl_parse). An accepted line has its "hlc" and "pt",
 * and the strings found lie inside it (qot-align keeps pointers to them and
 * prints the line from its '{' on); a refused one gets a message.
 */
#include <string.h>

#include "fuzz.h"
#include "jsonline.h"

static void check_str(const struct jl_str *s, const char *line, size_t len)
{
	if (s->ptr == NULL)
		return;
	FUZZ_CHECK(s->len > 0 && s->ptr > line && s->ptr + s->len < line + len);
	FUZZ_CHECK(s->ptr[-1] == '"' && s->ptr[s->len] == '"');
}

static void check_line(const char *line, size_t len)
{
	struct jl_event ev;
	char err[256], small[8];

	if (jl_blank(line, len))
		return;
	memset(err, FUZZ_POISON, sizeof(err));
	if (jl_parse(line, len, &ev, err, sizeof(err)) < 0) {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(strncmp(err, "column ", 7) == 0);
		FUZZ_CHECK(jl_parse(line, len, &ev, small, sizeof(small)) < 0);
		FUZZ_CHECK(strnlen(small, sizeof(small)) < sizeof(small));
		return;
	}
	FUZZ_CHECK(ev.hlc.l >= 0 && ev.hlc.c <= QOT_HLC_COUNTER_MAX);
	/* Strict JSON: no control character but tab and CR, which only separate. */
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)line[i] >= 0x20 || line[i] == '\t' || line[i] == '\r');
	FUZZ_CHECK(memchr(line, '{', len) != NULL);
	check_str(&ev.node, line, len);
	check_str(&ev.send, line, len);
	check_str(&ev.recv, line, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* Each line in a buffer of its own length: ASan sees reads past it. */
		char *line = malloc(len ? len : 1);

		FUZZ_CHECK(line != NULL);
		memcpy(line, p, len);
		check_line(line, len);
		free(line);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
