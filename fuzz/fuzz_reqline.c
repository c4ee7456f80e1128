/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_reqline.c - requirement lines (the "requirements" file, members'
 * requirements in ZooKeeper) and binding lines (the "bind" file), against
 * the grammar of qot(7) read again in ref.h: the same bytes are accepted
 * with the same values, or refused with an errno one of their faults gives,
 * leaving the output as it was. An accepted requirement also formats to a
 * line that parses back to it.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "qot.h"
#include "ref.h"
#include "reqline.h"

static void check_format(const struct qot_req *r)
{
	char text[QOT_REQ_TEXT_MAX];
	struct qot_req again;
	size_t n = qot_req_format(r, text, sizeof(text));

	FUZZ_CHECK(n > 0 && strlen(text) == n);
	FUZZ_CHECK(qot_reqline_parse(text, n, &again) == 0);
	FUZZ_CHECK(memcmp(&again, r, sizeof(*r)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"accuracy", "resolution", "name"};
	const char *buf = (const char *)data;
	struct qot_req req, poison_req;
	struct qot_bind_spec spec, poison_spec;
	struct ref_val val[3];
	struct ref_req want;
	unsigned faults;
	int err;

	/* requirements: accuracy and resolution, at least one */
	faults = ref_words(buf, size, keys, 2, val) ? ref_req(val[0], val[1], &want) : REF_INVAL;
	memset(&req, FUZZ_POISON, sizeof(req));
	poison_req = req;
	err = qot_reqline_parse(buf, size, &req);
	if (faults) {
		FUZZ_CHECK(ref_allows(faults, err));
		FUZZ_CHECK(memcmp(&req, &poison_req, sizeof(req)) == 0);
	} else {
		FUZZ_CHECK(err == 0 && ref_same_req(&want, &req));
		check_format(&req);
	}

	/* bind: a valid name, and the same */
	if (!ref_words(buf, size, keys, 3, val)) {
		faults = REF_INVAL;
	} else {
		faults = ref_req(val[0], val[1], &want);
		if (!ref_name(val[2]))
			faults |= REF_INVAL;
	}
	memset(&spec, FUZZ_POISON, sizeof(spec));
	poison_spec = spec;
	err = qot_bindline_parse(buf, size, &spec);
	if (faults) {
		FUZZ_CHECK(ref_allows(faults, err));
		FUZZ_CHECK(memcmp(&spec, &poison_spec, sizeof(spec)) == 0);
	} else {
		FUZZ_CHECK(err == 0 && ref_same_req(&want, &spec.req));
		FUZZ_CHECK(strlen(spec.name) == val[2].n &&
			   memcmp(spec.name, val[2].p, val[2].n) == 0);
	}
	return 0;
}
