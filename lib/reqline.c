/* SPDX-License-Identifier: Apache-2.0 */
/* reqline.c - parse and format requirement and binding lines. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "kvline.h"
#include "qot.h"
#include "reason.h"
#include "reqline.h"

const struct qot_req qot_req_none = {QOT_UNBOUNDED, QOT_UNBOUNDED, QOT_UNBOUNDED};

enum { KEY_ACCURACY, KEY_RESOLUTION, KEY_NAME, NKEYS };
static const char *const keys[NKEYS] = {"accuracy", "resolution", "name"};

/* A requirement duration: a duration that is not zero. */
static int parse_req_dur(const char *key, const char *s, size_t len, uint64_t *out)
{
	char q[64];
	int err = qot_dur_parse(s, len, out);

	qot_reason_quote(s, len, q, sizeof(q));
	if (err == -ERANGE)
		return qot_refuse(err, "%s: %s is too long (at most 18446744073.709551614s)", key,
				  q);
	if (err)
		return qot_refuse(err,
				  "%s: '%s' is not a duration (a number and ns, us, ms, s or min, "
				  "as in 10us or 1.5ms; or none)",
				  key, q);
	return *out == 0 ? qot_refuse(-EINVAL, "%s: 0 is no demand: write none", key) : 0;
}

static int parse_accuracy(struct qot_slice v, struct qot_req *req)
{
	const char *slash = memchr(v.ptr, '/', v.len);
	int err;

	if (slash == NULL) {
		err = parse_req_dur("accuracy", v.ptr, v.len, &req->acc_below);
		req->acc_above = req->acc_below;
		return err;
	}
	err = parse_req_dur("accuracy (below)", v.ptr, (size_t)(slash - v.ptr), &req->acc_below);
	if (err)
		return err;
	return parse_req_dur("accuracy (above)", slash + 1, v.len - (size_t)(slash - v.ptr) - 1,
			     &req->acc_above);
}

/* Shared by both line kinds; nkeys limits which keys are allowed. */
static int parse_req_keys(const char *buf, size_t len, size_t nkeys, struct qot_slice *vals,
			  struct qot_req *req)
{
	int n = qot_kv_parse(buf, len, keys, nkeys, vals);
	int err;

	if (n < 0)
		return n;
	if (n == 0)
		return qot_refuse(-EINVAL, "an empty line: expected KEY=VALUE words");
	*req = qot_req_none;
	if (vals[KEY_ACCURACY].ptr) {
		err = parse_accuracy(vals[KEY_ACCURACY], req);
		if (err)
			return err;
	}
	if (vals[KEY_RESOLUTION].ptr) {
		err = parse_req_dur("resolution", vals[KEY_RESOLUTION].ptr,
				    vals[KEY_RESOLUTION].len, &req->resolution);
		if (err)
			return err;
	}
	return 0;
}

int qot_reqline_parse(const char *buf, size_t len, struct qot_req *out)
{
	struct qot_slice vals[NKEYS];
	struct qot_req req;
	int err = parse_req_keys(buf, len, KEY_NAME, vals, &req);

	if (err)
		return err;
	*out = req;
	return 0;
}

int qot_bindline_parse(const char *buf, size_t len, struct qot_bind_spec *out)
{
	struct qot_slice vals[NKEYS];
	struct qot_req req;
	int err = parse_req_keys(buf, len, NKEYS, vals, &req);

	if (err)
		return err;
	if (!vals[KEY_NAME].ptr)
		return qot_refuse(-EINVAL,
				  "name= is missing: a binding says who it is (name=myapp)");
	if (!qot_name_valid(vals[KEY_NAME].ptr, vals[KEY_NAME].len))
		return qot_name_refuse(vals[KEY_NAME].ptr, vals[KEY_NAME].len);
	memcpy(out->name, vals[KEY_NAME].ptr, vals[KEY_NAME].len);
	out->name[vals[KEY_NAME].len] = '\0';
	out->req = req;
	return 0;
}

size_t qot_req_format(const struct qot_req *req, char *buf, size_t size)
{
	char below[QOT_DUR_TEXT_MAX], above[QOT_DUR_TEXT_MAX], res[QOT_DUR_TEXT_MAX];
	int n;

	qot_dur_format(req->acc_below, below, sizeof(below));
	qot_dur_format(req->acc_above, above, sizeof(above));
	qot_dur_format(req->resolution, res, sizeof(res));
	if (req->acc_below == req->acc_above)
		n = snprintf(buf, size, "accuracy=%s resolution=%s", below, res);
	else
		n = snprintf(buf, size, "accuracy=%s/%s resolution=%s", below, above, res);
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}

bool qot_req_equal(const struct qot_req *a, const struct qot_req *b)
{
	return a->acc_below == b->acc_below && a->acc_above == b->acc_above &&
	       a->resolution == b->resolution;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void qot_req_tighten(struct qot_req *acc, const struct qot_req *req)
{
	acc->acc_below = min_u64(acc->acc_below, req->acc_below);
	acc->acc_above = min_u64(acc->acc_above, req->acc_above);
	acc->resolution = min_u64(acc->resolution, req->resolution);
}
