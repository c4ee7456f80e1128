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
