/* sys.c: the system-wide limits and counters behind the leak signals. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "sockwatch/proc.h"

/* Read a small file under root into buf (NUL-terminated); its length or -1. */
static ssize_t read_small(const char *root, const char *name, char *buf, size_t cap)
{
	char path[4096];
	ssize_t n, len = 0;
	int fd;

	snprintf(path, sizeof path, "%s/%s", root, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)len < cap - 1 && (n = read(fd, buf + len, cap - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* The number after "KEY: ... NAME " on the line starting with key: 0, or -1. */
static int sockstat_field(const char *buf, size_t len, const char *key, const char *name,
			  int64_t *out)
{
	const char *end = buf + len, *p = buf;
	size_t klen = strlen(key), nlen = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *w;

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0) {
			/* Words after the key come in pairs: a name, then its number. */
			for (w = p + klen; w < eol;) {
				const char *n0, *v0;
				int64_t v = 0;

				while (w < eol && *w == ' ')
					w++;
				n0 = w;
				while (w < eol && *w != ' ')
					w++;
				if ((size_t)(w - n0) != nlen || memcmp(n0, name, nlen) != 0) {
					while (w < eol && *w == ' ')
						w++;
					while (w < eol && *w != ' ')
						w++;
					continue;
				}
				while (w < eol && *w == ' ')
					w++;
				for (v0 = w;
				     w < eol && *w >= '0' && *w <= '9' && v < INT64_MAX / 10; w++)
					v = v * 10 + (*w - '0');
				if (w == v0)
					return -1;
				*out = v;
				return 0;
			}
			return -1;
		}
		p = eol + 1;
	}
	return -1;
}

void proc_parse_sockstat(const char *buf, size_t len, struct proc_sockstat *out)
{
	static const struct {
		const char *key, *name;
		size_t off;
	} fields[] = {
		{ "TCP:", "inuse", offsetof(struct proc_sockstat, tcp) },
		{ "TCP:", "tw", offsetof(struct proc_sockstat, tw) },
		{ "UDP:", "inuse", offsetof(struct proc_sockstat, udp) },
		{ "UDPLITE:", "inuse", offsetof(struct proc_sockstat, udplite) },
		{ "TCP6:", "inuse", offsetof(struct proc_sockstat, tcp6) },
		{ "UDP6:", "inuse", offsetof(struct proc_sockstat, udp6) },
		{ "UDPLITE6:", "inuse", offsetof(struct proc_sockstat, udplite6) },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++) {
		int64_t v;

		if (sockstat_field(buf, len, fields[i].key, fields[i].name, &v) == 0)
			*(int64_t *)(void *)((char *)out + fields[i].off) = v;
	}
}

void proc_read_sockstat(const char *root, int pid, struct proc_sockstat *out)
{
	char buf[1024], name[64];
	ssize_t n;

	out->tcp = out->tw = out->udp = out->udplite = PROC_UNKNOWN;
	out->tcp6 = out->udp6 = out->udplite6 = PROC_UNKNOWN;
	snprintf(name, sizeof name, "%d/net/sockstat", pid);
	if ((n = read_small(root, pid > 0 ? name : "self/net/sockstat", buf, sizeof buf)) > 0)
		proc_parse_sockstat(buf, (size_t)n, out);
	snprintf(name, sizeof name, "%d/net/sockstat6", pid);
	if ((n = read_small(root, pid > 0 ? name : "self/net/sockstat6", buf, sizeof buf)) > 0)
		proc_parse_sockstat(buf, (size_t)n, out);
}

int proc_parse_netstat(const char *buf, size_t len, const char *prefix, const char *key,
		       int64_t *out)
{
	const char *end = buf + len, *p = buf;
	size_t plen = strlen(prefix), klen = strlen(key);

	/* Pairs of lines: "TcpExt: Name Name ..." then "TcpExt: 1 2 ...". */
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *vals, *veol, *k, *v;
		int idx = -1, i;

		if (eol == NULL)
			return -1;
		if ((size_t)(eol - p) <= plen || memcmp(p, prefix, plen) != 0) {
			p = eol + 1;
			continue;
		}
		/* Find key's column in the header line. */
		k = p + plen;
		for (i = 0; k < eol; i++) {
			const char *w;

			while (k < eol && *k == ' ')
				k++;
			w = k;
			while (k < eol && *k != ' ')
				k++;
			if ((size_t)(k - w) == klen && memcmp(w, key, klen) == 0) {
				idx = i;
				break;
			}
		}
		vals = eol + 1;
		if (vals >= end)
			return -1;
		veol = memchr(vals, '\n', (size_t)(end - vals));
		if (veol == NULL)
			veol = end;
		if (idx < 0 || (size_t)(veol - vals) <= plen || memcmp(vals, prefix, plen) != 0) {
			p = veol < end ? veol + 1 : end;
			continue;
		}
		v = vals + plen;
		for (i = 0; v < veol; i++) {
			const char *w;
			char *stop;
			long long x;

			while (v < veol && *v == ' ')
				v++;
			w = v;
			while (v < veol && *v != ' ')
				v++;
			if (i != idx)
				continue;
			if (w == v || *w < '0' || *w > '9')
				return -1;
			x = strtoll(w, &stop, 10);
			if (stop != v)
				return -1;
			*out = x;
			return 0;
		}
		return -1;
	}
	return -1;
}

void proc_read_sys(const char *root, struct proc_sys *out)
{
	char buf[16384];
	long long a, b;

	out->max_orphans = PROC_UNKNOWN;
	out->port_lo = out->port_hi = PROC_UNKNOWN;
	out->listen_overflows = out->listen_drops = PROC_UNKNOWN;
	if (read_small(root, "sys/net/ipv4/tcp_max_orphans", buf, sizeof buf) > 0 &&
	    sscanf(buf, "%lld", &a) == 1 && a >= 0)
		out->max_orphans = a;
	if (read_small(root, "sys/net/ipv4/ip_local_port_range", buf, sizeof buf) > 0 &&
	    sscanf(buf, "%lld %lld", &a, &b) == 2 && a > 0 && b >= a && b < 65536) {
		out->port_lo = a;
		out->port_hi = b;
	}
	if (read_small(root, "net/netstat", buf, sizeof buf) > 0) {
		size_t len = strlen(buf);

		if (proc_parse_netstat(buf, len, "TcpExt:", "ListenOverflows",
				       &out->listen_overflows) < 0)
			out->listen_overflows = PROC_UNKNOWN;
		if (proc_parse_netstat(buf, len, "TcpExt:", "ListenDrops", &out->listen_drops) < 0)
			out->listen_drops = PROC_UNKNOWN;
	}
}

int proc_parse_capeff(const char *buf, size_t len, uint64_t *caps)
{
	const char *end = buf + len, *p = buf;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((eol != NULL ? eol : end) - p);

		if (n > 7 && memcmp(p, "CapEff:", 7) == 0) {
			char hex[32], *stop;
			size_t i = 7, k = 0;

			while (i < n && (p[i] == ' ' || p[i] == '\t'))
				i++;
			while (i < n && k + 1 < sizeof hex)
				hex[k++] = p[i++];
			hex[k] = '\0';
			if (k == 0 || strspn(hex, "0123456789abcdefABCDEF") != k)
				return -1;
			*caps = strtoull(hex, &stop, 16);
			return 0;
		}
		p += n + 1;
	}
	return -1;
}

/* Whether this process's effective capabilities hold every one of need. */
static int self_has_caps(const char *root, uint64_t need)
{
	char buf[4096];
	uint64_t caps;
	ssize_t n = read_small(root, "self/status", buf, sizeof buf);

	if (n <= 0 || proc_parse_capeff(buf, (size_t)n, &caps) != 0)
		return 0;
	return (caps & need) == need;
}

/* Capability numbers of linux/capability.h. */
#define CAP_BIT_DAC_READ_SEARCH (1ull << 2)
#define CAP_BIT_SYS_PTRACE	(1ull << 19)
#define CAP_BIT_SYS_ADMIN	(1ull << 21)

int proc_self_privileged(const char *root)
{
	return self_has_caps(root, CAP_BIT_DAC_READ_SEARCH | CAP_BIT_SYS_PTRACE);
}

int proc_self_may_enter_netns(const char *root)
{
	return self_has_caps(root, CAP_BIT_SYS_ADMIN | CAP_BIT_SYS_PTRACE);
}
