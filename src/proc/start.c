/* start.c: re-read one process's start time, to tell a live pid from a reused one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "parse.h"
#include "sockwatch/proc.h"

int proc_start_time(const char *root, int pid, uint64_t *start)
{
	struct proc_stat_info info;
	char path[4096], buf[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%d/stat", root, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	if (proc_parse_stat(buf, (size_t)n, &info) != 0)
		return -EINVAL;
	*start = info.start;
	return 0;
}
