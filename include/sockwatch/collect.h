/* collect.h: one refresh = the sock_diag dumps + the /proc scan + the join. */
#ifndef SOCKWATCH_COLLECT_H
#define SOCKWATCH_COLLECT_H

#include "sockwatch/model.h"

struct collector;

/*
 * rescan: re-read every fd table every N refreshes (between, only the changed
 * ones). NULL on failure with *cause set (the caller frees it).
 */
struct collector *collector_new(const char *proc_root, unsigned rescan, char **cause);
void collector_free(struct collector *c);
/*
 * Fill s (reset first) with a new snapshot and join it under filter f.
 * 0, or -1 with *cause set (the caller frees it).
 */
int collector_refresh(struct collector *c, struct snapshot *s, const struct filter *f,
		      char **cause);

#endif
