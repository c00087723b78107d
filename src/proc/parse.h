/* parse.h: pure parsers for procfs file contents (private to src/proc). */
#ifndef SOCKWATCH_PROC_PARSE_H
#define SOCKWATCH_PROC_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* What proc_parse_stat extracts from /proc/PID/stat. */
struct proc_stat_info {
	const char *comm; /* points into the parsed buffer, not NUL-terminated */
	size_t comm_len;
	char state;	/* field 3 */
	int ppid;	/* field 4 */
	uint64_t flags; /* field 9: PF_* (PF_KTHREAD 0x00200000 marks a kernel thread) */
	long threads;	/* field 20 */
	uint64_t start; /* field 22 */
};

/*
 * Parse /proc/PID/stat: comm is everything between the first '(' and the LAST
 * ')', because comm may itself contain ") (" and spaces. 0, or -1 if malformed.
 */
int proc_parse_stat(const char *buf, size_t len, struct proc_stat_info *out);

/* The real uid from the "Uid:" line of /proc/PID/status; -1 if absent or malformed. */
int64_t proc_parse_status_uid(const char *buf, size_t len);

/*
 * The soft "Max open files" value of /proc/PID/limits: a number,
 * PROC_UNLIMITED, or PROC_UNKNOWN if absent or malformed.
 */
int64_t proc_parse_limits_nofile(const char *buf, size_t len);

/* The inode of a "socket:[N]" fd link target, or 0 if it is not a socket. */
uint32_t proc_parse_socket_link(const char *buf, size_t len);

/*
 * Turn a raw /proc/PID/cmdline (NUL-separated argv) into argv joined by single
 * spaces, in place: trailing NULs are dropped, every other NUL becomes ' '.
 * Returns the new length.
 */
size_t proc_cmdline_join(char *buf, size_t len);

/* "file-nr": allocated and max (first and third numbers). 0, or -1 if malformed. */
int proc_parse_file_nr(const char *buf, size_t len, int64_t *nr, int64_t *max);

/* Parse a /proc directory entry name as a pid: all digits, > 0, fits an int; else -1. */
int proc_parse_pid(const char *name);

#endif
