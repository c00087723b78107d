/*
 * netns.c: sock_diag sockets in other network namespaces.
 *
 * A netlink socket answers for the network namespace it was made in, for as
 * long as it lives, whoever uses it. To see another namespace's sockets, one
 * is made there once and kept: a short-lived thread enters the namespace
 * (setns moves only the calling thread), makes the socket and ends, and the
 * rest of the program never leaves its own namespace.
 *
 * The pool keeps one such socket per namespace across refreshes and closes
 * the ones no longer asked for: an open socket holds its namespace in the
 * kernel after the last process in it has gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>
#include <linux/nsfs.h>

#include "sockwatch/diag.h"
#include "netns_int.h"

/* The namespace the calling thread is in (kept by each thread, so not /proc/self). */
#define NETNS_OWN_PATH "/proc/thread-self/ns/net"

/* What the helper thread is asked to do, and how it went. */
struct netns_job {
	int fd; /* the namespace, open */
	int (*fn)(void *);
	void *arg;
	int entered; /* setns: 0 or -errno */
	int ret;     /* fn's value once entered */
};

/* Format *cause (when not NULL) and return err. */
__attribute__((format(printf, 3, 4))) static int netns_fail(char **cause, int err, const char *fmt,
							    ...)
{
	char msg[512];
	va_list ap;

	if (cause == NULL)
		return err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*cause = xstrdup(msg);
	return err;
}

/* The inode of a 32-bit namespace number, or -EOVERFLOW. */
static int netns_ino32(const struct stat *st, uint32_t *ino)
{
	if (st->st_ino > UINT32_MAX)
		return -EOVERFLOW;
	*ino = (uint32_t)st->st_ino;
	return 0;
}

/*
 * The inode of the network namespace that the open file fd is (an nsfs
 * file of that type): 0 with *st filled, or -errno (-EINVAL: not one). A
 * kernel before 4.11 cannot say a namespace's type; then any namespace file
 * passes, and setns refuses the wrong type later.
 */
static int netns_fd_inode(int fd, struct stat *st, uint32_t *ino)
{
	struct statfs sfs;
	int type;

	*ino = 0;
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, st) < 0)
		return -errno;
	if (sfs.f_type != NSFS_MAGIC)
		return -EINVAL;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 && errno != ENOTTY && errno != EINVAL)
		return -errno;
	if (type >= 0 && type != CLONE_NEWNET)
		return -EINVAL;
	return netns_ino32(st, ino);
}

int netns_file_inode(const char *path, uint32_t *ino)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) < 0 || statfs(path, &sfs) < 0)
		return -errno;
	if (sfs.f_type != NSFS_MAGIC)
		return -EINVAL;
	return netns_ino32(&st, ino);
}

/*
 * The helper thread. It starts with every signal blocked, so no handler of
 * the program ever runs inside the other namespace.
 */
static void *netns_thread(void *p)
{
	struct netns_job *job = p;

	if (setns(job->fd, CLONE_NEWNET) < 0) {
		job->entered = -errno;
		return NULL;
	}
	job->ret = job->fn(job->arg);
	return NULL;
}

/* Run job on a thread of its own and wait for it: 0, or -errno if none could be had. */
static int netns_thread_run(struct netns_job *job)
{
	sigset_t all, old;
	pthread_t th;
	int ret;

	sigfillset(&all);
	ret = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (ret != 0)
		return -ret;
	ret = pthread_create(&th, NULL, netns_thread, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret != 0)
		return -ret;
	ret = pthread_join(th, NULL);
	return -ret;
}

int netns_call(const char *path, uint32_t *ino, int (*fn)(void *), void *arg, char **cause)
{
	struct netns_job job = { .fn = fn, .arg = arg };
	struct stat st, own;
	uint32_t got;
	int ret;

	job.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (job.fd < 0) {
		ret = -errno;
		return netns_fail(cause, ret, "cannot open %s: %s", path, strerror(-ret));
	}
	ret = netns_fd_inode(job.fd, &st, &got);
	if (ret < 0) {
		close(job.fd);
		if (ret == -EINVAL)
			return netns_fail(cause, ret, "%s is not a network namespace", path);
		return netns_fail(cause, ret, "cannot read %s: %s", path, strerror(-ret));
	}
	if (*ino != 0 && got != *ino) {
		close(job.fd);
		return netns_fail(cause, -ESTALE, "%s no longer names network namespace %u", path,
				  *ino);
	}

	/* Already in it: nothing to enter, and no privilege needed for that. */
	if (stat(NETNS_OWN_PATH, &own) == 0 && own.st_dev == st.st_dev && own.st_ino == st.st_ino) {
		close(job.fd);
		*ino = got;
		return fn(arg);
	}

	ret = netns_thread_run(&job);
	close(job.fd);
	if (ret < 0)
		return netns_fail(cause, ret, "cannot start a thread to enter %s: %s", path,
				  strerror(-ret));
	if (job.entered < 0)
		return netns_fail(cause, job.entered, "cannot enter the network namespace %s: %s%s",
				  path, strerror(-job.entered),
				  job.entered == -EPERM ? " (it takes CAP_SYS_ADMIN)" : "");
	*ino = got;
	return job.ret;
}

/*
 * The inode of the network namespace bound at dir/name (dfd: dir), or
 * -errno. Only a regular file counts, not through a symlink, and nothing
 * else is opened: a FIFO or a device there could block or act on an open.
 */
static int netns_named_inode(int dfd, const char *name, uint32_t *ino)
{
	struct stat st;
	int fd, ret;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	ret = netns_fd_inode(fd, &st, ino);
	close(fd);
	return ret;
}

static int netns_name_cmp(const void *pa, const void *pb)
{
	const struct netns_name *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

int netns_list_named(const char *dir, struct netns_name **vp, size_t *np)
{
	struct netns_name *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dp;
	int err = 0;

	*vp = NULL;
	*np = 0;
	dp = opendir(dir);
	if (dp == NULL)
		return -errno;
	for (;;) {
		uint32_t ino;
		int ret;

		errno = 0;
		de = readdir(dp);
		if (de == NULL) {
			err = -errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ret = netns_named_inode(dirfd(dp), de->d_name, &ino);
		/* Short of fds or memory the list would be wrong, not just shorter. */
		if (ret == -EMFILE || ret == -ENFILE || ret == -ENOMEM) {
			err = ret;
			break;
		}
		if (ret < 0)
			continue; /* not a namespace, or not one this process may use */
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n].name = xstrdup(de->d_name);
		v[n].ino = ino;
		n++;
	}
	closedir(dp);
	if (err < 0) {
		netns_names_free(v, n);
		return err;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), netns_name_cmp);
	*vp = v;
	*np = n;
	return 0;
}

void netns_names_free(struct netns_name *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* One namespace in the pool. */
struct netns_ent {
	uint32_t ino;
	int used;	/* asked for since the last sweep */
	struct diag *d; /* NULL: making it failed, for the reason in cause */
	char *cause;
};

struct netns_pool {
	struct netns_ent *v; /* sorted by ino */
	size_t n;
	size_t cap;
	int no_ages;
	int tcp_info;
	const struct diag_pushdown *pd;
};

struct netns_pool *netns_pool_new(void)
{
	return xcalloc(1, sizeof(struct netns_pool));
}

void netns_pool_free(struct netns_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		diag_free(p->v[i].d);
		free(p->v[i].cause);
	}
	free(p->v);
	free(p);
}

void netns_pool_set_ages(struct netns_pool *p, int on)
{
	size_t i;

	p->no_ages = !on;
	for (i = 0; i < p->n; i++)
		if (p->v[i].d != NULL)
			diag_set_ages(p->v[i].d, on);
}

void netns_pool_set_tcp_info(struct netns_pool *p, int on)
{
	size_t i;

	p->tcp_info = on;
	for (i = 0; i < p->n; i++)
		if (p->v[i].d != NULL)
			diag_set_tcp_info(p->v[i].d, on);
}

void netns_pool_set_pushdown(struct netns_pool *p, const struct diag_pushdown *pd)
{
	size_t i;

	p->pd = pd;
	for (i = 0; i < p->n; i++)
		if (p->v[i].d != NULL)
			diag_set_pushdown(p->v[i].d, pd);
}

/* Whether ino is in the pool; *at: its index, or where it would go. */
static int netns_pool_find(const struct netns_pool *p, uint32_t ino, size_t *at)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->v[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < p->n && p->v[lo].ino == ino;
}

/*
 * Whether a failure to make a namespace's socket says something about the
 * namespace (no privilege to enter it, ...) and so is remembered until the
 * namespace leaves the pool. Not so a file that vanished or came to name
 * another namespace (the next refresh may name it through another process)
 * nor a shortage of fds, memory or threads: they are tried again.
 */
static int netns_failure_lasts(int err)
{
	switch (-err) {
	case ENOENT:
	case ESRCH:
	case ESTALE:
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOBUFS:
	case EAGAIN:
	case EINTR:
		return 0;
	}
	return 1;
}

struct diag *netns_pool_get(struct netns_pool *p, uint32_t ino, const char *nspath, char **cause)
{
	struct netns_ent *e;
	size_t i;

	/* 0 would let nspath name any namespace, filed under 0. */
	if (ino == 0) {
		if (cause != NULL)
			*cause = xstrdup("no network namespace inode");
		return NULL;
	}
	if (!netns_pool_find(p, ino, &i)) {
		char *why = NULL;
		struct diag *d;
		int err = 0;

		d = diag_new_ns(nspath, ino, &why, &err);
		if (d == NULL && !netns_failure_lasts(err)) {
			if (cause != NULL)
				*cause = why;
			else
				free(why);
			return NULL;
		}
		if (d != NULL) {
			diag_set_ages(d, !p->no_ages);
			diag_set_tcp_info(d, p->tcp_info);
			diag_set_pushdown(d, p->pd);
		}
		p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof(*p->v));
		memmove(&p->v[i + 1], &p->v[i], (p->n - i) * sizeof(*p->v));
		p->n++;
		p->v[i] = (struct netns_ent){ .ino = ino, .d = d, .cause = why };
	}
	e = &p->v[i];
	e->used = 1;
	if (e->d != NULL) {
		diag_set_nspath(e->d, nspath);
		return e->d;
	}
	if (cause != NULL)
		*cause = xstrdup(e->cause);
	return NULL;
}

void netns_pool_sweep(struct netns_pool *p)
{
	size_t i, k = 0;

	for (i = 0; i < p->n; i++) {
		struct netns_ent *e = &p->v[i];

		if (!e->used) {
			diag_free(e->d);
			free(e->cause);
			continue;
		}
		e->used = 0;
		p->v[k++] = *e;
	}
	p->n = k;
}

size_t netns_pool_size(const struct netns_pool *p)
{
	return p->n;
}
