/* loop.c: the TUI's one poll() loop: input, refresh timer and signals. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/collect.h"
#include "sockwatch/export.h"
#include "sockwatch/proc.h"
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

int ui_run(const struct config *cfg, struct exporter *ex)
{
	struct collector *col;
	struct snapshot snap;
	struct cellbuf cb;
	struct term *t;
	struct ui u;
	struct sigaction sa;
	sigset_t block, empty;
	char *cause = NULL;
	double next, last = -1;
	int dirty = 1, first = 1;

	col = collector_new(cfg, &cause);
	if (col == NULL) {
		fprintf(stderr, "sockwatch: cannot open sock_diag: %s\n", cause);
		free(cause);
		return 1;
	}
	t = term_open(cfg->no_color, &cause);
	if (t == NULL) {
		fprintf(stderr,
			"sockwatch: cannot start the interactive view: %s; use -b for "
			"batch output\n",
			cause);
		free(cause);
		collector_free(col);
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);

	snapshot_init(&snap);
	cellbuf_init(&cb);
	ui_init(&u, cfg);
	u.hist = collector_history(col);
	gethostname(u.host, sizeof u.host - 1);
	/* main() said it on stderr, which the view now covers: say it here too. */
	if (ex != NULL)
		snprintf(u.msg, sizeof u.msg, "serving metrics at http://%s/metrics",
			 exporter_address(ex));
	term_size(t, &u.w, &u.h);
	next = mono_now();
	while (!u.quit && !sig_stop) {
		struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
		struct ui_event ev;
		struct timespec ts;
		double now = mono_now(), wait;

		if (u.paused)
			last = -1; /* the time paused is no interval */
		if (!u.paused && now >= next) {
			u.interval = last >= 0 ? now - last : 0;
			last = now;
			if (collector_refresh(col, &snap, now, &cause) < 0) {
				snprintf(u.msg, sizeof u.msg, "%s", cause);
				free(cause);
				cause = NULL;
			} else {
				u.snap = &snap;
				if (ex != NULL)
					exporter_publish(ex, &snap, &cfg->filter);
				if (first)
					note_unavailable(&u, &snap);
				first = 0;
				ui_rebuild(&u);
			}
			next += u.delay;
			if (next < now)
				next = now + u.delay;
			dirty = 1;
		}
		if (sig_winch) {
			sig_winch = 0;
			term_resize(t);
			term_size(t, &u.w, &u.h);
			ui_rebuild(&u);
			dirty = 1;
		}
		if (u.color_changed) {
			u.color_changed = 0;
			term_set_color(t, u.no_color);
			dirty = 1;
		}
		if (dirty) {
			ui_render(&u, &cb);
			term_draw(t, &cb);
			dirty = 0;
		}
		wait = u.paused ? 3600.0 : next - mono_now();
		if (wait < 0)
			wait = 0;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		if (ppoll(&pfd, 1, &ts, &empty) < 0)
			continue;
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		while (term_read(t, &ev)) {
			if (ev.key == UK_RESIZE) {
				term_size(t, &u.w, &u.h);
				ui_rebuild(&u);
			} else if (ev.key == UK_CTRL_L) {
				term_invalidate(t);
			}
			switch (ui_handle(&u, &ev)) {
			case UI_KILL:
				do_kill(&u);
				break;
			case UI_EXPR:
				/* A new filter expression: collect under it now. */
				collector_set_expr(col, ui_expr(&u));
				next = mono_now();
				break;
			}
			dirty = 1;
		}
	}
	term_close(t);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	ui_fini(&u);
	cellbuf_fini(&cb);
	snapshot_fini(&snap);
	collector_free(col);
	return 0;
}
