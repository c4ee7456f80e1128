# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# coordd_lib.sh - several qotfs "nodes" on one machine, each its own mount
# and coordd. Source after lib.sh and zk.sh; needs T (a scratch directory)
# and COORDD_BIN.

# shellcheck disable=SC2034 # used by the scripts that source this one
declare -A QOTFS_PIDS COORDD_PIDS
SESSION_MS=${SESSION_MS:-2000}

# node_qotfs NAME: mount NAME's qotfs on $T/NAME.
node_qotfs() {
	mkdir -p "$T/$1"
	start_bg "$T/$1.qotfs.log" "$QOTFS_BIN" -f "$T/$1"
	QOTFS_PIDS[$1]=$BG_PID
	on_exit "fusermount3 -u -z $T/$1 2>/dev/null"
	wait_mount "$BG_PID" "$T/$1" || fail "qotfs of $1 did not mount"
}

# node_coordd NAME HOSTS [OPTIONS...]: NAME's coordd, in the foreground.
node_coordd() {
	local name=$1 hosts=$2
	shift 2
	start_bg "$T/$name.coordd.log" "$COORDD_BIN" -f -z "$hosts" -n "$name" -m "$T/$name" \
		-t "$SESSION_MS" "$@"
	COORDD_PIDS[$name]=$BG_PID
}

# file NAME TL FILE: the path of a timeline's file on a node.
tlfile() {
	echo "$T/$1/$2/$3"
}

# is_member NAME TL MEMBER: MEMBER is listed in NAME's members of TL.
is_member() {
	grep -q "^node=$3 " "$(tlfile "$1" "$2" members)" 2>/dev/null
}
not_member() {
	! is_member "$@"
}

# cluster_is NAME TL KEY VALUE: a field of NAME's cluster file of TL.
cluster_is() {
	[ "$(field "$(tlfile "$1" "$2" cluster)" "$3")" = "$4" ]
}

# member_has NAME TL MEMBER TEXT: MEMBER's line in NAME's members holds TEXT.
member_has() {
	grep "^node=$3 " "$(tlfile "$1" "$2" members)" 2>/dev/null | grep -q -- "$4"
}

# coordination_is NAME STATE
coordination_is() {
	[ "$(field "$T/$1/.coordination" state)" = "$2" ]
}

# Leadership sampler: every ~10 ms, how many of the nodes claim to lead TL.
# An instant with two claims is written to $T/double_claims.
sampler_start() {
	local tl=$1
	shift
	(
		while :; do
			n=0
			for x in "$@"; do
				grep -q "leading=yes" "$(tlfile "$x" "$tl" cluster)" 2>/dev/null && n=$((n + 1))
			done
			echo "$n" >>"$T/claims"
			[ "$n" -le 1 ] || echo "$(date +%T.%N) $n" >>"$T/double_claims"
			sleep 0.01
		done
	) &
	SAMPLER_PID=$!
	QOT_BG_PIDS+=("$SAMPLER_PID")
}

# sampler_check: stop sampling; fail if two nodes ever claimed at once.
sampler_check() {
	stop_pid "$SAMPLER_PID"
	[ ! -s "$T/double_claims" ] || fail "two leaders at once: $(head -3 "$T/double_claims")"
	note "leadership sampled $(wc -l <"$T/claims") times: never two claims at once"
}

# election_order HOSTS TL: the candidates' nodes of TL's election in
# ZooKeeper, by sequence number, each once, comma-separated (zk_probe).
election_order() {
	"$ZK_PROBE_BIN" "$1" ls "/qot/timelines/$2/election" |
		awk -F_ '{ seq = $NF; sub(/_[0-9]+$/, ""); print seq, $0 }' | sort -n |
		awk '!seen[$2]++ { printf "%s%s", sep, $2; sep = "," }'
}

# ranked NAME TL: the members NAME's members file ranks, by rank.
ranked() {
	sed -n 's/^node=\([^ ]*\) .*rank=\([0-9]*\).*/\2 \1/p' "$(tlfile "$1" "$2" members)" 2>/dev/null |
		sort -n | awk '{ printf "%s%s", sep, $2; sep = "," }'
}

# order_matches NAME TL HOSTS: NAME's members rank every candidate as the
# election orders them (every candidate is a member here), the leader first.
order_matches() {
	local want
	want=$(election_order "$3" "$2")
	[ -n "$want" ] && [ "$(ranked "$1" "$2")" = "$want" ] &&
		[ "$(field "$(tlfile "$1" "$2" cluster)" leader)" = "${want%%,*}" ]
}
