/* SPDX-License-Identifier: Apache-2.0 */
/*
 * udsock.h - the client end of a Unix datagram conversation (chronyd's and
 * ptp4l's command sockets answer the sender's bound path).
 */
#ifndef SYNCD_UDSOCK_H
#define SYNCD_UDSOCK_H

/* A socket bound at own_path - writable by anyone, since the server may run
 * as another user (chronyd drops to _chrony) - and connected to
 * server_path. The descriptor, or -errno. */
int udsock_client(const char *own_path, const char *server_path);

#endif /* SYNCD_UDSOCK_H */
