/* parse.c: pure parsers for procfs file contents. */
#include <limits.h>
#include <string.h>

#include "sockwatch/proc.h"
#include "parse.h"

/* Parse a decimal u64 at *p (< end), advancing *p; -1 if no digit or overflow. */
static int parse_u64(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

int proc_parse_stat(const char *buf, size_t len, struct proc_stat_info *out)
{
	const char *end = buf + len;
	const char *open = memchr(buf, '(', len);
	const char *close = NULL;
	const char *p;
	uint64_t v;

	if (!open)
		return -1;
	for (p = end; p > open + 1;) {
		p--;
		if (*p == ')') {
			close = p;
			break;
		}
	}
	if (!close)
		return -1;
	out->comm = open + 1;
	out->comm_len = (size_t)(close - open - 1);

	/* After ") " come fields 3 (state), 4, ...; starttime is field 22. */
	p = close + 1;
	if (p >= end || *p != ' ')
		return -1;
	p++;
	if (p >= end)
		return -1;
	out->state = *p;
	out->threads = -1;
	out->ppid = 0;
	out->flags = 0;
	for (int field = 3; field < 22; field++) {
		while (p < end && *p != ' ')
			p++;
		if (p >= end)
			return -1;
		p++;
		if (field + 1 == 4) {
			if (parse_u64(&p, end, &v) < 0)
				return -1;
			out->ppid = v > INT_MAX ? 0 : (int)v;
		} else if (field + 1 == 9 || field + 1 == 20 || field + 1 == 22) {
			/* flags, num_threads and starttime are unsigned; others may be negative. */
			if (parse_u64(&p, end, &v) < 0)
				return -1;
			if (field + 1 == 9)
				out->flags = v;
			else if (field + 1 == 20)
				out->threads = v > LONG_MAX ? LONG_MAX : (long)v;
			else
				out->start = v;
		}
	}
	return 0;
}

int64_t proc_parse_status_uid(const char *buf, size_t len)
{
	const char *end = buf + len;
	const char *p = buf;
	uint64_t v;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (eol - p > 4 && memcmp(p, "Uid:", 4) == 0) {
			p = skip_blank(p + 4, eol);
			if (parse_u64(&p, eol, &v) < 0 || v > UINT32_MAX)
				return PROC_UNKNOWN;
			return (int64_t)v;
		}
		p = eol + 1;
	}
	return PROC_UNKNOWN;
}

int64_t proc_parse_limits_nofile(const char *buf, size_t len)
{
	static const char key[] = "Max open files";
	const size_t klen = sizeof(key) - 1;
	const char *end = buf + len;
	const char *p = buf;
	uint64_t v;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0) {
			p = skip_blank(p + klen, eol);
			if ((size_t)(eol - p) >= 9 && memcmp(p, "unlimited", 9) == 0)
				return PROC_UNLIMITED;
			if (parse_u64(&p, eol, &v) < 0 || v >= (uint64_t)INT64_MAX)
				return PROC_UNKNOWN;
			return (int64_t)v;
		}
		p = eol + 1;
	}
	return PROC_UNKNOWN;
}

uint32_t proc_parse_socket_link(const char *buf, size_t len)
{
	const char *p = buf + 8;
	uint64_t v;

	if (len < 10 || memcmp(buf, "socket:[", 8) != 0 || buf[len - 1] != ']')
		return 0;
	if (parse_u64(&p, buf + len - 1, &v) < 0 || p != buf + len - 1 || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

size_t proc_cmdline_join(char *buf, size_t len)
{
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (char *p = buf; (p = memchr(p, '\0', (size_t)(buf + len - p))) != NULL; p++)
		*p = ' ';
	return len;
}

int proc_parse_file_nr(const char *buf, size_t len, int64_t *nr, int64_t *max)
{
	const char *end = buf + len;
	const char *p = buf;
	uint64_t v[3];

	for (int i = 0; i < 3; i++) {
		p = skip_blank(p, end);
		if (parse_u64(&p, end, &v[i]) < 0 || v[i] > (uint64_t)INT64_MAX)
			return -1;
	}
	*nr = (int64_t)v[0];
	*max = (int64_t)v[2];
	return 0;
}

int proc_parse_pid(const char *name)
{
	long v = 0;

	if (*name == '\0')
		return -1;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -1;
	}
	return v > 0 ? (int)v : -1;
}

/*
 * Whether the controller list of a v1 line (between its first and second
 * colon) names the name=systemd hierarchy. The kernel writes it alone, but a
 * hierarchy may carry controllers beside a name: look at every comma item.
 */
static int names_systemd(const char *p, const char *end)
{
	static const char want[] = "name=systemd";
	const size_t wl = sizeof(want) - 1;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;

		if ((size_t)(item_end - p) == wl && memcmp(p, want, wl) == 0)
			return 1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

int proc_parse_cgroup(const char *buf, size_t len, const char **path, size_t *plen)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1;
	const char *end = buf + len;
	const char *p = buf;
	const char *v2 = NULL, *sd = NULL;
	size_t v2len = 0, sdlen = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *c1 = memchr(p, ':', (size_t)(eol - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;

		/* "ID:CONTROLLERS:PATH"; the path is the rest, colons and all. */
		if (c2 != NULL && c2 + 1 < eol) {
			const char *pp = c2 + 1;
			size_t pl = (size_t)(eol - pp);

			if (c1 - p == 1 && *p == '0' && c2 == c1 + 1) {
				if (pl > dl && memcmp(pp + pl - dl, deleted, dl) == 0)
					pl -= dl;
				if (v2 == NULL) {
					v2 = pp;
					v2len = pl;
				}
			} else if (sd == NULL && names_systemd(c1 + 1, c2)) {
				sd = pp;
				sdlen = pl;
			}
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (v2 != NULL && !(v2len == 1 && v2[0] == '/' && sd != NULL && sdlen > 1)) {
		*path = v2;
		*plen = v2len;
		return 0;
	}
	if (sd != NULL) {
		*path = sd;
		*plen = sdlen;
		return 0;
	}
	return -1;
}

int proc_parse_netns_link(const char *buf, size_t len, uint32_t *ino)
{
	const char *p = buf + 5;
	uint64_t v;

	if (len < 7 || memcmp(buf, "net:[", 5) != 0 || buf[len - 1] != ']')
		return -1;
	if (parse_u64(&p, buf + len - 1, &v) < 0 || p != buf + len - 1 || v == 0 || v > UINT32_MAX)
		return -1;
	*ino = (uint32_t)v;
	return 0;
}
