/* proc.h: one pass over /proc: processes, their fd tables and limits. */
#ifndef SOCKWATCH_PROC_H
#define SOCKWATCH_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "sockwatch/util.h"

#define PROC_UNKNOWN   (-1)	 /* for fds, fd_limit, uid: could not be read */
#define PROC_UNLIMITED INT64_MAX /* fd_limit "unlimited" */

struct proc_rec {
	int pid;
	uint64_t start;	  /* starttime, field 22 of /proc/PID/stat (clock ticks) */
	int ppid;	  /* field 4: the parent's pid (0: none) */
	char state;	  /* field 3: R, S, D, T, t, Z, ...; 0 unknown */
	int64_t uid;	  /* real uid, PROC_UNKNOWN if unreadable */
	char comm[17];	  /* raw bytes from the kernel, NUL-terminated; untrusted */
	uint32_t cmdline; /* strpool offset: argv joined by single spaces, raw; 0 none */
	uint32_t user;	  /* strpool offset of the user name; 0: unknown (show the uid) */
	int64_t fds;	  /* open fds, PROC_UNKNOWN if unknown */
	int64_t fd_limit; /* soft RLIMIT_NOFILE, PROC_UNKNOWN / PROC_UNLIMITED */
	int fd_readable;  /* 1: every fd link was read, socket inodes are complete */
	uint32_t ino_off; /* range of this process's socket inodes in proc_table.inodes */
	uint32_t ino_n;	  /* distinct socket inodes (a dup'ed socket counts once) */
	/* inode of its network namespace (readlink of /proc/PID/ns/net, "net:[N]"), 0: unknown */
	uint32_t netns;
	/*
	 * strpool offset of its cgroup path (the v2 "0::" line of /proc/PID/cgroup,
	 * else the name=systemd line: proc_parse_cgroup), 0: unknown
	 */
	uint32_t cgroup;
};

struct proc_table {
	struct proc_rec *v;
	size_t n;
	size_t cap;
	uint32_t *inodes; /* socket inodes, grouped per process, sorted within a process */
	size_t ninodes;
	size_t inocap;
	struct strpool strs;
	size_t denied;	 /* processes shown as unknown: fd table unreadable, or starved */
	size_t starved;	 /* of these, not read for lack of fds or memory (EMFILE, ENFILE, ENOMEM) */
	int starved_err; /* the errno of the first of them */
	int64_t file_nr; /* /proc/sys/fs/file-nr allocated, PROC_UNKNOWN */
	int64_t file_max; /* /proc/sys/fs/file-nr max, PROC_UNKNOWN */
};

void proc_table_init(struct proc_table *t);
void proc_table_fini(struct proc_table *t);
void proc_table_reset(struct proc_table *t);

/* A scanner keeps caches across refreshes (user names, ...). */
struct proc_scanner;
struct proc_scanner *proc_scanner_new(const char *root); /* root: "/proc" or a fixture tree */
void proc_scanner_free(struct proc_scanner *s);
/*
 * Scan every process under root into t (reset first). Processes and fds that
 * vanish mid-scan are skipped; one that cannot be read for lack of fds or
 * memory is listed as unknown (t->starved), never skipped as if it had
 * exited. 0, or -errno if root itself cannot be read.
 */
int proc_scan(struct proc_scanner *s, struct proc_table *t);

/* An unowned socket makes its uid's processes rescanned at most every N refreshes. */
#define PROC_CHASE_EVERY 5

struct proc_scan_stats {
	size_t rescanned; /* processes whose fd table was read */
	size_t cached;	  /* processes taken from the cache */
	size_t chases;	  /* uids whose processes were marked for a rescan */
	int full;	  /* this was a full rescan */
};

/*
 * A full rescan every n refreshes (0: every refresh, no cache). A new scanner
 * has 0, the safe choice; the period is a setting (rescan), not the scanner's.
 */
void proc_scanner_set_full_every(struct proc_scanner *s, unsigned n);
/*
 * The dump showed a socket inode that no scanned process holds: rescan the
 * processes of its uid at the next refresh (once per inode, rate-limited).
 */
void proc_scanner_unowned(struct proc_scanner *s, uint32_t inode, uint32_t uid);
const struct proc_scan_stats *proc_scanner_stats(const struct proc_scanner *s);

#define PROC_PROTO_NAME 32 /* room for a protocol name of proc_sock_protos() */
/*
 * The kernel's protocol names ("TCP", "UDPv6", "NETLINK": the system.sockprotoname
 * attribute of a socket fd) of the sockets of process pid whose inodes are the n
 * given, in increasing order: names[i] for inodes[i], "" when no fd of it was
 * found. Reads the process's fd table (up to the last of them it finds): for
 * the few sockets no dump listed, never for every socket. 0, or -errno when
 * the fd table cannot be read.
 */
int proc_sock_protos(const char *root, int pid, const uint32_t *inodes, size_t n,
		     char (*names)[PROC_PROTO_NAME]);

/*
 * Sockets in use in one network namespace (/proc/PID/net/sockstat and sockstat6,
 * which count the namespace of PID): hashed sockets per protocol, and TIME_WAIT.
 * PROC_UNKNOWN when unreadable.
 */
struct proc_sockstat {
	int64_t tcp, tcp6, tw, udp, udp6, udplite, udplite6;
};
/* Of process pid's namespace (0: sockwatch's own). */
void proc_read_sockstat(const char *root, int pid, struct proc_sockstat *out);
/* Fill the fields that a sockstat or sockstat6 text has; leaves the others. */
void proc_parse_sockstat(const char *buf, size_t len, struct proc_sockstat *out);

/* System-wide limits and counters (PROC_UNKNOWN when unreadable). */
struct proc_sys {
	int64_t max_orphans;	  /* net.ipv4.tcp_max_orphans */
	int64_t port_lo, port_hi; /* net.ipv4.ip_local_port_range */
	int64_t listen_overflows; /* TcpExt ListenOverflows, since boot */
	int64_t listen_drops;	  /* TcpExt ListenDrops, since boot */
};
void proc_read_sys(const char *root, struct proc_sys *out);
/*
 * The cgroup path of a /proc/PID/cgroup text: the path of the cgroup v2 line
 * ("0::/..."), else that of the v1 line of the name=systemd hierarchy
 * ("N:name=systemd:/..."). A v2 line of the root alone ("0::/") yields to a
 * name=systemd line that says more: on a v1 host where something mounted
 * cgroup2 (a CNI, a container runtime) every process shows "0::/", and the
 * name=systemd hierarchy is the one systemd runs. A v2 path ends before
 * " (deleted)", which marks the removed cgroup of a zombie. *path points into
 * buf (not NUL-terminated), *plen > 0. 0, or -1 when neither line is there.
 */
int proc_parse_cgroup(const char *buf, size_t len, const char **path, size_t *plen);
/* The inode of a "net:[N]" namespace link target (N > 0, 32 bits): 0, or -1. */
int proc_parse_netns_link(const char *buf, size_t len, uint32_t *ino);

/* One counter of /proc/net/netstat ("TcpExt:", "ListenOverflows"): 0, or -1. */
int proc_parse_netstat(const char *buf, size_t len, const char *prefix, const char *key,
		       int64_t *out);

/*
 * Whether this process may inspect every other one: CAP_DAC_READ_SEARCH and
 * CAP_SYS_PTRACE in its effective set (root has them), from root/self/status.
 */
int proc_self_privileged(const char *root);
/*
 * Whether this process may enter other processes' network namespaces:
 * CAP_SYS_ADMIN (setns) and CAP_SYS_PTRACE (to open their ns files).
 */
int proc_self_may_enter_netns(const char *root);
/* The CapEff mask of a /proc/PID/status text: 0, or -1 when absent. */
int proc_parse_capeff(const char *buf, size_t len, uint64_t *caps);
/* Allocated and maximum file handles (root/sys/fs/file-nr) into t, PROC_UNKNOWN if unreadable. */
void proc_read_file_nr(const char *root, struct proc_table *t);

/* The start time of one process (to check a pid was not reused): 0 or -errno. */
int proc_start_time(const char *root, int pid, uint64_t *start);

#endif
