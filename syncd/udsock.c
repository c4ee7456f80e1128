/* SPDX-License-Identifier: Apache-2.0 */
/* udsock.c - a bound, connected Unix datagram client socket. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "udsock.h"

int udsock_client(const char *own_path, const char *server_path)
{
	struct sockaddr_un me, it;
	int fd, err;

	memset(&me, 0, sizeof(me));
	memset(&it, 0, sizeof(it));
	me.sun_family = it.sun_family = AF_UNIX;
	if (strlen(own_path) >= sizeof(me.sun_path) || strlen(server_path) >= sizeof(it.sun_path))
		return -ENAMETOOLONG;
	snprintf(me.sun_path, sizeof(me.sun_path), "%s", own_path);
	snprintf(it.sun_path, sizeof(it.sun_path), "%s", server_path);
	unlink(own_path); /* ours, left by an earlier run */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 || chmod(own_path, 0666) < 0 ||
	    connect(fd, (struct sockaddr *)&it, sizeof(it)) < 0) {
		err = -errno;
		close(fd);
		unlink(own_path);
		return err;
	}
	return fd;
}
