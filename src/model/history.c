/*
 * history.c: what the leak detector remembers across refreshes.
 *
 * - Per process, keyed by (pid, start time), the samples of its socket, fd and
 *   CLOSE_WAIT counts over the window. Memory stays bounded whatever the
 *   refresh interval: a sample closer than window / HIST_GAPS to the one before
 *   the last is merged into the last (keeping the lower socket count: the
 *   floor is what the detector looks at), and a count that does not change
 *   extends the last sample instead of adding one (an idle process keeps two).
 * - Per CLOSE_WAIT socket cookie, when it was first seen (its age when the
 *   kernel gives none); per listener cookie, when its accept queue was last
 *   full (within the window).
 * - Per dead socket fd (one no dump lists, snapshot.unlisted), by inode, when
 *   it was first seen unlisted: the kernel keeps no trace of when it died.
 * Processes and cookies that are gone are forgotten: each refresh moves what is
 * still present into fresh tables and drops the rest. The cost of a refresh is
 * linear in processes and sockets, with no allocation per socket.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/leak.h"
#include "leak_int.h"

#define SAMPLES_MIN 8		 /* first allocation of a process's samples */
#define REBASE_MS   2000000000.0 /* sample times are ms since a base, rebased before 2^31 */

struct hist_sample {
	uint32_t t; /* ms since the process entry's base */
	uint32_t socks, fds, cw;
};

struct proc_hist {
	int pid;
	uint64_t start;
	double base; /* monotonic seconds of sample time 0 */
	struct hist_sample *s;
	uint32_t first, n, cap;		    /* samples s[first .. first + n) */
	uint8_t socks_growing, fds_growing; /* the detector's last verdict on each series */
};

struct proc_key {
	int32_t pid;
	uint32_t zero;
	uint64_t start;
};

/* A table rebuilt each refresh: what is still present moves from prev to cur. */
struct cookie_table {
	struct hmap cur, prev;
};

struct history {
	struct leak_config cfg;
	double min_gap; /* s */
	double t0;	/* now at the first update: cookie times are 0.1 s since then */
	double last_now, interval;
	int updates;
	uint32_t prev_ds; /* the previous update's time, 0.1 s since t0 */

	struct proc_hist *ents, *prev_ents;
	size_t nents, entcap, nprev, prevcap;
	struct hmap pmap, prev_pmap; /* proc_key -> index in ents / prev_ents */

	struct cookie_table cw;	    /* CLOSE_WAIT cookie -> first seen */
	struct cookie_table listen; /* listener cookie -> last time its queue was full */
	struct cookie_table dead;   /* dead socket inode -> first seen unlisted */

	/* Scratch, parallel to the snapshot's processes. */
	uint32_t *pidx; /* entry of each process, NONE when it has none */
	uint32_t *sidx; /* entry of each service, NONE when it has none */
	size_t sidxcap;
	struct leak_facts *sfacts;   /* each service's facts, summed over its processes */
	struct leak_verdict *sworst; /* the worst level and every reason of its processes */
	size_t sfactcap, sworstcap;
	uint8_t *qcrit;
	size_t pidxcap, qcritcap;
	/* Scratch for one process's series. */
	double t[HIST_CAP];
	uint32_t ys[HIST_CAP], yf[HIST_CAP];
};

static void cookie_table_init(struct cookie_table *ct)
{
	hmap_init(&ct->cur, sizeof(uint64_t), 64);
	hmap_init(&ct->prev, sizeof(uint64_t), 64);
}

static void cookie_table_fini(struct cookie_table *ct)
{
	hmap_fini(&ct->cur);
	hmap_fini(&ct->prev);
}

/* Start a refresh: last refresh's table becomes prev, cur starts empty. */
static void cookie_table_turn(struct cookie_table *ct)
{
	struct hmap tmp = ct->prev;

	ct->prev = ct->cur;
	ct->cur = tmp;
	hmap_clear(&ct->cur);
}

struct history *history_new(const struct leak_config *c)
{
	struct history *h = xcalloc(1, sizeof *h);

	h->cfg = *c;
	if (!(h->cfg.window > 0))
		h->cfg.window = 60.0;
	h->min_gap = h->cfg.window / HIST_GAPS;
	hmap_init(&h->pmap, sizeof(struct proc_key), 256);
	hmap_init(&h->prev_pmap, sizeof(struct proc_key), 256);
	cookie_table_init(&h->cw);
	cookie_table_init(&h->listen);
	cookie_table_init(&h->dead);
	return h;
}

void history_free(struct history *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nents; i++)
		free(h->ents[i].s);
	free(h->ents);
	free(h->prev_ents);
	hmap_fini(&h->pmap);
	hmap_fini(&h->prev_pmap);
	cookie_table_fini(&h->cw);
	cookie_table_fini(&h->listen);
	cookie_table_fini(&h->dead);
	free(h->pidx);
	free(h->sidx);
	free(h->sfacts);
	free(h->sworst);
	free(h->qcrit);
	free(h);
}

static struct proc_key proc_key_make(int pid, uint64_t start)
{
	struct proc_key k;

	memset(&k, 0, sizeof k);
	k.pid = pid;
	k.start = start;
	return k;
}

static uint32_t clamp_u32(int64_t v)
{
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static struct hist_sample *sample_at(const struct proc_hist *e, uint32_t i)
{
	return &e->s[e->first + i];
}

/* Times are ms since e->base; move the base forward before they overflow. */
static uint32_t entry_time(struct proc_hist *e, double now, double window)
{
	double ms = (now - e->base) * 1000.0;
	uint32_t i;

	if (ms < 0)
		ms = 0;
	while (ms >= REBASE_MS) {
		/* Keep twice the window before now: older samples only matter as "in effect". */
		double shift = ms - 2000.0 * window;

		if (shift < ms / 2)
			shift = ms / 2;
		for (i = 0; i < e->n; i++) {
			struct hist_sample *x = sample_at(e, i);

			x->t = x->t > shift ? (uint32_t)(x->t - shift) : 0;
		}
		e->base += shift / 1000.0;
		ms -= shift;
	}
	return (uint32_t)ms;
}

/* Room for one more sample at the end. */
static void entry_reserve(struct proc_hist *e)
{
	if (e->first + e->n < e->cap)
		return;
	if (e->first > 0) {
		memmove(e->s, e->s + e->first, e->n * sizeof *e->s);
		e->first = 0;
	} else if (e->cap < HIST_CAP) {
		size_t cap = e->cap;

		e->s = xgrow(e->s, &cap, e->cap ? e->cap * 2 : SAMPLES_MIN, sizeof *e->s);
		e->cap = cap < HIST_CAP ? (uint32_t)cap : HIST_CAP;
	} else { /* cannot happen with the spacing kept; drop the oldest */
		memmove(e->s, e->s + 1, (e->n - 1) * sizeof *e->s);
		e->n--;
	}
}

static int same_counts(const struct hist_sample *a, const struct hist_sample *b)
{
	return a->socks == b->socks && a->fds == b->fds && a->cw == b->cw;
}

/* Record one sample and forget those before the window (but the one in effect at its start). */
static void entry_add(struct history *h, struct proc_hist *e, double now, uint32_t socks,
		      uint32_t fds, uint32_t cw)
{
	struct hist_sample x = { entry_time(e, now, h->cfg.window), socks, fds, cw };
	double win_ms = h->cfg.window * 1000.0;

	if (e->n >= 2) {
		struct hist_sample *a = sample_at(e, e->n - 2), *b = sample_at(e, e->n - 1);

		if (same_counts(a, b) && same_counts(b, &x)) {
			b->t = x.t; /* the run goes on */
			goto prune;
		}
		if ((double)x.t - a->t < h->min_gap * 1000.0) {
			if (b->socks < x.socks)
				x.socks = b->socks;
			*b = x;
			goto prune;
		}
	}
	entry_reserve(e);
	e->s[e->first + e->n++] = x;
prune:
	while (e->n >= 2 && (double)x.t - sample_at(e, 1)->t >= win_ms) {
		e->first++;
		e->n--;
	}
}

/*
 * The entry of key in this refresh's table: carried over from the last
 * refresh's, or new when may_start; NONE otherwise. *isnew: first time this
 * refresh (a process listed twice has one history, sampled once).
 */
static uint32_t entry_carry(struct history *h, const struct proc_key *k, double now, int may_start,
			    int *isnew)
{
	uint32_t *old = hmap_get(&h->prev_pmap, k), *slot;
	struct proc_hist *e;

	*isnew = 0;
	if (old == NULL && !may_start)
		return NONE;
	slot = hmap_put(&h->pmap, k, isnew);
	if (!*isnew)
		return *slot;
	h->ents = xgrow(h->ents, &h->entcap, h->nents + 1, sizeof *h->ents);
	e = &h->ents[h->nents];
	if (old != NULL) {
		*e = h->prev_ents[*old];
		h->prev_ents[*old].s = NULL;
	} else {
		memset(e, 0, sizeof *e);
		e->pid = k->pid;
		e->start = k->start;
		e->base = now;
	}
	*slot = (uint32_t)h->nents;
	return (uint32_t)h->nents++;
}

/*
 * A service's history has a key no process has: a negative pid (its kind)
 * and a hash of its name. Its samples are the sums over its processes, so
 * a prefork server whose workers each grow a little grows as one.
 */
static size_t entry_series(struct history *h, const struct proc_hist *e, double now);

/* The socket and fd trends of an entry (a process's or a service's) into f. */
static void entry_trends(struct history *h, struct proc_hist *e, double now, struct leak_facts *f)
{
	size_t n = entry_series(h, e, now);

	leak_trend(h->t, h->ys, n, &h->cfg, e->socks_growing, &f->socks);
	leak_trend(h->t, h->yf, n, &h->cfg, e->fds_growing, &f->fdt);
	e->socks_growing = (uint8_t)f->socks.growing;
	e->fds_growing = (uint8_t)f->fdt.growing;
}

static struct proc_key service_key(const struct snapshot *s, uint32_t svc)
{
	struct proc_key k;
	size_t len;
	const char *name = service_name(s, svc, &len);

	memset(&k, 0, sizeof k);
	k.pid = -1 - (int32_t)s->services[svc].kind;
	k.zero = (uint32_t)len;
	k.start = hash_bytes(name, len);
	return k;
}

static void update_services(struct history *h, struct snapshot *s, double now)
{
	size_t i;

	h->sidx = xgrow(h->sidx, &h->sidxcap, s->nservices, sizeof *h->sidx);
	for (i = 0; i < s->nservices; i++) {
		const struct service_row *sv = &s->services[i];
		struct proc_key k = service_key(s, (uint32_t)i);
		int isnew;

		/* A partial sum would rise when a process becomes readable: not judged. */
		h->sidx[i] = sv->known < sv->procs ? NONE : entry_carry(h, &k, now, 1, &isnew);
		if (h->sidx[i] != NONE && isnew)
			entry_add(h, &h->ents[h->sidx[i]], now, sv->sockets, clamp_u32(sv->fds),
				  sv->states[TS_CLOSE_WAIT]);
	}
}

/*
 * Each service's verdict: its own trend, the old CLOSE_WAIT and dead sockets
 * and the full queues of all of its processes together, and at least the
 * level and reasons of its worst process.
 */
static void judge_services(struct history *h, struct snapshot *s, double now)
{
	struct leak_verdict *worst;
	size_t i, p;

	if (s->nservices == 0)
		return; /* svc_leak stays as it is: the writers read none of it */
	s->svc_leak = xgrow(s->svc_leak, &s->svcleakcap, s->nservices, sizeof *s->svc_leak);
	h->sfacts = xgrow(h->sfacts, &h->sfactcap, s->nservices, sizeof *h->sfacts);
	h->sworst = xgrow(h->sworst, &h->sworstcap, s->nservices, sizeof *h->sworst);
	memset(h->sfacts, 0, s->nservices * sizeof *h->sfacts);
	memset(h->sworst, 0, s->nservices * sizeof *h->sworst);
	for (p = 0; p < s->procs.n; p++) {
		const struct leak_verdict *v = &s->leak[p];
		uint32_t svc = s->pstats[p].service;
		struct leak_facts *f;

		if (!s->pstats[p].shown || svc == NONE)
			continue;
		f = &h->sfacts[svc];
		worst = &h->sworst[svc];
		f->cw_old += v->cw_old;
		f->dead_old += v->dead_old;
		f->queue_full += v->queue_full;
		f->queue_crit |= h->qcrit[p];
		worst->level = v->level > worst->level ? v->level : worst->level;
		worst->reasons |= v->reasons;
	}
	for (i = 0; i < s->nservices; i++) {
		struct leak_facts *fp = &h->sfacts[i], f = *fp;

		f.fds = PROC_UNKNOWN; /* a service has no fd limit of its own */
		f.fd_limit = PROC_UNKNOWN;
		if (h->sidx[i] != NONE)
			entry_trends(h, &h->ents[h->sidx[i]], now, &f);
		memset(&s->svc_leak[i], 0, sizeof s->svc_leak[i]);
		leak_judge(&h->cfg, &f, &s->svc_leak[i]);
		worst = &h->sworst[i];
		if (worst->level > s->svc_leak[i].level)
			s->svc_leak[i].level = worst->level;
		s->svc_leak[i].reasons |= worst->reasons;
	}
}

/*
 * Move each process's entry from the last refresh's table into this one's;
 * start one for a new (pid, start) that can be read; drop the rest.
 */
static void update_entries(struct history *h, struct snapshot *s, double now)
{
	struct proc_hist *tmp_e = h->prev_ents;
	struct hmap tmp_m = h->prev_pmap;
	size_t tmp_c = h->prevcap, p, i;

	h->prev_ents = h->ents;
	h->nprev = h->nents;
	h->prevcap = h->entcap;
	h->prev_pmap = h->pmap;
	h->ents = tmp_e;
	h->entcap = tmp_c;
	h->nents = 0;
	h->pmap = tmp_m;
	hmap_clear(&h->pmap);

	h->pidx = xgrow(h->pidx, &h->pidxcap, s->procs.n, sizeof *h->pidx);
	for (p = 0; p < s->procs.n; p++) {
		const struct proc_rec *pr = &s->procs.v[p];
		struct proc_key k = proc_key_make(pr->pid, pr->start);
		int isnew;

		h->pidx[p] = entry_carry(h, &k, now, pr->fd_readable, &isnew);
		if (h->pidx[p] != NONE && isnew && pr->fd_readable) {
			uint32_t cw = s->pstats != NULL ? s->pstats[p].states[TS_CLOSE_WAIT] : 0;

			entry_add(h, &h->ents[h->pidx[p]], now, proc_sockets(s, (uint32_t)p),
				  clamp_u32(pr->fds), cw);
		}
	}
	update_services(h, s, now);
	for (i = 0; i < h->nprev; i++)
		free(h->prev_ents[i].s);
	h->nprev = 0;
}

/*
 * One pass over the sockets, looking only at CLOSE_WAIT sockets and TCP
 * listeners: count each process's old CLOSE_WAIT sockets and its full accept
 * queues into s->leak, and remember cookies for the next refresh.
 */
static void update_sockets(struct history *h, struct snapshot *s, double now)
{
	uint32_t now_ds = (uint32_t)((now - h->t0) * 10.0);
	double win_ds = h->cfg.window * 10.0;
	size_t i;

	cookie_table_turn(&h->cw);
	cookie_table_turn(&h->listen);
	h->qcrit = xgrow(h->qcrit, &h->qcritcap, s->procs.n, 1);
	memset(h->qcrit, 0, s->procs.n);
	for (i = 0; i < s->socks.n; i++) {
		const struct sock_rec *r = &s->socks.v[i];
		uint32_t *slot, *old, l;
		int isnew;

		if (r->proto != SP_TCP || (s->expr != NULL && !r->match))
			continue;
		if (r->state == TS_CLOSE_WAIT) {
			double age;

			slot = hmap_put(&h->cw.cur, &r->cookie, &isnew);
			if (!isnew)
				continue; /* a record repeated by the dump */
			old = hmap_get(&h->cw.prev, &r->cookie);
			*slot = old != NULL ? *old : now_ds;
			if (r->last_ack != SOCK_NO_AGE)
				age = r->last_ack / 1000.0;
			else
				age = (now_ds - *slot) / 10.0;
			if (age < h->cfg.cw_age)
				continue;
			for (l = sock_owner_first(s, (uint32_t)i); l != NONE;
			     l = sock_owner_next(s, l))
				s->leak[owner_proc(s, l)].cw_old++;
		} else if (r->state == TS_LISTEN) {
			int full = listener_queue_full(r);
			int crit;

			old = hmap_get(&h->listen.prev, &r->cookie);
			if (!full && (old == NULL || now_ds - *old > win_ds))
				continue;
			slot = hmap_put(&h->listen.cur, &r->cookie, &isnew);
			if (!isnew)
				continue;
			crit = full && old != NULL && h->updates > 0 && *old == h->prev_ds;
			*slot = full ? now_ds : *old;
			for (l = sock_owner_first(s, (uint32_t)i); l != NONE;
			     l = sock_owner_next(s, l)) {
				s->leak[owner_proc(s, l)].queue_full++;
				if (crit)
					h->qcrit[owner_proc(s, l)] = 1;
			}
		}
	}
	h->prev_ds = now_ds;
}

/*
 * The unlisted socket fds that are dead, or may be (their protocol is asked
 * at the next refresh): when each was first seen unlisted. One still unlisted
 * at the next refresh keeps its time; one gone, or listed again, is forgotten,
 * so sockets that come and go never get old. Counts each process's dead fds
 * at least dead_age old into s->leak.
 */
static void update_dead(struct history *h, struct snapshot *s, double now)
{
	uint32_t now_ds = (uint32_t)((now - h->t0) * 10.0);
	size_t i;

	cookie_table_turn(&h->dead);
	for (i = 0; i < s->nunlisted; i++) {
		const struct unlisted_sock *u = &s->unlisted[i];
		uint64_t key = u->inode;
		uint32_t *slot, *old;
		int isnew;

		if (u->kind != UL_DEAD && u->kind != UL_UNKNOWN)
			continue;
		slot = hmap_put(&h->dead.cur, &key, &isnew);
		if (isnew) { /* else another holder of the same socket (a fork) */
			old = hmap_get(&h->dead.prev, &key);
			*slot = old != NULL ? *old : now_ds;
		}
		if (u->kind == UL_DEAD && (now_ds - *slot) / 10.0 >= h->cfg.dead_age)
			s->leak[u->proc].dead_old++;
	}
}

/* The samples of an entry as series from the window's start (clamped) to now. */
static size_t entry_series(struct history *h, const struct proc_hist *e, double now)
{
	double start = now - h->cfg.window;
	uint32_t i;

	for (i = 0; i < e->n; i++) {
		const struct hist_sample *x = sample_at(e, i);

		h->t[i] = e->base + x->t / 1000.0;
		if (h->t[i] < start)
			h->t[i] = start;
		h->ys[i] = x->socks;
		h->yf[i] = x->fds;
	}
	return e->n;
}

void history_update(struct history *h, struct snapshot *s, double now)
{
	size_t p;

	if (h->updates == 0) {
		h->t0 = now;
	} else if (now > h->last_now) {
		/* The refresh interval, for history_series; one long pause moves it little. */
		double dt = now - h->last_now;

		if (h->interval > 0 && dt > 2 * h->interval)
			dt = 2 * h->interval;
		h->interval = h->interval > 0 ? 0.7 * h->interval + 0.3 * dt : dt;
	}
	s->leak = xgrow(s->leak, &s->leakcap, s->procs.n, sizeof *s->leak);
	memset(s->leak, 0, s->procs.n * sizeof *s->leak);
	update_entries(h, s, now);
	update_sockets(h, s, now);
	update_dead(h, s, now);
	for (p = 0; p < s->procs.n; p++) {
		const struct proc_rec *pr = &s->procs.v[p];
		struct leak_facts f;

		memset(&f, 0, sizeof f);
		f.fds = pr->fds;
		f.fd_limit = pr->fd_limit;
		f.cw_old = s->leak[p].cw_old;
		f.dead_old = s->leak[p].dead_old;
		f.queue_full = s->leak[p].queue_full;
		f.queue_crit = h->qcrit[p];
		/*
		 * Socket counts of a process whose fd table is unreadable are unknown:
		 * no history, no estimate. Its fd count, when known, is real (fd_limit).
		 */
		if (pr->fd_readable && h->pidx[p] != NONE)
			entry_trends(h, &h->ents[h->pidx[p]], now, &f);
		leak_judge(&h->cfg, &f, &s->leak[p]);
	}
	judge_services(h, s, now);
	h->last_now = now;
	h->updates++;
}

/*
 * One value per refresh over the window (fewer when max is smaller: each value
 * is then the highest count of its part), from the samples' step function.
 */
size_t history_series(const struct history *h, int pid, uint64_t start, uint32_t *out, size_t max)
{
	struct proc_key k = proc_key_make(pid, start);
	const uint32_t *slot = hmap_get(&h->pmap, &k);
	const struct proc_hist *e;
	double t_first, t_last, span, step;
	size_t points, i;
	uint32_t j = 0;

	if (slot == NULL || max == 0)
		return 0;
	e = &h->ents[*slot];
	if (e->n == 0)
		return 0;
	t_last = sample_at(e, e->n - 1)->t / 1000.0;
	t_first = sample_at(e, 0)->t / 1000.0;
	if (t_first < t_last - h->cfg.window)
		t_first = t_last - h->cfg.window;
	span = t_last - t_first;
	step = h->interval > 0 ? h->interval : span;
	points = step > 0 ? (size_t)floor(span / step + 0.5) + 1 : 1;
	if (points > max)
		points = max;
	if (points <= 1) {
		out[0] = sample_at(e, e->n - 1)->socks;
		return 1;
	}
	for (i = 0; i < points; i++) {
		double end = t_first + span * (double)i / (double)(points - 1);
		uint32_t v = 0;
		int have = 0;

		/* Samples up to this point's time; the last one before it is in effect. */
		for (; j < e->n && sample_at(e, j)->t / 1000.0 <= end + 1e-9; j++) {
			uint32_t c = sample_at(e, j)->socks;

			if (!have || c > v || sample_at(e, j)->t / 1000.0 <= t_first)
				v = c;
			have = 1;
		}
		if (!have)
			v = j > 0 ? sample_at(e, j - 1)->socks : sample_at(e, 0)->socks;
		out[i] = v;
	}
	return points;
}
