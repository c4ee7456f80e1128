/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zk_probe - a ZooKeeper client for the tests: look at what coordd created.
 *
 *   zk_probe HOSTS [-a USER:PW] ls PATH       children, one per line
 *   zk_probe HOSTS [-a USER:PW] get PATH      data
 *   zk_probe HOSTS [-a USER:PW] owner PATH    ephemeralOwner, 0x...
 *   zk_probe HOSTS [-a USER:PW] version PATH  data version (writes since created)
 *   zk_probe HOSTS [-a USER:PW] acl PATH      scheme:id:perms, one per line
 *   zk_probe HOSTS [-a USER:PW] delete PATH
 *
 * Exit 0 on success; otherwise the ZooKeeper error name on stderr and exit 1
 * (so a test can assert, say, that an unauthenticated delete is refused).
 */
#define THREADED
#include <zookeeper/zookeeper.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int connect_wait(zhandle_t *zh)
{
	for (int i = 0; i < 500; i++) { /* 5 s */
		if (zoo_state(zh) == ZOO_CONNECTED_STATE)
			return 0;
		usleep(10000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	const char *auth = NULL, *hosts, *cmd, *path;
	zhandle_t *zh;
	int rc = ZOK, argi = 2;

	if (argc >= 5 && strcmp(argv[2], "-a") == 0) {
		auth = argv[3];
		argi = 4;
	}
	if (argc != argi + 2) {
		fprintf(stderr, "usage: zk_probe HOSTS [-a USER:PW] "
				"ls|get|owner|version|acl|delete PATH\n");
		return 2;
	}
	hosts = argv[1];
	cmd = argv[argi];
	path = argv[argi + 1];
	zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
	zh = zookeeper_init(hosts, NULL, 4000, NULL, NULL, 0);
	if (zh == NULL || connect_wait(zh) != 0) {
		fprintf(stderr, "zk_probe: cannot connect to %s\n", hosts);
		return 1;
	}
	if (auth)
		rc = zoo_add_auth(zh, "digest", auth, (int)strlen(auth), NULL, NULL);
	if (rc == ZOK && strcmp(cmd, "ls") == 0) {
		struct String_vector ch;
		rc = zoo_get_children(zh, path, 0, &ch);
		for (int i = 0; rc == ZOK && i < ch.count; i++)
			printf("%s\n", ch.data[i]);
		if (rc == ZOK)
			deallocate_String_vector(&ch);
	} else if (rc == ZOK && strcmp(cmd, "get") == 0) {
		char buf[4096];
		int len = sizeof(buf);
		rc = zoo_get(zh, path, 0, buf, &len, NULL);
		if (rc == ZOK && len > 0)
			printf("%.*s\n", len, buf);
	} else if (rc == ZOK && strcmp(cmd, "owner") == 0) {
		struct Stat st;
		rc = zoo_exists(zh, path, 0, &st);
		if (rc == ZOK)
			printf("0x%llx\n", (unsigned long long)st.ephemeralOwner);
	} else if (rc == ZOK && strcmp(cmd, "version") == 0) {
		struct Stat st;
		rc = zoo_exists(zh, path, 0, &st);
		if (rc == ZOK)
			printf("%d\n", st.version);
	} else if (rc == ZOK && strcmp(cmd, "acl") == 0) {
		struct ACL_vector acl;
		struct Stat st;
		rc = zoo_get_acl(zh, path, &acl, &st);
		for (int i = 0; rc == ZOK && i < acl.count; i++)
			printf("%s:%s:%d\n", acl.data[i].id.scheme, acl.data[i].id.id,
			       acl.data[i].perms);
		if (rc == ZOK)
			deallocate_ACL_vector(&acl);
	} else if (rc == ZOK && strcmp(cmd, "delete") == 0) {
		rc = zoo_delete(zh, path, -1);
	} else if (rc == ZOK) {
		fprintf(stderr, "zk_probe: unknown command %s\n", cmd);
		zookeeper_close(zh);
		return 2;
	}
	zookeeper_close(zh);
	if (rc != ZOK) {
		fprintf(stderr, "%s\n", zerror(rc));
		return 1;
	}
	return 0;
}
