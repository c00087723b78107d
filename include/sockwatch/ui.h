/* ui.h: the interactive full-screen view. */
#ifndef SOCKWATCH_UI_H
#define SOCKWATCH_UI_H

#include "sockwatch/config.h"

/* Run until the user quits; returns the exit status (0, or 1 on a terminal error). */
int ui_run(const struct config *c);

#endif
