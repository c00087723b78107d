/* term.h: the terminal, behind the only file that includes curses. */
#ifndef SOCKWATCH_UI_TERM_H
#define SOCKWATCH_UI_TERM_H

#include "cells.h"
#include "ui_int.h"

struct term;

/* NULL with *cause set (the caller frees) when no terminal can be opened. */
struct term *term_open(int no_color, char **cause);
/* Restore the terminal. Safe to call twice. */
void term_close(struct term *t);
/* After SIGWINCH: learn the new size. */
void term_resize(struct term *t);
void term_size(const struct term *t, int *w, int *h);
/* Show the cell buffer; curses sends only what changed. */
void term_draw(struct term *t, const struct cellbuf *cb);
/* Colours on or off from now on (the setup screen). */
void term_set_color(struct term *t, int no_color);
/* Force a full repaint on the next draw (Ctrl-L). */
void term_invalidate(struct term *t);
/* Read one pending input event: 1, or 0 when none is left. */
int term_read(struct term *t, struct ui_event *ev);

#endif
