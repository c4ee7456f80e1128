/* clock.c - map a timeline's clock page and read time from it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names.h"
#include "page.h"
#include "projection.h"

struct qot_clock {
	const struct qot_clock_page *page;
};

int qot_clock_open_path(const char *path, qot_clock **out)
{
	struct qot_clock *clk;
	struct stat st;
	void *map;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != QOT_CLOCK_PAGE_SIZE) {
		close(fd);
		return -QOT_EPAGE;
	}
	map = mmap(NULL, QOT_CLOCK_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	close(fd); /* the mapping keeps the file open */
	if (err)
		return err;
	/*
	 * Keep the page resident (best effort; it is one page): should qotfs
	 * die, an evicted page could not be read back and a reader would get
	 * SIGBUS. Locked, it keeps its last contents, which say unsynced if
	 * qotfs stopped cleanly.
	 */
	(void)mlock(map, QOT_CLOCK_PAGE_SIZE);
	err = qot_page_check(map);
	if (err == 0 && (clk = malloc(sizeof(*clk))) == NULL)
		err = -ENOMEM;
	if (err) {
		munmap(map, QOT_CLOCK_PAGE_SIZE);
		return err;
	}
	clk->page = map;
	*out = clk;
	return 0;
}

int qot_clock_open(const char *timeline, qot_clock **out)
{
	const char *root = getenv("QOT_ROOT");
	char path[PATH_MAX];
	int n;

	if (timeline == NULL || !qot_name_valid(timeline, strlen(timeline)))
		return -EINVAL;
	if (root == NULL || root[0] == '\0')
		root = QOT_DEFAULT_ROOT;
	n = snprintf(path, sizeof(path), "%s/%s/clock", root, timeline);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return qot_clock_open_path(path, out);
}

int qot_clock_params_read(const qot_clock *clk, struct qot_clock_params *params, int64_t *base_now)
{
	return qot_page_read(clk->page, params, base_now);
}

int qot_clock_read(const qot_clock *clk, struct qot_time *out)
{
	struct qot_clock_params p;
	int64_t now;
	int err = qot_page_read(clk->page, &p, &now);

	if (__builtin_expect(err != 0, 0))
		return err;
	qot_project_inline(&p, now, out);
	return 0;
}

void qot_clock_close(qot_clock *clk)
{
	if (clk == NULL)
		return;
	munmap((void *)clk->page, QOT_CLOCK_PAGE_SIZE);
	free(clk);
}
