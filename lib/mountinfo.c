/* mountinfo.c - look a mount point up in /proc/self/mountinfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "mountinfo.h"

/* Undo mountinfo's octal escapes (\040 for a space, and so on) in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

int qot_mount_is_qotfs(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (f == NULL)
		return 0;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [FIELDS...] - FSTYPE SOURCE ...",
	 * lines of any length (a mount point or source may be long). */
	while (!found && getline(&line, &cap, f) > 0) {
		char *save = NULL, *mnt = NULL, *sep = strstr(line, " - ");
		char *fstype;
		if (sep == NULL)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " \n", &save);
		save = NULL;
		for (int field = 0; field < 5; field++)
			mnt = strtok_r(field ? NULL : line, " ", &save);
		if (mnt == NULL || fstype == NULL)
			continue;
		unescape(mnt);
		found = strcmp(mnt, path) == 0 && strcmp(fstype, "fuse.qotfs") == 0;
	}
	free(line);
	fclose(f);
	return found;
}

int qot_mount_dev_present(dev_t dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		if (sscanf(line, "%*u %*u %u:%u", &maj, &min) == 2)
			found = maj == major(dev) && min == minor(dev);
	}
	free(line);
	fclose(f);
	return found;
}
