/* SPDX-License-Identifier: Apache-2.0 */
/* readall.c - read a qotfs text file whole. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "readall.h"

ssize_t qot_pread_all(int fd, char **buf, size_t *cap)
{
	size_t len = 0;

	for (;;) {
		ssize_t n;
		if (*cap - len < 4097) { /* room for a read and the NUL */
			size_t ncap = *cap ? *cap * 2 : 65536;
			char *b = realloc(*buf, ncap);
			if (b == NULL)
				return -ENOMEM;
			*buf = b;
			*cap = ncap;
		}
		n = pread(fd, *buf + len, *cap - len - 1, (off_t)len);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	(*buf)[len] = '\0';
	return (ssize_t)len;
}

bool qot_mount_lost(int err)
{
	return err == -ENOTCONN || err == -ENODEV || err == -EIO || err == -EROFS || err == -ESTALE;
}
