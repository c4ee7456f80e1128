/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control_req.h - the requirement the controller works to, from what qotfs
 * says of a timeline (qot(7)): its `cluster` line while a coordinator runs
 * for the node, and its own `requirements` line. Pure.
 *
 * While the cluster line's state is current or stale, the requirement is
 * the tightest of the cluster-wide one and the local one (the local one
 * reaches the cluster only after coordd wrote it to ZooKeeper and read it
 * back, and a stale cluster's is the last it knew); with state none (no
 * coordinator) it is the local one alone. Words of the cluster line other
 * than state=, accuracy= and resolution= are ignored, so fields added later
 * do not break it.
 */
#ifndef SYNCD_CONTROL_REQ_H
#define SYNCD_CONTROL_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "reqline.h"

/*
 * cluster (may be NULL: no such file) and requirements, as read. 0 with
 * *out and *coordinated (the cluster's requirement counted); -EINVAL when
 * a text cannot be read (*out untouched: keep the last requirement).
 */
int control_req_choose(const char *cluster, size_t clen, const char *requirements, size_t rlen,
		       struct qot_req *out, bool *coordinated);

#endif /* SYNCD_CONTROL_REQ_H */
