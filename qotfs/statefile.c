/* SPDX-License-Identifier: Apache-2.0 */
/* statefile.c - format and parse qotfs state files (statefile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvline.h"
#include "params.h"
#include "statefile.h"

enum { T_OWNER, T_GROUP, T_CREATOR, T_CREATED, T_NKEYS };
static const char *const timeline_keys[T_NKEYS] = {"owner", "group", "creator", "created"};

size_t statefile_timeline_format(const struct statefile_timeline *t, char *buf, size_t size)
{
	size_t used = 0;
	int n;

	n = snprintf(buf, size, "timeline %s owner=%u group=%u creator=%s created=%lld\n", t->name,
		     (unsigned)t->owner, (unsigned)t->group, t->host_creator ? "host" : "other",
		     (long long)t->created);
	if (n < 0 || (size_t)n >= size)
		return 0;
	used = (size_t)n;
	if (t->has_standing) {
		char req[QOT_REQ_TEXT_MAX];
		if (qot_req_format(&t->standing, req, sizeof(req)) == 0)
			return 0;
		n = snprintf(buf + used, size - used, "requirement %s %s\n", t->name, req);
		if (n < 0 || (size_t)n >= size - used)
			return 0;
		used += (size_t)n;
	}
	if (t->has_params) {
		n = snprintf(buf + used, size - used, "params %s updated=%lld ", t->name,
			     (long long)t->updated);
		if (n < 0 || (size_t)n >= size - used)
			return 0;
		used += (size_t)n;
		n = (int)qot_params_format(&t->params, t->source, buf + used, size - used);
		if (n == 0)
			return 0;
		used += (size_t)n;
	}
	if (t->has_hlc) {
		char ts[QOT_HLC_TEXT_MAX];
		if (qot_hlc_format(&t->hlc, ts, sizeof(ts)) == 0)
			return 0;
		n = snprintf(buf + used, size - used, "hlc %s %s\n", t->name, ts);
		if (n < 0 || (size_t)n >= size - used)
			return 0;
		used += (size_t)n;
	}
	return used;
}

/* Split "WORD rest": the word and what follows its single space. */
static int take_word(const char **p, const char *end, struct qot_slice *word)
{
	const char *s = *p, *sp = memchr(s, ' ', (size_t)(end - s));

	if (sp == NULL)
		sp = end;
	if (sp == s)
		return -EINVAL;
	word->ptr = s;
	word->len = (size_t)(sp - s);
	*p = sp < end ? sp + 1 : end;
	return 0;
}

static int parse_id(struct qot_slice v, uint64_t max, unsigned *out)
{
	uint64_t x;

	if (qot_parse_u64(v, &x) != 0 || x > max)
		return -EINVAL;
	*out = (unsigned)x;
	return 0;
}

static int parse_timeline(const char *p, const char *end, struct statefile_timeline *t)
{
	struct qot_slice name, v[T_NKEYS];
	unsigned owner, group;

	if (take_word(&p, end, &name) != 0 || !qot_name_valid(name.ptr, name.len))
		return -EINVAL;
	if (qot_kv_parse(p, (size_t)(end - p), timeline_keys, T_NKEYS, v) != T_NKEYS)
		return -EINVAL;
	/* (uid_t)-1 is "no uid" to the kernel: never an owner. */
	if (parse_id(v[T_OWNER], UINT32_MAX - 1, &owner) ||
	    parse_id(v[T_GROUP], UINT32_MAX - 1, &group))
		return -EINVAL;
	if (!qot_slice_is(v[T_CREATOR], "host") && !qot_slice_is(v[T_CREATOR], "other"))
		return -EINVAL;
	*t = (struct statefile_timeline){0};
	if (qot_parse_i64(v[T_CREATED], &t->created) != 0)
		return -EINVAL;
	memcpy(t->name, name.ptr, name.len);
	t->owner = owner;
	t->group = group;
	t->host_creator = qot_slice_is(v[T_CREATOR], "host");
	return 0;
}

static int parse_params(const char *p, const char *end, struct statefile_timeline *t)
{
	static const char prefix[] = "updated=";
	struct qot_slice word;

	if (take_word(&p, end, &word) != 0 || word.len <= sizeof(prefix) - 1 ||
	    memcmp(word.ptr, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	word.ptr += sizeof(prefix) - 1;
	word.len -= sizeof(prefix) - 1;
	if (qot_parse_i64(word, &t->updated) != 0)
		return -EINVAL;
	if (qot_params_parse(p, (size_t)(end - p), &t->params, t->source) != 0)
		return -EINVAL;
	t->has_params = true;
	return 0;
}

/* One record of the current timeline t: "KIND NAME rest", NAME being t's. */
static int parse_record(struct qot_slice kind, const char *p, const char *end,
			struct statefile_timeline *t)
{
	struct qot_slice name;

	if (take_word(&p, end, &name) != 0 || name.len != strlen(t->name) ||
	    memcmp(name.ptr, t->name, name.len) != 0)
		return -EINVAL;
	if (qot_slice_is(kind, "requirement") && !t->has_standing) {
		if (qot_reqline_parse(p, (size_t)(end - p), &t->standing) != 0)
			return -EINVAL;
		t->has_standing = true;
		return 0;
	}
	if (qot_slice_is(kind, "params") && !t->has_params)
		return parse_params(p, end, t);
	if (qot_slice_is(kind, "hlc") && !t->has_hlc) {
		if (qot_hlc_parse(p, (size_t)(end - p), &t->hlc) != 0)
			return -EINVAL;
		t->has_hlc = true;
		return 0;
	}
	return -EINVAL; /* unknown, or given twice */
}

static int by_name(const void *a, const void *b)
{
	const struct statefile_timeline *x = *(const struct statefile_timeline *const *)a;
	const struct statefile_timeline *y = *(const struct statefile_timeline *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* A name given twice: the line of its second "timeline" record, else 0. */
static int find_duplicate(const struct statefile_image *img, size_t *line)
{
	const struct statefile_timeline **sorted;

	*line = 0;
	if (img->n < 2)
		return 0;
	sorted = malloc(img->n * sizeof(*sorted));
	if (sorted == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < img->n; i++)
		sorted[i] = &img->tl[i];
	qsort(sorted, img->n, sizeof(*sorted), by_name);
	for (size_t i = 1; i < img->n && *line == 0; i++)
		if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
			*line = sorted[i]->line;
	free(sorted);
	return 0;
}

static int add_timeline(struct statefile_image *img, const struct statefile_timeline *t)
{
	if (img->n == img->cap) {
		size_t cap = img->cap ? img->cap * 2 : 16;
		struct statefile_timeline *grown = realloc(img->tl, cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		img->tl = grown;
		img->cap = cap;
	}
	img->tl[img->n++] = *t;
	return 0;
}

void statefile_image_free(struct statefile_image *img)
{
	free(img->tl);
	*img = (struct statefile_image){0};
}

/* One line (without its newline) into img; *ended once "end" was seen. */
static int parse_line(const char *p, const char *end, size_t line, struct statefile_image *img,
		      bool *ended)
{
	struct statefile_timeline t;
	struct qot_slice kind;
	int err;

	if (p == end || *p == '#')
		return 0;
	if (*ended || take_word(&p, end, &kind) != 0)
		return -EINVAL;
	if (qot_slice_is(kind, "timeline")) {
		err = parse_timeline(p, end, &t);
		t.line = line;
		return err ? err : add_timeline(img, &t);
	}
	if (qot_slice_is(kind, "end")) {
		struct qot_slice how = {p, (size_t)(end - p)};
		if (!qot_slice_is(how, "running") && !qot_slice_is(how, "stopped"))
			return -EINVAL;
		img->stopped = qot_slice_is(how, "stopped");
		*ended = true;
		return 0;
	}
	if (img->n == 0)
		return -EINVAL; /* a record before any timeline */
	return parse_record(kind, p, end, &img->tl[img->n - 1]);
}

int statefile_parse(const char *buf, size_t len, struct statefile_image *out, size_t *bad_line)
{
	static const char magic[] = STATEFILE_MAGIC "\n";
	struct statefile_image img = {0};
	const char *p = buf, *end = buf + len;
	bool ended = false;
	size_t line = 1;
	int err = 0;

	*bad_line = 1;
	*out = (struct statefile_image){0};
	if (len < sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1) != 0)
		return -EINVAL;
	p += sizeof(magic) - 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (nl == NULL) { /* cut short: a file is only ever renamed into place whole */
			err = -EINVAL;
			break;
		}
		err = parse_line(p, nl, line, &img, &ended);
		if (err)
			break;
		p = nl + 1;
	}
	if (err == 0 && !ended) {
		err = -EINVAL;
		line++;
	}
	if (err == 0) {
		size_t dup;
		err = find_duplicate(&img, &dup);
		if (err == 0 && dup != 0) {
			err = -EINVAL;
			line = dup;
		}
	}
	if (err) {
		*bad_line = line;
		statefile_image_free(&img);
		return err;
	}
	*out = img;
	return 0;
}
