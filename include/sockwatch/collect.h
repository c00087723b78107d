/*
 * collect.h: one refresh = the sock_diag dumps + the /proc scan + the join,
 * then the leak detector's judgement. Shared by the batch loop and the TUI.
 */
#ifndef SOCKWATCH_COLLECT_H
#define SOCKWATCH_COLLECT_H

#include "sockwatch/config.h"
#include "sockwatch/leak.h"
#include "sockwatch/model.h"

struct collector;

/* NULL on failure with *cause set (the caller frees it). cfg must outlive it. */
struct collector *collector_new(const struct config *cfg, char **cause);
void collector_free(struct collector *c);
/*
 * Fill s (reset first) with a new snapshot, join it under the config's
 * filter, and judge leaks at monotonic time now (seconds). With --leaks,
 * only flagged processes stay shown. 0, or -1 with *cause set (the caller
 * frees it).
 */
int collector_refresh(struct collector *c, struct snapshot *s, double now, char **cause);
/*
 * collector_refresh in two halves, for a caller that collects on a thread of
 * its own: the dumps, the /proc scan and the join into s (the collector's
 * state but the leak history; 0, or -1 with *cause set), then the leak
 * detector's judgement of s (the history, which the caller reads too: on the
 * caller's thread). One of each must not run at once with another of its kind.
 */
int collector_collect(struct collector *c, struct snapshot *s, double now, char **cause);
void collector_judge(struct collector *c, struct snapshot *s, double now);
/*
 * The caller collects into two snapshots in turn and keeps both alive: the
 * last tcp_info sample is carried from one to the other rather than read again.
 */
void collector_alternate(struct collector *c);
/*
 * fn(arg, s) after each refresh's dump of sockwatch's own namespace, before the
 * /proc scan (s holds the sockets only; on the collecting thread): the TUI shows
 * the first refresh's totals while the processes are read.
 */
void collector_on_dump(struct collector *c, void (*fn)(void *arg, const struct snapshot *s),
		       void *arg);
/* Said once when only sockwatch's own network namespace can be read. */
#define NETNS_HINT "only this network namespace is read: the others need root (CAP_SYS_ADMIN)"
/* Where `ip netns` keeps its named namespaces. */
#define NETNS_RUN_DIR "/run/netns"
/* Whether some process (or a name of NETNS_RUN_DIR) is in the network namespace of inode ino. */
int collector_netns_exists(const char *proc_root, uint32_t ino);
/*
 * Filter by expression e from the next refresh on (NULL: none; the TUI's
 * filter prompt), with its pushdown unless the config says --no-pushdown.
 * e must outlive its use.
 */
void collector_set_expr(struct collector *c, const struct sock_expr *e);
/* The per-process history (for sparklines). */
const struct history *collector_history(const struct collector *c);

#endif
