/* term.c: curses, and nothing else. The only file in sockwatch that includes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>

#include "term.h"

struct term {
	SCREEN *screen;
	int open;
	int color;
	int ascii; /* the locale is not UTF-8: draw only ASCII */
	attr_t attrs[AT_COUNT];
};

static char *term_cause(const char *msg)
{
	return xstrdup(msg);
}

/*
 * Whether the terminal newterm() set up can address the cursor. One that
 * cannot (TERM=dumb, a printing terminal) would get every redraw as a stream
 * of lines: it is refused as an unknown one is, before anything is drawn.
 */
static int term_addressable(const char *name, char **cause)
{
	const char *cup = tigetstr("cup");
	struct strbuf sb;

	if (cup != NULL && cup != (const char *)-1)
		return 1;
	sb_init(&sb);
	sb_puts(&sb, "the terminal cannot move the cursor (TERM=");
	esc_text(&sb, name, strlen(name));
	sb_putc(&sb, ')');
	*cause = sb.buf;
	return 0;
}

/* Roles to colours: htop's palette, or plain attributes without colour. */
static void term_palette(struct term *t, int no_color)
{
	static const struct {
		short fg, bg;
		attr_t extra, mono;
	} pal[AT_COUNT] = {
		[AT_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
		[AT_LABEL] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
		[AT_VALUE] = { -1, -1, A_BOLD, A_BOLD },
		[AT_TAB] = { COLOR_BLACK, COLOR_BLUE, A_NORMAL, A_NORMAL },
		[AT_TAB_ACTIVE] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
		[AT_TITLE] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE },
		[AT_TITLE_SORT] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE | A_BOLD },
		[AT_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
		[AT_KEY] = { COLOR_WHITE, COLOR_BLACK, A_BOLD, A_BOLD },
		[AT_KEYTEXT] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
		[AT_GOOD] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
		[AT_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[AT_CRIT] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
		[AT_DIM] = { COLOR_BLUE, -1, A_BOLD, A_DIM },
		[AT_INFO] = { COLOR_CYAN, -1, A_BOLD, A_NORMAL },
	};
	int i;

	t->color = !no_color && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
	}
	for (i = 0; i < AT_COUNT; i++) {
		if (!t->color) {
			t->attrs[i] = pal[i].mono;
			continue;
		}
		init_pair((short)(i + 1), pal[i].fg, pal[i].bg);
		t->attrs[i] = COLOR_PAIR(i + 1) | pal[i].extra;
	}
}

void term_set_color(struct term *t, int no_color)
{
	term_palette(t, no_color);
	clearok(curscr, TRUE);
}

struct term *term_open(int no_color, char **cause)
{
	struct term *t;
	int t_ascii;
	const char *name = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*cause = term_cause("standard input and output must be a terminal");
		return NULL;
	}
	if (name == NULL || name[0] == '\0') {
		*cause = term_cause("TERM is not set");
		return NULL;
	}
	/*
	 * Wide characters need a UTF-8 LC_CTYPE, which main() selected at start-up
	 * (text_locale_init(): the environment's, else C.UTF-8), so that curses and the cell
	 * buffer measure text alike. Without one, non-ASCII cells are drawn in ASCII.
	 */
	t_ascii = !text_locale_utf8();
	t = xcalloc(1, sizeof *t);
	t->screen = newterm(NULL, stdout, stdin);
	if (t->screen == NULL) {
		free(t);
		*cause = term_cause("curses cannot use this terminal (check TERM)");
		return NULL;
	}
	set_term(t->screen);
	if (!term_addressable(name, cause)) {
		reset_shell_mode(); /* the tty modes as they were; endwin() would write */
		delscreen(t->screen);
		free(t);
		return NULL;
	}
	t->open = 1;
	t->ascii = t_ascii;
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	term_palette(t, no_color);
	return t;
}

void term_close(struct term *t)
{
	if (t == NULL)
		return;
	if (t->open) {
		curs_set(1);
		endwin();
		delscreen(t->screen);
		t->open = 0;
	}
	free(t);
}

void term_resize(struct term *t)
{
	(void)t;
	endwin();
	refresh();
}

void term_size(const struct term *t, int *w, int *h)
{
	(void)t;
	getmaxyx(stdscr, *h, *w);
}

void term_invalidate(struct term *t)
{
	(void)t;
	clearok(curscr, TRUE);
}

/* Where the terminal cannot take UTF-8: the few symbols sockwatch draws, in ASCII. */
static wchar_t ascii_of(uint32_t ch)
{
	if (ch < 0x80)
		return (wchar_t)ch;
	if (ch == 0x2265)
		return L'>'; /* ≥ in AGE */
	if (ch == 0x2026)
		return L'~'; /* … ends cut text */
	if (ch >= 0x2581 && ch <= 0x2588)
		return L" .:-=+*#"[ch - 0x2581]; /* sparkline bars */
	if (ch == 0x2500)
		return L'-'; /* a dialog's frame */
	if (ch == 0x2502)
		return L'|';
	if (ch == 0x250c || ch == 0x2510 || ch == 0x2514 || ch == 0x2518)
		return L'+';
	return L'?';
}

void term_draw(struct term *t, const struct cellbuf *cb)
{
	wchar_t run[512];
	int y, x, h, w;

	getmaxyx(stdscr, h, w);
	for (y = 0; y < cb->h && y < h; y++) {
		x = 0;
		while (x < cb->w && x < w) {
			uint8_t a = cb->c[y * cb->w + x].attr;
			int start = x, n = 0;

			while (x < cb->w && x < w && cb->c[y * cb->w + x].attr == a &&
			       n < (int)(sizeof run / sizeof run[0]) - 1) {
				uint32_t ch = cb->c[y * cb->w + x].ch;

				if (ch != 0)
					run[n++] = t->ascii ? ascii_of(ch) : (wchar_t)ch;
				x++;
			}
			run[n] = L'\0';
			attrset(t->attrs[a < AT_COUNT ? a : AT_NORMAL]);
			/* The bottom-right cell makes curses report ERR: harmless. */
			mvaddnwstr(y, start, run, n);
		}
	}
	attrset(A_NORMAL);
	refresh();
}

static uint32_t map_key(int code)
{
	switch (code) {
	case KEY_UP:
		return UK_UP;
	case KEY_DOWN:
		return UK_DOWN;
	case KEY_LEFT:
		return UK_LEFT;
	case KEY_RIGHT:
		return UK_RIGHT;
	case KEY_PPAGE:
		return UK_PGUP;
	case KEY_NPAGE:
		return UK_PGDN;
	case KEY_HOME:
		return UK_HOME;
	case KEY_END:
		return UK_END;
	case KEY_BTAB:
		return UK_BTAB;
	case KEY_BACKSPACE:
		return UK_BACKSPACE;
	case KEY_ENTER:
		return UK_ENTER;
	case KEY_RESIZE:
		return UK_RESIZE;
	}
	if (code >= KEY_F(1) && code <= KEY_F(10))
		return UK_F1 + (uint32_t)(code - KEY_F(1));
	return UK_NONE;
}

int term_read(struct term *t, struct ui_event *ev)
{
	wint_t wc;
	int r;

	(void)t;
	memset(ev, 0, sizeof *ev);
	r = get_wch(&wc);
	if (r == ERR)
		return 0;
	if (r == KEY_CODE_YES) {
		if (wc == KEY_MOUSE) {
			MEVENT me;

			if (getmouse(&me) != OK)
				return 1;
			ev->key = me.bstate & BUTTON4_PRESSED	? UK_WHEEL_UP
				  : me.bstate & BUTTON5_PRESSED ? UK_WHEEL_DOWN
								: UK_MOUSE;
			ev->x = me.x;
			ev->y = me.y;
			return 1;
		}
		ev->key = map_key((int)wc);
		return 1;
	}
	if (wc == '\r')
		wc = '\n';
	ev->key = wc == 12 ? UK_CTRL_L : (uint32_t)wc;
	return 1;
}
