/* scan.c: one pass over /proc: processes, their fd tables, limits and names. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/proc.h"
#include "parse.h"
#include "users.h"

#define ROOT_DENTS_SIZE (32 * 1024)
#define FD_DENTS_SIZE	(64 * 1024)
#define TASK_DENTS_SIZE (4 * 1024)
#define CMDLINE_MAX	4096
#define CGROUP_MAX	8192	   /* a v1 host lists a dozen hierarchies, each with its path */
#define PF_KTHREAD	0x00200000 /* include/linux/sched.h */

/*
 * What the scanner remembers of a process between refreshes, so that a
 * steady-state refresh reads only stat and the size of /proc/PID/fd for most
 * processes: the fd table is read again only when its size changed.
 */
struct proc_cache {
	int pid;
	uint64_t start;
	int64_t fd_size;     /* st_size of /proc/PID/fd when the fds were read */
	uint32_t seen;	     /* generation of the last refresh that saw it */
	int force;	     /* read its fds at the next refresh */
	int denied;	     /* its fd table could not be read for lack of permission */
	int info_read;	     /* cmdline, cgroup, uid and limit were read (not only guessed) */
	uint64_t dir_ino;    /* inode of /proc/PID: a reused pid gets a new one */
	struct proc_rec rec; /* string offsets in rec are meaningless here */
	char *cmdline;
	size_t cmdlen;
	char *cgroup; /* the cgroup path, copied like the command line; NULL: unknown */
	size_t cglen;
	uint32_t *ino;
	size_t inocap;
};

struct proc_scanner {
	char *root;
	struct proc_users users;
	char *root_dents; /* getdents64 buffer for the root listing */
	char *fd_dents;	  /* getdents64 buffer for fd directories */

	struct proc_cache *cache;
	size_t ncache, cachecap;
	struct hmap pids;      /* pid -> index + 1 in cache */
	struct hmap chased;    /* unowned socket inode -> first refresh seen, or resolved */
	struct hmap uid_chase; /* uid -> refresh that last re-read its processes */
	uint32_t gen;	       /* refresh counter */
	unsigned full_every;   /* a full rescan every N refreshes; 0: always */
	int full_now;	       /* this refresh reads everything */
	int size_counts;       /* st_size of /proc/PID/fd counts fds (Linux >= 6.2) */
	int live;	       /* root is the real /proc (prlimit works on its pids) */
	struct proc_scan_stats stats;
};

/* Why a process's fd table was not read completely. */
enum {
	FDS_OK,
	FDS_DENIED,  /* EACCES/EPERM, or the fd directory is missing from a live process */
	FDS_STARVED, /* sockwatch ran out of fds or memory (is_starved_errno): unknown */
	FDS_UNKNOWN, /* some other error: unknown, not denied */
	FDS_VANISHED,
};

void proc_table_init(struct proc_table *t)
{
	memset(t, 0, sizeof(*t));
	strpool_init(&t->strs);
	t->file_nr = PROC_UNKNOWN;
	t->file_max = PROC_UNKNOWN;
}

void proc_table_fini(struct proc_table *t)
{
	free(t->v);
	free(t->inodes);
	strpool_fini(&t->strs);
	memset(t, 0, sizeof(*t));
}

void proc_table_reset(struct proc_table *t)
{
	t->n = 0;
	t->ninodes = 0;
	strpool_reset(&t->strs);
	t->denied = 0;
	t->starved = 0;
	t->starved_err = 0;
	t->file_nr = PROC_UNKNOWN;
	t->file_max = PROC_UNKNOWN;
}

struct proc_scanner *proc_scanner_new(const char *root)
{
	struct proc_scanner *s = xcalloc(1, sizeof(*s));

	s->root = xstrdup(root ? root : "/proc");
	s->live = strcmp(s->root, "/proc") == 0;
	proc_users_init(&s->users);
	s->root_dents = xmalloc(ROOT_DENTS_SIZE);
	s->fd_dents = xmalloc(FD_DENTS_SIZE);
	hmap_init(&s->pids, sizeof(int), 256);
	hmap_init(&s->chased, sizeof(uint32_t), 256);
	hmap_init(&s->uid_chase, sizeof(uint32_t), 16);
	s->size_counts = -1;
	return s;
}

void proc_scanner_set_full_every(struct proc_scanner *s, unsigned n)
{
	s->full_every = n;
}

const struct proc_scan_stats *proc_scanner_stats(const struct proc_scanner *s)
{
	return &s->stats;
}

static void cache_ent_free(struct proc_cache *e)
{
	free(e->cmdline);
	free(e->cgroup);
	free(e->ino);
}

void proc_scanner_free(struct proc_scanner *s)
{
	if (!s)
		return;
	proc_users_fini(&s->users);
	for (size_t i = 0; i < s->ncache; i++)
		cache_ent_free(&s->cache[i]);
	free(s->cache);
	hmap_fini(&s->pids);
	hmap_fini(&s->chased);
	hmap_fini(&s->uid_chase);
	free(s->root_dents);
	free(s->fd_dents);
	free(s->root);
	free(s);
}

/*
 * Read up to cap bytes of dirfd/name into buf: the length, or -errno. A short
 * read ends it: procfs generates these files whole and returns all it has in
 * one read, so this saves a second read() per file (regular files in fixtures
 * behave the same).
 */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t cap)
{
	size_t len = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	while (len < cap) {
		size_t want = cap - len;
		ssize_t r = read(fd, buf + len, want);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if ((size_t)r < want)
			break;
	}
	close(fd);
	return (ssize_t)len;
}

/* After ENOENT/ESRCH on one of its files: has the process itself gone? */
static int pid_vanished(int pfd)
{
	return faccessat(pfd, "stat", F_OK, 0) != 0;
}

static int is_gone_errno(int e)
{
	return e == ENOENT || e == ESRCH;
}

/* Out of fds (sockwatch's or the system's) or kernel memory: the process is there, unread. */
static int is_starved_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM;
}

/* The reason the first starved process of this refresh was not read, for the hint. */
static void note_starved(struct proc_table *t, int e)
{
	if (t->starved_err == 0)
		t->starved_err = e;
}

/* Append one socket inode to the table. */
static inline void push_inode(struct proc_table *t, uint32_t ino)
{
	if (t->ninodes == t->inocap)
		t->inodes = xgrow(t->inodes, &t->inocap, t->ninodes + 1, sizeof(*t->inodes));
	t->inodes[t->ninodes++] = ino;
}

/*
 * List one open fd directory: count the numeric entries into *count and append
 * the socket inodes. If a link cannot be read for lack of permission, the
 * inodes collected so far are dropped and only counting goes on. Returns FDS_*.
 */
static int read_fd_dir(struct proc_scanner *s, struct proc_table *t, int ffd, size_t *count)
{
	size_t off = t->ninodes;
	int links = 1; /* still reading link targets */
	int rc = FDS_OK;
	char lbuf[64];

	*count = 0;
	for (;;) {
		ssize_t n = getdents64(ffd, s->fd_dents, FD_DENTS_SIZE);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EACCES || errno == EPERM) {
				rc = FDS_DENIED;
			} else if (is_gone_errno(errno)) {
				rc = FDS_VANISHED;
			} else if (is_starved_errno(errno)) {
				note_starved(t, errno);
				rc = FDS_STARVED;
			} else {
				rc = FDS_UNKNOWN;
			}
			*count = 0; /* a partial listing counts nothing */
			break;
		}
		if (n == 0)
			break;
		for (ssize_t pos = 0; pos < n;) {
			struct dirent64 *d = (struct dirent64 *)(s->fd_dents + pos);
			const char *name = d->d_name;
			ssize_t l;

			pos += d->d_reclen;
			if (name[0] < '0' || name[0] > '9')
				continue; /* ".", "..", and stray fixture files */
			if (!links) {
				(*count)++;
				continue;
			}
			l = readlinkat(ffd, name, lbuf, sizeof(lbuf));
			if (l < 0) {
				if (is_gone_errno(errno))
					continue; /* closed since the listing: not counted */
				if (errno == EACCES || errno == EPERM || is_starved_errno(errno)) {
					/* The inodes would be incomplete: count only. */
					if (is_starved_errno(errno))
						note_starved(t, errno);
					links = 0;
					rc = is_starved_errno(errno) ? FDS_STARVED : FDS_DENIED;
					t->ninodes = off;
				}
				(*count)++; /* exists, type unknown (EINVAL: not a link) */
				continue;
			}
			(*count)++;
			uint32_t ino = proc_parse_socket_link(lbuf, (size_t)l);
			if (ino)
				push_inode(t, ino);
		}
	}
	if (rc != FDS_OK)
		t->ninodes = off;
	return rc;
}

/*
 * A zombie thread-group leader has an empty /proc/PID/fd (owned by root, as it
 * has no mm any more) while its live threads still hold the shared fd table:
 * read it from the first other thread whose task/TID/fd lists anything. Cheap
 * because it runs only for state Z with more than one thread. 1 if found.
 */
static int read_task_fds(struct proc_scanner *s, struct proc_table *t, int pfd, int pid,
			 size_t *count)
{
	char buf[TASK_DENTS_SIZE];
	char path[32];
	int tfd = openat(pfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (tfd < 0)
		return 0;
	for (;;) {
		ssize_t n = getdents64(tfd, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (ssize_t pos = 0; pos < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + pos);
			int tid = proc_parse_pid(d->d_name);
			int ffd;

			pos += d->d_reclen;
			if (tid < 0 || tid == pid)
				continue;
			snprintf(path, sizeof(path), "%d/fd", tid);
			ffd = openat(tfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (ffd < 0)
				continue;
			int rc = read_fd_dir(s, t, ffd, count);
			close(ffd);
			if (rc == FDS_OK && *count > 0) {
				close(tfd);
				return 1;
			}
		}
	}
	close(tfd);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Sort and deduplicate the inodes from off to the end of the table. */
static uint32_t sort_dedupe(struct proc_table *t, size_t off)
{
	size_t n = t->ninodes - off, m;
	uint32_t *v;

	if (n == 0)
		return 0; /* t->inodes may still be NULL */
	v = t->inodes + off;
	for (size_t i = 1; i < n; i++) {
		if (v[i] < v[i - 1]) {
			qsort(v, n, sizeof(*v), cmp_u32);
			break;
		}
	}
	m = 1;
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[m - 1])
			v[m++] = v[i];
	t->ninodes = off + m;
	return (uint32_t)m;
}

/* The fd count from stat(/proc/PID/fd).st_size (Linux >= 6.2), or PROC_UNKNOWN. */
static int64_t fds_from_stat(int pfd)
{
	struct stat st;

	if (fstatat(pfd, "fd", &st, 0) == 0 && st.st_size > 0)
		return (int64_t)st.st_size;
	return PROC_UNKNOWN;
}

/* Fill rec's fd fields. Returns FDS_VANISHED if the process has gone. */
static int scan_fds(struct proc_scanner *s, struct proc_table *t, int pfd,
		    const struct proc_stat_info *si, struct proc_rec *rec)
{
	size_t count = 0;
	int rc, ffd;

	rec->ino_off = (uint32_t)t->ninodes;
	if (si->flags & PF_KTHREAD) {
		/* Kernel threads have no fd table (even root lists none): nothing is denied. */
		rec->fd_readable = 1;
		rec->fds = 0;
		rec->ino_n = 0;
		return FDS_OK;
	}
	ffd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ffd < 0) {
		int e = errno;

		if (is_gone_errno(e) && pid_vanished(pfd))
			return FDS_VANISHED;
		if (is_starved_errno(e)) {
			note_starved(t, e);
			rc = FDS_STARVED;
		} else {
			rc = (e == EACCES || e == EPERM || is_gone_errno(e)) ? FDS_DENIED
									     : FDS_UNKNOWN;
		}
	} else {
		rc = read_fd_dir(s, t, ffd, &count);
		close(ffd);
		if (rc == FDS_VANISHED) {
			if (pid_vanished(pfd))
				return FDS_VANISHED;
			rc = FDS_UNKNOWN;
		}
	}
	if ((rc != FDS_OK || count == 0) && si->state == 'Z' && si->threads > 1) {
		size_t tcount;

		if (read_task_fds(s, t, pfd, rec->pid, &tcount)) {
			rc = FDS_OK;
			count = tcount;
		}
	}

	if (rc == FDS_OK) {
		rec->fd_readable = 1;
		rec->fds = (int64_t)count;
		rec->ino_n = sort_dedupe(t, rec->ino_off);
		return FDS_OK;
	}
	rec->fd_readable = 0;
	rec->ino_n = 0;
	/* A complete listing whose links were denied still counted them. */
	rec->fds = count > 0 ? (int64_t)count : fds_from_stat(pfd);
	/* Both are unknown to the reader (processes_unknown); the hint tells them apart. */
	if (rc == FDS_DENIED || rc == FDS_STARVED)
		t->denied++;
	if (rc == FDS_STARVED)
		t->starved++;
	return rc;
}

static struct proc_cache *cache_get(struct proc_scanner *s, int pid)
{
	uint32_t *slot = hmap_get(&s->pids, &pid);

	return slot ? &s->cache[*slot - 1] : NULL;
}

static struct proc_cache *cache_put(struct proc_scanner *s, int pid)
{
	int isnew;
	uint32_t *slot = hmap_put(&s->pids, &pid, &isnew);

	if (isnew) {
		s->cache = xgrow(s->cache, &s->cachecap, s->ncache + 1, sizeof(*s->cache));
		memset(&s->cache[s->ncache], 0, sizeof(*s->cache));
		s->cache[s->ncache].pid = pid;
		*slot = (uint32_t)++s->ncache;
	}
	return &s->cache[*slot - 1];
}

/* Forget the processes this refresh did not see. */
static void cache_sweep(struct proc_scanner *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->ncache; i++) {
		if (s->cache[i].seen != s->gen) {
			cache_ent_free(&s->cache[i]);
			continue;
		}
		s->cache[n++] = s->cache[i];
	}
	if (n == s->ncache)
		return;
	s->ncache = n;
	hmap_clear(&s->pids);
	for (i = 0; i < n; i++)
		*hmap_put(&s->pids, &s->cache[i].pid, NULL) = (uint32_t)(i + 1);
}

static void copy_comm(struct proc_rec *rec, const struct proc_stat_info *si)
{
	size_t cl = si->comm_len < sizeof(rec->comm) - 1 ? si->comm_len : sizeof(rec->comm) - 1;
	const char *nul = memchr(si->comm, '\0', cl);

	if (nul)
		cl = (size_t)(nul - si->comm);
	memcpy(rec->comm, si->comm, cl);
	rec->comm[cl] = '\0';
}

static struct proc_rec *table_new_rec(struct proc_table *t)
{
	if (t->n == t->cap)
		t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
	return &t->v[t->n];
}

/* A process whose fd table did not change: its record comes from the cache. */
static void emit_cached(struct proc_scanner *s, struct proc_table *t, struct proc_cache *e)
{
	struct proc_rec *rec = table_new_rec(t);

	/*
	 * netns too, as of the last full read: a process that moves (unshare,
	 * setns) without changing its fd count is seen at the next full rescan.
	 */
	*rec = e->rec;
	rec->cmdline = e->cmdlen ? strpool_add(&t->strs, e->cmdline, e->cmdlen) : 0;
	rec->cgroup = e->cglen ? strpool_add(&t->strs, e->cgroup, e->cglen) : 0;
	rec->user = rec->uid >= 0 ? proc_users_name(&s->users, (uint32_t)rec->uid, &t->strs) : 0;
	rec->ino_off = (uint32_t)t->ninodes;
	if (rec->ino_n > 0) {
		t->inodes =
			xgrow(t->inodes, &t->inocap, t->ninodes + rec->ino_n, sizeof(*t->inodes));
		memcpy(t->inodes + t->ninodes, e->ino, rec->ino_n * sizeof(*e->ino));
		t->ninodes += rec->ino_n;
	}
	if (e->denied)
		t->denied++;
	t->n++;
	s->stats.cached++;
}

/* Remember what a full read of a process found. */
static void cache_store(struct proc_scanner *s, const struct proc_table *t,
			const struct proc_rec *rec, int64_t fd_size, uint64_t dir_ino, int denied,
			int info_read)
{
	struct proc_cache *e = cache_put(s, rec->pid);
	size_t len;
	const char *cmd;

	e->start = rec->start;
	e->fd_size = fd_size;
	e->seen = s->gen;
	e->force = 0;
	e->rec = *rec;
	e->denied = denied;
	e->dir_ino = dir_ino;
	e->info_read = info_read;
	if (info_read) {
		cmd = strpool_get(&t->strs, rec->cmdline, &len);
		free(e->cmdline);
		e->cmdline = len ? xstrndup(cmd, len) : NULL;
		e->cmdlen = len;
		cmd = strpool_get(&t->strs, rec->cgroup, &len);
		free(e->cgroup);
		e->cgroup = len ? xstrndup(cmd, len) : NULL;
		e->cglen = len;
	}
	if (rec->ino_n > 0) {
		e->ino = xgrow(e->ino, &e->inocap, rec->ino_n, sizeof(*e->ino));
		memcpy(e->ino, t->inodes + rec->ino_off, rec->ino_n * sizeof(*e->ino));
	}
}

/* The soft fd limit by prlimit(), which needs no fd: 0, or -1 (not live, or refused). */
static int nofile_limit(const struct proc_scanner *s, int pid, int64_t *out)
{
	struct rlimit rl;

	/* prlimit() is a syscall where /proc/PID/limits formats a whole table. */
	if (!s->live || prlimit(pid, RLIMIT_NOFILE, NULL, &rl) != 0)
		return -1;
	*out = rl.rlim_cur == RLIM_INFINITY ? PROC_UNLIMITED : (int64_t)rl.rlim_cur;
	return 0;
}

/*
 * The path of the process's cgroup into rec->cgroup; it stays 0 (unknown) when
 * the file cannot be read or has neither a v2 nor a name=systemd line. The
 * length read, or -errno.
 */
static ssize_t scan_cgroup(struct proc_table *t, int pfd, struct proc_rec *rec)
{
	char buf[CGROUP_MAX];
	const char *path;
	size_t len, plen;
	ssize_t n = read_at(pfd, "cgroup", buf, sizeof(buf));

	if (n <= 0)
		return n;
	len = (size_t)n;
	if (len == sizeof(buf)) {
		/* Cut short: the last line may end inside its path. Whole lines only. */
		const char *nl = memrchr(buf, '\n', len);

		len = nl ? (size_t)(nl - buf) + 1 : 0;
	}
	if (proc_parse_cgroup(buf, len, &path, &plen) == 0)
		rec->cgroup = strpool_add(&t->strs, path, plen);
	return n;
}

/*
 * Read cmdline, cgroup, uid and the fd limit: 0; 1 if a file could not be read
 * for lack of fds or memory (read them again next time); -1 if the process vanished.
 */
static int scan_info(struct proc_scanner *s, struct proc_table *t, int pfd, struct proc_rec *rec)
{
	char buf[CMDLINE_MAX];
	int starved = 0;
	ssize_t n;

	n = read_at(pfd, "cmdline", buf, CMDLINE_MAX);
	if (n > 0) {
		size_t len = proc_cmdline_join(buf, (size_t)n);

		if (len > 0)
			rec->cmdline = strpool_add(&t->strs, buf, len);
	} else if (n < 0 && is_gone_errno((int)-n) && pid_vanished(pfd)) {
		return -1;
	}
	starved |= n < 0 && is_starved_errno((int)-n);

	n = scan_cgroup(t, pfd, rec);
	if (n < 0 && is_gone_errno((int)-n) && pid_vanished(pfd))
		return -1;
	starved |= n < 0 && is_starved_errno((int)-n);

	/* Uid: is near the top; 2 KiB holds it even after a 64-byte name escaped 4x. */
	n = read_at(pfd, "status", buf, 2048);
	if (n > 0)
		rec->uid = proc_parse_status_uid(buf, (size_t)n);
	else if (n < 0 && is_starved_errno((int)-n))
		starved = 1; /* the owner of /proc/PID stands in */
	else
		rec->uid = PROC_UNKNOWN;
	if (n < 0 && is_gone_errno((int)-n) && pid_vanished(pfd))
		return -1;

	if (nofile_limit(s, rec->pid, &rec->fd_limit) == 0)
		return starved;
	n = read_at(pfd, "limits", buf, sizeof(buf));
	if (n > 0)
		rec->fd_limit = proc_parse_limits_nofile(buf, (size_t)n);
	else if (n < 0 && is_gone_errno((int)-n) && pid_vanished(pfd))
		return -1;
	return starved || (n < 0 && is_starved_errno((int)-n));
}

/*
 * A process whose /proc/PID or stat could not be opened for lack of fds or
 * memory: listed as unknown, never skipped as if it had exited. It has what
 * needs no fd of its own (the owner of /proc/PID, the fd count from the size
 * of its fd directory, the fd limit) and what the cache knew of the same
 * process; it is read again at the next refresh.
 */
static void scan_starved(struct proc_scanner *s, struct proc_table *t, int rootfd, const char *name,
			 int pid, struct proc_cache *e, int err)
{
	char fdpath[32];
	struct proc_rec *rec;
	struct stat st;

	if (fstatat(rootfd, name, &st, 0) != 0)
		return; /* it has exited after all */
	note_starved(t, err);
	rec = table_new_rec(t);
	if (e != NULL && e->dir_ino == (uint64_t)st.st_ino) {
		/* The process of the last refresh: a reused pid has a new /proc/PID inode. */
		*rec = e->rec;
		rec->cmdline = e->cmdlen ? strpool_add(&t->strs, e->cmdline, e->cmdlen) : 0;
		rec->cgroup = e->cglen ? strpool_add(&t->strs, e->cgroup, e->cglen) : 0;
		e->seen = s->gen;
		e->force = 1;
	} else {
		memset(rec, 0, sizeof(*rec));
		rec->pid = pid;
		rec->uid = (int64_t)st.st_uid;
		if (nofile_limit(s, pid, &rec->fd_limit) != 0)
			rec->fd_limit = PROC_UNKNOWN;
	}
	snprintf(fdpath, sizeof(fdpath), "%s/fd", name);
	rec->fds = s->size_counts > 0 && fstatat(rootfd, fdpath, &st, 0) == 0 && st.st_size > 0
			   ? (int64_t)st.st_size
			   : PROC_UNKNOWN;
	rec->fd_readable = 0;
	rec->ino_off = (uint32_t)t->ninodes;
	rec->ino_n = 0;
	rec->user = rec->uid >= 0 ? proc_users_name(&s->users, (uint32_t)rec->uid, &t->strs) : 0;
	t->denied++;
	t->starved++;
	t->n++;
}

/*
 * The inode of the process's network namespace, from the ns/net link, into
 * *ino; 0 (unknown) when it cannot be read: another user's process without
 * privilege, a zombie, a fixture without the link. One readlink, no fd.
 * Returns 1 when sockwatch was short of memory (read it again), else 0.
 */
static int read_netns(int pfd, uint32_t *ino)
{
	char lbuf[64];
	uint32_t v;
	ssize_t l = readlinkat(pfd, "ns/net", lbuf, sizeof(lbuf));

	*ino = 0;
	if (l < 0)
		return is_starved_errno(errno);
	if ((size_t)l < sizeof(lbuf) && proc_parse_netns_link(lbuf, (size_t)l, &v) == 0)
		*ino = v;
	return 0;
}

/*
 * Scan one pid directory into a new record; a vanished process leaves no
 * record. In steady state an unchanged process costs two stat() calls: the
 * inode of /proc/PID (a reused pid gets a new one) and the size of its fd
 * directory (its fd count). Its fd table is read again only when that size
 * changed, when the process is new, when a rescan was forced, or on a full
 * rescan. Command lines, cgroups, uids and limits are read only for processes
 * that hold sockets (or cannot be inspected), and again only on full rescans;
 * the network namespace is read on every read of the fd table.
 */
static void scan_pid(struct proc_scanner *s, struct proc_table *t, int rootfd, const char *name,
		     int pid)
{
	char buf[4096];
	struct proc_stat_info si;
	struct proc_cache *e = cache_get(s, pid);
	struct proc_rec *rec;
	struct stat st, dst;
	int64_t fd_size = -1;
	size_t denied0 = t->denied, starved0 = t->starved;
	int info_read = 0, ns_starved, retry, rc;
	ssize_t n;
	int pfd;

	if (e != NULL && !s->full_now && !e->force && s->size_counts > 0) {
		char fdpath[32];

		snprintf(fdpath, sizeof(fdpath), "%s/fd", name);
		if (fstatat(rootfd, name, &dst, 0) == 0 && (uint64_t)dst.st_ino == e->dir_ino &&
		    fstatat(rootfd, fdpath, &st, 0) == 0 && st.st_size > 0 &&
		    (int64_t)st.st_size == e->fd_size) {
			e->seen = s->gen;
			emit_cached(s, t, e);
			return;
		}
	}
	pfd = openat(rootfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		if (is_starved_errno(errno))
			scan_starved(s, t, rootfd, name, pid, e, errno);
		return;
	}
	/* stat gives the key (pid, starttime) and comm: the same bytes as /proc/PID/comm. */
	n = read_at(pfd, "stat", buf, sizeof(buf));
	if (n < 0 && is_starved_errno((int)-n)) {
		close(pfd);
		scan_starved(s, t, rootfd, name, pid, e, (int)-n);
		return;
	}
	if (n <= 0 || proc_parse_stat(buf, (size_t)n, &si) < 0 || fstat(pfd, &dst) != 0)
		goto out;
	if (s->size_counts > 0 && fstatat(pfd, "fd", &st, 0) == 0)
		fd_size = (int64_t)st.st_size;
	if (e != NULL && e->start != si.start)
		e = NULL; /* a reused pid: a new process */

	rec = table_new_rec(t);
	memset(rec, 0, sizeof(*rec));
	rec->pid = pid;
	rec->start = si.start;
	rec->ppid = si.ppid;
	rec->state = si.state;
	rec->uid = (int64_t)dst.st_uid; /* the owner of /proc/PID, until status says */
	rec->fds = PROC_UNKNOWN;
	rec->fd_limit = PROC_UNKNOWN;
	rec->ino_off = (uint32_t)t->ninodes;
	copy_comm(rec, &si);
	ns_starved = read_netns(pfd, &rec->netns);
	if (ns_starved && e != NULL)
		rec->netns = e->rec.netns; /* the same process: keep what was read */

	rc = scan_fds(s, t, pfd, &si, rec);
	if (rc == FDS_VANISHED) {
		t->ninodes = rec->ino_off;
		goto out;
	}
	retry = rc == FDS_STARVED || ns_starved;
	if (e != NULL && e->info_read && !s->full_now) {
		/* Same process: what it runs, where, who it is and its limit are known. */
		info_read = 1;
		rec->uid = e->rec.uid;
		rec->fd_limit = e->rec.fd_limit;
		rec->cmdline = e->cmdlen ? strpool_add(&t->strs, e->cmdline, e->cmdlen) : 0;
		rec->cgroup = e->cglen ? strpool_add(&t->strs, e->cgroup, e->cglen) : 0;
	} else if (rec->ino_n > 0 || !rec->fd_readable) {
		int r = scan_info(s, t, pfd, rec);

		if (r < 0) {
			t->ninodes = rec->ino_off;
			t->denied = denied0;
			t->starved = starved0;
			goto out;
		}
		info_read = r == 0;
		retry |= r > 0;
	}
	if (rec->uid >= 0)
		rec->user = proc_users_name(&s->users, (uint32_t)rec->uid, &t->strs);
	t->n++;
	s->stats.rescanned++;
	cache_store(s, t, rec, fd_size, (uint64_t)dst.st_ino, t->denied > denied0, info_read);
	/* What was short of fds or memory is read again at the next refresh. */
	if (retry)
		cache_get(s, pid)->force = 1;
out:
	close(pfd);
}

/* In the unowned map: the inode was looked for and is held by no readable process. */
#define UNOWNED_RESOLVED UINT32_MAX

void proc_scanner_unowned(struct proc_scanner *s, uint32_t inode, uint32_t uid)
{
	uint32_t *first, *rescanned;
	int isnew;
	size_t i;

	first = hmap_put(&s->chased, &inode, &isnew);
	if (isnew)
		*first = s->gen; /* first seen unowned by this refresh */
	if (*first == UNOWNED_RESOLVED)
		return;
	/*
	 * A scan that read this uid's fd tables after the socket appeared did
	 * not find it: it is legitimately unowned (in flight, a private thread
	 * table, an unreadable process). A full rescan reads every table.
	 */
	rescanned = hmap_put(&s->uid_chase, &uid, &isnew);
	if (isnew)
		*rescanned = 0;
	if ((s->full_now && *first == s->gen) || (!isnew && *rescanned > *first)) {
		*first = UNOWNED_RESOLVED;
		return;
	}
	if (!isnew && *rescanned + PROC_CHASE_EVERY > s->gen + 1)
		return;		 /* rate limit: asked again at a later refresh */
	*rescanned = s->gen + 1; /* the next refresh reads them */
	for (i = 0; i < s->ncache; i++) {
		if (s->cache[i].rec.uid == (int64_t)uid)
			s->cache[i].force = 1;
	}
	s->stats.chases++;
}

/* root/sys/fs/file-nr: allocated and max file handles. */
static void scan_file_nr(struct proc_table *t, int rootfd)
{
	char buf[128];
	ssize_t n = read_at(rootfd, "sys/fs/file-nr", buf, sizeof(buf));

	if (n <= 0 || proc_parse_file_nr(buf, (size_t)n, &t->file_nr, &t->file_max) < 0) {
		t->file_nr = PROC_UNKNOWN;
		t->file_max = PROC_UNKNOWN;
	}
}

void proc_read_file_nr(const char *root, struct proc_table *t)
{
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	t->file_nr = t->file_max = PROC_UNKNOWN;
	if (rootfd < 0)
		return;
	scan_file_nr(t, rootfd);
	close(rootfd);
}

int proc_scan(struct proc_scanner *s, struct proc_table *t)
{
	int rootfd;
	int first = 1;

	proc_table_reset(t);
	rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	if (s->size_counts < 0) {
		/* Since Linux 6.2 the size of /proc/PID/fd is its fd count; before, 0. */
		struct stat st;

		s->size_counts = fstatat(rootfd, "self/fd", &st, 0) == 0 && st.st_size > 0;
	}
	s->gen++;
	s->full_now = s->full_every == 0 || !s->size_counts || s->gen % s->full_every == 1;
	if (s->full_now)
		hmap_clear(&s->chased);
	memset(&s->stats, 0, sizeof(s->stats));
	s->stats.full = s->full_now;
	proc_users_begin(&s->users);
	scan_file_nr(t, rootfd);
	for (;;) {
		ssize_t n = getdents64(rootfd, s->root_dents, ROOT_DENTS_SIZE);

		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (first) {
				close(rootfd);
				return -e;
			}
			break; /* keep what was scanned */
		}
		if (n == 0)
			break;
		first = 0;
		for (ssize_t pos = 0; pos < n;) {
			struct dirent64 *d = (struct dirent64 *)(s->root_dents + pos);
			int pid;

			pos += d->d_reclen;
			if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)
				continue;
			pid = proc_parse_pid(d->d_name);
			if (pid > 0)
				scan_pid(s, t, rootfd, d->d_name, pid);
		}
	}
	close(rootfd);
	cache_sweep(s);
	return 0;
}
