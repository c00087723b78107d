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

/*
 * "127.0.0.1:http", "[::1]:8080", a UNIX path ("@name" if abstract), escaped for a
 * terminal; the port by name as fmt_port() shows it.
 */
void fmt_sock_endpoint(struct strbuf *sb, const struct snapshot *s, const struct sock_rec *r,
		       int local);
/* The same with the port as a number, whatever the names (CSV). */
void fmt_sock_endpoint_numeric(struct strbuf *sb, const struct snapshot *s,
			       const struct sock_rec *r, int local);

/*
 * Port names from services(5) (/etc/services), as ss shows them: per protocol
 * (TCP; UDP, which UDP-Lite shares), the first name the file gives a port.
 * Read once; every lookup is one hash probe.
 */
#define PORT_NAMES_PATH "/etc/services"
struct port_names {
	struct u32map map;   /* protocol and port -> offset in pool */
	struct strpool pool; /* the names: raw bytes, escaped by whoever prints them */
};
void port_names_init(struct port_names *t);
void port_names_fini(struct port_names *t);
/*
 * Add the entries of services(5) text: any bytes, any line length. Lines that
 * are not "name port/tcp|udp ..." (comments, other protocols, port 0, a name
 * over 32 bytes) are skipped. Returns how many ports got a name.
 */
size_t port_names_parse(struct port_names *t, const char *buf, size_t len);
/* Read a services(5) file (a regular file; at most 16 MiB): 0, or a negative errno. */
int port_names_load(struct port_names *t, const char *path);
/* The name of port for proto (enum sock_proto), or NULL; t may be NULL. */
const char *port_names_get(const struct port_names *t, unsigned proto, unsigned port, size_t *len);

/*
 * The table of the run (NULL: none, numbers only) and whether tables show
 * numbers anyway (--numeric, the TUI's N). JSON names ports by it either way.
 */
void port_names_use(const struct port_names *t, int numeric);
void port_names_set_numeric(int numeric);
/* Whether cells show ports as numbers: asked to, or no table. */
int port_names_numeric(void);
/* Whether the table of the run names any port. */
int port_names_available(void);
/* The name of port for proto in the table of the run, or NULL. */
const char *port_name(unsigned proto, unsigned port, size_t *len);
/* A port as a cell shows it: its name, escaped, unless numeric; else the number. */
void fmt_port(struct strbuf *sb, unsigned proto, unsigned port);

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
