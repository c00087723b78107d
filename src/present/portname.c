/*
 * portname.c: port names as ss shows them, from services(5). The file is read
 * once into a hash map keyed by protocol and port, so that a cell costs one
 * lookup: getservbyport() reads the file again at every call, and a refresh
 * formats every socket of a batch table every second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/present.h"

/*
 * RFC 6335 allows 15 characters; a longer "name" is no service's and would
 * only push the columns apart: its port is shown as a number.
 */
#define PORT_NAME_MAX 32
/* /etc/services is tens of KiB (IANA's whole registry under 1 MiB): read no more than this. */
#define PORT_NAMES_FILE_MAX (16u << 20)

enum { PN_TCP, PN_UDP, PN_NONE };

/* The services(5) protocol a socket's ports are named under: UDP-Lite shares UDP's. */
static int pn_class(unsigned proto)
{
	switch (proto) {
	case SP_TCP:
		return PN_TCP;
	case SP_UDP:
	case SP_UDPLITE:
		return PN_UDP;
	default:
		return PN_NONE;
	}
}

/* Never 0, which the map takes for an empty slot. */
static uint32_t pn_key(int cls, unsigned port)
{
	return ((uint32_t)cls << 16 | port) + 1;
}

void port_names_init(struct port_names *t)
{
	u32map_init(&t->map, 0);
	strpool_init(&t->pool);
}

void port_names_fini(struct port_names *t)
{
	u32map_fini(&t->map);
	strpool_fini(&t->pool);
}

/* The whitespace of services(5) lines; "\r" too, for a file written on another system. */
static int pn_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next word of [*p, end): its start and length, 0 at the end. */
static size_t pn_word(const char **p, const char *end, const char **word)
{
	const char *s = *p;
	size_t n = 0;

	while (s < end && pn_space(*s))
		s++;
	*word = s;
	while (s + n < end && !pn_space(s[n]))
		n++;
	*p = s + n;
	return n;
}

/* "80/tcp": 0 and the port and protocol class, or -1 for anything else. */
static int pn_port_proto(const char *w, size_t n, unsigned *port, int *cls)
{
	const char *slash = memchr(w, '/', n);
	size_t digits, i;
	unsigned v = 0;

	if (slash == NULL)
		return -1;
	digits = (size_t)(slash - w);
	if (digits == 0 || digits > 5)
		return -1;
	for (i = 0; i < digits; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(w[i] - '0');
	}
	/* Port 0 is no port a socket is on: ss shows "*" for it. */
	if (v == 0 || v > 65535)
		return -1;
	n -= digits + 1;
	if (n == 3 && memcmp(slash + 1, "tcp", 3) == 0)
		*cls = PN_TCP;
	else if (n == 3 && memcmp(slash + 1, "udp", 3) == 0)
		*cls = PN_UDP;
	else
		return -1;
	*port = v;
	return 0;
}

/* One line (no '\n'): "name port/proto [alias ...] [# comment]"; 1 when it named a port. */
static int pn_line(struct port_names *t, const char *s, const char *end)
{
	const char *hash = memchr(s, '#', (size_t)(end - s)), *name, *pp;
	size_t nlen, plen;
	unsigned port;
	uint32_t *slot;
	int cls, isnew;

	if (hash != NULL)
		end = hash;
	nlen = pn_word(&s, end, &name);
	plen = pn_word(&s, end, &pp);
	/* The aliases after these are not shown, as ss shows the official name. */
	if (nlen == 0 || nlen > PORT_NAME_MAX || plen == 0 ||
	    pn_port_proto(pp, plen, &port, &cls) != 0)
		return 0;
	slot = u32map_put(&t->map, pn_key(cls, port), &isnew);
	if (!isnew)
		return 0; /* the first line for a port wins, as with getservbyport() */
	*slot = strpool_add(&t->pool, name, nlen);
	return 1;
}

size_t port_names_parse(struct port_names *t, const char *buf, size_t len)
{
	const char *s = buf, *end = buf + len;
	size_t n = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl != NULL ? nl : end;

		n += (size_t)pn_line(t, s, eol);
		s = nl != NULL ? nl + 1 : end;
	}
	return n;
}

int port_names_load(struct port_names *t, const char *path)
{
	struct stat st;
	char *buf;
	size_t len = 0, cap;
	ssize_t r;
	int fd, err = 0;

	/* Non-blocking: a FIFO in its place must not hold up the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	cap = st.st_size > 0 && (uint64_t)st.st_size < PORT_NAMES_FILE_MAX ? (size_t)st.st_size + 1
									   : 65536;
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap >= PORT_NAMES_FILE_MAX)
				break;
			cap = cap * 2 < PORT_NAMES_FILE_MAX ? cap * 2 : PORT_NAMES_FILE_MAX;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	/* Cut at the limit: the last line may be a part of one, and is left out. */
	if (len == PORT_NAMES_FILE_MAX) {
		while (len > 0 && buf[len - 1] != '\n')
			len--;
	}
	if (err == 0)
		port_names_parse(t, buf, len);
	free(buf);
	return err;
}

const char *port_names_get(const struct port_names *t, unsigned proto, unsigned port, size_t *len)
{
	int cls = pn_class(proto);
	const uint32_t *off;

	if (t == NULL || cls == PN_NONE || port == 0 || port > 65535)
		return NULL;
	off = u32map_get(&t->map, pn_key(cls, port));
	if (off == NULL)
		return NULL;
	return strpool_get(&t->pool, *off, len);
}

/*
 * The table of the run and whether cells show it. One per process, as the
 * column formatters take no context; set by main() and the TUI's N key.
 */
static const struct port_names *names_table;
static int names_numeric;

void port_names_use(const struct port_names *t, int numeric)
{
	names_table = t;
	names_numeric = numeric;
}

void port_names_set_numeric(int numeric)
{
	names_numeric = numeric;
}

int port_names_numeric(void)
{
	return names_numeric || names_table == NULL;
}

int port_names_available(void)
{
	return names_table != NULL && names_table->map.n > 0;
}

const char *port_name(unsigned proto, unsigned port, size_t *len)
{
	return port_names_get(names_table, proto, port, len);
}

void fmt_port(struct strbuf *sb, unsigned proto, unsigned port)
{
	size_t len;
	const char *name = names_numeric ? NULL : port_name(proto, port, &len);

	if (name != NULL)
		esc_text(sb, name, len);
	else
		sb_printf(sb, "%u", port);
}
