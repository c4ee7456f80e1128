# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# chrony_lib.sh - a chronyd -x server and client on loopback for the
# integration tests (source it after lib.sh). Neither touches the host
# clock (-x); each has its own ports, paths and driftfile in the test's
# directory, and the server's Unix socket is off so it cannot clash with a
# system chronyd.

# chrony_confs DIR SERVER_OPTIONS...: write DIR/server.conf and
# DIR/client.conf, the client following the server with the options of its
# server line (iburst, minpoll, offset...); the client's Unix command
# socket is DIR/chronyd/cmd.sock. Sets NTP_PORT, SERVER_CMD, CLIENT_CMD.
chrony_confs() {
	local dir=$1
	shift
	NTP_PORT=$(free_port)
	SERVER_CMD=$(free_port)
	CLIENT_CMD=$(free_port)
	cat >"$dir/server.conf" <<CONF
port $NTP_PORT
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 1
cmdport $SERVER_CMD
bindcmdaddress 127.0.0.1
bindcmdaddress /
pidfile $dir/server.pid
driftfile $dir/server.drift
CONF
	mkdir -m 0750 "$dir/chronyd"
	cat >"$dir/client.conf" <<CONF
port 0
cmdport $CLIENT_CMD
bindcmdaddress 127.0.0.1
bindcmdaddress $dir/chronyd/cmd.sock
server 127.0.0.1 port $NTP_PORT $*
pidfile $dir/client.pid
driftfile $dir/client.drift
CONF
}

# chrony_pair DIR SERVER_OPTIONS...: chrony_confs, then start the server and
# the client (stopped at exit); sets CLIENT_PID.
chrony_pair() {
	chrony_confs "$@"
	start_bg "$1/server.log" chronyd -x -d -u root -f "$1/server.conf"
	start_bg "$1/client.log" chronyd -x -d -u root -f "$1/client.conf"
	# shellcheck disable=SC2034 # for the caller
	CLIENT_PID=$BG_PID
}

# poll_of: the client's current poll of its one source, as chronyc reports it
# (the Poll column of `sources`, CSV: mode,state,name,stratum,poll,...);
# poll_is POLL. Both need T, the directory given to chrony_confs.
poll_of() {
	chronyc -h "$T/chronyd/cmd.sock" -n -c sources 2>/dev/null | awk -F, 'NR == 1 { print $5 }'
}
poll_is() { [ "$(poll_of)" = "$1" ]; }
