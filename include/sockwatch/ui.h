/* ui.h: the interactive full-screen view. */
#ifndef SOCKWATCH_UI_H
#define SOCKWATCH_UI_H

#include "sockwatch/model.h"
#include "sockwatch/view.h"

struct ui_config {
	double delay;
	enum view_id view;
	const struct filter *filter;
	int no_color;
	const char *proc_root;
	unsigned rescan; /* full /proc rescan every N refreshes */
};

/* Run until the user quits; returns the exit status (0, or 1 on a terminal error). */
int ui_run(const struct ui_config *c);

#endif
