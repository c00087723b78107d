/* Unit tests of the TUI's pure parts: state, keys and the rendered cell buffer as text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <cmocka.h>

#include "readtext.h"
#include "snapfix.h"
#include "sockwatch/present.h"
#include "widthfix.h"
#include "../../src/ui/ui_int.h"

struct fixture {
	struct snapshot s;
	struct config cfg;
	struct ui u;
	struct cellbuf cb;
	struct strbuf line;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	build(&f->s);
	snapshot_join(&f->s, NULL);
	config_defaults(&f->cfg);
	ui_init(&f->u, &f->cfg);
	f->u.snap = &f->s;
	f->u.w = 120;
	f->u.h = 30;
	snprintf(f->u.host, sizeof f->u.host, "testhost");
	ui_rebuild(&f->u);
	cellbuf_init(&f->cb);
	sb_init(&f->line);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ui_fini(&f->u);
	cellbuf_fini(&f->cb);
	sb_fini(&f->line);
	snapshot_fini(&f->s);
	free(f);
	return 0;
}

/* The whole screen as text, one line per row. */
static const char *screen(struct fixture *f)
{
	int y;

	ui_render(&f->u, &f->cb);
	sb_reset(&f->line);
	for (y = 0; y < f->cb.h; y++) {
		cellbuf_row_text(&f->cb, y, &f->line);
		sb_putc(&f->line, '\n');
	}
	return f->line.buf;
}

static void key(struct fixture *f, uint32_t k)
{
	struct ui_event ev = { k, 0, 0 };

	ui_handle(&f->u, &ev);
}

static void keys(struct fixture *f, const char *s)
{
	while (*s)
		key(f, (unsigned char)*s++);
}

static uint32_t selected(struct fixture *f)
{
	return f->u.rows.v[f->u.cursor];
}

static void test_processes_view(void **state)
{
	struct fixture *f = *state;
	const char *scr = screen(f);

	assert_non_null(strstr(scr, "sockwatch testhost"));
	assert_non_null(strstr(scr, "Sockets 9"));
	assert_non_null(strstr(scr, " 1 Processes "));
	assert_non_null(strstr(scr, "PID USER"));
	assert_non_null(strstr(scr, "[p100]"));
	assert_non_null(strstr(scr, "[p300]"));
	assert_null(strstr(scr, "[p400]"));
	assert_non_null(strstr(scr, "F1Help"));
	/* The unreadable process shows ? for its sockets, never 0. */
	assert_non_null(strstr(scr, "?"));
}

static void test_views_and_drill(void **state)
{
	struct fixture *f = *state;
	const char *scr;

	key(f, '2');
	assert_int_equal(f->u.view, VIEW_LISTEN);
	scr = screen(f);
	assert_non_null(strstr(scr, "LOCAL ADDRESS:PORT"));
	assert_non_null(strstr(scr, "0.0.0.0:80"));
	/* Select the :80 listener and drill into its sockets. */
	while (f->s.socks.v[f->s.listeners[selected(f)].sock].sport != 80)
		key(f, UK_DOWN);
	key(f, UK_ENTER);
	assert_int_equal(f->u.view, VIEW_SOCKETS);
	scr = screen(f);
	assert_non_null(strstr(scr, "sockets of listener 0.0.0.0:80"));
	assert_non_null(strstr(scr, "10.0.0.2:6000"));
	assert_null(strstr(scr, "[::]:443"));
	key(f, UK_ESC);
	assert_int_equal(f->u.view, VIEW_LISTEN);
	key(f, UK_TAB);
	assert_int_equal(f->u.view, VIEW_PORTS);
	key(f, '4');
	assert_int_equal(f->u.view, VIEW_SOCKETS);
	assert_int_equal(f->u.rows.n, 9);
	key(f, '1');
	assert_int_equal(f->u.view, VIEW_PROCESSES);
}

/* Processes grouped by service: S, the sums, Enter lists its processes, then one's sockets. */
static void test_services_view_and_drill(void **state)
{
	struct fixture *f = *state;
	const char *cg[] = { "/system.slice/a.service", "/system.slice/b.service",
			     "/system.slice/a.service" };
	const char *scr;
	size_t i;

	for (i = 0; i < 3; i++)
		f->s.procs.v[i].cgroup = strpool_add(&f->s.procs.strs, cg[i], strlen(cg[i]));
	f->u.w = 150;
	snapshot_join(&f->s, NULL);
	ui_rebuild(&f->u);
	scr = screen(f);
	assert_non_null(strstr(scr, "SERVICE"));
	key(f, 'S');
	assert_int_equal(f->u.view, VIEW_SERVICES);
	assert_int_equal(f->u.rows.n, 2);
	scr = screen(f);
	assert_non_null(strstr(scr, " 5 Services"));
	assert_non_null(strstr(scr, "a.service"));
	assert_non_null(strstr(scr, "b.service"));
	while (f->s.services[selected(f)].procs != 2)
		key(f, UK_DOWN);
	key(f, UK_ENTER);
	assert_int_equal(f->u.view, VIEW_PROCESSES);
	assert_int_equal(f->u.rows.n, 2);
	scr = screen(f);
	assert_non_null(strstr(scr, "processes of a.service"));
	assert_non_null(strstr(scr, "[p100]"));
	assert_null(strstr(scr, "[p200]"));
	/* On to a process's sockets, and back one step at a time. */
	while (f->s.procs.v[selected(f)].pid != 100)
		key(f, UK_DOWN);
	key(f, UK_ENTER);
	assert_int_equal(f->u.view, VIEW_SOCKETS);
	assert_non_null(strstr(screen(f), "sockets of pid 100"));
	key(f, UK_ESC);
	assert_int_equal(f->u.view, VIEW_PROCESSES);
	assert_int_equal(f->u.rows.n, 2);
	key(f, UK_ESC);
	assert_int_equal(f->u.view, VIEW_SERVICES);
	key(f, 'S');
	assert_int_equal(f->u.view, VIEW_PROCESSES);
	assert_int_equal(f->u.rows.n, 3);
}

/* The filter prompt: an expression goes to the collector, other text filters rows. */
static void test_filter_expression(void **state)
{
	struct fixture *f = *state;
	struct ui_event enter = { UK_ENTER, 0, 0 }, esc = { UK_ESC, 0, 0 };
	struct filter flt = { NULL, 0, -1, 0, NULL, NULL };
	const char *scr;

	key(f, '\\');
	keys(f, "state listening or dport = :80");
	assert_int_equal(ui_handle(&f->u, &enter), UI_EXPR);
	assert_non_null(ui_expr(&f->u));
	assert_string_equal(f->u.filter, ""); /* not a text filter too */
	assert_non_null(strstr(f->u.msg, "filter expression: state listening or dport = :80"));
	/* The loop hands it to the collector; the next snapshot is joined under it. */
	flt.expr = ui_expr(&f->u);
	snapshot_join(&f->s, &flt);
	ui_rebuild(&f->u);
	scr = screen(f);
	assert_non_null(strstr(scr, "[state listening or dport = :80]"));
	assert_non_null(strstr(scr, "[p200]")); /* holds 10 (listening) and 14 (to :80) */
	assert_non_null(strstr(scr, "[p100]")); /* holds 10 and 13 */

	/* Text that is no expression stays a text filter, and says so. */
	key(f, '\\');
	keys(f, "p200");
	assert_int_equal(ui_handle(&f->u, &enter), 0);
	assert_string_equal(f->u.filter, "p200");
	assert_non_null(strstr(f->u.msg, "text filter; not an expression"));
	/* Esc clears the text filter first, then drops the expression. */
	assert_int_equal(ui_handle(&f->u, &esc), 0);
	assert_string_equal(f->u.filter, "");
	assert_non_null(ui_expr(&f->u));
	assert_int_equal(ui_handle(&f->u, &esc), UI_EXPR);
	assert_null(ui_expr(&f->u));
	assert_null(strstr(screen(f), "[state listening"));
	snapshot_join(&f->s, NULL);
}

static void test_filter_then_drill(void **state)
{
	struct fixture *f = *state;
	const char *scr;

	key(f, '\\');
	assert_int_equal(f->u.mode, MODE_FILTER);
	keys(f, "p200");
	key(f, UK_ENTER);
	assert_int_equal(f->u.mode, MODE_NORMAL);
	scr = screen(f);
	assert_non_null(strstr(scr, "[p200]"));
	assert_null(strstr(scr, "[p100]"));
	assert_non_null(strstr(scr, "[filter: p200]"));
	key(f, UK_ENTER);
	assert_int_equal(f->u.view, VIEW_SOCKETS);
	scr = screen(f);
	assert_non_null(strstr(scr, "sockets of pid 200 (p200)"));
	assert_int_equal(f->u.rows.n, 2); /* the shared listener and its client socket */
	key(f, UK_ESC);
	assert_int_equal(f->u.view, VIEW_PROCESSES);
	assert_string_equal(f->u.filter, "p200");
	key(f, UK_ESC);
	assert_string_equal(f->u.filter, "");
	assert_null(strstr(screen(f), "[filter:"));
}

static void test_search_sort_and_selection(void **state)
{
	struct fixture *f = *state;

	key(f, '/');
	keys(f, "p300");
	assert_int_equal(f->s.procs.v[selected(f)].pid, 300);
	key(f, UK_ENTER);
	/* Re-sorting keeps the selected process. */
	key(f, '<');
	key(f, 'I');
	assert_int_equal(f->s.procs.v[selected(f)].pid, 300);
	/* A new snapshot in another order keeps it too. */
	ui_rebuild(&f->u);
	assert_int_equal(f->s.procs.v[selected(f)].pid, 300);
	key(f, '/');
	keys(f, "nomatch");
	assert_non_null(strstr(f->u.msg, "not found"));
	key(f, UK_ESC);
}

/*
 * A dialog is a framed panel that clears what it covers: a top border holding
 * its title, side borders on every row down to the bottom border, nothing of
 * the table between them. Before, the signal menu was drawn over the table
 * with no frame, and table text showed beside it.
 */
static void assert_framed_panel(struct fixture *f, const char *title)
{
	const struct cell *c = f->cb.c;
	int w = f->cb.w, top = -1, left = -1, right = -1, y, x;
	size_t tl = strlen(title);

	for (y = 0; y < f->cb.h && top < 0; y++) {
		sb_reset(&f->line);
		cellbuf_row_text(&f->cb, y, &f->line);
		if (strstr(f->line.buf, title) != NULL)
			top = y;
	}
	assert_true(top >= 0);
	for (x = 0; x < w; x++) {
		if (c[top * w + x].ch == 0x250c && left < 0)
			left = x;
		if (c[top * w + x].ch == 0x2510)
			right = x;
	}
	assert_true(left >= 0 && right > left + (int)tl);
	for (y = top + 1; y < f->cb.h && c[y * w + left].ch != 0x2514; y++) {
		assert_int_equal(c[y * w + left].ch, 0x2502);
		assert_int_equal(c[y * w + right].ch, 0x2502);
		for (x = left + 1; x < right; x++) /* the menu's own text or blanks */
			assert_true(c[y * w + x].attr == AT_SELECTED ||
				    c[y * w + x].attr == AT_NORMAL);
	}
	assert_true(y < f->cb.h);
	assert_int_equal(c[y * w + right].ch, 0x2518);
}

static void test_kill_dialog_and_help(void **state)
{
	struct fixture *f = *state;
	struct ui_event ev = { UK_ENTER, 0, 0 };
	const char *scr;

	key(f, 'k');
	assert_int_equal(f->u.mode, MODE_KILL);
	scr = screen(f);
	assert_non_null(strstr(scr, "Send signal to"));
	assert_non_null(strstr(scr, "15 SIGTERM"));
	assert_framed_panel(f, "Send signal to");
	key(f, UK_DOWN);
	assert_int_equal(ui_signals[f->u.kill.sel].sig, 9);
	key(f, UK_ESC);
	assert_int_equal(f->u.mode, MODE_NORMAL);
	key(f, 'k');
	assert_int_equal(ui_handle(&f->u, &ev), 1); /* Enter asks the loop to send it */
	key(f, '?');
	scr = screen(f);
	assert_non_null(strstr(scr, "Down: more keys"));
	key(f, UK_END); /* the last keys, then the mouse */
	scr = screen(f);
	assert_non_null(strstr(scr, "q F10"));
	assert_non_null(strstr(scr, "the wheel scrolls"));
	assert_non_null(strstr(scr, "quit"));
	key(f, 'q'); /* closes help, does not quit */
	assert_int_equal(f->u.quit, 0);
	key(f, 'q');
	assert_int_equal(f->u.quit, 1);
}

/*
 * A replay: [ ] t Space + - ask the loop to move and come before the table (t is
 * not the tree there, k opens no kill dialog), the header says REPLAY with the
 * record's date, the t prompt takes a time, and a filter expression is one.
 */
static void test_replay_keys(void **state)
{
	struct fixture *f = *state;
	struct ui_event ev = { '[', 0, 0 };
	const char *scr;

	f->u.rp.on = 1;
	f->u.rp.index = 4;
	f->u.rp.count = 9;
	f->u.rp.interval = 1;
	snprintf(f->u.rp.name, sizeof f->u.rp.name, "rec");
	f->s.time.tv_sec = 1796000000;
	scr = screen(f);
	assert_non_null(strstr(scr, "sockwatch REPLAY rec  20"));
	assert_non_null(strstr(scr, "record 5/9"));
	assert_non_null(strstr(scr, "[PAUSED]"));
	assert_non_null(strstr(scr, "[]Step"));
	assert_int_equal(ui_handle(&f->u, &ev), UI_REPLAY);
	assert_int_equal(f->u.rp.step, -1);
	f->u.rp.step = 0;
	ev.key = ']';
	assert_int_equal(ui_handle(&f->u, &ev), UI_REPLAY);
	assert_int_equal(f->u.rp.step, 1);
	ev.key = ' ';
	assert_int_equal(ui_handle(&f->u, &ev), UI_REPLAY);
	assert_int_equal(f->u.rp.playing, 1);
	keys(f, "++++");
	assert_int_equal(ui_replay_speeds[f->u.rp.speed], 60);
	scr = screen(f);
	assert_non_null(strstr(scr, "[PLAYING 60x]"));
	keys(f, "-");
	assert_int_equal(ui_replay_speeds[f->u.rp.speed], 10);
	key(f, 'k');
	assert_int_equal(f->u.mode, MODE_NORMAL);
	assert_non_null(strstr(f->u.msg, "sends no signals"));
	key(f, 't');
	assert_int_equal(f->u.mode, MODE_JUMP);
	assert_int_equal(f->u.tree_on, 0);
	keys(f, "-30m");
	assert_non_null(strstr(screen(f), "Jump to"));
	ev.key = UK_ENTER;
	assert_int_equal(ui_handle(&f->u, &ev), UI_REPLAY);
	assert_int_equal(f->u.rp.jump, 1);
	assert_string_equal(f->u.rp.jump_text, "-30m");
	assert_int_equal(f->u.mode, MODE_NORMAL);
	key(f, UK_F5); /* the tree is still there */
	assert_int_equal(f->u.tree_on, 1);
	key(f, '\\');
	keys(f, "state close-wait");
	ev.key = UK_ENTER;
	/* An expression, as live: the loop joins the record shown again under it. */
	assert_int_equal(ui_handle(&f->u, &ev), UI_EXPR);
	assert_non_null(f->u.expr);
	key(f, '?');
	key(f, UK_END);
	assert_non_null(strstr(screen(f), "replay: play faster"));
}

static void test_small_screen_and_mouse(void **state)
{
	struct fixture *f = *state;
	struct ui_event ev = { UK_MOUSE, 0, 0 };
	const char *scr;
	int y;

	f->u.w = 40;
	f->u.h = 10;
	ui_rebuild(&f->u);
	scr = screen(f);
	assert_int_equal(f->cb.w, 40);
	assert_non_null(strstr(scr, "PID"));
	for (y = 0; y < f->cb.h; y++) {
		sb_reset(&f->line);
		cellbuf_row_text(&f->cb, y, &f->line);
		assert_true(text_columns(f->line.buf ? f->line.buf : "", f->line.len) <= 40);
	}
	for (int w = 1; w < 50; w += 7) {
		for (int h = 1; h < 14; h += 3) {
			f->u.w = w;
			f->u.h = h;
			ui_rebuild(&f->u);
			screen(f);
		}
	}
	f->u.w = 120;
	f->u.h = 30;
	ui_rebuild(&f->u);
	/* A click on the PID title sorts by PID; a click on a row selects it. */
	ev.y = ui_table_y(&f->u);
	ev.x = 2;
	ui_handle(&f->u, &ev);
	assert_int_equal(f->u.vs[VIEW_PROCESSES].sort_col, 0);
	ev.y = ui_table_y(&f->u) + 2;
	ui_handle(&f->u, &ev);
	assert_int_equal(f->u.cursor, 1);
}

static void test_hostile_name(void **state)
{
	struct fixture *f = *state;
	int i;

	snprintf(f->s.procs.v[0].comm, sizeof f->s.procs.v[0].comm, "\x1b]2;T\x07\n\xff\xc2\x9b");
	f->u.w = 200;
	ui_rebuild(&f->u);
	screen(f);
	for (i = 0; i < f->cb.w * f->cb.h; i++) {
		uint32_t c = f->cb.c[i].ch;

		assert_true(c == 0 || (c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0)));
	}
	assert_non_null(strstr(f->line.buf, "\\x1b]2;T\\x07\\n\\xff\\u{009b}"));
}

static void test_leak_column_and_detail(void **state)
{
	struct fixture *f = *state;
	const char *scr;
	size_t i;

	f->s.leak = xcalloc(f->s.procs.n, sizeof *f->s.leak);
	for (i = 0; i < f->s.procs.n; i++) {
		if (f->s.procs.v[i].pid == 200) {
			f->s.leak[i].level = LEAK_WARNING;
			f->s.leak[i].reasons = LR_GROWTH | LR_CLOSE_WAIT;
			f->s.leak[i].has_growth = 1;
			f->s.leak[i].growth_per_min = 300;
			f->s.leak[i].cw_old = 12;
			f->s.leak[i].has_eta = 1;
			f->s.leak[i].eta_seconds = 125;
		}
	}
	f->u.w = 160;
	key(f, 'L');
	scr = screen(f);
	assert_non_null(strstr(scr, "Leaking 1 (0 critical)"));
	assert_non_null(strstr(scr, "WARN grow,cw"));
	/* Sorted by leak severity: the flagged process first. */
	assert_int_equal(f->s.procs.v[f->u.rows.v[0]].pid, 200);
	key(f, UK_HOME);
	key(f, UK_ENTER);
	scr = screen(f);
	assert_non_null(strstr(scr, "WARNING pid 200 (p200) growth +300/min, 12 old close_wait"));
	assert_non_null(strstr(scr, "eta 2m05s"));
	assert_non_null(strstr(scr, "Too many open files in 2m05s"));
	/* The table moved down under the pane, and still lists the sockets. */
	assert_int_equal(ui_table_y(&f->u), ui_header_lines(&f->u) + 1 + UI_DETAIL_LINES);
	assert_int_equal(f->u.rows.n, 2);
	key(f, UK_ESC);
	assert_null(strstr(screen(f), "WARNING pid"));
}

/*
 * L puts the selection on the worst leaker: before, the selection kept to the
 * process it was on, wherever the new order put it, and the leakers were off
 * screen until Home.
 */
static void test_sort_leak_selects_worst(void **state)
{
	struct fixture *f = *state;
	size_t i;

	f->s.leak = xcalloc(f->s.procs.n, sizeof *f->s.leak);
	for (i = 0; i < f->s.procs.n; i++) {
		if (f->s.procs.v[i].pid == 200) {
			f->s.leak[i].level = LEAK_CRITICAL;
			f->s.leak[i].reasons = LR_CLOSE_WAIT;
			f->s.leak[i].cw_old = 40;
		}
	}
	ui_rebuild(&f->u);
	key(f, UK_END);
	assert_int_not_equal(f->s.procs.v[selected(f)].pid, 200);
	key(f, 'L');
	assert_int_equal(f->u.cursor, 0);
	assert_int_equal(f->s.procs.v[selected(f)].pid, 200);
	/* From another view too: L comes back to the processes, on the leaker. */
	key(f, '2');
	key(f, 'L');
	assert_int_equal(f->u.view, VIEW_PROCESSES);
	assert_int_equal(f->s.procs.v[selected(f)].pid, 200);
	/* The next refresh keeps it there (it follows the process, as any selection). */
	ui_rebuild(&f->u);
	assert_int_equal(f->s.procs.v[selected(f)].pid, 200);
}

/*
 * T sorts the view by RX/s + TX/s, the busiest on top and selected, and shows
 * the traffic columns; without tcp_info they are not drawn.
 */
static void test_sort_talkers(void **state)
{
	struct fixture *f = *state;
	const char *scr;
	size_t i;

	f->u.w = 220;
	ui_rebuild(&f->u);
	assert_null(strstr(screen(f), "TX/s"));
	for (i = 0; i < f->s.socks.n; i++) {
		struct sock_rec *r = &f->s.socks.v[i];
		struct sock_tcpi *x;

		if (r->proto != SP_TCP || r->inode == 0)
			continue;
		x = sock_table_add_tcpi(&f->s.socks, r);
		x->have = TCPI_BYTES | TCPI_RATED;
		x->tx = r->inode == 14 ? 3.0f * 1024 * 1024 : 10; /* pid 200's client */
		x->rtt_us = 1500;
	}
	f->s.tcp_info = 1;
	snapshot_join(&f->s, NULL);
	ui_rebuild(&f->u);
	key(f, UK_END);
	key(f, 'T');
	assert_int_equal(f->u.cursor, 0);
	assert_int_equal(f->s.procs.v[selected(f)].pid, 200);
	scr = screen(f);
	assert_non_null(strstr(scr, "TX/s"));
	assert_non_null(strstr(scr, "3.0M"));
	assert_non_null(strstr(scr, "1.5ms"));
	/* The sockets view: the same order by the socket's own rate. */
	key(f, '4');
	key(f, 'T');
	assert_int_equal(f->s.socks.v[f->u.rows.v[0]].inode, 14);
}

/* A pid list cut to its column ends in "+N": before, "19740,19" read as a pid 19. */
static void test_list_fit(void **state)
{
	static const struct {
		const char *in;
		size_t w;
		const char *want;
	} cases[] = {
		{ "19740,19741", 11, "19740,19741" }, /* fits: as it is */
		{ "19740,19741", 8, "19740+1" },
		{ "19740,19741,19742", 13, "19740,19741+1" },
		{ "19740,19741,19742", 12, "19740+2" },
		{ "1,2,3,4,5,6,7,8,9,10,11,12", 8, "1,2,3+9" },
		{ "4194304,4194303", 8, "+2" }, /* not even one with its +N */
		{ "1,2,3,4,5,6,7,8,9,10,11", 6, "1,2+9" },
	};
	struct strbuf sb;
	size_t i;

	(void)state;
	sb_init(&sb);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		sb_reset(&sb);
		sb_puts(&sb, cases[i].in);
		fmt_list_fit(&sb, cases[i].w);
		assert_string_equal(sb.buf, cases[i].want);
		assert_true(sb.len <= cases[i].w);
	}
	sb_fini(&sb);
}

/* Dead socket fds: a DEAD column, and the pane says what they are. */
static void test_dead_column_and_detail(void **state)
{
	struct fixture *f = *state;
	const char *scr;
	size_t i;

	f->s.leak = xcalloc(f->s.procs.n, sizeof *f->s.leak);
	for (i = 0; i < f->s.procs.n; i++) {
		if (f->s.procs.v[i].pid == 200) {
			f->s.pstats[i].other += 15;
			f->s.pstats[i].dead = 15;
			f->s.leak[i].level = LEAK_WARNING;
			f->s.leak[i].reasons = LR_DEAD_SOCKETS;
			f->s.leak[i].dead_old = 15;
		}
	}
	f->u.w = 160;
	key(f, 'L');
	scr = screen(f);
	assert_non_null(strstr(scr, " CLOSE_WAIT  DEAD LEAK"));
	assert_non_null(strstr(scr, "   15 WARN dead"));
	key(f, UK_HOME);
	key(f, UK_ENTER);
	scr = screen(f);
	assert_non_null(strstr(scr, "WARNING pid 200 (p200) 15 dead sockets, fds "));
	assert_non_null(strstr(scr,
			       "dead_sockets: 15 TCP sockets the kernel no longer lists (reset "
			       "by the peer, timed out, or never connected), their fds still "
			       "open here."));
}

/* The prompts take every code point, U+10000 and above too, and never a part of one. */
static void test_prompt_any_code_point(void **state)
{
	struct fixture *f = *state;
	size_t i;

	snprintf(f->s.procs.v[1].comm, sizeof f->s.procs.v[1].comm, "%s",
		 "p\xf0\x9f\x98\x80\xe4\xb8\xad");
	ui_rebuild(&f->u);
	key(f, '\\');
	key(f, 0x1f600);
	assert_string_equal(f->u.filter, "\xf0\x9f\x98\x80");
	key(f, 0x4e2d);
	assert_string_equal(f->u.filter, "\xf0\x9f\x98\x80\xe4\xb8\xad");
	assert_int_equal(f->u.rows.n, 1);
	assert_int_equal(f->s.procs.v[selected(f)].pid, 200);
	key(f, UK_BACKSPACE);
	assert_string_equal(f->u.filter, "\xf0\x9f\x98\x80");
	key(f, UK_BACKSPACE);
	assert_string_equal(f->u.filter, "");
	/* Surrogates and function keys are no text. */
	key(f, 0xd800);
	key(f, UK_F5);
	assert_string_equal(f->u.filter, "");
	/* Full: a 4-byte character that does not fit is left out whole. */
	for (i = 0; i + 2 < sizeof f->u.filter; i++)
		key(f, 'x');
	key(f, 0x10348);
	assert_int_equal(strlen(f->u.filter), sizeof f->u.filter - 2);
	key(f, 'y');
	assert_int_equal(strlen(f->u.filter), sizeof f->u.filter - 1);
	key(f, UK_ESC);
	/* The search prompt is the same editor. */
	key(f, '/');
	key(f, 0x1f600);
	assert_string_equal(f->u.search, "\xf0\x9f\x98\x80");
	assert_int_equal(f->s.procs.v[selected(f)].pid, 200);
	key(f, UK_ENTER);
}

/*
 * Wide characters take two cells (the right one 0), zero-width ones are drawn as '?', and
 * text_columns() counts what cellbuf_text() writes.
 */
static void test_cells_wide(void **state)
{
	/* a, U+4E2D, U+1F600, e with U+0301, b */
	static const char text[] = "a\xe4\xb8\xad\xf0\x9f\x98\x80"
				   "e\xcc\x81"
				   "b";
	struct cellbuf cb;
	struct strbuf sb;

	(void)state;
	cellbuf_init(&cb);
	sb_init(&sb);
	cellbuf_resize(&cb, 12, 1);
	assert_int_equal(cellbuf_text(&cb, 0, 0, text, sizeof text - 1, 12, AT_NORMAL), 8);
	assert_int_equal(text_columns(text, sizeof text - 1), 8);
	assert_int_equal(cb.c[1].ch, 0x4e2d);
	assert_int_equal(cb.c[2].ch, 0);
	assert_int_equal(cb.c[3].ch, 0x1f600);
	assert_int_equal(cb.c[4].ch, 0);
	assert_int_equal(cb.c[5].ch, 'e');
	assert_int_equal(cb.c[6].ch, '?');
	assert_int_equal(cb.c[7].ch, 'b');
	cellbuf_row_text(&cb, 0, &sb);
	assert_string_equal(sb.buf, "a\xe4\xb8\xad\xf0\x9f\x98\x80"
				    "e?b");
	/* As curses counts them: U+1F680 is wide, U+2764 U+FE0F a heart and a '?'. */
	assert_int_equal(text_columns("\xf0\x9f\x9a\x80", 4), 2);
	assert_int_equal(text_columns("\xe2\x9d\xa4\xef\xb8\x8f", 6), 2);
	/* A wide character that does not fit whole is not written. */
	cellbuf_clear(&cb);
	assert_int_equal(cellbuf_text(&cb, 0, 0, text, sizeof text - 1, 2, AT_NORMAL), 1);
	assert_int_equal(cb.c[1].ch, ' ');
	assert_int_equal(cellbuf_text(&cb, 11, 0, text + 1, 3, 5, AT_NORMAL), 0);
	assert_int_equal(cb.c[11].ch, ' ');
	sb_fini(&sb);
	cellbuf_fini(&cb);
}

/* Every right half (0) follows a wide character, and every wide character has one. */
static void assert_halves_paired(const struct cellbuf *cb)
{
	int x, y;

	for (y = 0; y < cb->h; y++) {
		const struct cell *row = cb->c + y * cb->w;

		for (x = 0; x < cb->w; x++) {
			if (row[x].ch == 0)
				assert_true(x > 0 && cp_width(row[x - 1].ch) == 2);
			if (row[x].ch != 0 && cp_width(row[x].ch) == 2)
				assert_true(x + 1 < cb->w && row[x + 1].ch == 0);
		}
	}
}

/* Writing over half of a wide character blanks its other half: the row keeps its columns. */
static void test_cells_overwrite_wide(void **state)
{
	static const char five[] = "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad";
	struct cellbuf cb;
	struct strbuf sb;

	(void)state;
	cellbuf_init(&cb);
	sb_init(&sb);
	cellbuf_resize(&cb, 10, 1);
	assert_int_equal(cellbuf_text(&cb, 0, 0, five, sizeof five - 1, 10, AT_NORMAL), 10);
	cellbuf_fill(&cb, 0, 0, 3, '#', AT_TITLE); /* the left half of the second */
	assert_halves_paired(&cb);
	cellbuf_text(&cb, 7, 0, "a", 1, 1, AT_NORMAL); /* the right half of the fourth */
	assert_halves_paired(&cb);
	cellbuf_row_text(&cb, 0, &sb);
	assert_string_equal(sb.buf, "### \xe4\xb8\xad a\xe4\xb8\xad");
	/* A wide character over the right half of one and the left half of the next. */
	cellbuf_text(&cb, 0, 0, five, sizeof five - 1, 10, AT_NORMAL);
	cellbuf_text(&cb, 3, 0, "\xf0\x9f\x98\x80", 4, 2, AT_NORMAL);
	assert_halves_paired(&cb);
	sb_reset(&sb);
	cellbuf_row_text(&cb, 0, &sb);
	assert_string_equal(sb.buf, "\xe4\xb8\xad \xf0\x9f\x98\x80 \xe4\xb8\xad\xe4\xb8\xad");
	sb_fini(&sb);
	cellbuf_fini(&cb);
}

/*
 * Wide user names, one cut to its column, and a wide command: on screen, as a terminal
 * measures it, LIMIT still ends and COMMAND still starts under their titles in every row.
 */
static void test_screen_wide_aligned(void **state)
{
	struct fixture *f = *state;
	const char *scr, *line, *end, *p;
	int limit_end = -1, cmd_start = -1, rows = 0;
	size_t i;

	for (i = 0; i < f->s.procs.n; i++) {
		struct proc_rec *pr = &f->s.procs.v[i];

		if (pr->pid == 100) {
			pr->user = strpool_add(&f->s.procs.strs,
					       "\xe7\x94\xa8\xe6\x88\xb7"
					       "\xe7\x94\xa8\xe6\x88\xb7\xe7\x94\xa8\xe6\x88\xb7",
					       18);
			snprintf(pr->comm, sizeof pr->comm, "%s", "\xe4\xb8\xad\xe6\x96\x87");
		} else if (pr->pid == 200) {
			/* U+1F680: 1 column in the table cells.c kept, 2 in libc. */
			pr->user = strpool_add(&f->s.procs.strs,
					       "\xf0\x9f\x9a\x80"
					       "x",
					       5);
		}
	}
	ui_rebuild(&f->u);
	scr = screen(f);
	assert_halves_paired(&f->cb);
	/* 用户用户用户 is 12 columns; USER has 9: four characters and the cut mark are left. */
	assert_non_null(
		strstr(scr, " \xe7\x94\xa8\xe6\x88\xb7\xe7\x94\xa8\xe6\x88\xb7\xe2\x80\xa6 "));
	assert_non_null(strstr(scr, "[\xe4\xb8\xad\xe6\x96\x87]"));
	for (line = scr; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		if (limit_end < 0 && (p = strstr(line, "LIMIT")) != NULL && p < end) {
			limit_end = libc_columns(line, (size_t)(p + 5 - line));
			p = strstr(line, "COMMAND");
			assert_true(p != NULL && p < end);
			cmd_start = libc_columns(line, (size_t)(p - line));
			continue;
		}
		if (limit_end < 0 || (p = strstr(line, "1024")) == NULL || p > end)
			continue;
		assert_int_equal(libc_columns(line, (size_t)(p + 4 - line)), limit_end);
		p = strchr(line, '[');
		assert_true(p != NULL && p < end);
		assert_int_equal(libc_columns(line, (size_t)(p - line)), cmd_start);
		rows++;
	}
	assert_int_equal(rows, 3);
}

static int attr_in_row(struct fixture *f, const char *row_text, const char *text);

/* The column titles line of the current view. */
static const char *titles(struct fixture *f)
{
	static char buf[512];
	const char *scr = screen(f), *p;
	int y = ui_table_y(&f->u), i;

	for (i = 0, p = scr; i < y && p != NULL; i++) {
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	assert_non_null(p);
	snprintf(buf, sizeof buf, " %.*s ", (int)(strchr(p, '\n') - p), p);
	return buf;
}

static int has_title(const char *line, const char *t)
{
	char w[64];

	snprintf(w, sizeof w, " %s ", t);
	return strstr(line, w) != NULL;
}

/* Every key a view's priority list names is one of its columns: a typo would rank it last. */
static void test_column_priority_keys(void **state)
{
	int v;

	(void)state;
	for (v = 0; v < VIEW_COUNT; v++) {
		const struct view_def *vd = view_get((enum view_id)v);
		const char *const *p = ui_column_priority((enum view_id)v);
		size_t i, k;

		for (i = 0; p[i] != NULL; i++) {
			for (k = 0; k < vd->ncols && strcmp(vd->cols[k].key, p[i]) != 0; k++)
				;
			if (k == vd->ncols)
				fail_msg("view %s: priority key %s is no column", vd->name, p[i]);
		}
	}
}

/*
 * At 80 columns the processes view keeps PID, LEAK, the state counts and a
 * COMMAND cut with a mark; the sockets view STATE, LOCAL and REMOTE. Before,
 * the columns ran left to right and COMMAND, CLOSE_WAIT and LEAK fell off at 80.
 */
static void test_columns_by_priority(void **state)
{
	struct fixture *f = *state;
	static const char *const procs80[] = { "PID",	"LEAK",	   "CLOSE_WAIT",
					       "ESTAB", "SOCKETS", "COMMAND" };
	const char *t;
	size_t i, n80 = 0, n100 = 0, n200 = 0;
	int k, x[32], w[32], col[32], n;

	for (i = 0; i < f->s.procs.n; i++) {
		if (f->s.procs.v[i].pid == 100)
			f->s.procs.v[i].cmdline =
				strpool_add(&f->s.procs.strs,
					    "/usr/sbin/nginx -g daemon on; master_process on;", 48);
	}
	f->u.h = 24;
	for (k = 0; k < 3; k++) {
		f->u.w = k == 0 ? 80 : k == 1 ? 100 : 200;
		ui_rebuild(&f->u);
		t = titles(f);
		for (i = 0; i < ARRAY_LEN(procs80); i++) {
			if (!has_title(t, procs80[i]))
				fail_msg("%d columns: no %s in %s", f->u.w, procs80[i], t);
		}
		/* COMMAND takes the rest, at least 16 cells, and ends the line. */
		n = ui_layout_columns(&f->u, x, w, col, 32);
		assert_true(n > 0);
		assert_string_equal(view_get(VIEW_PROCESSES)->cols[col[n - 1]].title, "COMMAND");
		assert_true(w[n - 1] >= 16);
		assert_int_equal(x[n - 1] + w[n - 1], f->u.w);
		*(k == 0 ? &n80 : k == 1 ? &n100 : &n200) = (size_t)n;
	}
	/* Wider shows more; at 200 every column the snapshot has something for. */
	assert_true(n80 < n100 && n100 <= n200);
	t = titles(f);
	assert_true(has_title(t, "USER") && has_title(t, "LIMIT") && has_title(t, "UNIX"));
	f->u.w = 80;
	ui_rebuild(&f->u);
	/* nginx's long command line is cut, and says so. */
	assert_non_null(strstr(screen(f), "\xe2\x80\xa6"));
	key(f, '4');
	t = titles(f);
	assert_true(has_title(t, "STATE") && has_title(t, "LOCAL") && has_title(t, "REMOTE"));
	key(f, '2');
	t = titles(f);
	assert_true(has_title(t, "LOCAL ADDRESS:PORT") && has_title(t, "QUEUE/BACKLOG") &&
		    has_title(t, "PID"));
}

/* S is the kernel's process state; a stopped leaker's pane says it is stopped. */
static void test_state_column_and_stopped(void **state)
{
	struct fixture *f = *state;
	size_t i;

	f->s.leak = xcalloc(f->s.procs.n, sizeof *f->s.leak);
	for (i = 0; i < f->s.procs.n; i++) {
		f->s.procs.v[i].state = 'S';
		if (f->s.procs.v[i].pid == 200) {
			f->s.procs.v[i].state = 'T';
			f->s.leak[i].level = LEAK_WARNING;
			f->s.leak[i].reasons = LR_CLOSE_WAIT;
			f->s.leak[i].cw_old = 12;
		}
	}
	ui_rebuild(&f->u);
	assert_true(has_title(titles(f), "S"));
	assert_int_equal(attr_in_row(f, "p200", "T "), AT_CRIT);
	key(f, 'L');
	key(f, UK_ENTER);
	assert_non_null(strstr(screen(f), "WARNING pid 200 (p200) stopped (T) 12 old close_wait"));
}

/* The screen line that holds text (NULL: none). */
static const char *line_with(struct fixture *f, const char *text)
{
	static char buf[512];
	const char *scr = screen(f), *p = strstr(scr, text), *b, *e;

	if (p == NULL)
		return NULL;
	for (b = p; b > scr && b[-1] != '\n'; b--)
		;
	e = strchr(p, '\n');
	snprintf(buf, sizeof buf, "%.*s", (int)(e - b), b);
	return buf;
}

/* t: each process under its parent, the parent with its subtree's totals; t again: a list. */
static void test_tree_view(void **state)
{
	struct fixture *f = *state;
	const char *l;
	size_t i;

	for (i = 0; i < f->s.procs.n; i++) {
		struct proc_rec *p = &f->s.procs.v[i];

		p->ppid = p->pid == 100 ? 1 : 100; /* 200 and 300: workers of 100 */
	}
	f->u.vs[VIEW_PROCESSES].sort_col = 0; /* by PID, ascending */
	f->u.vs[VIEW_PROCESSES].sort_desc = 0;
	key(f, 't');
	assert_int_equal(f->u.tree_on, 1);
	assert_int_equal(f->u.rows.n, 3);
	assert_int_equal(f->s.procs.v[f->u.rows.v[0]].pid, 100);
	assert_int_equal(f->s.procs.v[f->u.rows.v[1]].pid, 200);
	assert_int_equal(f->s.procs.v[f->u.rows.v[2]].pid, 300);
	/* 200 holds 2 sockets (5 fds); 300 cannot be read: its part is a lower bound. */
	f->u.w = 160;
	l = line_with(f, "[p100]");
	assert_non_null(l);
	assert_non_null(strstr(l, "[+2: \xe2\x89\xa5"
				  "2 sockets, 12 fds] [p100]"));
	l = line_with(f, "[p200]");
	assert_non_null(strstr(l, "\xe2\x94\x9c\xe2\x94\x80 [p200]"));
	l = line_with(f, "[p300]");
	assert_non_null(strstr(l, "\xe2\x94\x94\xe2\x94\x80 [p300]"));
	assert_non_null(strstr(screen(f), "[tree]"));
	/* Inverted, the children follow the order too; the parent stays above them. */
	key(f, 'I');
	assert_int_equal(f->s.procs.v[f->u.rows.v[0]].pid, 100);
	assert_int_equal(f->s.procs.v[f->u.rows.v[1]].pid, 300);
	/* A filter that hides the parent makes its children roots. */
	keys(f, "\\p300");
	key(f, UK_ENTER);
	assert_int_equal(f->u.rows.n, 1);
	assert_null(strstr(line_with(f, "[p300]"), "\xe2\x94\x94"));
	key(f, UK_ESC);
	/* From another view t comes to the tree; t in it goes back to the list. */
	key(f, '2');
	key(f, 't');
	assert_int_equal(f->u.view, VIEW_PROCESSES);
	assert_int_equal(f->u.tree_on, 1);
	key(f, 't');
	assert_int_equal(f->u.tree_on, 0);
	assert_null(strstr(screen(f), "\xe2\x94\x9c"));
}

/* u: a framed list of the processes' users; the one picked is the only one shown. */
static void test_user_picker(void **state)
{
	struct fixture *f = *state;
	const char *scr;
	size_t i;

	key(f, '2');
	key(f, 'u');
	assert_int_equal(f->u.mode, MODE_USER);
	scr = screen(f);
	assert_non_null(strstr(scr, "Show the processes of"));
	assert_non_null(strstr(scr, "(all users) (3)"));
	assert_non_null(strstr(scr, "33 (1)"));
	assert_non_null(strstr(scr, "0 (2)"));
	/* A letter jumps to the name it starts; Enter picks it, in the processes view. */
	key(f, '3');
	key(f, UK_ENTER);
	assert_int_equal(f->u.mode, MODE_NORMAL);
	assert_int_equal(f->u.view, VIEW_PROCESSES);
	assert_int_equal(f->u.rows.n, 1);
	assert_int_equal(f->s.procs.v[f->u.rows.v[0]].pid, 300);
	assert_non_null(strstr(screen(f), "[user: 33]"));
	/* It holds over refreshes; Esc drops it. */
	ui_rebuild(&f->u);
	assert_int_equal(f->u.rows.n, 1);
	key(f, UK_ESC);
	assert_int_equal(f->u.rows.n, 3);
	assert_null(strstr(screen(f), "[user:"));
	/* Esc in the list changes nothing; "(all users)" is every user again. */
	key(f, 'u');
	key(f, UK_ESC);
	assert_int_equal(f->u.rows.n, 3);
	key(f, 'u');
	key(f, UK_DOWN);
	key(f, UK_ENTER);
	for (i = 0; i < f->u.rows.n; i++)
		assert_int_equal(f->s.procs.v[f->u.rows.v[i]].uid, 0);
	key(f, 'u');
	key(f, UK_HOME);
	key(f, UK_ENTER);
	assert_int_equal(f->u.rows.n, 3);
}

/*
 * F2: a framed setup screen; Right on "View at start" picks listen, Space
 * hides a column and [ ] move one, at once on screen; Enter writes the file
 * that a start reads back. Before, F2 did nothing.
 */
static void test_setup_screen(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/sockwatch-setup-XXXXXX", text[2048];
	struct config back;
	char *cause = NULL;
	const char *scr;

	assert_non_null(mkdtemp(dir));
	snprintf(f->cfg.config_write, sizeof f->cfg.config_write, "%s/sockwatch/config", dir);
	key(f, UK_F2);
	assert_int_equal(f->u.mode, MODE_SETUP);
	scr = screen(f);
	assert_non_null(strstr(scr, "View at start"));
	assert_non_null(strstr(scr, "< processes >"));
	assert_non_null(strstr(scr, "[x] PID"));
	assert_framed_panel(f, "Setup");
	{
		/* The listen view's list has QUEUE/BACKLOG, not CSV's QUEUE and BACKLOG. */
		int cols[UI_MAX_COLS], shown,
			ncol = ui_setup_columns(&f->u, VIEW_LISTEN, cols, &shown);

		assert_int_equal(ncol, shown);
		for (int k = 0; k < ncol; k++)
			assert_int_not_equal(view_get(VIEW_LISTEN)->cols[cols[k]].where, COL_CSV);
	}
	key(f, UK_RIGHT); /* processes -> listen */
	assert_non_null(strstr(screen(f), "< listen >"));
	key(f, UK_DOWN);
	key(f, UK_RIGHT); /* 1 s -> 2 s */
	assert_true(f->u.delay == 2);
	key(f, UK_DOWN); /* colours */
	key(f, UK_DOWN);
	key(f, ' '); /* ports by number, as N */
	assert_non_null(strstr(screen(f), "< numbers >"));
	assert_int_equal(f->u.numeric, 1);
	/* The second column of the processes view (USER): hidden, then PID after FDS. */
	key(f, UK_DOWN);
	key(f, UK_DOWN); /* PID */
	key(f, UK_DOWN); /* USER */
	key(f, ' ');
	assert_non_null(strstr(screen(f), "[ ] USER"));
	assert_int_equal(f->u.norder[VIEW_PROCESSES], (int)view_get(VIEW_PROCESSES)->ncols - 1);
	key(f, UK_HOME);
	for (int i = 0; i < SETUP_FIRST_COL; i++)
		key(f, UK_DOWN);
	key(f, ']'); /* PID one later: after S */
	assert_int_equal(f->u.order[VIEW_PROCESSES][1], 0);
	key(f, UK_ENTER);
	assert_int_equal(f->u.mode, MODE_NORMAL);
	scr = screen(f);
	assert_non_null(strstr(scr, "settings saved to"));
	assert_null(strstr(titles(f), " USER "));
	/* What a new start reads. */
	read_text(f->cfg.config_write, text, sizeof text);
	assert_non_null(strstr(text, "view = listen\n"));
	assert_non_null(strstr(text, "delay = 2\n"));
	assert_non_null(strstr(text, "numeric = yes\n"));
	assert_non_null(strstr(text, "processes.columns = state,pid,fds,"));
	config_defaults(&back);
	assert_int_equal(config_load_file(&back, f->cfg.config_write, 1, &cause), 0);
	assert_int_equal(back.view, VIEW_LISTEN);
	ui_fini(&f->u);
	ui_init(&f->u, &back);
	f->u.snap = &f->s;
	f->u.w = 120;
	f->u.h = 30;
	ui_rebuild(&f->u);
	assert_true(f->u.delay == 2);
	assert_int_equal(f->u.numeric, 1);
	assert_int_equal(f->u.order[VIEW_PROCESSES][0], 2); /* S first */
	/* Esc leaves without saving; the hidden column cannot be the last one. */
	key(f, UK_F2);
	key(f, UK_ESC);
	assert_int_equal(f->u.mode, MODE_NORMAL);
	unlink(f->cfg.config_write);
	snprintf(text, sizeof text, "%s/sockwatch", dir);
	assert_int_equal(rmdir(text), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * The header says what a refresh costs, and when one takes longer than the
 * interval, the interval it allows (issue: at 1M sockets the TUI refreshed
 * back to back and said "every 1.0s").
 */
static void test_header_refresh_cost(void **state)
{
	struct fixture *f = *state;
	const char *scr;

	f->s.refresh_s = 0.035;
	f->u.delay = 1;
	f->u.interval = 1.0;
	scr = screen(f);
	assert_non_null(strstr(scr, "every 1.0s  refresh 35ms"));
	f->s.refresh_s = 4.2;
	f->u.interval = 4.25;
	scr = screen(f);
	assert_non_null(strstr(scr, "every 1.0s  refresh 4.2s: every 4.2s"));
	f->u.interval = 0; /* the first refresh */
	assert_non_null(strstr(screen(f), "every 1.0s  refresh 4.2s\n"));
}

/*
 * Before the first refresh comes in from the collection thread there is no
 * snapshot: every key but quit does nothing (none may reach for the rows; the
 * loop keeps them for the first refresh, as typed ahead).
 */
static void test_keys_before_first_refresh(void **state)
{
	struct fixture *f = *state;
	static const uint32_t keys[] = { 'L',	  't', 'u',	      UK_ENTER, 'k',  UK_F2, '2',
					 UK_DOWN, 'N', UK_WHEEL_DOWN, '/',	'\\', '<',   'I',
					 'T',	  'z' };

	f->u.snap = NULL;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		key(f, keys[i]);
		assert_int_equal(f->u.mode, MODE_NORMAL);
	}
	assert_non_null(strstr(screen(f), "collecting"));
	/* The first refresh's dump is read: its totals, marked, while /proc is. */
	snapshot_count_dump(&f->s, &f->u.early);
	f->u.early_have = 1;
	assert_int_equal(f->u.early.sockets, f->s.socks.n);
	assert_non_null(strstr(screen(f), "first refresh: sockets dumped, reading the processes"));
	{
		char want[32];

		snprintf(want, sizeof want, "Sockets %zu  tcp", f->s.socks.n);
		assert_non_null(strstr(screen(f), want));
	}
	assert_non_null(strstr(screen(f), "TCP estab"));
	assert_int_equal(f->u.quit, 0);
	key(f, 'q');
	assert_int_equal(f->u.quit, 1);
	f->u.snap = &f->s;
}

/* The wheel moves the selection by three rows, and stays within the rows. */
static void test_mouse_wheel(void **state)
{
	struct fixture *f = *state;
	struct ui_event up = { UK_WHEEL_UP, 0, 0 }, down = { UK_WHEEL_DOWN, 0, 0 };

	key(f, '4');
	assert_true(f->u.rows.n >= 5);
	key(f, UK_HOME);
	ui_handle(&f->u, &down);
	assert_int_equal(f->u.cursor, 3);
	ui_handle(&f->u, &down);
	ui_handle(&f->u, &down);
	ui_handle(&f->u, &down);
	assert_int_equal(f->u.cursor, (int)f->u.rows.n - 1);
	ui_handle(&f->u, &up);
	assert_int_equal(f->u.cursor, (int)f->u.rows.n - 4);
	for (int i = 0; i < 5; i++)
		ui_handle(&f->u, &up);
	assert_int_equal(f->u.cursor, 0);
	/* A click on a title sorts; a second click on it inverts. */
	struct ui_event click = { UK_MOUSE, 1, ui_table_y(&f->u) };

	key(f, '1');
	ui_handle(&f->u, &click);
	assert_int_equal(f->u.vs[VIEW_PROCESSES].sort_col, 0);
	int desc = f->u.vs[VIEW_PROCESSES].sort_desc;

	ui_handle(&f->u, &click);
	assert_int_equal(f->u.vs[VIEW_PROCESSES].sort_desc, !desc);
}

/* The attribute of the first cell of text on row y. */
static int attr_at(struct fixture *f, int y, const char *text)
{
	const char *p;

	sb_reset(&f->line);
	cellbuf_row_text(&f->cb, y, &f->line);
	p = strstr(f->line.buf, text);
	assert_non_null(p);
	return f->cb.c[y * f->cb.w + (int)(p - f->line.buf)].attr;
}

/*
 * The listen view colours a full accept queue (connections wait or are refused):
 * before, 6/5 looked like any other queue.
 */
/* The attribute of text's cell in the row that holds row_text, with the selection moved off it. */
static int attr_in_row(struct fixture *f, const char *row_text, const char *text)
{
	int y, tries;

	for (tries = 0; tries < 2; tries++) {
		screen(f);
		for (y = ui_table_y(&f->u) + 1; y < f->cb.h; y++) {
			sb_reset(&f->line);
			cellbuf_row_text(&f->cb, y, &f->line);
			if (strstr(f->line.buf, row_text) == NULL)
				continue;
			if (y - ui_table_y(&f->u) - 1 + f->u.vs[f->u.view].top == f->u.cursor)
				break; /* selected: drawn as such, whatever it says */
			return attr_at(f, y, text);
		}
		key(f, f->u.cursor == 0 ? UK_END : UK_HOME);
	}
	fail_msg("no unselected row with %s", row_text);
	return -1;
}

/*
 * The listen view colours a full accept queue (connections wait or are refused):
 * before, 6/5 looked like any other queue.
 */
static void test_listen_queue_full_colour(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < f->s.socks.n; i++) {
		struct sock_rec *r = &f->s.socks.v[i];

		if (r->inode == 10) {
			r->rqueue = 6;
			r->wqueue = 5;
		} else if (r->inode == 13) {
			r->rqueue = 1;
			r->wqueue = 5;
		}
	}
	key(f, '2');
	assert_int_equal(attr_in_row(f, "0.0.0.0:80 ", "6/5"), AT_CRIT);
	assert_int_not_equal(attr_in_row(f, ":443 ", "1/5"), AT_CRIT);
}

static void test_system_pressure_colours(void **state)
{
	struct fixture *f = *state;

	f->s.totals.fds_alloc = 990;
	f->s.totals.fds_max = 1000;
	f->s.totals.orphans = 85;
	f->s.sys.max_orphans = 100;
	f->u.w = 160;
	screen(f);
	assert_int_equal(attr_at(f, 1, "990/1000"), AT_CRIT);
	assert_int_equal(attr_at(f, 2, "85"), AT_WARN);
	f->s.totals.fds_alloc = 10;
	screen(f);
	assert_int_equal(attr_at(f, 1, "10/1000"), AT_VALUE);
}

/* One header line as text (the screen must have been rendered). */
static const char *row_text(struct fixture *f, int y)
{
	sb_reset(&f->line);
	cellbuf_row_text(&f->cb, y, &f->line);
	return f->line.buf != NULL ? f->line.buf : "";
}

/*
 * The fixture's snapshot joined anew under the filter of f->cfg, with pid 200
 * critical and pid 300 (unreadable) counted by the scanner as it does: machine-wide.
 */
static void rejoin(struct fixture *f)
{
	size_t i;

	snapshot_fini(&f->s);
	build(&f->s);
	snapshot_join(&f->s, &f->cfg.filter);
	f->s.leak = xcalloc(f->s.procs.n, sizeof *f->s.leak);
	for (i = 0; i < f->s.procs.n; i++) {
		if (f->s.procs.v[i].pid == 200)
			f->s.leak[i].level = LEAK_CRITICAL;
	}
	f->s.procs.denied = 1;
	ui_rebuild(&f->u);
	screen(f);
}

/*
 * The header's process counts are those of the processes shown: with -p or -u, the
 * others' leaks and unreadable fd tables are not counted, and what stays machine-wide
 * (sockets, files, TCP states) says so.
 */
static void test_header_follows_filter(void **state)
{
	struct fixture *f = *state;
	int pid100[] = { 100 };
	const char *l;

	f->u.w = 160;

	/* No filter: every process counts, no scope label. */
	rejoin(f);
	l = row_text(f, 1);
	assert_non_null(strstr(l, "Procs 3  (1 not inspectable)  Leaking 1 (1 critical)"));
	assert_null(strstr(l, "machine"));
	assert_null(strstr(row_text(f, 2), "machine"));

	/* -p 100: one healthy, inspectable process; the totals are the machine's. */
	f->cfg.filter.pids = pid100;
	f->cfg.filter.npids = 1;
	rejoin(f);
	l = row_text(f, 1);
	assert_non_null(strstr(l, "Procs 1  Leaking 0  machine: Sockets 9  tcp 8  udp 1"));
	assert_null(strstr(l, "not inspectable"));
	assert_non_null(strstr(l, "Files 100/1000"));
	assert_non_null(strstr(row_text(f, 2), "machine: TCP estab 4  listen 2"));
	/* At 40 columns the filtered counts come first, so they are still seen. */
	f->u.w = 40;
	ui_rebuild(&f->u);
	screen(f);
	assert_int_equal(strncmp(row_text(f, 1), "Procs 1  Leaking 0", 18), 0);

	/* -u 33: the unreadable pid 300 alone. */
	f->u.w = 160;
	f->cfg.filter.pids = NULL;
	f->cfg.filter.npids = 0;
	f->cfg.filter.uid = 33;
	rejoin(f);
	assert_non_null(
		strstr(row_text(f, 1), "Procs 1  (1 not inspectable)  Leaking 0  machine: "));
	f->cfg.filter.uid = -1;
}

/*
 * The listen view's QUEUE/BACKLOG is one column on screen; its two numbers
 * are CSV's own columns, never drawn, and sorting steps over them.
 */
static void test_listen_csv_only_columns(void **state)
{
	struct fixture *f = *state;
	const struct view_def *vd = view_get(VIEW_LISTEN);
	const char *scr;

	key(f, '2');
	scr = screen(f);
	assert_non_null(strstr(scr, "QUEUE/BACKLOG"));
	assert_null(strstr(strstr(scr, "QUEUE/BACKLOG") + 13, "BACKLOG"));
	f->u.vs[VIEW_LISTEN].sort_col = 2;
	assert_string_equal(vd->cols[2].title, "QUEUE/BACKLOG");
	key(f, '>');
	assert_string_equal(vd->cols[f->u.vs[VIEW_LISTEN].sort_col].title, "CONNS");
	key(f, '<');
	assert_string_equal(vd->cols[f->u.vs[VIEW_LISTEN].sort_col].title, "QUEUE/BACKLOG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_processes_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_views_and_drill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services_view_and_drill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_then_drill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_expression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_sort_and_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_dialog_and_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_screen_and_mouse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leak_column_and_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_leak_selects_worst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_talkers, setup, teardown),
		cmocka_unit_test(test_list_fit),
		cmocka_unit_test_setup_teardown(test_dead_column_and_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_pressure_colours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_queue_full_colour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_csv_only_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_follows_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prompt_any_code_point, setup, teardown),
		cmocka_unit_test(test_cells_wide),
		cmocka_unit_test(test_cells_overwrite_wide),
		cmocka_unit_test_setup_teardown(test_screen_wide_aligned, setup, teardown),
		cmocka_unit_test(test_column_priority_keys),
		cmocka_unit_test_setup_teardown(test_columns_by_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_column_and_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tree_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_picker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_screen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mouse_wheel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_refresh_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_before_first_refresh, setup, teardown),
	};

	text_locale_init(); /* as main() does: widths are measured in a UTF-8 LC_CTYPE */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
