/* test_proc.c: the /proc scanner, on fixture trees and on the live /proc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "sockwatch/proc.h"
#include "../../src/proc/parse.h"

#define FIX_BASIC SW_FIXTURES "/proc/basic"
#define FIX_BARE  SW_FIXTURES "/proc/bare"

static const struct proc_rec *find_pid(const struct proc_table *t, int pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

static const char *str(const struct proc_table *t, uint32_t off, size_t *len)
{
	return strpool_get(&t->strs, off, len);
}

static int has_inode(const struct proc_table *t, const struct proc_rec *r, uint32_t ino)
{
	for (uint32_t i = 0; i < r->ino_n; i++)
		if (t->inodes[r->ino_off + i] == ino)
			return 1;
	return 0;
}

/* ---- pure parsers ---- */

static void test_parse_stat(void **state)
{
	(void)state;
	struct proc_stat_info si;
	static const char hostile[] =
		"42 (a) (b c) S 1 42 42 0 -1 4194560 1 0 0 0 3 4 0 0 20 0 5 0 98765 3133440 420";
	static const char nl[] = "43 (x\ny) ) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 1 0 7\n";

	assert_int_equal(proc_parse_stat(hostile, strlen(hostile), &si), 0);
	assert_int_equal(si.comm_len, 7);
	assert_memory_equal(si.comm, "a) (b c", 7);
	assert_int_equal(si.state, 'S');
	assert_int_equal(si.ppid, 1);
	assert_int_equal(si.threads, 5);
	assert_int_equal(si.start, 98765);

	assert_int_equal(proc_parse_stat(nl, strlen(nl), &si), 0);
	assert_int_equal(si.comm_len, 5);
	assert_memory_equal(si.comm, "x\ny) ", 5);
	assert_int_equal(si.state, 'Z');
	assert_int_equal(si.threads, 1);
	assert_int_equal(si.start, 7);

	/* empty comm */
	static const char empty[] = "44 () S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 1 0 9";
	assert_int_equal(proc_parse_stat(empty, strlen(empty), &si), 0);
	assert_int_equal(si.comm_len, 0);
	assert_int_equal(si.start, 9);
	static const char worker[] = "45 (nginx) T 44 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 1 0 9";
	assert_int_equal(proc_parse_stat(worker, strlen(worker), &si), 0);
	assert_int_equal(si.state, 'T');
	assert_int_equal(si.ppid, 44);

	/* malformed: no ')', too few fields, non-numeric starttime */
	assert_int_equal(proc_parse_stat("45 (trunc", 9, &si), -1);
	static const char few[] = "46 (x) S 1 2 3";
	assert_int_equal(proc_parse_stat(few, strlen(few), &si), -1);
	static const char bad[] = "47 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 1 0 zz";
	assert_int_equal(proc_parse_stat(bad, strlen(bad), &si), -1);
	assert_int_equal(proc_parse_stat("", 0, &si), -1);
}

static void test_parse_status_limits(void **state)
{
	(void)state;
	static const char st[] =
		"Name:\tUid: fake\nState:\tS\nUid:\t1000\t1001\t1002\t1003\nGid:\t0\n";
	static const char nouid[] = "Name:\tx\nGid:\t0\n";
	static const char lim[] =
		"Limit  Soft Limit Hard Limit Units\n"
		"Max open files            1024                 4096      files\n";
	static const char unl[] =
		"Max open files            unlimited            unlimited files\n";

	assert_int_equal(proc_parse_status_uid(st, strlen(st)), 1000);
	assert_int_equal(proc_parse_status_uid(nouid, strlen(nouid)), PROC_UNKNOWN);
	assert_int_equal(proc_parse_status_uid("Uid:\tx\n", 7), PROC_UNKNOWN);
	assert_int_equal(proc_parse_limits_nofile(lim, strlen(lim)), 1024);
	assert_true(proc_parse_limits_nofile(unl, strlen(unl)) == PROC_UNLIMITED);
	assert_int_equal(proc_parse_limits_nofile(st, strlen(st)), PROC_UNKNOWN);
}

static void test_parse_socket_link(void **state)
{
	(void)state;
	assert_int_equal(proc_parse_socket_link("socket:[123]", 12), 123);
	assert_int_equal(proc_parse_socket_link("socket:[4294967295]", 19), 4294967295u);
	assert_int_equal(proc_parse_socket_link("socket:[4294967296]", 19), 0);
	assert_int_equal(proc_parse_socket_link("socket:[]", 9), 0);
	assert_int_equal(proc_parse_socket_link("socket:[12a]", 12), 0);
	assert_int_equal(proc_parse_socket_link("socket:[12", 10), 0);
	assert_int_equal(proc_parse_socket_link("pipe:[5]", 8), 0);
	assert_int_equal(proc_parse_socket_link("/dev/null", 9), 0);
}

static void test_parse_misc(void **state)
{
	(void)state;
	char a[] = "/bin/x\0-a\0\0b\0\0";
	size_t n = proc_cmdline_join(a, sizeof(a) - 1);
	int64_t nr, max;

	assert_int_equal(n, 12);
	assert_memory_equal(a, "/bin/x -a  b", 12);
	char z[] = "\0\0";
	assert_int_equal(proc_cmdline_join(z, 2), 0);
	/* a rewritten argv without NULs stays as it is */
	char t[] = "nginx: worker";
	assert_int_equal(proc_cmdline_join(t, strlen(t)), 13);

	assert_int_equal(proc_parse_file_nr("2848\t0\t9223372036854775807\n", 27, &nr, &max), 0);
	assert_int_equal(nr, 2848);
	assert_true(max == INT64_MAX);
	assert_int_equal(proc_parse_file_nr("12\t0\n", 5, &nr, &max), -1);

	assert_int_equal(proc_parse_pid("123"), 123);
	assert_int_equal(proc_parse_pid("0"), -1);
	assert_int_equal(proc_parse_pid("12abc"), -1);
	assert_int_equal(proc_parse_pid("self"), -1);
	assert_int_equal(proc_parse_pid(""), -1);
	assert_int_equal(proc_parse_pid("99999999999"), -1);
}

/* Parse a literal; the path chosen, or NULL when none. */
static const char *cgroup_of(const char *buf, size_t len, size_t *plen)
{
	static char out[256];
	const char *path;
	char *copy = malloc(len ? len : 1); /* exactly len bytes: ASan sees a read past it */

	assert_non_null(copy);
	memcpy(copy, buf, len);
	if (proc_parse_cgroup(copy, len, &path, plen) < 0) {
		free(copy);
		return NULL;
	}
	assert_true(*plen > 0 && *plen < sizeof(out));
	assert_true(path >= copy && path + *plen <= copy + len);
	memcpy(out, path, *plen);
	out[*plen] = '\0';
	free(copy);
	return out;
}

#define CGROUP(lit, plen) cgroup_of(lit, sizeof(lit) - 1, plen)

static void test_parse_cgroup(void **state)
{
	size_t n;

	(void)state;
	/* v2 alone; no newline at the end */
	assert_string_equal(CGROUP("0::/system.slice/a.service\n", &n), "/system.slice/a.service");
	assert_string_equal(CGROUP("0::/b.scope", &n), "/b.scope");
	/* hybrid: the v2 line, wherever it is */
	assert_string_equal(CGROUP("0::/x.service\n1:name=systemd:/y.service\n", &n), "/x.service");
	assert_string_equal(CGROUP("2:cpu:/z\n1:name=systemd:/y.service\n0::/x.service\n", &n),
			    "/x.service");
	/* v1 alone: the name=systemd line, not another hierarchy's */
	assert_string_equal(CGROUP("3:cpu,cpuacct:/c\n1:name=systemd:/y.service\n", &n),
			    "/y.service");
	assert_string_equal(CGROUP("1:cpu,name=systemd:/y.service\n", &n), "/y.service");
	assert_null(CGROUP("1:name=systemd2:/y.service\n2:name=elogind:/e\n", &n));
	assert_null(CGROUP("3:cpu:/c\n2:memory:/m\n", &n));
	/* a v2 root yields to a name=systemd path that says more; both root: the root */
	assert_string_equal(CGROUP("1:name=systemd:/sshd.service\n0::/\n", &n), "/sshd.service");
	assert_string_equal(CGROUP("9:name=systemd:/\n4:memory:/m\n0::/\n", &n), "/");
	assert_string_equal(CGROUP("0::/\n", &n), "/");
	/* a removed cgroup of a zombie; the path keeps its colons */
	assert_string_equal(CGROUP("0::/w.service (deleted)\n", &n), "/w.service");
	assert_string_equal(CGROUP("0:: (deleted)\n", &n), " (deleted)");
	assert_string_equal(CGROUP("0::/a:b:c\n", &n), "/a:b:c");
	/* the first v2 line counts; an empty path does not */
	assert_string_equal(CGROUP("0::/first\n0::/second\n", &n), "/first");
	assert_string_equal(CGROUP("0::\n1:name=systemd:/y\n", &n), "/y");
	assert_null(CGROUP("0::\n", &n));
	/* not "0::": another id, controllers, too few colons */
	assert_null(CGROUP("00::/x\n", &n));
	assert_null(CGROUP("0:cpu:/x\n", &n));
	assert_null(CGROUP("0:/x\n", &n));
	assert_null(CGROUP(":/x\n", &n));
	assert_null(CGROUP("", &n));
	assert_null(CGROUP("\n\n", &n));
	assert_null(CGROUP("0", &n));
	assert_null(CGROUP("0:", &n));
	assert_null(CGROUP("0::", &n));
	/* a NUL is a byte of the path */
	assert_non_null(CGROUP("0::/a\0b\n", &n));
	assert_int_equal(n, 4);
}

static void test_parse_netns_link(void **state)
{
	uint32_t ino = 7;

	(void)state;
	assert_int_equal(proc_parse_netns_link("net:[4026531840]", 16, &ino), 0);
	assert_int_equal(ino, 4026531840u);
	assert_int_equal(proc_parse_netns_link("net:[1]", 7, &ino), 0);
	assert_int_equal(ino, 1);
	assert_int_equal(proc_parse_netns_link("net:[4294967295]", 16, &ino), 0);
	assert_int_equal(ino, 4294967295u);
	ino = 7;
	assert_int_equal(proc_parse_netns_link("net:[4294967296]", 16, &ino), -1);
	assert_int_equal(proc_parse_netns_link("net:[0]", 7, &ino), -1);
	assert_int_equal(proc_parse_netns_link("net:[]", 6, &ino), -1);
	assert_int_equal(proc_parse_netns_link("net:[12a]", 9, &ino), -1);
	assert_int_equal(proc_parse_netns_link("net:[-1]", 8, &ino), -1);
	assert_int_equal(proc_parse_netns_link("net:[12", 7, &ino), -1);
	assert_int_equal(proc_parse_netns_link("net:[12]x", 9, &ino), -1);
	assert_int_equal(proc_parse_netns_link("mnt:[4026531840]", 16, &ino), -1);
	assert_int_equal(proc_parse_netns_link("socket:[12]", 11, &ino), -1);
	assert_int_equal(proc_parse_netns_link("net:[", 5, &ino), -1);
	assert_int_equal(proc_parse_netns_link("", 0, &ino), -1);
	assert_int_equal(ino, 7); /* untouched on failure */
}

/* ---- fixture trees ---- */

/* The cgroup path of a record as a C string ("" when unknown). */
static const char *cgroup_str(const struct proc_table *t, const struct proc_rec *r)
{
	size_t len;
	const char *s = str(t, r->cgroup, &len);

	assert_int_equal(strlen(s), len);
	return s;
}

static void check_basic(const struct proc_table *t)
{
	const struct proc_rec *r;
	const char *s;
	size_t len;

	assert_int_equal(t->n, 6); /* 100 200 300 600 700 800; 400 and 500 dropped */
	assert_int_equal(t->denied, 1);
	assert_int_equal(t->file_nr, 2848);
	assert_true(t->file_max == INT64_MAX);
	assert_null(find_pid(t, 400));
	assert_null(find_pid(t, 500));
	assert_null(find_pid(t, 12));

	/* 100: hostile comm, argv with a space in an argument, dup'ed socket */
	r = find_pid(t, 100);
	assert_non_null(r);
	assert_int_equal(r->start, 123456);
	assert_string_equal(r->comm, "a) (b c");
	s = str(t, r->cmdline, &len);
	assert_int_equal(len, strlen("/usr/bin/foo --bar baz qux"));
	assert_memory_equal(s, "/usr/bin/foo --bar baz qux", len);
	assert_int_equal(r->uid, 4242);
	if (getpwuid(4242) == NULL)
		assert_int_equal(r->user, 0);
	assert_int_equal(r->fd_limit, 1024);
	assert_int_equal(r->fd_readable, 1);
	assert_int_equal(r->fds, 8);
	assert_int_equal(r->ino_n, 3);
	assert_int_equal(t->inodes[r->ino_off + 0], 99);
	assert_int_equal(t->inodes[r->ino_off + 1], 123);
	assert_int_equal(t->inodes[r->ino_off + 2], 4000000000u);
	assert_int_equal(r->netns, 4026532000u);
	assert_string_equal(cgroup_str(t, r), "/system.slice/foo.service");

	/*
	 * 200: kernel thread. It holds no socket, so its command line, status and
	 * limits are not read: its uid is the owner of its /proc directory.
	 */
	r = find_pid(t, 200);
	assert_non_null(r);
	assert_string_equal(r->comm, "kworker/0:1-even"); /* 16 bytes kept */
	assert_int_equal(r->cmdline, 0);
	struct stat dirst;
	assert_int_equal(stat(SW_FIXTURES "/proc/basic/200", &dirst), 0);
	assert_int_equal(r->uid, (int64_t)dirst.st_uid);
	struct passwd *pw = getpwuid(dirst.st_uid);
	if (pw) {
		s = str(t, r->user, &len);
		assert_string_equal(s, pw->pw_name);
	}
	assert_int_equal(r->fd_limit, PROC_UNKNOWN);
	assert_int_equal(r->fd_readable, 1);
	assert_int_equal(r->fds, 0);
	assert_int_equal(r->ino_n, 0);
	/* its namespace is read as for every process; its cgroup file, like its cmdline, not */
	assert_int_equal(r->netns, 4026531840u);
	assert_int_equal(r->cgroup, 0);

	/* 300: fd directory unreadable: unknown, not zero */
	r = find_pid(t, 300);
	assert_non_null(r);
	assert_int_equal(r->fd_readable, 0);
	assert_int_equal(r->fds, PROC_UNKNOWN);
	assert_int_equal(r->ino_n, 0);
	assert_int_equal(r->fd_limit, PROC_UNKNOWN);
	assert_int_equal(r->uid, 0);
	s = str(t, r->cmdline, &len);
	assert_string_equal(s, "sshd: root");
	/* unknown ones get their cgroup read too (a hybrid file); no ns/net link: 0 */
	assert_string_equal(cgroup_str(t, r), "/system.slice/ssh.service");
	assert_int_equal(r->netns, 0);

	/* 600: zombie leader, fds found under task/601/fd */
	r = find_pid(t, 600);
	assert_non_null(r);
	assert_int_equal(r->fd_readable, 1);
	assert_int_equal(r->fds, 3);
	assert_int_equal(r->ino_n, 2);
	assert_int_equal(t->inodes[r->ino_off + 0], 777);
	assert_int_equal(t->inodes[r->ino_off + 1], 778);

	/* 700: no status; empty argv elements; newline in comm */
	r = find_pid(t, 700);
	assert_non_null(r);
	assert_string_equal(r->comm, "x\ny) ");
	assert_int_equal(r->uid, PROC_UNKNOWN);
	assert_int_equal(r->user, 0);
	s = str(t, r->cmdline, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(s, "a  b", 4);
	assert_int_equal(r->fd_limit, 65536);
	assert_int_equal(r->netns, 0); /* no ns/net, no cgroup file */
	assert_int_equal(r->cgroup, 0);

	/* 800: the command line is capped */
	r = find_pid(t, 800);
	assert_non_null(r);
	s = str(t, r->cmdline, &len);
	assert_int_equal(len, 4096);
	assert_int_equal(s[99], ' ');
	assert_int_equal(s[4095], 'x');
	assert_int_equal(r->ino_n, 1);
	assert_int_equal(t->inodes[r->ino_off], 801);
	assert_int_equal(r->netns, 0);	/* "net:[abc]" */
	assert_int_equal(r->cgroup, 0); /* neither a v2 nor a name=systemd line */

	/* 400's and 500's sockets did not leak into the table */
	for (size_t i = 0; i < t->ninodes; i++) {
		assert_int_not_equal(t->inodes[i], 555);
		assert_int_not_equal(t->inodes[i], 556);
	}
	/* inode ranges tile the array */
	size_t sum = 0;
	for (size_t i = 0; i < t->n; i++) {
		assert_true(t->v[i].ino_off + t->v[i].ino_n <= t->ninodes);
		sum += t->v[i].ino_n;
	}
	assert_int_equal(sum, t->ninodes);
}

static void test_fixture_basic(void **state)
{
	(void)state;
	struct proc_table t;
	struct proc_scanner *s = proc_scanner_new(FIX_BASIC);

	proc_table_init(&t);
	assert_int_equal(proc_scan(s, &t), 0);
	check_basic(&t);
	/* a second scan into the same table gives the same result */
	assert_int_equal(proc_scan(s, &t), 0);
	check_basic(&t);
	proc_table_fini(&t);
	proc_scanner_free(s);
}

/*
 * With a cache: the second scan takes unchanged processes from it (a fixture's
 * fd directory has a size too), the others' cmdline and cgroup from what the
 * first read. The records are the same.
 */
static void test_fixture_cached(void **state)
{
	(void)state;
	struct proc_table t;
	struct proc_scanner *s = proc_scanner_new(FIX_BASIC);
	const struct proc_scan_stats *st = proc_scanner_stats(s);
	struct stat fdst;

	proc_scanner_set_full_every(s, 30);
	proc_table_init(&t);
	assert_int_equal(proc_scan(s, &t), 0);
	assert_true(st->full);
	check_basic(&t);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(proc_scan(s, &t), 0);
		assert_false(st->full);
		check_basic(&t);
	}
	if (stat(FIX_BASIC "/self/fd", &fdst) == 0 && fdst.st_size > 0)
		assert_true(st->cached > 0);
	proc_table_fini(&t);
	proc_scanner_free(s);
}

static void test_fixture_bare(void **state)
{
	(void)state;
	struct proc_table t;
	struct proc_scanner *s = proc_scanner_new(FIX_BARE);
	const struct proc_rec *r;

	proc_table_init(&t);
	assert_int_equal(proc_scan(s, &t), 0);
	assert_int_equal(t.file_nr, PROC_UNKNOWN);
	assert_int_equal(t.file_max, PROC_UNKNOWN);
	assert_int_equal(t.n, 1);
	r = find_pid(&t, 900);
	assert_non_null(r);
	assert_string_equal(r->comm, "bare");
	assert_int_equal(r->start, 9);
	assert_int_equal(r->uid, PROC_UNKNOWN);
	assert_int_equal(r->user, 0);
	assert_int_equal(r->cmdline, 0);
	assert_int_equal(r->fd_limit, PROC_UNKNOWN);
	assert_int_equal(r->fds, PROC_UNKNOWN);
	assert_int_equal(r->fd_readable, 0);
	assert_int_equal(r->netns, 0);
	assert_int_equal(r->cgroup, 0);
	proc_table_fini(&t);
	proc_scanner_free(s);
}

static void test_missing_root(void **state)
{
	(void)state;
	struct proc_table t;
	struct proc_scanner *s = proc_scanner_new(SW_FIXTURES "/proc/does-not-exist");

	proc_table_init(&t);
	assert_int_equal(proc_scan(s, &t), -ENOENT);
	assert_int_equal(t.n, 0);
	proc_table_fini(&t);
	proc_scanner_free(s);
}

/*
 * Scan with room for the root directory alone: every process is listed as
 * unknown and counted starved (never dropped as if it had exited), with the
 * owner of its directory; with room again, the next scan reads them all.
 */
static void scan_starved(struct proc_scanner *s, struct proc_table *t)
{
	struct rlimit old, rl;
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)fd + 1; /* the root directory takes fd, nothing else fits */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(proc_scan(s, t), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
}

static void test_fixture_starved(void **state)
{
	(void)state;
	struct proc_table t;
	struct proc_scanner *s = proc_scanner_new(FIX_BASIC);
	static const int pids[] = { 100, 200, 300, 400, 500, 600, 700, 800 };
	const struct proc_rec *r;
	struct stat dirst;
	char path[64];

	proc_table_init(&t);
	scan_starved(s, &t);
	/* 400 and 500 cannot be told apart from the others without reading them */
	assert_int_equal(t.n, 8);
	assert_int_equal(t.starved, 8);
	assert_int_equal(t.denied, 8);
	assert_int_equal(t.starved_err, EMFILE);
	assert_int_equal(t.ninodes, 0);
	for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++) {
		r = find_pid(&t, pids[i]);
		assert_non_null(r);
		assert_int_equal(r->fd_readable, 0);
		assert_int_equal(r->ino_n, 0);
		snprintf(path, sizeof path, FIX_BASIC "/%d", pids[i]);
		assert_int_equal(stat(path, &dirst), 0);
		assert_int_equal(r->uid, (int64_t)dirst.st_uid);
	}
	assert_int_equal(proc_scan(s, &t), 0);
	check_basic(&t);
	assert_int_equal(t.starved, 0);

	/* Starved again: what the last scan read of the same process stays. */
	scan_starved(s, &t);
	assert_int_equal(t.starved, 8);
	r = find_pid(&t, 100);
	assert_non_null(r);
	assert_string_equal(r->comm, "a) (b c");
	assert_int_equal(r->start, 123456);
	assert_int_equal(r->fd_readable, 0);
	assert_int_equal(r->ino_n, 0);
	assert_int_equal(r->netns, 4026532000u);
	assert_string_equal(cgroup_str(&t, r), "/system.slice/foo.service");
	/* and the scan after it reads every fd table again */
	assert_int_equal(proc_scan(s, &t), 0);
	check_basic(&t);
	proc_table_fini(&t);
	proc_scanner_free(s);
}

/* ---- live /proc ---- */

struct child_report {
	uint32_t ino[3];
	int64_t fds;
	int64_t soft;
};

static int64_t count_own_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int64_t n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static uint32_t fd_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static void write_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			_exit(90);
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

static int read_all(int fd, void *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Fork a child that opens 3 TCP sockets and a dup of one, lowers its soft
 * RLIMIT_NOFILE, reports what it holds and waits to be killed.
 */
static pid_t spawn_holder(struct child_report *rep)
{
	int rp[2], cp[2];
	pid_t pid;

	assert_int_equal(pipe(rp), 0);
	assert_int_equal(pipe(cp), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_report r;
		struct rlimit rl;
		int fd[3];
		char c;

		close(rp[0]);
		close(cp[1]);
		for (int i = 0; i < 3; i++) {
			fd[i] = socket(AF_INET, SOCK_STREAM, 0);
			if (fd[i] < 0)
				_exit(91);
			r.ino[i] = fd_inode(fd[i]);
		}
		if (dup(fd[1]) < 0)
			_exit(92);
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max >= 777) {
			rl.rlim_cur = 777;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
		r.soft = rl.rlim_cur == RLIM_INFINITY ? PROC_UNLIMITED : (int64_t)rl.rlim_cur;
		r.fds = count_own_fds();
		write_all(rp[1], &r, sizeof(r));
		while (read(cp[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(rp[1]);
	close(cp[0]);
	assert_int_equal(read_all(rp[0], rep, sizeof(*rep)), 0);
	close(rp[0]);
	/* cp[1] stays open in the parent so that the child blocks; kill ends it. */
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static void test_live_child(void **state)
{
	(void)state;
	struct child_report rep;
	struct proc_table t;
	struct proc_scanner *s = proc_scanner_new(NULL);
	const struct proc_rec *r;
	uint32_t want[3];
	pid_t pid = spawn_holder(&rep);

	proc_table_init(&t);
	assert_int_equal(proc_scan(s, &t), 0);
	r = find_pid(&t, pid);
	assert_non_null(r);
	assert_int_equal(r->fd_readable, 1);
	assert_int_equal(r->ino_n, 3);
	memcpy(want, rep.ino, sizeof(want));
	for (int i = 0; i < 3; i++)
		assert_true(has_inode(&t, r, want[i]));
	for (uint32_t i = 1; i < r->ino_n; i++)
		assert_true(t.inodes[r->ino_off + i - 1] < t.inodes[r->ino_off + i]);
	assert_int_equal(r->fds, rep.fds);
	assert_true(r->fd_limit == rep.soft);
	assert_int_equal(r->uid, (int64_t)getuid());
	assert_true(r->start > 0);
	assert_true(r->cmdline != 0);
	/* the test itself is there too */
	assert_non_null(find_pid(&t, getpid()));
	assert_true(t.file_nr > 0);
	assert_true(t.file_max > 0);

	reap(pid);
	proc_table_fini(&t);
	proc_scanner_free(s);
}

struct zombie_ctx {
	int rep; /* write end: report inodes */
	int ctl; /* read end: block until killed */
};

static void *zombie_thread(void *arg)
{
	struct zombie_ctx *z = arg;
	uint32_t ino[2];
	char c;

	for (int i = 0; i < 2; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			_exit(93);
		ino[i] = fd_inode(fd);
	}
	/* wait for the leader to become a zombie before reporting */
	for (int i = 0; i < 5000; i++) {
		char path[64], buf[512];
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)getpid());
		fd = open(path, O_RDONLY);
		n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			char *p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'Z')
				break;
		}
		usleep(1000);
	}
	write_all(z->rep, ino, sizeof(ino));
	while (read(z->ctl, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Print why a check failed and return its code (usable in forked children). */
__attribute__((format(printf, 2, 3))) static int check_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "check %d failed: ", code);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

/*
 * The leader exits while a thread holds the sockets: /proc/PID/fd is then
 * empty (and, for a non-root observer, unreadable). 0, or a failure code.
 * No cmocka asserts: this also runs in a forked child.
 */
static int zombie_case(void)
{
	int rp[2], cp[2];
	uint32_t ino[2];
	struct proc_table t;
	struct proc_scanner *s;
	const struct proc_rec *r;
	int rc = 0;
	pid_t pid;

	if (pipe(rp) != 0 || pipe(cp) != 0)
		return check_fail(60, "pipe");
	pid = fork();
	if (pid < 0)
		return check_fail(61, "fork");
	if (pid == 0) {
		static struct zombie_ctx z;
		pthread_t th;

		close(rp[0]);
		close(cp[1]);
		z.rep = rp[1];
		z.ctl = cp[0];
		if (pthread_create(&th, NULL, zombie_thread, &z) != 0)
			_exit(94);
		pthread_exit(NULL);
	}
	close(rp[1]);
	close(cp[0]);
	if (read_all(rp[0], ino, sizeof(ino)) != 0) {
		reap(pid);
		return check_fail(62, "no report from the zombie's thread");
	}
	close(rp[0]);

	s = proc_scanner_new(NULL);
	proc_table_init(&t);
	if (proc_scan(s, &t) != 0)
		rc = check_fail(63, "proc_scan");
	else if (!(r = find_pid(&t, pid)))
		rc = check_fail(64, "pid %d not found", (int)pid);
	else if (r->fd_readable != 1)
		rc = check_fail(65, "fd_readable %d", r->fd_readable);
	else if (r->fds < 4) /* 2 sockets and 2 pipe ends at least */
		rc = check_fail(66, "fds %lld", (long long)r->fds);
	else if (r->ino_n != 2 || !has_inode(&t, r, ino[0]) || !has_inode(&t, r, ino[1]))
		rc = check_fail(67, "ino_n %u", r->ino_n);

	reap(pid);
	close(cp[1]);
	proc_table_fini(&t);
	proc_scanner_free(s);
	return rc;
}

static void test_live_zombie_leader(void **state)
{
	(void)state;
	assert_int_equal(zombie_case(), 0);
}

/* The same as nobody: the leader's fd directory is root-owned, its thread's is not. */
static void test_live_zombie_leader_unprivileged(void **state)
{
	(void)state;
	pid_t pid;
	int wst;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(check_fail(70, "setuid: %s", strerror(errno)));
		/* setuid cleared "dumpable", which makes /proc/PID root-owned; exec would set it.
		 */
		prctl(PR_SET_DUMPABLE, 1);
		_exit(zombie_case());
	}
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	assert_true(WIFEXITED(wst));
	assert_int_equal(WEXITSTATUS(wst), 0);
}

/* Whether this process's own cgroup file names a v2 or name=systemd cgroup. */
static int self_has_cgroup(void)
{
	char buf[8192];
	const char *path;
	size_t plen;
	int fd = open("/proc/self/cgroup", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 && proc_parse_cgroup(buf, (size_t)n, &path, &plen) == 0;
}

/*
 * As root: start a root-owned holder, then scan as nobody. The holder's fd
 * table must come out unknown (not zero), counted in denied, with fds from
 * stat(/proc/PID/fd).st_size.
 */
static void test_live_unprivileged(void **state)
{
	(void)state;
	struct child_report rep;
	pid_t holder, scanner;
	struct stat st;
	char path[64];
	int wst;

	if (geteuid() != 0)
		skip();
	holder = spawn_holder(&rep);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)holder);
	assert_int_equal(stat(path, &st), 0);

	scanner = fork();
	assert_true(scanner >= 0);
	if (scanner == 0) {
		struct proc_table t;
		struct proc_scanner *s;
		const struct proc_rec *r;

		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(check_fail(80, "setuid: %s", strerror(errno)));
		s = proc_scanner_new(NULL);
		proc_table_init(&t);
		if (proc_scan(s, &t) != 0)
			_exit(check_fail(81, "proc_scan"));
		r = find_pid(&t, holder);
		if (!r)
			_exit(check_fail(82, "holder %d not found", (int)holder));
		if (r->fd_readable != 0 || r->ino_n != 0)
			_exit(check_fail(83, "holder readable=%d ino_n=%u", r->fd_readable,
					 r->ino_n));
		/* Linux >= 6.2 gives the count in st_size; older kernels give 0: unknown. */
		if (st.st_size > 0 ? r->fds != rep.fds : r->fds != PROC_UNKNOWN)
			_exit(check_fail(84, "holder fds %lld, st_size %lld, real %lld",
					 (long long)r->fds, (long long)st.st_size,
					 (long long)rep.fds));
		if (r->uid != 0 || r->fd_limit != rep.soft || strcmp(r->comm, "test_proc") != 0)
			_exit(check_fail(85, "holder uid %lld limit %lld comm %s",
					 (long long)r->uid, (long long)r->fd_limit, r->comm));
		/* Its namespace is another user's secret; its cgroup file is for everyone. */
		if (r->netns != 0 || (r->cgroup == 0) != !self_has_cgroup())
			_exit(check_fail(90, "holder netns %u cgroup %u", r->netns, r->cgroup));
		if (t.denied < 1)
			_exit(check_fail(86, "denied %zu", t.denied));
		size_t nd = 0;
		for (size_t i = 0; i < t.n; i++) {
			if (!t.v[i].fd_readable) {
				nd++;
				if (t.v[i].ino_n != 0 || t.v[i].fds == 0)
					_exit(check_fail(87, "pid %d: ino_n %u fds 0", t.v[i].pid,
							 t.v[i].ino_n));
			}
		}
		if (nd < t.denied)
			_exit(check_fail(88, "%zu unreadable < denied %zu", nd, t.denied));
		r = find_pid(&t, getpid());
		if (!r || r->fd_readable != 1 || r->uid != 65534)
			_exit(check_fail(89, "own record missing or unreadable"));
		proc_table_fini(&t);
		proc_scanner_free(s);
		_exit(0);
	}
	while (waitpid(scanner, &wst, 0) < 0 && errno == EINTR)
		;
	reap(holder);
	assert_true(WIFEXITED(wst));
	assert_int_equal(WEXITSTATUS(wst), 0);
}

struct ino_want {
	uint32_t ino;
	const char *name;
};

static int ino_want_cmp(const void *a, const void *b)
{
	const struct ino_want *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * The protocol names of this process's own sockets, on the live /proc: a
 * TCP socket never connected, a UDP/IPv6 one, a netlink one, a UNIX pair
 * (one end held twice: found once), and an inode nobody holds.
 */
static void test_live_sock_protos(void **state)
{
	struct ino_want w[5] = {
		{ 0, "TCP" }, { 0, "UDPv6" }, { 0, "NETLINK" }, { 0, "UNIX-STREAM" }, { 1, "" }
	};
	int fds[4], pair[2], dup_fd, i;
	uint32_t ino[5];
	char names[5][PROC_PROTO_NAME];

	(void)state;
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = socket(AF_INET6, SOCK_DGRAM, 0);
	fds[2] = socket(AF_NETLINK, SOCK_RAW, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	fds[3] = pair[0];
	dup_fd = dup(pair[0]);
	for (i = 0; i < 4; i++) {
		assert_true(fds[i] >= 0);
		w[i].ino = fd_inode(fds[i]);
		assert_true(w[i].ino != 0);
	}
	qsort(w, 5, sizeof *w, ino_want_cmp); /* the inodes are asked in increasing order */
	for (i = 0; i < 5; i++)
		ino[i] = w[i].ino;
	assert_int_equal(proc_sock_protos("/proc", getpid(), ino, 5, names), 0);
	for (i = 0; i < 5; i++)
		assert_string_equal(names[i], w[i].name);
	for (i = 0; i < 4; i++)
		close(fds[i]);
	close(pair[1]);
	close(dup_fd);

	/* A fixture tree has the links but no attribute; a process that is gone, no table. */
	ino[0] = 99;
	ino[1] = 123;
	assert_int_equal(proc_sock_protos(FIX_BASIC, 100, ino, 2, names), 0);
	assert_string_equal(names[0], "");
	assert_string_equal(names[1], "");
	assert_int_equal(proc_sock_protos(FIX_BASIC, 999999, ino, 2, names), -ENOENT);
	assert_int_equal(proc_sock_protos(FIX_BASIC, 999999, ino, 0, names), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_sock_protos),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_status_limits),
		cmocka_unit_test(test_parse_socket_link),
		cmocka_unit_test(test_parse_misc),
		cmocka_unit_test(test_parse_cgroup),
		cmocka_unit_test(test_parse_netns_link),
		cmocka_unit_test(test_fixture_basic),
		cmocka_unit_test(test_fixture_cached),
		cmocka_unit_test(test_fixture_bare),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_fixture_starved),
		cmocka_unit_test(test_live_child),
		cmocka_unit_test(test_live_zombie_leader),
		cmocka_unit_test(test_live_zombie_leader_unprivileged),
		cmocka_unit_test(test_live_unprivileged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
