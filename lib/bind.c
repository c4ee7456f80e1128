/* SPDX-License-Identifier: Apache-2.0 */
/* bind.c - bindings through a timeline's bind file, with its clock mapped. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"
#include "names.h"
#include "qot.h"
#include "root.h"

struct qot_binding {
	int fd; /* the bind file: the binding lives as long as it is open */
	qot_clock *clk;
	char app[QOT_NAME_MAX + 1];
};

/* The bind line, or -EINVAL for a zero duration (which means nothing). */
static int bind_line(const char *app, const struct qot_requirements *req, char *buf, size_t size)
{
	char below[QOT_DUR_TEXT_MAX], above[QOT_DUR_TEXT_MAX], res[QOT_DUR_TEXT_MAX];
	struct qot_requirements none = {QOT_UNBOUNDED, QOT_UNBOUNDED, QOT_UNBOUNDED};
	int n;

	if (req == NULL)
		req = &none;
	if (req->acc_below == 0 || req->acc_above == 0 || req->resolution == 0)
		return -EINVAL;
	qot_dur_format(req->acc_below, below, sizeof(below));
	qot_dur_format(req->acc_above, above, sizeof(above));
	qot_dur_format(req->resolution, res, sizeof(res));
	n = snprintf(buf, size, "name=%s accuracy=%s/%s resolution=%s\n", app, below, above, res);
	return n < 0 || (size_t)n >= size ? -EINVAL : n;
}

/* One line, one write(): the daemon takes each write as a whole line. */
static int write_line(int fd, const char *line, int len)
{
	ssize_t n = write(fd, line, (size_t)len);

	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

int qot_bind(const char *timeline, const char *app, const struct qot_requirements *req,
	     qot_binding **out)
{
	char path[PATH_MAX], line[256];
	struct qot_binding *b;
	int len, err;

	if (timeline == NULL || app == NULL || out == NULL ||
	    !qot_name_valid(timeline, strlen(timeline)) || !qot_name_valid(app, strlen(app)))
		return -EINVAL;
	len = bind_line(app, req, line, sizeof(line));
	if (len < 0)
		return len;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b->fd = -1;
	snprintf(b->app, sizeof(b->app), "%s", app);
	err = qot_root_path(NULL, timeline, "bind", path, sizeof(path));
	if (err == 0) {
		b->fd = open(path, O_RDWR | O_CLOEXEC);
		if (b->fd < 0)
			err = -errno;
	}
	if (err == 0)
		err = write_line(b->fd, line, len);
	if (err == 0)
		err = qot_root_path(NULL, timeline, "clock", path, sizeof(path));
	if (err == 0)
		err = qot_clock_open_path(path, &b->clk);
	if (err) {
		if (b->fd >= 0)
			close(b->fd);
		free(b);
		return err;
	}
	*out = b;
	return 0;
}

int qot_bind_update(qot_binding *b, const struct qot_requirements *req)
{
	char line[256];
	int len;

	if (b == NULL)
		return -EINVAL;
	len = bind_line(b->app, req, line, sizeof(line));
	if (len < 0)
		return len;
	return write_line(b->fd, line, len);
}

const qot_clock *qot_binding_clock(const qot_binding *b)
{
	return b ? b->clk : NULL;
}

void qot_unbind(qot_binding *b)
{
	if (b == NULL)
		return;
	qot_clock_close(b->clk);
	close(b->fd);
	free(b);
}
