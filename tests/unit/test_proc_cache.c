/*
 * The scanner's steady state on the real /proc: a process whose fd count did
 * not change comes from the cache; a close()+socket() that keeps the count is
 * found through proc_scanner_unowned() or the periodic full rescan. The
 * child's network namespace and cgroup (this process's) survive all of it.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sockwatch/proc.h"

struct child {
	pid_t pid;
	int cmd;   /* write: 'r' replaces the socket at fd 10 */
	int reply; /* read: its inode after each command */
};

static uint32_t fd_inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return (uint32_t)st.st_ino;
}

/* A child holding sockets at fds 10, 11, 12 that replaces fd 10 on request. */
static void child_start(struct child *c)
{
	int to[2], from[2];

	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		char ch;

		close(to[1]);
		close(from[0]);
		for (int fd = 10; fd <= 12; fd++) {
			int s = socket(AF_INET, SOCK_STREAM, 0);

			dup2(s, fd);
			close(s);
		}
		while (read(to[0], &ch, 1) == 1) {
			uint32_t ino;

			if (ch == 'r') {
				int s = socket(AF_INET, SOCK_STREAM, 0);

				dup2(s, 10); /* closes the old socket at 10: same count */
				close(s);
			}
			ino = fd_inode(10);
			if (write(from[1], &ino, sizeof ino) != sizeof ino)
				_exit(1);
		}
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	c->cmd = to[1];
	c->reply = from[0];
}

static uint32_t child_do(struct child *c, char cmd)
{
	uint32_t ino = 0;

	assert_int_equal(write(c->cmd, &cmd, 1), 1);
	assert_int_equal(read(c->reply, &ino, sizeof ino), sizeof ino);
	return ino;
}

static void child_stop(struct child *c)
{
	close(c->cmd);
	close(c->reply);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
}

static const struct proc_rec *find(const struct proc_table *t, int pid)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].pid == pid)
			return &t->v[i];
	}
	return NULL;
}

static int holds(const struct proc_table *t, const struct proc_rec *p, uint32_t ino)
{
	for (uint32_t i = 0; i < p->ino_n; i++) {
		if (t->inodes[p->ino_off + i] == ino)
			return 1;
	}
	return 0;
}

/* Where this process, and so its child, lives: the inode of its netns and its cgroup path. */
struct where {
	uint32_t netns; /* 0 when unreadable, as the scanner leaves it */
	char cgroup[4096];
};

static void where_self(struct where *w)
{
	char buf[8192];
	const char *path;
	size_t plen;
	ssize_t n = readlink("/proc/self/ns/net", buf, sizeof(buf));
	int fd;

	w->netns = 0;
	if (n > 0 && (size_t)n < sizeof(buf))
		(void)proc_parse_netns_link(buf, (size_t)n, &w->netns);
	w->cgroup[0] = '\0';
	fd = open("/proc/self/cgroup", O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n > 0 && proc_parse_cgroup(buf, (size_t)n, &path, &plen) == 0) {
		assert_true(plen < sizeof(w->cgroup));
		memcpy(w->cgroup, path, plen);
		w->cgroup[plen] = '\0';
	}
}

static void check_where(const struct proc_table *t, const struct proc_rec *p, const struct where *w)
{
	size_t len;
	const char *cg = strpool_get(&t->strs, p->cgroup, &len);

	assert_int_equal(p->netns, w->netns);
	assert_int_equal(len, strlen(w->cgroup));
	assert_memory_equal(cg, w->cgroup, len);
}

static void test_cache_and_chase(void **state)
{
	struct proc_scanner *s = proc_scanner_new("/proc");
	const struct proc_scan_stats *st = proc_scanner_stats(s);
	struct proc_table t;
	const struct proc_rec *p;
	struct child c;
	struct where w;
	uint32_t old_ino, new_ino;

	(void)state;
	where_self(&w);
	proc_scanner_set_full_every(s, 30); /* a new scanner rescans everything */
	proc_table_init(&t);
	child_start(&c);
	old_ino = child_do(&c, '?'); /* the child is ready */

	assert_int_equal(proc_scan(s, &t), 0);
	assert_true(st->full);
	p = find(&t, c.pid);
	assert_non_null(p);
	assert_int_equal(p->ino_n, 3);
	assert_true(holds(&t, p, old_ino));
	check_where(&t, p, &w);

	/* Nothing changed: the child comes from the cache, with the same record. */
	assert_int_equal(proc_scan(s, &t), 0);
	assert_false(st->full);
	assert_true(st->cached > 0);
	p = find(&t, c.pid);
	assert_non_null(p);
	assert_int_equal(p->ino_n, 3);
	assert_true(holds(&t, p, old_ino));
	assert_true(p->cmdline != 0);
	check_where(&t, p, &w);

	/* close()+socket() at the same fd: the count is the same, the cache is stale... */
	new_ino = child_do(&c, 'r');
	assert_int_not_equal(new_ino, old_ino);
	assert_int_equal(proc_scan(s, &t), 0);
	p = find(&t, c.pid);
	assert_true(holds(&t, p, old_ino));
	assert_false(holds(&t, p, new_ino));
	/* ...until the dump's unowned inode sends the scanner after its uid. */
	proc_scanner_unowned(s, new_ino, (uint32_t)getuid());
	assert_int_equal(st->chases, 1);
	assert_int_equal(proc_scan(s, &t), 0);
	p = find(&t, c.pid);
	assert_true(holds(&t, p, new_ino));
	assert_false(holds(&t, p, old_ino));
	check_where(&t, p, &w); /* the fd table read again, the cgroup from the cache */
	/* The same inode does not trigger twice. */
	proc_scanner_unowned(s, new_ino, (uint32_t)getuid());
	assert_int_equal(st->chases, 0);

	child_stop(&c);
	/* The exited child is forgotten. */
	assert_int_equal(proc_scan(s, &t), 0);
	assert_null(find(&t, c.pid));
	proc_table_fini(&t);
	proc_scanner_free(s);
}

static void test_full_rescan_period(void **state)
{
	struct proc_scanner *s = proc_scanner_new("/proc");
	const struct proc_scan_stats *st = proc_scanner_stats(s);
	struct proc_table t;
	struct child c;
	uint32_t new_ino;
	int i;

	(void)state;
	proc_table_init(&t);
	child_start(&c);
	child_do(&c, '?');
	proc_scanner_set_full_every(s, 3);
	assert_int_equal(proc_scan(s, &t), 0); /* 1: full */
	assert_true(st->full);
	new_ino = child_do(&c, 'r');
	for (i = 2; i <= 3; i++) {
		assert_int_equal(proc_scan(s, &t), 0);
		assert_false(st->full);
		assert_false(holds(&t, find(&t, c.pid), new_ino));
	}
	assert_int_equal(proc_scan(s, &t), 0); /* 4: full again */
	assert_true(st->full);
	assert_true(holds(&t, find(&t, c.pid), new_ino));
	child_stop(&c);
	proc_table_fini(&t);
	proc_scanner_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_and_chase),
		cmocka_unit_test(test_full_rescan_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
