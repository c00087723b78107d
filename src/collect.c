/* collect.c: the refresh path shared by the batch writers and the TUI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockwatch/collect.h"

struct collector {
	const struct config *cfg;
	struct diag *diag;
	struct proc_scanner *scanner;
	struct history *hist;
	struct trend overflows, drops;
	struct u32map ages[2]; /* cookie (low 32 bits) -> first seen; this and the last refresh */
	int cur;
	double start; /* monotonic time of the first refresh */
	int procs;    /* scan /proc (else only the totals of file-nr) */
	int judge;    /* run the leak detector (and the CLOSE_WAIT age pass) */
};

/* "what: strerror(err)" as a new string. */
static char *cause_errno(const char *what, int err)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "%s: %s", what, strerror(err));
	return sb.buf;
}

struct collector *collector_new(const struct config *cfg, char **cause)
{
	struct collector *c = xcalloc(1, sizeof *c);

	c->diag = diag_new(cause);
	if (c->diag == NULL) {
		free(c);
		return NULL;
	}
	c->cfg = cfg;
	/* --check reads only what its thresholds need. */
	c->procs = !cfg->check || check_needs_procs(&cfg->checkopts, filter_active(&cfg->filter));
	c->judge = !cfg->check || check_needs_history(&cfg->checkopts);
	diag_set_ages(c->diag, c->judge);
	c->scanner = proc_scanner_new(cfg->proc_root);
	proc_scanner_set_full_every(c->scanner, cfg->rescan);
	c->hist = history_new(&cfg->leak);
	trend_init(&c->overflows);
	trend_init(&c->drops);
	u32map_init(&c->ages[0], 1024);
	u32map_init(&c->ages[1], 1024);
	c->start = -1;
	return c;
}

const struct history *collector_history(const struct collector *c)
{
	return c->hist;
}

void collector_free(struct collector *c)
{
	if (c == NULL)
		return;
	diag_free(c->diag);
	proc_scanner_free(c->scanner);
	history_free(c->hist);
	u32map_fini(&c->ages[0]);
	u32map_fini(&c->ages[1]);
	free(c);
}

/*
 * A socket inode that no process holds may belong to a process whose fd
 * count did not change (close() then socket()): have its uid's processes
 * rescanned at the next refresh. The scanner rate-limits this.
 */
static void chase_unowned(struct collector *c, const struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];

		if (r->inode != 0 && sock_owner(s, (uint32_t)i) == NONE)
			proc_scanner_unowned(c->scanner, r->inode, r->uid);
	}
}

/*
 * Each socket's first-seen time, carried from the last refresh's map into a
 * new one (so sockets that closed are forgotten). A socket of the first
 * refresh predates sockwatch: its age is a lower bound.
 */
static void age_sockets(struct collector *c, struct snapshot *s, double now)
{
	struct u32map *old = &c->ages[c->cur], *cur = &c->ages[!c->cur];
	size_t i;

	if (c->start < 0)
		c->start = now;
	s->now_ds = (uint32_t)((now - c->start) * 10.0) + 1;
	s->first_ds = 1;
	u32map_clear(cur);
	for (i = 0; i < s->socks.n; i++) {
		struct sock_rec *r = &s->socks.v[i];
		uint32_t *was = u32map_get(old, sock_cookie_key(r));

		r->seen = was != NULL ? *was : s->now_ds;
		*u32map_put(cur, sock_cookie_key(r), NULL) = r->seen;
	}
	c->cur = !c->cur;
}

/*
 * The dump comes before the /proc scan: a socket opened in between is then
 * an "other" socket of its process for one refresh, rather than an unowned
 * socket in the tables.
 */
int collector_refresh(struct collector *c, struct snapshot *s, double now, char **cause)
{
	const struct config *cfg = c->cfg;
	int err;

	snapshot_reset(s);
	clock_gettime(CLOCK_REALTIME, &s->time);
	err = diag_dump_all(c->diag, &s->socks, &s->diag);
	if (err < 0) {
		*cause = cause_errno("sock_diag dump failed", -err);
		return -1;
	}
	proc_read_sys(cfg->proc_root, &s->sys);
	s->procs_scanned = (uint8_t)c->procs;
	if (c->procs) {
		err = proc_scan(c->scanner, &s->procs);
		if (err < 0) {
			*cause = cause_errno(cfg->proc_root, -err);
			return -1;
		}
	} else {
		proc_read_file_nr(cfg->proc_root, &s->procs);
	}
	snapshot_join(s, &cfg->filter);
	if (c->procs)
		chase_unowned(c, s);
	if (cfg->socket_ages)
		age_sockets(c, s, now);
	if (c->judge)
		history_update(c->hist, s, now);
	s->totals.overflows_window =
		trend_update(&c->overflows, now, s->sys.listen_overflows, cfg->leak.window);
	s->totals.drops_window =
		trend_update(&c->drops, now, s->sys.listen_drops, cfg->leak.window);
	if (cfg->leaks_only)
		snapshot_keep_leaking(s);
	return 0;
}
