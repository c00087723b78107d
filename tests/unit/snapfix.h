/*
 * snapfix.h: a hand-built snapshot shared by the unit tests of the model, the
 * writers and the TUI (header-only: each test is its own executable).
 */
#ifndef SOCKWATCH_TEST_SNAPFIX_H
#define SOCKWATCH_TEST_SNAPFIX_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sockwatch/model.h"

static inline struct proc_rec *add_proc(struct proc_table *t, int pid, const uint32_t *ino,
					size_t n, int readable)
{
	struct proc_rec *p;
	size_t i;

	t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
	p = &t->v[t->n++];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->uid = pid == 300 ? 33 : 0;
	snprintf(p->comm, sizeof p->comm, "p%d", pid);
	p->fds = readable ? (int64_t)n + 3 : 7;
	p->fd_limit = 1024;
	p->fd_readable = readable;
	p->ino_off = (uint32_t)t->ninodes;
	p->ino_n = readable ? (uint32_t)n : 0;
	for (i = 0; readable && i < n; i++) {
		t->inodes = xgrow(t->inodes, &t->inocap, t->ninodes + 1, sizeof *t->inodes);
		t->inodes[t->ninodes++] = ino[i];
	}
	return p;
}

static inline struct sock_rec *add_tcp(struct sock_table *t, int family, const char *src, int sport,
				       const char *dst, int dport, int state, uint32_t ino)
{
	struct sock_rec *r = sock_table_add(t);
	uint8_t a[16];

	r->family = (uint8_t)family;
	r->proto = SP_TCP;
	r->state = (uint8_t)state;
	r->inode = ino;
	r->cookie = t->n;
	r->sport = (uint16_t)sport;
	r->dport = (uint16_t)dport;
	inet_pton(family, src, a);
	sock_set_addr(t, r, 0, a);
	inet_pton(family, dst, a);
	sock_set_addr(t, r, 1, a);
	return r;
}

/*
 * pid 100: listener 0.0.0.0:80 (ino 10, shared with pid 200 after a fork),
 * two accepted sockets on :80 (11 ESTAB, 12 CLOSE_WAIT), a v6 listener [::]:443
 * (13) with a v4-mapped connection (15), a UDP socket (16) and an inode no
 * dump reports (99, "other"). pid 200: client of :80 (14). pid 300: unreadable.
 */
static inline void build(struct snapshot *s)
{
	static const uint32_t a[] = { 10, 11, 12, 13, 15, 16, 99 }, b[] = { 10, 14 };
	struct sock_rec *r;

	snapshot_init(s);
	add_proc(&s->procs, 100, a, 7, 1);
	add_proc(&s->procs, 200, b, 2, 1);
	add_proc(&s->procs, 300, NULL, 0, 0);
	add_proc(&s->procs, 400, NULL, 0, 1); /* no sockets: not shown */
	add_tcp(&s->socks, AF_INET, "0.0.0.0", 80, "0.0.0.0", 0, TS_LISTEN, 10);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "127.0.0.1", 5000, TS_ESTABLISHED, 11);
	/* The same inode again, as a non-atomic dump or MPTCP can report it. */
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "127.0.0.1", 5000, TS_ESTABLISHED, 11);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "10.0.0.2", 6000, TS_CLOSE_WAIT, 12);
	add_tcp(&s->socks, AF_INET6, "::", 443, "::", 0, TS_LISTEN, 13);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 5000, "127.0.0.1", 80, TS_ESTABLISHED, 14);
	add_tcp(&s->socks, AF_INET6, "::ffff:127.0.0.1", 443, "::ffff:127.0.0.1", 7000,
		TS_ESTABLISHED, 15);
	add_tcp(&s->socks, AF_INET, "127.0.0.1", 80, "127.0.0.1", 5001, TS_TIME_WAIT, 0);
	r = add_tcp(&s->socks, AF_INET, "127.0.0.1", 9999, "0.0.0.0", 0, TS_CLOSE, 16);
	r->proto = SP_UDP;
	s->procs.file_nr = 100;
	s->procs.file_max = 1000;
}

#endif
