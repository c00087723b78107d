/*
 * loop.c: the TUI's poll() loop (input, signals, finished refreshes) and the
 * collection thread that feeds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/collect.h"
#include "sockwatch/export.h"
#include "sockwatch/proc.h"
#include "sockwatch/record.h"
#include "term.h"
#include "ui_int.h"

static volatile sig_atomic_t sig_stop, sig_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		sig_winch = 1;
	else
		sig_stop = 1;
}

/* Send the chosen signal, but only to the same process (pid and start time). */
static void do_kill(struct ui *u)
{
	const struct ui_signal *sg = &ui_signals[u->kill.sel];
	uint64_t start;

	if (proc_start_time(u->cfg->proc_root, u->kill.pid, &start) != 0 ||
	    start != u->kill.start) {
		snprintf(u->msg, sizeof u->msg, "pid %d has exited; no signal sent", u->kill.pid);
		return;
	}
	if (kill(u->kill.pid, sg->sig) != 0)
		snprintf(u->msg, sizeof u->msg, "SIG%s to %d failed: %s", sg->name, u->kill.pid,
			 strerror(errno));
	else
		snprintf(u->msg, sizeof u->msg, "sent SIG%s to %d", sg->name, u->kill.pid);
}

/* What batch mode says on stderr of a missing dump goes to the message line here. */
static void note_unavailable(struct ui *u, const struct snapshot *s)
{
	int d;

	if (u->cfg->netns_hint)
		snprintf(u->msg, sizeof u->msg, "%s", NETNS_HINT);

	for (d = 0; d < DD_COUNT; d++) {
		if (s->diag.err[d] != 0) {
			snprintf(u->msg, sizeof u->msg, "%s sockets are not shown: %s",
				 diag_dump_name((enum diag_dump)d), diag_err_text(s->diag.err[d]));
			return;
		}
	}
}

/*
 * The collection thread. It fills one snapshot while the interface shows the
 * other, and hands each finished one over: a byte on a pipe wakes the loop,
 * which swaps the two. So keys, resizing and scrolling never wait for a
 * refresh, however long one takes (a million sockets, a /proc read that
 * hangs). The next refresh starts at the interval, or at once when the last
 * took longer: they never queue. The leak history is the interface's (it is
 * drawn), so the judgement runs on its side, at the swap.
 */
struct feed {
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* the thread waits on it: a buffer back, a change, the time */
	struct collector *col;
	struct snapshot snaps[2];
	int wake[2]; /* the pipe: read end in the loop's poll */
	/* Under lock. */
	struct snapshot *work; /* what the thread fills next */
	double delay;
	int paused, stop, now; /* now: refresh at once (a new filter expression) */
	const struct sock_expr *expr;
	int expr_set;
	int done; /* work holds a finished refresh: rc, cause (0: taken, or none yet) */
	int rc;	  /* of it: 0, or -1 with cause */
	char *cause;
	double at; /* monotonic time it started */
	int running;
	/* The first refresh's dump totals, before its /proc scan (none once one is in). */
	struct totals early;
	int early_have, first_in;
	/* A thread left stuck at the end keeps the expressions it may use (ui_fini's). */
	struct sock_expr *kept, **kept_old;
	size_t nkept_old;
};

static void wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, double when)
{
	struct timespec ts;
	double whole;

	ts.tv_nsec = (long)(modf(when, &whole) * 1e9);
	ts.tv_sec = (time_t)whole;
	pthread_cond_timedwait(cond, lock, &ts);
}

/* collector_on_dump, on the thread: the first refresh's totals, for the first frame. */
static void feed_dumped(void *arg, const struct snapshot *s)
{
	struct feed *fd = arg;
	struct totals t;

	if (fd->first_in) /* read without the lock: only this thread sets it */
		return;
	snapshot_count_dump(s, &t);
	pthread_mutex_lock(&fd->lock);
	fd->early = t;
	fd->early_have = 1;
	pthread_mutex_unlock(&fd->lock);
	if (write(fd->wake[1], "", 1) < 0 && errno != EAGAIN)
		return;
}

static void *feed_thread(void *arg)
{
	struct feed *fd = arg;
	double next = mono_now();

	pthread_mutex_lock(&fd->lock);
	for (;;) {
		struct snapshot *s;
		char *cause = NULL;
		double start;
		int rc;

		while (!fd->stop && (fd->done || fd->paused || (!fd->now && mono_now() < next))) {
			if (fd->done || fd->paused)
				pthread_cond_wait(&fd->cond, &fd->lock);
			else
				wait_until(&fd->cond, &fd->lock, next);
		}
		if (fd->stop)
			break;
		if (fd->expr_set) {
			collector_set_expr(fd->col, fd->expr);
			fd->expr_set = 0;
		}
		fd->now = 0;
		s = fd->work;
		pthread_mutex_unlock(&fd->lock);
		start = mono_now();
		rc = collector_collect(fd->col, s, start, &cause);
		pthread_mutex_lock(&fd->lock);
		/* On time; when behind (a refresh longer than the interval, a pause), now. */
		next += fd->delay;
		if (next < start)
			next = start + fd->delay;
		fd->rc = rc;
		fd->cause = cause;
		fd->at = start;
		fd->done = 1;
		fd->first_in |= rc == 0;
		if (write(fd->wake[1], "", 1) < 0 && errno != EAGAIN)
			break;
	}
	fd->running = 0;
	pthread_cond_broadcast(&fd->cond);
	pthread_mutex_unlock(&fd->lock);
	return NULL;
}

static void feed_free(struct feed *fd)
{
	free(fd->cause);
	snapshot_fini(&fd->snaps[0]);
	snapshot_fini(&fd->snaps[1]);
	if (fd->wake[0] >= 0)
		close(fd->wake[0]);
	if (fd->wake[1] >= 0)
		close(fd->wake[1]);
	free(fd);
}

/*
 * The feed and its thread, NULL with *cause. On the heap: a thread stuck in
 * a refresh at the end outlives ui_run's frame, and keeps using it.
 */
static struct feed *feed_start(struct collector *col, double delay, char **cause)
{
	struct feed *fd = xcalloc(1, sizeof *fd);
	pthread_condattr_t ca;
	int err;

	fd->wake[0] = fd->wake[1] = -1;
	fd->col = col;
	fd->delay = delay;
	snapshot_init(&fd->snaps[0]);
	snapshot_init(&fd->snaps[1]);
	/* The thread joins one at a time: one scratch serves both (24 MiB at 1M sockets). */
	snapshot_share_scratch(&fd->snaps[1], &fd->snaps[0]);
	fd->work = &fd->snaps[0];
	collector_alternate(col);
	collector_on_dump(col, feed_dumped, fd);
	if (pipe2(fd->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		*cause = xstrdup(strerror(errno));
		feed_free(fd);
		return NULL;
	}
	pthread_mutex_init(&fd->lock, NULL);
	/* The thread's timed waits are on the monotonic clock, as mono_now(). */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fd->cond, &ca);
	pthread_condattr_destroy(&ca);
	fd->running = 1;
	err = pthread_create(&fd->th, NULL, feed_thread, fd);
	if (err != 0) {
		*cause = xstrdup(strerror(err));
		pthread_cond_destroy(&fd->cond);
		pthread_mutex_destroy(&fd->lock);
		feed_free(fd);
		return NULL;
	}
	return fd;
}

/*
 * Stop the thread. One stuck in a refresh (a /proc read that hangs) is left
 * to the exit, with what it uses: 0; else it is joined and all freed: 1.
 */
static int feed_stop(struct feed *fd)
{
	double until = mono_now() + 1.0;

	pthread_mutex_lock(&fd->lock);
	fd->stop = 1;
	pthread_cond_broadcast(&fd->cond);
	while (fd->running && mono_now() < until)
		wait_until(&fd->cond, &fd->lock, until);
	if (fd->running) {
		pthread_mutex_unlock(&fd->lock);
		pthread_detach(fd->th);
		return 0;
	}
	pthread_mutex_unlock(&fd->lock);
	pthread_join(fd->th, NULL);
	pthread_cond_destroy(&fd->cond);
	pthread_mutex_destroy(&fd->lock);
	feed_free(fd);
	return 1;
}

/*
 * A finished refresh, if there is one: swapped in as *front (the one shown
 * goes back to the thread). 1 with a new *front, 0 none, -1 a failed refresh
 * (*cause, the caller frees it). *at: when it started. With early, before the
 * first refresh: 2 when the totals of its dump are in (*early).
 */
static int feed_take(struct feed *fd, struct snapshot **front, double *at, char **cause,
		     struct totals *early)
{
	char drain[64];
	int rc;

	while (read(fd->wake[0], drain, sizeof drain) > 0)
		;
	pthread_mutex_lock(&fd->lock);
	if (early != NULL && fd->early_have && !fd->done) {
		*early = fd->early;
		fd->early_have = 0;
		pthread_mutex_unlock(&fd->lock);
		return 2;
	}
	if (!fd->done) {
		pthread_mutex_unlock(&fd->lock);
		return 0;
	}
	rc = fd->rc;
	*at = fd->at;
	if (rc == 0) {
		struct snapshot *fresh = fd->work;

		fd->work = *front != NULL ? *front : &fd->snaps[1];
		*front = fresh;
		rc = 1;
	} else {
		*cause = fd->cause;
		fd->cause = NULL;
	}
	fd->done = 0;
	pthread_cond_broadcast(&fd->cond);
	pthread_mutex_unlock(&fd->lock);
	return rc;
}

/* What the interface changed that the thread acts on: interval, pause, expression. */
static void feed_set(struct feed *fd, double delay, int paused, const struct sock_expr *expr,
		     int expr_set)
{
	pthread_mutex_lock(&fd->lock);
	if (fd->delay != delay || fd->paused != paused || expr_set) {
		fd->delay = delay;
		fd->paused = paused;
		if (expr_set) {
			fd->expr = expr;
			fd->expr_set = 1;
			fd->now = 1;
		}
		pthread_cond_broadcast(&fd->cond);
	}
	pthread_mutex_unlock(&fd->lock);
}

/* The signals the loop takes through ppoll (blocked otherwise): handled, in block. */
static void loop_signals(sigset_t *block)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigemptyset(block);
	sigaddset(block, SIGINT);
	sigaddset(block, SIGTERM);
	sigaddset(block, SIGHUP);
	sigaddset(block, SIGWINCH);
	sigprocmask(SIG_BLOCK, block, NULL);
}

/* The terminal's side of an event, before the interface's. */
static void term_event(struct ui *u, struct term *t, const struct ui_event *ev)
{
	if (ev->key == UK_RESIZE) {
		term_size(t, &u->w, &u->h);
		ui_rebuild(u);
	} else if (ev->key == UK_CTRL_L) {
		term_invalidate(t);
	}
}

/* A SIGWINCH or a new palette since the last frame: 1 when the screen must be drawn. */
static int term_changes(struct ui *u, struct term *t)
{
	int dirty = 0;

	if (sig_winch) {
		sig_winch = 0;
		term_resize(t);
		term_size(t, &u->w, &u->h);
		ui_rebuild(u);
		dirty = 1;
	}
	if (u->color_changed) {
		u->color_changed = 0;
		term_set_color(t, u->no_color);
		dirty = 1;
	}
	return dirty;
}

/* One key or click: to the interface, and what it asks of the loop to the thread. */
static void take_event(struct ui *u, struct feed *fd, struct term *t, const struct ui_event *ev)
{
	int expr_set = 0;

	term_event(u, t, ev);
	switch (ui_handle(u, ev)) {
	case UI_KILL:
		do_kill(u);
		break;
	case UI_EXPR:
		/* A new filter expression: collect under it now. */
		expr_set = 1;
		break;
	}
	/* The interval (setup), a pause, an expression: the thread's. */
	feed_set(fd, u->delay, u->paused, ui_expr(u), expr_set);
}

#define UI_TYPEAHEAD 64 /* keys typed before the first refresh is in, kept for it */

/* The terminal, or NULL when there is none that curses can use (said on stderr). */
static struct term *open_term(const struct config *cfg)
{
	char *cause = NULL;
	struct term *t = term_open(cfg->no_color, &cause);

	if (t == NULL) {
		fprintf(stderr,
			"sockwatch: cannot start the interactive view: %s; use -b for "
			"batch output\n",
			cause);
		free(cause);
	}
	return t;
}

/*
 * --replay: a recording's records shown in turn, in the live view's screens.
 * There is no collection thread: a record is one read away (the replay's
 * index), loaded into the snapshot not shown, then swapped in.
 */
struct player {
	struct replay *rp;
	struct snapshot snaps[2];
	struct snapshot *front;
	size_t first, end; /* the records of --from to --to */
	double shown_at;   /* monotonic time the record shown came up (to play on) */
};

/* A gap in the recording (sockwatch did not run) plays as this at most, at 1x. */
#define REPLAY_MAX_GAP 10.0

/* The message line: text (a file name is in it) escaped, then more. */
static void set_msg(struct ui *u, const char *text, const char *more)
{
	struct strbuf sb;

	sb_init(&sb);
	esc_text(&sb, text, strlen(text));
	snprintf(u->msg, sizeof u->msg, "%s%s", sb.buf, more);
	sb_fini(&sb);
}

static int player_show(struct player *pl, struct ui *u, size_t i)
{
	struct snapshot *back = pl->front == &pl->snaps[0] ? &pl->snaps[1] : &pl->snaps[0];
	struct record_info info;
	char *cause = NULL;

	if (replay_load(pl->rp, i, back, &info, &cause) < 0) {
		set_msg(u, cause, "");
		free(cause);
		u->rp.playing = 0;
		return -1;
	}
	/* A filter expression: the record joined again under it, when it holds every socket. */
	if (ui_expr(u) != NULL) {
		if (!(info.flags & REC_F_SOCKETS)) {
			snprintf(u->msg, sizeof u->msg, "%s",
				 "recorded without --record-sockets: not filtered (an expression "
				 "needs every socket)");
		} else if (record_rejoin(back, ui_expr(u), &cause) < 0) {
			set_msg(u, cause, ": not filtered");
			free(cause);
			cause = NULL;
			if (replay_load(pl->rp, i, back, &info, &cause) < 0) {
				set_msg(u, cause, "");
				free(cause);
				return -1;
			}
		}
	}
	if (u->cfg->leaks_only)
		snapshot_keep_leaking(back);
	pl->front = back;
	pl->shown_at = mono_now();
	u->snap = back;
	u->rp.index = i;
	u->rp.interval = info.interval;
	u->rp.partial = !(info.flags & REC_F_SOCKETS);
	ui_rebuild(u);
	return 0;
}

/* Seconds until the next record is due while playing; <= 0: now. */
static double player_due(const struct player *pl, const struct ui *u)
{
	size_t i = u->rp.index;
	double gap;

	if (i + 1 >= pl->end)
		return 0;
	gap = replay_time(pl->rp, i + 1) - replay_time(pl->rp, i);
	gap = gap < 0 ? 0 : gap > REPLAY_MAX_GAP ? REPLAY_MAX_GAP : gap;
	return pl->shown_at + gap / ui_replay_speeds[u->rp.speed] - mono_now();
}

/* What a replay key asked: a step, a jump, play or pause. */
static void player_key(struct player *pl, struct ui *u)
{
	struct ui_replay *rp = &u->rp;

	if (rp->step != 0) {
		size_t i = rp->index;

		if (rp->step < 0 && i == pl->first)
			snprintf(u->msg, sizeof u->msg, "%s", "the first record");
		else if (rp->step > 0 && i + 1 >= pl->end)
			snprintf(u->msg, sizeof u->msg, "%s", "the last record");
		else
			player_show(pl, u, rp->step < 0 ? i - 1 : i + 1);
		rp->step = 0;
	}
	if (rp->jump) {
		double t0 = replay_time(pl->rp, pl->first), t1 = replay_time(pl->rp, pl->end - 1),
		       to;
		size_t i;

		rp->jump = 0;
		if (replay_parse_time(rp->jump_text, t0, t1, &to) < 0) {
			struct strbuf sb;

			sb_init(&sb);
			esc_text(&sb, rp->jump_text, strlen(rp->jump_text));
			snprintf(u->msg, sizeof u->msg,
				 "not a time: %.60s (02:50, -30m, +10m, 2026-12-04T02:50)", sb.buf);
			sb_fini(&sb);
			return;
		}
		i = replay_find(pl->rp, to);
		i = i < pl->first ? pl->first : i >= pl->end ? pl->end - 1 : i;
		player_show(pl, u, i);
	}
	if (rp->playing && rp->index + 1 >= pl->end) {
		rp->playing = 0;
		snprintf(u->msg, sizeof u->msg, "%s", "the last record: nothing to play");
	}
	pl->shown_at = mono_now();
}

/* --from and --to as records [first, end) of the replay: 0, or -1 with *cause. */
static int player_range(const struct config *cfg, struct player *pl, char **cause)
{
	size_t n = replay_count(pl->rp);
	double t0 = replay_time(pl->rp, 0), t1 = replay_time(pl->rp, n - 1), from = t0, to = t1;

	if ((cfg->from != NULL && replay_parse_time(cfg->from, t0, t1, &from) < 0) ||
	    (cfg->to != NULL && replay_parse_time(cfg->to, t0, t1, &to) < 0)) {
		*cause =
			xprintf("invalid time '%s' (HH:MM, -30m, an ISO time)",
				cfg->from != NULL && replay_parse_time(cfg->from, t0, t1, &from) < 0
					? cfg->from
					: cfg->to);
		return -1;
	}
	pl->first = replay_find(pl->rp, from);
	if (replay_time(pl->rp, pl->first) < from)
		pl->first++;
	pl->end = replay_find(pl->rp, to) + 1;
	if (pl->first >= pl->end || replay_time(pl->rp, pl->end - 1) > to) {
		*cause = xstrdup("no record in the range asked for");
		return -1;
	}
	return 0;
}

static int run_replay(const struct config *cfg)
{
	struct player pl;
	struct cellbuf cb;
	struct term *t;
	struct ui u;
	sigset_t block, empty;
	char *cause = NULL;
	const char *base = strrchr(cfg->replay, '/');
	int dirty = 1;

	memset(&pl, 0, sizeof pl);
	if ((pl.rp = replay_open(cfg->replay, &cause)) == NULL ||
	    (replay_count(pl.rp) == 0 &&
	     (cause = xprintf("%s", replay_damage(pl.rp) != NULL ? replay_damage(pl.rp)
								 : "no records")) != NULL) ||
	    player_range(cfg, &pl, &cause) < 0) {
		fprintf(stderr, "sockwatch: %s\n", cause);
		free(cause);
		replay_close(pl.rp);
		return 1;
	}
	if ((t = open_term(cfg)) == NULL) {
		replay_close(pl.rp);
		return 1;
	}
	loop_signals(&block);
	sigemptyset(&empty);
	cellbuf_init(&cb);
	ui_init(&u, cfg);
	snapshot_init(&pl.snaps[0]);
	snapshot_init(&pl.snaps[1]);
	u.rp.on = 1;
	u.rp.count = replay_count(pl.rp);
	snprintf(u.rp.name, sizeof u.rp.name, "%s", base != NULL ? base + 1 : cfg->replay);
	term_size(t, &u.w, &u.h);
	if (player_show(&pl, &u, pl.first) == 0 && replay_damage(pl.rp) != NULL)
		set_msg(&u, replay_damage(pl.rp), ": the records before it are shown");
	while (u.snap != NULL && !u.quit && !sig_stop) {
		struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
		struct ui_event ev;
		struct timespec ts = { 1, 0 };

		if (u.rp.playing) {
			double due = player_due(&pl, &u);

			if (due <= 0) {
				if (u.rp.index + 1 < pl.end) {
					player_show(&pl, &u, u.rp.index + 1);
				} else {
					u.rp.playing = 0;
					snprintf(u.msg, sizeof u.msg, "%s",
						 "the end of the recording");
				}
				dirty = 1;
				due = u.rp.playing ? player_due(&pl, &u) : 1;
			}
			due = due < 0.001 ? 0.001 : due > 1 ? 1 : due;
			ts.tv_sec = (time_t)due;
			ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
		}
		dirty |= term_changes(&u, t);
		if (dirty) {
			ui_render(&u, &cb);
			term_draw(t, &cb);
			dirty = 0;
		}
		if (ppoll(&pfd, 1, &ts, &empty) < 0)
			continue;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		if (!(pfd.revents & POLLIN))
			continue;
		while (term_read(t, &ev)) {
			term_event(&u, t, &ev);
			switch (ui_handle(&u, &ev)) {
			case UI_REPLAY:
				player_key(&pl, &u);
				break;
			case UI_EXPR: /* the record shown, under the new expression (or none) */
				player_show(&pl, &u, u.rp.index);
				break;
			}
			dirty = 1;
		}
	}
	term_close(t);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	if (u.snap == NULL)
		fprintf(stderr, "sockwatch: %s\n", u.msg); /* the first record did not load */
	ui_fini(&u);
	cellbuf_fini(&cb);
	snapshot_fini(&pl.snaps[0]);
	snapshot_fini(&pl.snaps[1]);
	replay_close(pl.rp);
	return u.snap == NULL ? 1 : 0;
}

int ui_run(const struct config *cfg, struct exporter *ex)
{
	struct ui_event ahead[UI_TYPEAHEAD];
	int nahead = 0;
	struct collector *col;
	struct snapshot *front = NULL;
	struct feed *fd;
	struct cellbuf cb;
	struct term *t;
	struct ui u;
	sigset_t block, empty;
	char *cause = NULL;
	double last = -1;
	int dirty = 1, first = 1;
	struct recorder *rec = NULL;
	struct record_info rinfo = { cfg->record_sockets ? REC_F_SOCKETS : 0, cfg->delay };

	if (cfg->replay != NULL)
		return run_replay(cfg);
	col = collector_new(cfg, &cause);
	if (col == NULL) {
		fprintf(stderr, "sockwatch: cannot open sock_diag: %s\n", cause);
		free(cause);
		return 1;
	}
	if (cfg->record != NULL &&
	    (rec = recorder_open(cfg->record, (uint64_t)cfg->record_size << 20, cfg->record_keep,
				 &cause)) == NULL) {
		fprintf(stderr, "sockwatch: cannot record: %s\n", cause);
		free(cause);
		collector_free(col);
		return 1;
	}
	if ((t = open_term(cfg)) == NULL) {
		recorder_close(rec);
		collector_free(col);
		return 1;
	}
	/* Blocked before the thread starts, which keeps the mask: only ppoll takes them. */
	loop_signals(&block);
	sigemptyset(&empty);

	cellbuf_init(&cb);
	ui_init(&u, cfg);
	u.hist = collector_history(col);
	gethostname(u.host, sizeof u.host - 1);
	/* main() said it on stderr, which the view now covers: say it here too. */
	if (ex != NULL)
		snprintf(u.msg, sizeof u.msg, "serving metrics at http://%s/metrics",
			 exporter_address(ex));
	term_size(t, &u.w, &u.h);
	if ((fd = feed_start(col, u.delay, &cause)) == NULL) {
		term_close(t);
		fprintf(stderr, "sockwatch: cannot start the collection thread: %s\n", cause);
		free(cause);
		ui_fini(&u);
		cellbuf_fini(&cb);
		recorder_close(rec);
		collector_free(col);
		return 1;
	}
	while (!u.quit && !sig_stop) {
		struct pollfd pfd[2] = { { STDIN_FILENO, POLLIN, 0 }, { fd->wake[0], POLLIN, 0 } };
		struct ui_event ev;
		struct timespec ts = { 1, 0 };
		double at;
		int got;

		if (u.paused)
			last = -1; /* the time paused is no interval */
		/* Paused, the screen stays: one refresh that was under way waits too. */
		got = u.paused ? 0 : feed_take(fd, &front, &at, &cause, first ? &u.early : NULL);
		if (got == 2) {
			u.early_have = 1;
			dirty = 1;
		} else if (got < 0) {
			snprintf(u.msg, sizeof u.msg, "%s", cause);
			free(cause);
			cause = NULL;
			dirty = 1;
		} else if (got > 0) {
			u.interval = last >= 0 ? at - last : 0;
			last = at;
			collector_judge(col, front, at);
			u.snap = front;
			if (ex != NULL)
				exporter_publish(ex, front, &cfg->filter);
			rinfo.interval = u.delay; /* the setup screen may have changed it */
			if (rec != NULL && recorder_write(rec, front, &rinfo, &cause) < 0) {
				set_msg(&u, cause, ": recording stopped");
				free(cause);
				cause = NULL;
				recorder_close(rec);
				rec = NULL;
			}
			if (first)
				note_unavailable(&u, front);
			ui_rebuild(&u);
			/* What was typed while the first refresh was collected, in order. */
			for (int i = 0; first && i < nahead; i++)
				take_event(&u, fd, t, &ahead[i]);
			first = 0;
			dirty = 1;
		}
		dirty |= term_changes(&u, t);
		if (dirty) {
			ui_render(&u, &cb);
			term_draw(t, &cb);
			dirty = 0;
		}
		if (u.paused)
			pfd[1].fd = -1; /* what comes in waits for the resume, unpolled */
		if (ppoll(pfd, 2, &ts, &empty) < 0)
			continue;
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		while (term_read(t, &ev)) {
			/* Before the first refresh, keys wait for it (as typed ahead); quit not. */
			if (u.snap == NULL && ui_key_action(ev.key) != ACT_QUIT &&
			    ev.key != UK_RESIZE) {
				if (nahead < UI_TYPEAHEAD)
					ahead[nahead++] = ev;
				continue;
			}
			take_event(&u, fd, t, &ev);
			dirty = 1;
		}
	}
	term_close(t);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	/* A thread stuck in a refresh keeps what it uses until the exit. */
	if (feed_stop(fd)) {
		collector_free(col);
	} else {
		fd->kept = u.expr;
		fd->kept_old = u.retired;
		fd->nkept_old = u.nretired;
		u.expr = NULL;
		u.retired = NULL;
		u.nretired = 0;
	}
	recorder_close(rec);
	ui_fini(&u);
	cellbuf_fini(&cb);
	return 0;
}
