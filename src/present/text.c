/* text.c: endpoints and durations as the tables, the TUI and JSON spell them. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/present.h"

static void endpoint(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r,
		     int local, int numeric)
{
	unsigned port = local ? r->sport : r->dport;
	uint8_t buf[16];

	if (r->family == AF_UNIX) {
		size_t len;
		int abstract;
		const char *name;

		if (!local) {
			if (r->peer != 0)
				sb_printf(sb, "* %u", r->peer);
			else
				sb_putc(sb, '*');
			return;
		}
		name = sock_unix_name(s, r, &len, &abstract);
		if (abstract) {
			sb_putc(sb, '@');
			esc_text(sb, name, len);
		} else if (len == 0) {
			sb_printf(sb, "* %u", r->inode);
		} else if (name[0] == '@') {
			/* A path that starts with '@' must not pass for an abstract name. */
			sb_puts(sb, "\\x40");
			esc_text(sb, name + 1, len - 1);
		} else {
			esc_text(sb, name, len);
		}
		return;
	}
	if (r->family == AF_INET6)
		sb_putc(sb, '[');
	sock_addr_format(sb, r->family, sock_addr(&s->socks, r, !local, buf));
	if (r->family == AF_INET6)
		sb_putc(sb, ']');
	sb_putc(sb, ':');
	if (numeric)
		sb_printf(sb, "%u", port);
	else
		fmt_port(sb, r->proto, port);
}

void fmt_sock_endpoint(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r,
		       int local)
{
	endpoint(sb, s, r, local, 0);
}

void fmt_sock_endpoint_numeric(struct strbuf *sb, const struct snapshot *s,
			       const struct sock_rec *r, int local)
{
	endpoint(sb, s, r, local, 1);
}

void json_unix_name(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r)
{
	size_t len;
	int abstract;
	const char *name = sock_unix_name(s, r, &len, &abstract);

	/* Abstract names: '@' stands for the leading NUL, as in ss; the "abstract" flag tells. */
	if (abstract)
		sb_putc(sb, '@');
	esc_json(sb, name, len);
}

void fmt_duration(struct strbuf *sb, double sec)
{
	long long t = sec < 0 ? 0 : (long long)(sec + 0.5);

	if (t < 60)
		sb_printf(sb, "%llds", t);
	else if (t < 3600)
		sb_printf(sb, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		sb_printf(sb, "%lldh%02lldm", t / 3600, t / 60 % 60);
	else
		sb_printf(sb, "%lldd%02lldh", t / 86400, t / 3600 % 24);
}

void fmt_list_fit(struct strbuf *sb, size_t width)
{
	size_t items = 1, kept = 0, end = 0, i;
	char tail[24];

	if (sb->len <= width)
		return;
	for (i = 0; i < sb->len; i++)
		items += sb->buf[i] == ',';
	/* The longest prefix of whole items that leaves room for its "+N". */
	for (i = 0; i <= sb->len; i++) {
		if (i < sb->len && sb->buf[i] != ',')
			continue;
		snprintf(tail, sizeof tail, "+%zu", items - (kept + 1));
		if (i + strlen(tail) > width)
			break;
		kept++;
		end = i;
	}
	snprintf(tail, sizeof tail, "+%zu", items - kept);
	sb->len = end;
	sb->buf[end] = '\0';
	sb_puts(sb, tail);
}
