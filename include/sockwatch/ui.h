/* ui.h: the interactive full-screen view. */
#ifndef SOCKWATCH_UI_H
#define SOCKWATCH_UI_H

#include "sockwatch/config.h"
#include "sockwatch/export.h"

/*
 * Run until the user quits; returns the exit status (0, or 1 on a terminal
 * error). Each refresh is published to ex (--listen) when it is not NULL.
 */
int ui_run(const struct config *c, struct exporter *ex);

#endif
