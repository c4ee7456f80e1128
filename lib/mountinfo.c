/* mountinfo.c - look a mount point up in /proc/self/mountinfo. */
#include <stdio.h>
#include <string.h>

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
	char line[4096], mnt[4096], fstype[256];
	int found = 0;

	if (f == NULL)
		return 0;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [FIELDS...] - FSTYPE SOURCE ..." */
	while (!found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    sscanf(sep + 3, "%255s", fstype) == 1) {
			unescape(mnt);
			found = strcmp(mnt, path) == 0 && strcmp(fstype, "fuse.qotfs") == 0;
		}
	}
	fclose(f);
	return found;
}
