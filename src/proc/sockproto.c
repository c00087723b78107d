/*
 * sockproto.c: what protocol a process's socket fds are, for the few sockets
 * no dump listed. The kernel names the protocol of every socket in the
 * system.sockprotoname attribute of its fd ("TCP", "UDPv6", "NETLINK"); the
 * fd number of an inode is found by reading the process's fd table.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "sockwatch/proc.h"
#include "parse.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int proc_sock_protos(const char *root, int pid, const uint32_t *inodes, size_t n,
		     char (*names)[PROC_PROTO_NAME])
{
	char path[PATH_MAX], link[64];
	struct dirent *de;
	size_t found = 0, i;
	DIR *d;

	for (i = 0; i < n; i++)
		names[i][0] = '\0';
	if (n == 0)
		return 0;
	snprintf(path, sizeof path, "%s/%d/fd", root, pid);
	d = opendir(path);
	if (d == NULL)
		return -errno;
	/* Stop at the last one found: the fds of a big server are not all read. */
	while (found < n && (de = readdir(d)) != NULL) {
		const uint32_t *hit;
		uint32_t ino;
		ssize_t len;
		char *name;

		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), de->d_name, link, sizeof link);
		if (len <= 0 || (size_t)len >= sizeof link)
			continue; /* closed meanwhile, or not a socket */
		ino = proc_parse_socket_link(link, (size_t)len);
		hit = ino != 0 ? bsearch(&ino, inodes, n, sizeof *inodes, cmp_u32) : NULL;
		if (hit == NULL || names[hit - inodes][0] != '\0')
			continue;
		name = names[hit - inodes];
		if ((size_t)snprintf(path, sizeof path, "%s/%d/fd/%s", root, pid, de->d_name) >=
		    sizeof path)
			continue;
		/* The value is the name and its NUL; a name too long for the buffer is none of
		 * ours. */
		len = getxattr(path, "system.sockprotoname", name, PROC_PROTO_NAME - 1);
		if (len <= 0) {
			name[0] = '\0';
			continue;
		}
		name[len] = '\0';
		found++;
	}
	closedir(d);
	return 0;
}
