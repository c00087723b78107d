/*
 * attrib: the minimal process attribution (the floor of the cold-refresh target
 * in ARCHITECTURE.md, "Performance targets"): the bare dump of dump.c, plus one
 * readlink of every /proc/PID/fd/N entry into an inode hash sized to the fd
 * count (the sum of st_size of /proc/PID/fd, Linux 6.2+), then a join of the
 * dumped inodes against it. Prints counts only:
 *
 *   records fds socket_fds matched
 *
 *   cc -O2 -o attrib attrib.c -lmnl
 */
#define _GNU_SOURCE
#include "diagdump.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct slot {
	uint32_t inode; /* 0: empty */
	int pid;
};

static struct slot *tab;
static size_t mask, used;

static size_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void tab_init(size_t want)
{
	size_t cap = 1024;

	while (cap < want * 2)
		cap <<= 1;
	tab = calloc(cap, sizeof(*tab));
	if (tab == NULL) {
		perror("calloc");
		exit(1);
	}
	mask = cap - 1;
	used = 0;
}

static void tab_put(uint32_t inode, int pid);

static void tab_grow(void)
{
	struct slot *old = tab;
	size_t oldcap = mask + 1;

	tab_init(oldcap); /* twice the size */
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].inode)
			tab_put(old[i].inode, old[i].pid);
	free(old);
}

static void tab_put(uint32_t inode, int pid)
{
	size_t i;

	if ((used + 1) * 4 > (mask + 1) * 3)
		tab_grow();
	for (i = hash32(inode) & mask; tab[i].inode; i = (i + 1) & mask)
		if (tab[i].inode == inode)
			return; /* shared after fork: keep the first owner */
	tab[i].inode = inode;
	tab[i].pid = pid;
	used++;
}

static int tab_get(uint32_t inode)
{
	for (size_t i = hash32(inode) & mask; tab[i].inode; i = (i + 1) & mask)
		if (tab[i].inode == inode)
			return tab[i].pid;
	return 0;
}

static int is_pid(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int main(void)
{
	struct dd_ctx c;
	DIR *proc;
	struct dirent *de;
	int *pids = NULL;
	size_t npids = 0, pidcap = 0;
	long long fdcount = 0, fds = 0, sockfds = 0, matched = 0;
	char path[64], link[64];

	/* Pass 1: the pids and their fd counts (st_size of /proc/PID/fd). */
	proc = opendir("/proc");
	if (proc == NULL) {
		perror("/proc");
		return 1;
	}
	while ((de = readdir(proc)) != NULL) {
		struct stat st;

		if (!is_pid(de->d_name))
			continue;
		if (npids == pidcap) {
			pidcap = pidcap ? pidcap * 2 : 1024;
			pids = realloc(pids, pidcap * sizeof(*pids));
			if (pids == NULL) {
				perror("realloc");
				return 1;
			}
		}
		pids[npids++] = atoi(de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/fd", pids[npids - 1]);
		if (stat(path, &st) == 0)
			fdcount += st.st_size;
	}
	closedir(proc);
	tab_init((size_t)fdcount);

	/* Pass 2: readlink every fd, keep the sockets. */
	for (size_t p = 0; p < npids; p++) {
		DIR *d;
		int dfd;

		snprintf(path, sizeof(path), "/proc/%d/fd", pids[p]);
		d = opendir(path);
		if (d == NULL)
			continue; /* gone, or not ours */
		dfd = dirfd(d);
		while ((de = readdir(d)) != NULL) {
			ssize_t n;

			if (de->d_name[0] == '.')
				continue;
			fds++;
			n = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
			if (n < 9 || memcmp(link, "socket:[", 8) != 0)
				continue;
			link[n] = '\0';
			sockfds++;
			tab_put((uint32_t)strtoul(link + 8, NULL, 10), pids[p]);
		}
		closedir(d);
	}

	/* The dump, joined on inode. */
	dd_dump_all(&c, 1);
	for (size_t i = 0; i < c.n; i++)
		if (c.inodes[i] && tab_get(c.inodes[i]))
			matched++;
	printf("%ld %lld %lld %lld\n", c.records, fds, sockfds, matched);
	return 0;
}
