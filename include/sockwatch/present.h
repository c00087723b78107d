/*
 * present.h: the model's numbers as people read them: endpoints, durations,
 * leak verdicts in words, the monitoring-plugin status line. Shared by the
 * TUI, the batch writers and --check; the column tables are in view.h.
 */
#ifndef SOCKWATCH_PRESENT_H
#define SOCKWATCH_PRESENT_H

#include "sockwatch/check.h"
#include "sockwatch/leak.h"
#include "sockwatch/model.h"
#include "sockwatch/view.h"

/* "127.0.0.1:80", "[::1]:80", a UNIX path ("@name" if abstract), escaped for a terminal. */
void fmt_sock_endpoint(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r,
		       int local);
/* A UNIX socket's bound name as a JSON string body: "@name" when abstract (see "abstract"). */
void json_unix_name(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r);
/* "5m00s", "45s", "2h03m" */
void fmt_duration(struct strbuf *sb, double seconds);
/*
 * Fit a comma-separated list (pids) in width columns, in place: as many whole
 * items as fit, then "+N" for the N left out ("19740,19741+3"), so that a cut
 * list never ends in what reads as another item. ASCII lists only.
 */
void fmt_list_fit(struct strbuf *sb, size_t width);

/* A leak level as a cell's severity. */
enum severity severity_of_level(unsigned level);
/* The reasons in short, comma separated: "grow,cw". */
void leak_reasons_brief(struct strbuf *sb, unsigned reasons);
/* "pid 123 (java) growth +380/min, 12 old close_wait, fds 3012/4096, eta 5m" */
void leak_describe(struct strbuf *sb, const struct snapshot *s, uint32_t proc);
/* The same of a service (s->svc_leak): "service web.service (2 processes) sockets +40/min". */
void leak_describe_service(struct strbuf *sb, const struct snapshot *s, uint32_t svc);
/* Why each reason was raised, in sentences, and the ETA (the TUI's leak pane). */
void leak_explain(struct strbuf *sb, const struct leak_verdict *v);

/*
 * --check: one status line with performance data, as monitoring plugins
 * print it: the thresholds of o on the scope (the filter, o->port), or
 * without thresholds the leak verdicts of the processes the filter shows (and
 * the machine's own limits when there is no filter). Returns 0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
int present_check(struct strbuf *sb, const struct snapshot *s, const struct filter *f,
		  const struct check_opts *o);

#endif
