/* SPDX-License-Identifier: Apache-2.0 */
/* control_conf.c - parse and resolve syncd.conf's `control` lines. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confpairs.h"
#include "control_conf.h"
#include "duration.h"

enum key { K_MIN, K_MAX, K_MARGIN, K_NOISE, K_MISSES, K_HOLD, K_COUNT };
static const char *const key_names[K_COUNT] = {"min", "max", "margin", "noise", "misses", "hold"};

void control_conf_init(struct control_conf *c)
{
	memset(c, 0, sizeof(*c));
}

static int parse_count(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_number(const char *s, double max, bool percent, double *out)
{
	char *end;
	double v;

	if ((s[0] < '0' || s[0] > '9') && s[0] != '.')
		return -EINVAL;
	v = strtod(s, &end);
	if (percent && *end == '%')
		end++;
	if (*end || !(v >= 0 && v <= max))
		return -EINVAL;
	*out = v;
	return 0;
}

static int set(void *ctx, int key, const char *v, char *err, size_t errlen)
{
	struct control_rule *r = ctx;
	enum key k = (enum key)key;
	struct control_config *cfg = &r->cfg;
	uint64_t ns;
	double x;

	switch (k) {
	case K_MIN:
	case K_MAX:
		if (qot_dur_parse(v, strlen(v), &ns) || ns == 0 || ns > INT64_MAX)
			return qot_conf_fail(err, errlen,
					     "control %s: '%s' is no interval (1ns and more)",
					     key_names[k], v);
		*(k == K_MIN ? &cfg->min_interval : &cfg->max_interval) = (int64_t)ns;
		return 0;
	case K_MARGIN:
		if (parse_number(v, 99.999, true, &x))
			return qot_conf_fail(err, errlen,
					     "control margin: '%s' is no percentage below 100", v);
		r->margin_pct = x; /* printed back as given */
		cfg->margin = x / 100;
		return 0;
	case K_NOISE:
		if (parse_number(v, 1000, false, &cfg->noise_k))
			return qot_conf_fail(err, errlen,
					     "control noise: '%s' is no number within 0..1000", v);
		return 0;
	case K_MISSES:
		if (parse_count(v, 1000, &cfg->misses))
			return qot_conf_fail(err, errlen,
					     "control misses: '%s' is no count within 0..1000", v);
		return 0;
	case K_HOLD:
		if (parse_count(v, 1000, &cfg->hold) || cfg->hold == 0)
			return qot_conf_fail(err, errlen,
					     "control hold: '%s' is no count within 1..1000", v);
		return 0;
	case K_COUNT:
		break;
	}
	return -EINVAL;
}

int control_conf_line(struct control_conf *c, char *const *w, int n, char *err, size_t errlen)
{
	struct control_rule r;
	int res;

	memset(&r, 0, sizeof(r));
	control_config_defaults(&r.cfg);
	if (n < 2 || n % 2)
		return qot_conf_fail(err, errlen, "control: expected NAME|* on|off [KEY VALUE]...");
	if (strcmp(w[0], "*") != 0 && !qot_name_valid(w[0], strlen(w[0])))
		return qot_conf_fail(err, errlen, "control: '%s' is no timeline name", w[0]);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->rules[i].pattern, w[0]) == 0)
			return qot_conf_fail(err, errlen, "control %s: given twice", w[0]);
	if (c->n == CONTROL_CONF_MAX_RULES)
		return qot_conf_fail(err, errlen, "control: more than %d lines",
				     CONTROL_CONF_MAX_RULES);
	if (strcmp(w[1], "on") != 0 && strcmp(w[1], "off") != 0)
		return qot_conf_fail(err, errlen, "control %s: '%s' is neither on nor off", w[0],
				     w[1]);
	snprintf(r.pattern, sizeof(r.pattern), "%s", w[0]);
	r.on = strcmp(w[1], "on") == 0;
	res = qot_confpairs("control", w + 2, n - 2, key_names, K_COUNT, &r.given, set, &r, err,
			    errlen);
	if (res)
		return res;
	c->rules[c->n++] = r; /* the whole line, or nothing */
	return 0;
}

static const struct control_rule *find(const struct control_conf *c, const char *pattern)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->rules[i].pattern, pattern) == 0)
			return &c->rules[i];
	return NULL;
}

/* r's keys over the `*` line's over the defaults. */
static void resolve(const struct control_conf *c, const struct control_rule *r,
		    struct control_config *out)
{
	const struct control_rule *all = find(c, "*");

	*out = all ? all->cfg : r->cfg;
	if (r == all)
		return;
	if (r->given & 1u << K_MIN)
		out->min_interval = r->cfg.min_interval;
	if (r->given & 1u << K_MAX)
		out->max_interval = r->cfg.max_interval;
	if (r->given & 1u << K_MARGIN)
		out->margin = r->cfg.margin;
	if (r->given & 1u << K_NOISE)
		out->noise_k = r->cfg.noise_k;
	if (r->given & 1u << K_MISSES)
		out->misses = r->cfg.misses;
	if (r->given & 1u << K_HOLD)
		out->hold = r->cfg.hold;
}

int control_conf_check(const struct control_conf *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->n; i++) {
		struct control_config cfg;
		char why[128];

		resolve(c, &c->rules[i], &cfg);
		if (control_config_check(&cfg, why, sizeof(why)) < 0)
			return qot_conf_fail(err, errlen, "control %s: %s", c->rules[i].pattern,
					     why);
	}
	return 0;
}

bool control_conf_for(const struct control_conf *c, const char *timeline,
		      struct control_config *out)
{
	const struct control_rule *r = find(c, timeline);

	if (r == NULL)
		r = find(c, "*");
	if (r == NULL || !r->on)
		return false;
	resolve(c, r, out);
	return true;
}

__attribute__((format(printf, 4, 5))) static void add(char *buf, size_t size, size_t *len,
						      const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, fmt, ap);
	va_end(ap);
	*len += k > 0 ? (size_t)k : 0;
}

/* The shortest of %.15g and %.17g that reads back as v. */
static void num(char *out, size_t size, double v)
{
	snprintf(out, size, "%.15g", v);
	if (strtod(out, NULL) != v)
		snprintf(out, size, "%.17g", v);
}

int control_conf_print(const struct control_conf *c, char *buf, size_t size)
{
	size_t len = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct control_rule *r = &c->rules[i];
		char min[QOT_DUR_TEXT_MAX], max[QOT_DUR_TEXT_MAX], margin[32], noise[32];

		num(margin, sizeof(margin), r->margin_pct);
		num(noise, sizeof(noise), r->cfg.noise_k);
		qot_dur_format((uint64_t)r->cfg.min_interval, min, sizeof(min));
		qot_dur_format((uint64_t)r->cfg.max_interval, max, sizeof(max));
		add(buf, size, &len, "control %s %s", r->pattern, r->on ? "on" : "off");
		if (r->given & 1u << K_MIN)
			add(buf, size, &len, " min %s", min);
		if (r->given & 1u << K_MAX)
			add(buf, size, &len, " max %s", max);
		if (r->given & 1u << K_MARGIN)
			add(buf, size, &len, " margin %s%%", margin);
		if (r->given & 1u << K_NOISE)
			add(buf, size, &len, " noise %s", noise);
		if (r->given & 1u << K_MISSES)
			add(buf, size, &len, " misses %u", r->cfg.misses);
		if (r->given & 1u << K_HOLD)
			add(buf, size, &len, " hold %u", r->cfg.hold);
		add(buf, size, &len, "\n");
	}
	if (len >= size)
		return -ENOSPC;
	return (int)len;
}
