/*
 * range.c: --check's thresholds: metric names and the monitoring-plugins
 * range syntax ("10", "10:", "~:10", "10:20", "@10:20"; ":10" is 0:10).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockwatch/check.h"
#include "sockwatch/util.h"

static const char *const metric_names[CM_COUNT] = {
	[CM_SOCKETS] = "sockets",
	[CM_ESTABLISHED] = "established",
	[CM_CLOSE_WAIT] = "close_wait",
	[CM_TIME_WAIT] = "time_wait",
	[CM_ORPHANS] = "orphans",
	[CM_TW_PER_PEER] = "time_wait_per_peer",
	[CM_ACCEPT_QUEUE_FULL] = "accept_queue_full",
	[CM_FD_PERCENT] = "fd_percent",
	[CM_FDS] = "fds",
	[CM_LEAKING] = "leaking",
	[CM_PROCESSES_UNKNOWN] = "processes_unknown",
};

void check_opts_init(struct check_opts *o)
{
	memset(o, 0, sizeof *o);
	o->port = -1;
}

int check_metric_by_name(const char *name)
{
	int m;

	for (m = 0; m < CM_COUNT; m++) {
		if (strcmp(metric_names[m], name) == 0)
			return m;
	}
	return -1;
}

const char *check_metric_name(enum check_metric m)
{
	return m < CM_COUNT ? metric_names[m] : "unknown";
}

/* A decimal number (sign allowed) that is all of s[0..len). */
static int parse_number(const char *s, size_t len, double *out)
{
	char buf[40], *end;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* Decimal only: no hex, no "inf", no "nan", no spaces. */
	if (strspn(buf, "+-0123456789.") != len)
		return -1;
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

int check_range_parse(const char *s, struct check_range *r)
{
	const char *colon, *p = s;
	size_t n = strlen(s);

	memset(r, 0, sizeof *r);
	if (n == 0 || n >= sizeof r->text)
		return -1;
	memcpy(r->text, s, n + 1);
	if (*p == '@') {
		r->inside = 1;
		p++;
	}
	r->lo = 0;
	r->hi = INFINITY;
	colon = strchr(p, ':');
	if (colon == NULL) {
		/* "10": 0..10 */
		if (parse_number(p, strlen(p), &r->hi) != 0)
			return -1;
	} else {
		size_t llen = (size_t)(colon - p);

		if (llen == 1 && p[0] == '~')
			r->lo = -INFINITY;
		else if (llen > 0 && parse_number(p, llen, &r->lo) != 0) /* ":10" is 0:10 */
			return -1;
		if (colon[1] != '\0' && parse_number(colon + 1, strlen(colon + 1), &r->hi) != 0)
			return -1;
	}
	if (r->lo > r->hi)
		return -1;
	r->set = 1;
	return 0;
}

int check_range_alerts(const struct check_range *r, double v)
{
	int within = v >= r->lo && v <= r->hi;

	if (!r->set)
		return 0;
	return r->inside ? within : !within;
}

int check_opts_threshold(struct check_opts *o, const char *arg, int critical, char **cause)
{
	const char *eq = strchr(arg, '=');
	struct strbuf sb;
	char name[40];
	int m = -1;

	sb_init(&sb);
	if (eq != NULL && (size_t)(eq - arg) < sizeof name) {
		memcpy(name, arg, (size_t)(eq - arg));
		name[eq - arg] = '\0';
		m = check_metric_by_name(name);
	}
	if (eq == NULL) {
		sb_puts(&sb, "a threshold is METRIC=RANGE, not '");
		esc_text(&sb, arg, strlen(arg));
		sb_putc(&sb, '\'');
	} else if (m < 0) {
		sb_puts(&sb, "unknown metric '");
		esc_text(&sb, arg, (size_t)(eq - arg));
		sb_puts(&sb, "' (");
		for (int i = 0; i < CM_COUNT; i++)
			sb_printf(&sb, "%s%s", i ? ", " : "", metric_names[i]);
		sb_putc(&sb, ')');
	} else if (check_range_parse(eq + 1, critical ? &o->crit[m] : &o->warn[m]) != 0) {
		sb_printf(&sb, "invalid range for %s: '", metric_names[m]);
		esc_text(&sb, eq + 1, strlen(eq + 1));
		sb_puts(&sb, "' (N, N:, ~:N, N:M or @N:M)");
	} else {
		sb_fini(&sb);
		return 0;
	}
	*cause = sb.buf;
	return -1;
}

int check_has_thresholds(const struct check_opts *o)
{
	int m;

	for (m = 0; m < CM_COUNT; m++) {
		if (o->warn[m].set || o->crit[m].set)
			return 1;
	}
	return 0;
}

static int has(const struct check_opts *o, enum check_metric m)
{
	return o->warn[m].set || o->crit[m].set;
}

int check_needs_procs(const struct check_opts *o, int filtered)
{
	return !check_has_thresholds(o) || filtered || !o->privileged || has(o, CM_FD_PERCENT) ||
	       has(o, CM_LEAKING) || has(o, CM_PROCESSES_UNKNOWN);
}

int check_needs_history(const struct check_opts *o)
{
	return !check_has_thresholds(o) || has(o, CM_LEAKING);
}
