# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# proc.sh - process helpers shared by the test and benchmark scripts.

# stop_pid PID [TENTHS]: TERM, then KILL after TENTHS tenths of a second
# (default 10); reap it if it is our child.
stop_pid() {
	local pid=$1 tenths=${2:-10} i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < tenths * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# wait_mount PID DIR [TENTHS]: wait until DIR is a mount point, at most
# TENTHS tenths of a second (default 50), while process PID (its daemon)
# lives. 0 once mounted; 1 with a message if PID exits or time runs out.
wait_mount() {
	local pid=$1 dir=$2 tenths=${3:-50} i
	for ((i = 0; i < tenths; i++)); do
		mountpoint -q "$dir" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$(basename "$0"): the daemon exited before mounting $dir" >&2
			return 1
		fi
		sleep 0.1
	done
	mountpoint -q "$dir" && return 0
	echo "$(basename "$0"): $dir is not mounted after $((tenths / 10)) s" >&2
	return 1
}
