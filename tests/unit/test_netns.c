/*
 * test_netns.c: sock_diag sockets inside other network namespaces
 * (src/diag/netns.c): diag_new_in, the namespace files, the named list and
 * the pool.
 *
 * The live cases need root: a forked child makes a namespace of its own
 * (unshare) and holds sockets there; the test looks at them from outside.
 * Those cases do no cmocka asserts while the child lives: each returns a
 * failure code instead, so that the child is killed and reaped on every
 * path, and the test asserts on the code afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "sockwatch/diag.h"

/* The child's listener: a port nothing else in this test uses. */
#define NS_PORT 47613

/* A case's result when the machine cannot run it (no unshare, no ip): skip. */
#define CASE_SKIP (-1)

/* What the child says once its sockets are in place. */
struct ns_report {
	int err;	 /* 0, or the errno of the step that failed */
	uint32_t listen; /* inode of the listener on 127.0.0.1:NS_PORT */
	uint32_t cw;	 /* inode of a socket in CLOSE_WAIT */
};

/* A child in a network namespace of its own. */
struct ns_child {
	pid_t pid;
	int ctl; /* its end closed when we are done: the child then exits */
	struct ns_report rep;
	char path[64]; /* /proc/PID/ns/net */
	uint32_t ino;  /* that namespace's inode */
};

/* Say which check failed and return its code. */
__attribute__((format(printf, 2, 3))) static int fail_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "check %d: ", code);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

static int read_full(int fd, void *p, size_t n)
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

static uint32_t sock_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = -1;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* A TCP socket on 127.0.0.1:port (0: any), listening: fd or -1. */
static int tcp_listen(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 8) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The child: a namespace of its own with lo up, a listener on NS_PORT and
 * an accepted connection whose peer closed (CLOSE_WAIT, once its EOF is
 * read). Reports on rep, then waits for ctl to close.
 */
static void __attribute__((noreturn)) ns_child_main(int rep, int ctl)
{
	struct ns_report r = { 0 };
	struct pollfd pfd;
	int l, c, a;
	char ch;

	/* Die with the test, whatever happens to it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
		r.err = errno;
		goto report;
	}
	l = tcp_listen(NS_PORT);
	c = l < 0 ? -1 : tcp_connect(NS_PORT);
	a = c < 0 ? -1 : accept(l, NULL, NULL);
	if (a < 0) {
		r.err = errno ? errno : EIO;
		goto report;
	}
	close(c);
	pfd = (struct pollfd){ .fd = a, .events = POLLIN };
	if (poll(&pfd, 1, 5000) != 1 || read(a, &ch, 1) != 0) {
		r.err = ETIMEDOUT;
		goto report;
	}
	r.listen = sock_inode(l);
	r.cw = sock_inode(a);
report:
	if (write(rep, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(2);
	while (read(ctl, &ch, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void ns_child_stop(struct ns_child *c)
{
	int st;

	if (c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
	close(c->ctl);
}

/* Start the child: 0, CASE_SKIP when it could not make its namespace, or a failure code. */
static int ns_child_start(struct ns_child *c)
{
	int rp[2], cp[2];

	memset(c, 0, sizeof(*c));
	if (pipe2(rp, O_CLOEXEC) != 0 || pipe2(cp, O_CLOEXEC) != 0)
		return fail_code(1, "pipe: %s", strerror(errno));
	c->pid = fork();
	if (c->pid < 0)
		return fail_code(2, "fork: %s", strerror(errno));
	if (c->pid == 0) {
		close(rp[0]);
		close(cp[1]);
		ns_child_main(rp[1], cp[0]);
	}
	close(rp[1]);
	close(cp[0]);
	c->ctl = cp[1];
	if (read_full(rp[0], &c->rep, sizeof(c->rep)) != 0) {
		close(rp[0]);
		return fail_code(3, "no report from the child");
	}
	close(rp[0]);
	if (c->rep.err == EPERM) {
		fprintf(stderr, "cannot make a network namespace: %s\n", strerror(EPERM));
		return CASE_SKIP;
	}
	if (c->rep.err != 0)
		return fail_code(4, "child: %s", strerror(c->rep.err));
	snprintf(c->path, sizeof(c->path), "/proc/%d/ns/net", (int)c->pid);
	if (netns_file_inode(c->path, &c->ino) != 0)
		return fail_code(5, "netns_file_inode(%s)", c->path);
	return 0;
}

/* Run fn on a fresh child, stop the child, and assert on fn's code. */
static void with_child(int (*fn)(struct ns_child *))
{
	struct ns_child c;
	int rc;

	if (geteuid() != 0)
		skip();
	rc = ns_child_start(&c);
	if (rc == 0)
		rc = fn(&c);
	ns_child_stop(&c);
	if (rc == CASE_SKIP)
		skip();
	assert_int_equal(rc, 0);
}

static const struct sock_rec *find_inode(const struct sock_table *t, uint32_t ino)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].inode == ino)
			return &t->v[i];
	return NULL;
}

/* Dump every table of d into t (reset first): 0, or a failure code. */
static int dump(struct diag *d, struct sock_table *t, int code)
{
	struct diag_status st;
	int ret;

	sock_table_reset(t);
	ret = diag_dump_all(d, t, &st);
	if (ret != 0)
		return fail_code(code, "diag_dump_all: %s", strerror(-ret));
	if (st.err[DD_TCP4] != 0)
		return fail_code(code, "TCP/IPv4 dump: %s", strerror(-st.err[DD_TCP4]));
	return 0;
}

/*
 * The child's namespace through diag_new_in: its listener and nothing of
 * ours; the host's socket sees ours and not the child's.
 */
static int case_namespace(struct ns_child *c)
{
	struct diag *in = NULL, *host = NULL;
	const struct sock_rec *r;
	struct sock_table t;
	char *cause = NULL;
	uint32_t self = 0;
	int mine, rc = 0;

	sock_table_init(&t);
	mine = tcp_listen(0);
	if (mine < 0)
		return fail_code(10, "listen: %s", strerror(errno));
	if (netns_file_inode("/proc/self/ns/net", &self) != 0 || self == 0)
		rc = fail_code(11, "netns_file_inode(/proc/self/ns/net)");
	else if (c->ino == 0 || c->ino == self)
		rc = fail_code(12, "child namespace %u, own %u", c->ino, self);
	else if ((in = diag_new_in(c->path, &cause)) == NULL)
		rc = fail_code(13, "diag_new_in: %s", cause);
	else
		rc = dump(in, &t, 14);
	if (rc == 0) {
		r = find_inode(&t, c->rep.listen);
		if (r == NULL)
			rc = fail_code(15, "the child's listener is not in its namespace's dump");
		else if (r->state != TS_LISTEN || r->sport != NS_PORT || r->proto != SP_TCP)
			rc = fail_code(16, "listener: state %u port %u", r->state, r->sport);
		else if (find_inode(&t, sock_inode(mine)) != NULL)
			rc = fail_code(17, "our own listener is in the child's namespace");
		else if ((host = diag_new(&cause)) == NULL)
			rc = fail_code(18, "diag_new: %s", cause);
		else
			rc = dump(host, &t, 19);
	}
	if (rc == 0) {
		if (find_inode(&t, c->rep.listen) != NULL)
			rc = fail_code(20, "the host's dump has the child's listener");
		else if (find_inode(&t, sock_inode(mine)) == NULL)
			rc = fail_code(21, "the host's dump misses our own listener");
	}
	free(cause);
	diag_free(in);
	diag_free(host);
	sock_table_fini(&t);
	close(mine);
	return rc;
}

static void test_namespace(void **state)
{
	(void)state;
	with_child(case_namespace);
}

/* The age pass runs in the namespace as on the host, on and off through the pool. */
static int case_pool_ages(struct ns_child *c)
{
	struct netns_pool *p = netns_pool_new();
	const struct sock_rec *r;
	struct sock_table t;
	char *cause = NULL;
	struct diag *d;
	int rc = 0;

	sock_table_init(&t);
	d = netns_pool_get(p, c->ino, c->path, &cause);
	rc = d == NULL ? fail_code(30, "netns_pool_get: %s", cause) : dump(d, &t, 31);
	if (rc == 0) {
		r = find_inode(&t, c->rep.cw);
		if (r == NULL || r->state != TS_CLOSE_WAIT)
			rc = fail_code(32, "no CLOSE_WAIT socket in the child's namespace");
		else if (r->last_ack == SOCK_NO_AGE)
			rc = fail_code(33, "the CLOSE_WAIT socket has no age");
	}
	if (rc == 0) {
		netns_pool_set_ages(p, 0);
		rc = dump(d, &t, 34);
	}
	if (rc == 0 && ((r = find_inode(&t, c->rep.cw)) == NULL || r->last_ack != SOCK_NO_AGE))
		rc = fail_code(35, "an age after netns_pool_set_ages(p, 0)");
	/* A socket made from now on has no age pass either. */
	if (rc == 0) {
		netns_pool_sweep(p);
		netns_pool_sweep(p);
		d = netns_pool_get(p, c->ino, c->path, &cause);
		rc = d == NULL ? fail_code(36, "netns_pool_get again: %s", cause) : dump(d, &t, 37);
	}
	if (rc == 0 && ((r = find_inode(&t, c->rep.cw)) == NULL || r->last_ack != SOCK_NO_AGE))
		rc = fail_code(38, "a new socket of the pool has an age");
	free(cause);
	netns_pool_free(p);
	sock_table_fini(&t);
	return rc;
}

static void test_pool_ages(void **state)
{
	(void)state;
	with_child(case_pool_ages);
}

/* One socket per namespace, kept while asked for, closed by the sweep after. */
static int case_pool(struct ns_child *c)
{
	struct netns_pool *p = netns_pool_new();
	struct diag *a = NULL, *b, *own;
	char *cause = NULL;
	uint32_t self = 0;
	int rc = 0;

	if (netns_file_inode("/proc/self/ns/net", &self) != 0)
		rc = fail_code(40, "netns_file_inode(/proc/self/ns/net)");
	else if ((a = netns_pool_get(p, c->ino, c->path, &cause)) == NULL)
		rc = fail_code(41, "netns_pool_get: %s", cause);
	else if ((b = netns_pool_get(p, c->ino, c->path, NULL)) != a)
		rc = fail_code(42, "a second socket for the same namespace");
	else if ((own = netns_pool_get(p, self, "/proc/self/ns/net", &cause)) == NULL)
		rc = fail_code(43, "netns_pool_get(own): %s", cause);
	else if (own == a || netns_pool_size(p) != 2)
		rc = fail_code(44, "size %zu", netns_pool_size(p));
	if (rc != 0)
		goto out;

	netns_pool_sweep(p); /* both were asked for: both stay */
	if (netns_pool_size(p) != 2) {
		rc = fail_code(45, "size %zu after the first sweep", netns_pool_size(p));
		goto out;
	}
	if (netns_pool_get(p, c->ino, c->path, NULL) != a) {
		rc = fail_code(46, "the kept socket was replaced");
		goto out;
	}
	netns_pool_sweep(p); /* own was not asked for: closed */
	if (netns_pool_size(p) != 1) {
		rc = fail_code(47, "size %zu after sweeping own", netns_pool_size(p));
		goto out;
	}
	netns_pool_sweep(p);
	if (netns_pool_size(p) != 0) {
		rc = fail_code(48, "size %zu after a sweep without a get", netns_pool_size(p));
		goto out;
	}

	/* A file that names another namespace than asked: refused, not remembered. */
	if (netns_pool_get(p, self, c->path, &cause) != NULL || cause == NULL) {
		rc = fail_code(49, "the child's file taken for our namespace");
		goto out;
	}
	free(cause);
	cause = NULL;
	if (netns_pool_size(p) != 0) {
		rc = fail_code(50, "a mismatch was remembered");
		goto out;
	}

	/* A lasting failure: remembered, not retried even through a good file... */
	if (netns_pool_get(p, c->ino, "/proc/self/stat", &cause) != NULL || cause == NULL) {
		rc = fail_code(51, "/proc/self/stat taken for a namespace");
		goto out;
	}
	free(cause);
	cause = NULL;
	if (netns_pool_size(p) != 1 || netns_pool_get(p, c->ino, c->path, &cause) != NULL ||
	    cause == NULL || strstr(cause, "/proc/self/stat") == NULL) {
		rc = fail_code(52, "the failure was not remembered (%s)", cause);
		goto out;
	}
	free(cause);
	cause = NULL;
	/* ...until the sweeps drop it. */
	netns_pool_sweep(p);
	netns_pool_sweep(p);
	if (netns_pool_size(p) != 0 || netns_pool_get(p, c->ino, c->path, &cause) == NULL)
		rc = fail_code(53, "no socket after the failure was swept: %s", cause);
	else if (netns_pool_get(p, 0, c->path, NULL) != NULL)
		rc = fail_code(54, "inode 0 accepted");
out:
	free(cause);
	netns_pool_free(p);
	return rc;
}

static void test_pool(void **state)
{
	(void)state;
	with_child(case_pool);
}

/* A temporary directory for the named-namespace cases. */
static void tmpdir_make(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/sw-netns.XXXXXX");
	assert_non_null(mkdtemp(dir));
}

/* Path dir/name into buf. */
static const char *in_dir(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* Files, a directory and a symlink in dir: none of them a named namespace. */
static int case_named_plain(const char *dir)
{
	struct netns_name *v = (void *)1;
	char path[PATH_MAX];
	size_t n = 1;
	uint32_t ino;
	int fd, ret;

	if ((ret = netns_list_named(dir, &v, &n)) != 0 || n != 0 || v != NULL)
		return fail_code(60, "empty dir: %d, %zu names", ret, n);
	fd = open(in_dir(path, sizeof(path), dir, "plain"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail_code(61, "create %s: %s", path, strerror(errno));
	close(fd);
	if (mkdir(in_dir(path, sizeof(path), dir, "sub"), 0755) != 0 ||
	    symlink("/proc/self/ns/net", in_dir(path, sizeof(path), dir, "link")) != 0 ||
	    mkfifo(in_dir(path, sizeof(path), dir, "fifo"), 0644) != 0)
		return fail_code(62, "make %s: %s", path, strerror(errno));
	if ((ret = netns_list_named(dir, &v, &n)) != 0 || n != 0)
		return fail_code(63, "dir without namespaces: %d, %zu names", ret, n);
	if ((ret = netns_file_inode(in_dir(path, sizeof(path), dir, "plain"), &ino)) != -EINVAL)
		return fail_code(64, "netns_file_inode(plain file): %d", ret);
	if ((ret = netns_file_inode(in_dir(path, sizeof(path), dir, "none"), &ino)) != -ENOENT)
		return fail_code(65, "netns_file_inode(no file): %d", ret);
	if ((ret = netns_list_named(in_dir(path, sizeof(path), dir, "none"), &v, &n)) != -ENOENT)
		return fail_code(66, "missing dir: %d", ret);
	return 0;
}

static void tmpdir_remove(const char *dir)
{
	static const char *const names[] = { "plain", "sub", "link", "fifo", "ns" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		in_dir(path, sizeof(path), dir, names[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
	rmdir(dir);
}

static void test_named_plain(void **state)
{
	char dir[64];
	int rc;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	rc = case_named_plain(dir);
	tmpdir_remove(dir);
	assert_int_equal(rc, 0);
}

/* Our own namespace bound on a file, as `ip netns` does it: listed, and enterable. */
static int case_named_bind(const char *dir)
{
	struct netns_name *v = NULL;
	char path[PATH_MAX];
	char *cause = NULL;
	struct diag *d;
	uint32_t self;
	size_t n = 0;
	int fd, rc = 0;

	if (netns_file_inode("/proc/self/ns/net", &self) != 0)
		return fail_code(70, "netns_file_inode(/proc/self/ns/net)");
	fd = open(in_dir(path, sizeof(path), dir, "ns"), O_WRONLY | O_CREAT | O_CLOEXEC, 0);
	if (fd < 0)
		return fail_code(71, "create %s: %s", path, strerror(errno));
	close(fd);
	if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) != 0) {
		fprintf(stderr, "cannot bind a namespace on %s: %s\n", path, strerror(errno));
		return CASE_SKIP;
	}
	if (netns_list_named(dir, &v, &n) != 0 || n != 1)
		rc = fail_code(72, "%zu names", n);
	else if (strcmp(v[0].name, "ns") != 0 || v[0].ino != self)
		rc = fail_code(73, "%s: %u, not %u", v[0].name, v[0].ino, self);
	else if ((d = diag_new_in(path, &cause)) == NULL)
		rc = fail_code(74, "diag_new_in(%s): %s", path, cause);
	else
		diag_free(d);
	netns_names_free(v, n);
	free(cause);
	umount2(path, MNT_DETACH);
	return rc;
}

static void test_named_bind(void **state)
{
	char dir[64];
	int rc;

	(void)state;
	if (geteuid() != 0)
		skip();
	tmpdir_make(dir, sizeof(dir));
	rc = case_named_bind(dir);
	tmpdir_remove(dir);
	if (rc == CASE_SKIP)
		skip();
	assert_int_equal(rc, 0);
}

/* Whether names (n of them) has name, with inode ino. */
static int has_name(const struct netns_name *v, size_t n, const char *name, uint32_t ino)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].ino == ino;
	return 0;
}

/*
 * A namespace made by `ip netns add`: listed, entered, and still there for
 * our open socket after `ip netns delete`, which is why the pool sweeps.
 */
static int case_ip_netns(const char *name, int *deleted)
{
	struct netns_name *v = NULL;
	struct sock_table t;
	char path[PATH_MAX];
	char *cause = NULL;
	struct diag *d = NULL;
	uint32_t ino = 0, self = 0;
	size_t n = 0;
	int rc = 0;

	sock_table_init(&t);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (netns_file_inode(path, &ino) != 0 ||
	    netns_file_inode("/proc/self/ns/net", &self) != 0 || ino == self)
		rc = fail_code(80, "%s: inode %u, own %u", path, ino, self);
	else if (netns_list_named("/run/netns", &v, &n) != 0 || !has_name(v, n, name, ino))
		rc = fail_code(81, "%s is not listed with inode %u", name, ino);
	else if ((d = diag_new_in(path, &cause)) == NULL)
		rc = fail_code(82, "diag_new_in(%s): %s", path, cause);
	else
		rc = dump(d, &t, 83);
	if (rc == 0 && t.n != 0)
		rc = fail_code(84, "%zu sockets in a fresh namespace", t.n);
	netns_names_free(v, n);
	v = NULL;
	n = 0;
	if (rc == 0) {
		*deleted = 1;
		if (system("ip netns delete \"$SW_NETNS\"") != 0)
			rc = fail_code(85, "ip netns delete %s", name);
	}
	if (rc == 0) {
		int ret = netns_list_named("/run/netns", &v, &n);

		if ((ret != 0 && ret != -ENOENT) || has_name(v, n, name, ino))
			rc = fail_code(86, "%s still listed after ip netns delete", name);
	}
	/* The name is gone, the namespace is not: our socket holds it. */
	if (rc == 0)
		rc = dump(d, &t, 87);
	netns_names_free(v, n);
	diag_free(d);
	free(cause);
	sock_table_fini(&t);
	return rc;
}

static void test_ip_netns(void **state)
{
	char name[64];
	int rc, deleted = 0;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(name, sizeof(name), "swtest-%d", (int)getpid());
	if (setenv("SW_NETNS", name, 1) != 0)
		fail_msg("setenv");
	if (system("ip netns add \"$SW_NETNS\" 2>/dev/null") != 0) {
		fprintf(stderr, "ip netns add %s failed: no ip, or no right to\n", name);
		skip();
	}
	rc = case_ip_netns(name, &deleted);
	if (!deleted && system("ip netns delete \"$SW_NETNS\"") != 0)
		fprintf(stderr, "ip netns delete %s failed\n", name);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_plain), cmocka_unit_test(test_named_bind),
		cmocka_unit_test(test_namespace),   cmocka_unit_test(test_pool),
		cmocka_unit_test(test_pool_ages),   cmocka_unit_test(test_ip_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
