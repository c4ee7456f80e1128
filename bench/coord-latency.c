/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coord-latency - how long a requirement change on one node takes to show
 * in another node's members file through coordd, next to the floor that
 * ZooKeeper itself sets, measured in the same run: one client's set reaching
 * another client's data watch.
 *
 *   coord-latency -z HOSTS -a MOUNT_A -b MOUNT_B -t TIMELINE -n NODE_A [-i N]
 *
 * MOUNT_A and MOUNT_B are two qotfs mounts, each followed by its coordd
 * (NODE_A is A's node name); TIMELINE exists on both. Prints p50/p99 of
 * both and their ratio. A report, not a test.
 */
#define THREADED
#include <zookeeper/zookeeper.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

static int wake[2];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void on_change(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	char c = 1;
	ssize_t r;

	(void)zh, (void)state, (void)path, (void)ctx;
	if (type == ZOO_CHANGED_EVENT)
		r = write(wake[1], &c, 1);
	(void)r;
}

static zhandle_t *connect_zk(const char *hosts)
{
	zhandle_t *zh = zookeeper_init(hosts, NULL, 6000, NULL, NULL, 0);

	for (int i = 0; zh && i < 500 && zoo_state(zh) != ZOO_CONNECTED_STATE; i++)
		usleep(10000);
	if (zh == NULL || zoo_state(zh) != ZOO_CONNECTED_STATE) {
		fprintf(stderr, "coord-latency: cannot connect to %s\n", hosts);
		exit(1);
	}
	return zh;
}

static int wait_byte(int timeout_ms)
{
	struct pollfd p = {wake[0], POLLIN, 0};
	char c;

	if (poll(&p, 1, timeout_ms) != 1 || read(wake[0], &c, 1) != 1)
		return -1;
	return 0;
}

/* The floor: a set by one client seen by another's watch. */
static void anchor(const char *hosts, int n, double *lat)
{
	zhandle_t *a = connect_zk(hosts), *b = connect_zk(hosts);
	const char *path = "/qot-bench-anchor";
	char buf[32];

	if (pipe(wake) != 0)
		exit(1);
	zoo_create(a, path, "0", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0);
	for (int i = 0; i < n; i++) {
		int len = sizeof(buf);
		double t0;

		if (zoo_wget(b, path, on_change, NULL, buf, &len, NULL) != ZOK)
			exit(1);
		len = snprintf(buf, sizeof(buf), "%d", i + 1);
		t0 = now_us();
		if (zoo_set(a, path, buf, len, -1) != ZOK || wait_byte(5000) != 0) {
			fprintf(stderr, "coord-latency: the anchor's watch did not fire\n");
			exit(1);
		}
		lat[i] = now_us() - t0;
	}
	zookeeper_close(a);
	zookeeper_close(b);
}

/* Whether B's members file lists node with accuracy=<us>us. */
static int shows(int fd, const char *node, unsigned us)
{
	char text[65536], want[128];
	ssize_t len = pread(fd, text, sizeof(text) - 1, 0);

	if (len < 0)
		return 0;
	text[len] = '\0';
	snprintf(want, sizeof(want), "node=%s leader=", node);
	for (char *line = strstr(text, want); line; line = strstr(line + 1, want)) {
		char acc[64], *nl = strchr(line, '\n');
		snprintf(acc, sizeof(acc), " accuracy=%uus ", us);
		if (nl)
			*nl = '\0';
		if (strstr(line, acc))
			return 1;
		if (nl)
			*nl = '\n';
	}
	return 0;
}

static void through_coordd(const char *ma, const char *mb, const char *tl, const char *node, int n,
			   double *lat)
{
	char path[4096];
	int bind_fd, members_fd;

	snprintf(path, sizeof(path), "%s/%s/bind", ma, tl);
	bind_fd = open(path, O_WRONLY);
	snprintf(path, sizeof(path), "%s/%s/members", mb, tl);
	members_fd = open(path, O_RDONLY);
	if (bind_fd < 0 || members_fd < 0) {
		perror("coord-latency: open");
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		unsigned us =
			1001 +
			2 * (unsigned)(i % 2); /* alternate, and not whole ms (printed as us) */
		char line[64];
		int len = snprintf(line, sizeof(line), "name=bench accuracy=%uus\n", us);
		double t0 = now_us(), deadline = t0 + 10e6;

		if (write(bind_fd, line, (size_t)len) != len) {
			perror("coord-latency: bind");
			exit(1);
		}
		/* poll() wakes when the members file changes; read it to see. */
		while (!shows(members_fd, node, us)) {
			struct pollfd p = {members_fd, POLLPRI, 0};
			if (now_us() > deadline) {
				fprintf(stderr, "coord-latency: the change did not arrive\n");
				exit(1);
			}
			poll(&p, 1, 100);
		}
		lat[i] = now_us() - t0;
	}
	close(bind_fd);
	close(members_fd);
}

int main(int argc, char **argv)
{
	const char *hosts = NULL, *ma = NULL, *mb = NULL, *tl = NULL, *node = NULL;
	int n = 200, c;
	double *za, *co;
	struct bench_stats s_zk, s_co;

	while ((c = getopt(argc, argv, "z:a:b:t:n:i:")) != -1) {
		switch (c) {
		case 'z':
			hosts = optarg;
			break;
		case 'a':
			ma = optarg;
			break;
		case 'b':
			mb = optarg;
			break;
		case 't':
			tl = optarg;
			break;
		case 'n':
			node = optarg;
			break;
		case 'i':
			n = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!hosts || !ma || !mb || !tl || !node || n < 1) {
		fprintf(stderr, "usage: coord-latency -z HOSTS -a MOUNT_A -b MOUNT_B -t TL -n "
				"NODE_A [-i N]\n");
		return 2;
	}
	zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
	za = calloc((size_t)n, sizeof(*za));
	co = calloc((size_t)n, sizeof(*co));
	if (!za || !co)
		return 1;
	/* Interleave halves so that drift of the machine's load hits both. */
	anchor(hosts, n / 2, za);
	through_coordd(ma, mb, tl, node, n / 2, co);
	anchor(hosts, n - n / 2, za + n / 2);
	through_coordd(ma, mb, tl, node, n - n / 2, co + n / 2);
	s_zk = bench_stats_of(za, (size_t)n);
	s_co = bench_stats_of(co, (size_t)n);
	printf("samples                               %d\n", n);
	printf("zookeeper set -> other client's watch  p50 %8.1f us  p99 %8.1f us  (anchor)\n",
	       s_zk.p50, s_zk.p99);
	printf("bind on A -> B's members (coordd)      p50 %8.1f us  p99 %8.1f us\n", s_co.p50,
	       s_co.p99);
	printf("ratio coordd / zookeeper               p50 %8.2f     p99 %8.2f\n",
	       s_co.p50 / s_zk.p50, s_co.p99 / s_zk.p99);
	free(za);
	free(co);
	return 0;
}
