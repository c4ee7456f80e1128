/* SPDX-License-Identifier: Apache-2.0 */
/* logread.c - read and check one qot-align log, line by line. */
#include <stdlib.h>
#include <string.h>

#include "jsonline.h"
#include "logread.h"

/* Room for need elements in *p; -1 (and *p as it was) if memory is short. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, ncap * elem);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* The node a file stands for when its lines do not say: its name without extension. */
static int default_node(const char *path, char *out)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strcspn(base, ".");
	if (len == 0 || len > NODE_NAME_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)base[i];
		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f)
			return -1;
	}
	memcpy(out, base, len);
	out[len] = '\0';
	return 0;
}

static int add_msg(struct msgs *m, const struct jl_str *id, uint32_t log, uint32_t line,
		   const struct jl_event *ev)
{
	if (grow((void **)&m->v, &m->cap, m->n + 1, sizeof(*m->v)) < 0)
		return -1;
	m->v[m->n++] = (struct msg){id->ptr, id->len, log, line, ev->pt, ev->hlc};
	return 0;
}

/* Parse one log whole; on the first bad line, say where and why. */
int log_read(struct log *lg, uint32_t index, struct msgs *sends, struct msgs *recvs, FILE *errf)
{
	const char *p = lg->data, *end = lg->data + lg->size;
	char err[256];
	uint32_t lineno = 0, node_line = 0;
	bool named = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct jl_event ev;
		struct event *e;

		lineno++;
		if (len > UINT32_MAX) {
			fprintf(errf, "%s:%u: line too long\n", lg->path, lineno);
			return -1;
		}
		if (jl_blank(p, len))
			goto next;
		if (jl_parse(p, len, &ev, err, sizeof(err)) < 0) {
			fprintf(errf, "%s:%u: %s\n", lg->path, lineno, err);
			return -1;
		}
		if (ev.node.ptr) {
			if (ev.node.len > NODE_NAME_MAX) {
				fprintf(errf, "%s:%u: \"node\": longer than %d bytes\n", lg->path,
					lineno, NODE_NAME_MAX);
				return -1;
			}
			if (!named) {
				memcpy(lg->node, ev.node.ptr, ev.node.len);
				lg->node[ev.node.len] = '\0';
				named = true;
				node_line = lineno;
			} else if (strlen(lg->node) != ev.node.len ||
				   memcmp(lg->node, ev.node.ptr, ev.node.len) != 0) {
				fprintf(errf,
					"%s:%u: \"node\" is \"%.*s\" but line %u says \"%s\": one "
					"file per node\n",
					lg->path, lineno, (int)ev.node.len, ev.node.ptr, node_line,
					lg->node);
				return -1;
			}
		}
		if (lg->nev > 0) {
			struct event *prev = &lg->ev[lg->nev - 1];
			struct qot_hlc_ts ph = {prev->l, prev->c};
			if (qot_hlc_compare(&ph, &ev.hlc) >= 0) {
				fprintf(errf,
					"%s:%u: \"hlc\" is not after line %u's: a node's HLC only "
					"grows\n",
					lg->path, lineno, prev->line);
				return -1;
			}
		}
		if (grow((void **)&lg->ev, &lg->cap, lg->nev + 1, sizeof(*lg->ev)) < 0)
			goto nomem;
		e = &lg->ev[lg->nev++];
		*e = (struct event){ev.hlc.l,
				    ev.pt,
				    ev.hlc.c,
				    (uint32_t)len,
				    (uint64_t)(p - lg->data),
				    lineno,
				    ev.node.ptr != NULL};
		if ((ev.send.ptr && add_msg(sends, &ev.send, index, lineno, &ev) < 0) ||
		    (ev.recv.ptr && add_msg(recvs, &ev.recv, index, lineno, &ev) < 0))
			goto nomem;
	next:
		p = nl ? nl + 1 : end;
	}
	if (!named && default_node(lg->path, lg->node) < 0) {
		fprintf(errf, "qot-align: %s: no \"node\" in its lines and no usable file name\n",
			lg->path);
		return -1;
	}
	return 0;
nomem:
	fprintf(errf, "qot-align: %s: out of memory\n", lg->path);
	return -1;
}
