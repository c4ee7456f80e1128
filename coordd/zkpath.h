/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zkpath.h - where coordd keeps things in ZooKeeper (below the ensemble's
 * chroot, if any):
 *
 *   /qot/timelines/TL                      container, one per timeline in use
 *   /qot/timelines/TL/nodes/NODE           ephemeral: NODE uses TL; data is
 *                                          its requirement line, then
 *                                          " peer=HOST:PORT" if it has a
 *                                          peer endpoint
 *   /qot/timelines/TL/election/NODE_SEQ    ephemeral sequential: NODE runs
 *                                          to lead TL; the smallest SEQ leads
 *
 * TL and NODE follow qotfs name rules, so they never contain '/'.
 */
#ifndef COORDD_ZKPATH_H
#define COORDD_ZKPATH_H

#include <stddef.h>
#include <stdint.h>

#include "members.h"
#include "names.h"
#include "reqline.h"

#define ZKPATH_BASE	 "/qot"
#define ZKPATH_TIMELINES "/qot/timelines"
/* Longest path coordd builds, NUL included. */
#define ZKPATH_MAX (sizeof(ZKPATH_TIMELINES) + 2 * QOT_NAME_MAX + 32)
/* Digits ZooKeeper appends to a sequential node's name. */
#define ZKPATH_SEQ_DIGITS 10

enum zkpath_kind { ZKPATH_TIMELINE, ZKPATH_NODES, ZKPATH_ELECTION };

/* The timeline's directory, its nodes or its election directory. */
void zkpath_dir(char out[ZKPATH_MAX], const char *tl, enum zkpath_kind kind);
/* /qot/timelines/TL/nodes/NODE */
void zkpath_member(char out[ZKPATH_MAX], const char *tl, const char *node);
/* /qot/timelines/TL/election/NODE_ : the prefix ZooKeeper numbers. */
void zkpath_candidate_prefix(char out[ZKPATH_MAX], const char *tl, const char *node);

/* /qot/timelines/TL/election/CHILD. 0, or -ENAMETOOLONG (no candidate of ours). */
int zkpath_candidate(char out[ZKPATH_MAX], const char *tl, const char *child);

/* The timeline a path of ours belongs to. 0 or -EINVAL. */
int zkpath_timeline_of(const char *path, char tl[QOT_NAME_MAX + 1]);
/* A child of an election directory, "NODE_SEQ". 0 or -EINVAL. */
int zkpath_candidate_parse(const char *child, char node[QOT_NAME_MAX + 1], uint64_t *seq);

/* Largest data of a member node, NUL included. */
#define ZKPATH_DATA_MAX (QOT_REQ_TEXT_MAX + QOT_PEER_ADDR_MAX + 8)

/*
 * The data of a member node: the words of its members line after node=
 * (qot(7)): its requirement, then peer=PEER unless PEER is "". Its length,
 * or -ENOSPC.
 */
int zkpath_member_data(const struct qot_req *req, const char *peer, char *out, size_t size);
/*
 * Read it back, as qotfs reads a members line: 0, or -EINVAL (a word that is
 * no requirement or peer endpoint, a bad value, more than one line). Data
 * with no peer= gives peer "" (a coordd without --peer-address, or an older
 * one); a rank= word is not the member's to say and is ignored.
 */
int zkpath_member_data_parse(const char *data, size_t len, struct qot_req *req,
			     char peer[QOT_PEER_ADDR_MAX]);

#endif /* COORDD_ZKPATH_H */
