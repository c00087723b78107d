/*
 * check.h: --check, sockwatch as a monitoring plugin: thresholds in the
 * monitoring-plugins range syntax on named metrics, their scope, and how
 * partial visibility is judged. The status line itself is present_check().
 */
#ifndef SOCKWATCH_CHECK_H
#define SOCKWATCH_CHECK_H

#include <stdint.h>

/* The figures a threshold can be set on (see check_metric_name()). */
enum check_metric {
	CM_SOCKETS,
	CM_ESTABLISHED,
	CM_CLOSE_WAIT,
	CM_TIME_WAIT,
	CM_ORPHANS,
	CM_TW_PER_PEER,
	CM_ACCEPT_QUEUE_FULL,
	CM_FD_PERCENT,
	CM_FDS,
	CM_LEAKING,
	CM_PROCESSES_UNKNOWN,
	CM_COUNT
};

/*
 * A threshold range: "10" alerts outside 0..10, "10:" below 10, "~:10" above
 * 10, "10:20" outside 10..20, "@10:20" inside 10..20 (ends included).
 */
struct check_range {
	double lo, hi;	/* lo = -inf with "~", hi = +inf when omitted */
	uint8_t inside; /* "@": alert inside the range */
	uint8_t set;	/* a threshold was given */
	char text[40];	/* as the user wrote it, for the perfdata */
};

struct check_opts {
	struct check_range warn[CM_COUNT], crit[CM_COUNT];
	int port;	   /* --port: the scope's port, -1: every port */
	int allow_partial; /* --allow-partial */
	int require_full;  /* --require-full */
	int privileged;	   /* may inspect every process (root, or the capabilities) */
	double timeout;	   /* -t seconds, 0: none */
};

void check_opts_init(struct check_opts *o);
/* The metric named name, or -1. */
int check_metric_by_name(const char *name);
const char *check_metric_name(enum check_metric m);
/* Parse a range into r: 0, or -1 when it is not one. */
int check_range_parse(const char *s, struct check_range *r);
/* Whether value v alerts against range r. */
int check_range_alerts(const struct check_range *r, double v);
/* -w / -c "METRIC=RANGE": 0, or -1 with *cause set (the caller frees it). */
int check_opts_threshold(struct check_opts *o, const char *arg, int critical, char **cause);
/* Whether any threshold was given (else the leak verdicts are judged). */
int check_has_thresholds(const struct check_opts *o);
/*
 * Whether the judgement needs the processes (a /proc scan), given the -p / -u
 * filter. Unprivileged it always does: the line must say what it cannot see.
 */
int check_needs_procs(const struct check_opts *o, int filtered);
/* Whether it needs the leak detector's history (more than one refresh). */
int check_needs_history(const struct check_opts *o);

#endif
