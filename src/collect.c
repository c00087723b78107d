/* collect.c: the refresh path shared by the batch writers and the TUI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockwatch/collect.h"

struct collector {
	struct diag *diag;
	struct proc_scanner *scanner;
	char *proc_root;
};

/* "what: strerror(err)" as a new string. */
static char *cause_errno(const char *what, int err)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "%s: %s", what, strerror(err));
	return sb.buf;
}

struct collector *collector_new(const char *proc_root, char **cause)
{
	struct collector *c = xcalloc(1, sizeof *c);

	c->diag = diag_new(cause);
	if (c->diag == NULL) {
		free(c);
		return NULL;
	}
	c->scanner = proc_scanner_new(proc_root);
	c->proc_root = xstrdup(proc_root);
	return c;
}

void collector_free(struct collector *c)
{
	if (c == NULL)
		return;
	diag_free(c->diag);
	proc_scanner_free(c->scanner);
	free(c->proc_root);
	free(c);
}

/*
 * The dump comes before the /proc scan: a socket opened in between is then
 * an "other" socket of its process for one refresh, rather than an unowned
 * socket in the tables.
 */
int collector_refresh(struct collector *c, struct snapshot *s, const struct filter *f,
		      char **cause)
{
	int err;

	snapshot_reset(s);
	clock_gettime(CLOCK_REALTIME, &s->time);
	err = diag_dump_all(c->diag, &s->socks, &s->diag);
	if (err < 0) {
		*cause = cause_errno("sock_diag dump failed", -err);
		return -1;
	}
	err = proc_scan(c->scanner, &s->procs);
	if (err < 0) {
		*cause = cause_errno(c->proc_root, -err);
		return -1;
	}
	snapshot_join(s, f);
	return 0;
}
