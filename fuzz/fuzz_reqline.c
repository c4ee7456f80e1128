/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_reqline.c - requirement lines (the "requirements" file, members'
 * requirements in ZooKeeper) and binding lines (the "bind" file): any bytes
 * either parse to a requirement that formats and parses back to itself, or
 * are refused with -EINVAL or -ERANGE and leave the output as it was.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "qot.h"
#include "reqline.h"

static void check_req(const struct qot_req *r)
{
	char text[QOT_REQ_TEXT_MAX];
	struct qot_req again, t = qot_req_none;
	size_t n;

	/* "Every duration is at least 1ns, or none." */
	FUZZ_CHECK(r->acc_below != 0 && r->acc_above != 0 && r->resolution != 0);
	n = qot_req_format(r, text, sizeof(text));
	FUZZ_CHECK(n > 0 && strlen(text) == n);
	FUZZ_CHECK(qot_reqline_parse(text, n, &again) == 0);
	FUZZ_CHECK(memcmp(&again, r, sizeof(*r)) == 0);
	qot_req_tighten(&t, r);
	FUZZ_CHECK(memcmp(&t, r, sizeof(*r)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct qot_req req, poison_req;
	struct qot_bind_spec spec, poison_spec;
	int err;

	memset(&req, FUZZ_POISON, sizeof(req));
	poison_req = req;
	err = qot_reqline_parse(buf, size, &req);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err)
		FUZZ_CHECK(memcmp(&req, &poison_req, sizeof(req)) == 0);
	else
		check_req(&req);

	memset(&spec, FUZZ_POISON, sizeof(spec));
	poison_spec = spec;
	err = qot_bindline_parse(buf, size, &spec);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ERANGE);
	if (err) {
		FUZZ_CHECK(memcmp(&spec, &poison_spec, sizeof(spec)) == 0);
	} else {
		char text[QOT_REQ_TEXT_MAX + QOT_NAME_MAX + 8], req_text[QOT_REQ_TEXT_MAX];
		struct qot_bind_spec again;
		size_t nlen = strnlen(spec.name, sizeof(spec.name));

		FUZZ_CHECK(nlen < sizeof(spec.name) && qot_name_valid(spec.name, nlen));
		check_req(&spec.req);
		/* The name may come anywhere in the line. */
		qot_req_format(&spec.req, req_text, sizeof(req_text));
		snprintf(text, sizeof(text), "%s name=%s\n", req_text, spec.name);
		FUZZ_CHECK(qot_bindline_parse(text, strlen(text), &again) == 0);
		FUZZ_CHECK(strcmp(again.name, spec.name) == 0 &&
			   memcmp(&again.req, &spec.req, sizeof(spec.req)) == 0);
		/* A binding line without its name is a requirement line. */
		FUZZ_CHECK(qot_reqline_parse(req_text, strlen(req_text), &req) == 0);
	}
	return 0;
}
