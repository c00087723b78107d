/* main.c: options -> config -> batch loop (the TUI comes in its own module). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/collect.h"
#include "sockwatch/diag.h"
#include "sockwatch/model.h"
#include "sockwatch/out.h"
#include "sockwatch/proc.h"
#include "sockwatch/ui.h"
#include "sockwatch/view.h"

struct config {
	int batch;
	unsigned long iterations;
	int iterations_set;
	double delay;
	enum out_format format;
	enum view_id view;
	struct filter filter;
	int no_color;
	unsigned rescan;
	const char *proc_root;
};

static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void usage(FILE *f)
{
	fputs("Usage: sockwatch [options]\n"
	      "Watch sockets per process, listener and port; find socket leaks.\n"
	      "Without -b, an interactive view opens (? lists its keys, q quits).\n"
	      "\n"
	      "  -b, --batch              print snapshots to stdout instead of the TUI\n"
	      "  -n, --iterations N       refreshes before exit (batch default 1; 0: until\n"
	      "                           interrupted)\n"
	      "  -d, --delay SECONDS      refresh interval, decimals allowed (default 1.0)\n"
	      "  -o, --output FORMAT      batch format: table (default), json, csv, prometheus\n"
	      "      --view VIEW          processes (default) | listen | ports | sockets\n"
	      "  -p, --pid PID[,PID...]   only these processes (and their sockets)\n"
	      "  -u, --user USER          only processes of USER (name or uid)\n"
	      "      --no-color           no colours (NO_COLOR in the environment does the same)\n"
	      "      --rescan N           re-read every process's fd table every N refreshes\n"
	      "                           (default 30; between, only changed fd tables)\n"
	      "  -h, --help               this help\n"
	      "  -V, --version            the version\n"
	      "\n"
	      "Exit status: 0 success, 1 runtime error, 2 bad usage.\n",
	      f);
}

/* One line on stderr naming the problem, then exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2))) die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("sockwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see sockwatch --help)\n", stderr);
	exit(2);
}

static void parse_pids(struct filter *f, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	unsigned long v;

	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (parse_uint(tok, 4194304, &v) != 0 || v == 0)
			die_usage("invalid pid '%s' in -p", tok);
		f->pids = xreallocarray(f->pids, f->npids + 1, sizeof *f->pids);
		f->pids[f->npids++] = (int)v;
	}
	if (f->npids == 0)
		die_usage("-p needs at least one pid");
	free(copy);
}

static void parse_user(struct filter *f, const char *arg)
{
	struct passwd *pw = getpwnam(arg);
	unsigned long v;

	if (pw != NULL)
		f->uid = pw->pw_uid;
	else if (parse_uint(arg, UINT32_MAX - 1, &v) == 0)
		f->uid = (int64_t)v;
	else
		die_usage("unknown user '%s'", arg);
}

enum { OPT_VIEW = 256, OPT_NO_COLOR, OPT_RESCAN };

static void config_parse(struct config *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "pid", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "rescan", required_argument, NULL, OPT_RESCAN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int ch, i;

	memset(c, 0, sizeof *c);
	c->delay = 1.0;
	c->filter.uid = -1;
	c->proc_root = "/proc";
	c->rescan = PROC_FULL_EVERY_DEFAULT;
	c->no_color = getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0';
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":bn:d:o:p:u:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			c->batch = 1;
			break;
		case 'n':
			if (parse_uint(optarg, 1000000000UL, &v) != 0)
				die_usage("invalid number of iterations '%s'", optarg);
			c->iterations = v;
			c->iterations_set = 1;
			break;
		case 'd':
			if (parse_seconds(optarg, &c->delay) != 0 || c->delay < 0.05)
				die_usage("invalid delay '%s' (seconds, at least 0.05)", optarg);
			break;
		case 'o':
			if ((i = out_format_by_name(optarg)) < 0)
				die_usage("unknown output format '%s' (table, json, csv, prometheus)",
					  optarg);
			c->format = (enum out_format)i;
			break;
		case OPT_VIEW:
			if ((i = view_by_name(optarg)) < 0)
				die_usage("unknown view '%s' (processes, listen, ports, sockets)",
					  optarg);
			c->view = (enum view_id)i;
			break;
		case 'p':
			parse_pids(&c->filter, optarg);
			break;
		case 'u':
			parse_user(&c->filter, optarg);
			break;
		case OPT_NO_COLOR:
			c->no_color = 1;
			break;
		case OPT_RESCAN:
			if (parse_uint(optarg, 1000000, &v) != 0 || v == 0)
				die_usage("invalid --rescan '%s' (refreshes, at least 1)", optarg);
			c->rescan = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("sockwatch %s\n", SOCKWATCH_VERSION);
			exit(0);
		case ':':
			if (optopt != 0)
				die_usage("option -%c needs a value", optopt);
			die_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				die_usage("unknown option -%c", optopt);
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!c->iterations_set)
		c->iterations = 1;
}

/* Write all of buf to stdout; -1 when the reader went away (EPIPE). */
static int write_all(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EPIPE)
				fprintf(stderr, "sockwatch: cannot write output: %s\n", strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Warnings that are said once per run: missing diag modules, uninspectable processes. */
static void report_once(const struct snapshot *s, unsigned *reported, int *hinted)
{
	int d;

	for (d = 0; d < DD_COUNT; d++) {
		int err = s->diag.err[d];

		if (err == 0 || (*reported & (1u << d)))
			continue;
		*reported |= 1u << d;
		fprintf(stderr, "sockwatch: %s sockets are not shown: %s\n",
			diag_dump_name((enum diag_dump)d),
			err == -ENOENT ? "the kernel has no sock_diag support for them"
				       : strerror(-err));
	}
	if (!*hinted && s->procs.denied > 0) {
		*hinted = 1;
		if (geteuid() == 0)
			fprintf(stderr,
				"sockwatch: %zu %s cannot be inspected even as root (another user "
				"namespace?) and %s as unknown\n",
				s->procs.denied, s->procs.denied == 1 ? "process" : "processes",
				s->procs.denied == 1 ? "shows" : "show");
		else
			fprintf(stderr,
				"sockwatch: %zu %s of other users %s as unknown; run as root or grant "
				"CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (see sockwatch(1))\n",
				s->procs.denied, s->procs.denied == 1 ? "process" : "processes",
				s->procs.denied == 1 ? "shows" : "show");
	}
}

static void timespec_add(struct timespec *t, double sec)
{
	long long ns = (long long)(sec * 1e9);

	t->tv_sec += ns / 1000000000LL;
	t->tv_nsec += ns % 1000000000LL;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static int run_batch(const struct config *c)
{
	struct out_opts oo = { c->format, c->view, &c->filter, c->delay, 0 };
	struct collector *col;
	struct snapshot snap;
	struct timespec next;
	struct strbuf out;
	char *cause = NULL;
	unsigned reported = 0;
	int hinted = 0, rc = 0;
	uint64_t i;

	col = collector_new(c->proc_root, c->rescan, &cause);
	if (col == NULL) {
		fprintf(stderr, "sockwatch: cannot open sock_diag: %s\n", cause);
		free(cause);
		return 1;
	}
	snapshot_init(&snap);
	sb_init(&out);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 1; c->iterations == 0 || i <= c->iterations; i++) {
		if (collector_refresh(col, &snap, &c->filter, &cause) < 0) {
			fprintf(stderr, "sockwatch: %s\n", cause);
			free(cause);
			rc = 1;
			break;
		}
		report_once(&snap, &reported, &hinted);
		oo.iteration = i;
		sb_reset(&out);
		out_write(&out, &snap, &oo);
		if (write_all(out.buf, out.len) < 0) {
			rc = errno == EPIPE ? 0 : 1;
			break;
		}
		if (got_stop || (c->iterations != 0 && i == c->iterations))
			break;
		timespec_add(&next, c->delay);
		while (!got_stop &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (got_stop)
			break;
	}
	sb_fini(&out);
	snapshot_fini(&snap);
	collector_free(col);
	return rc;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct config c;
	int rc;

	config_parse(&c, argc, argv);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (c.batch) {
		rc = run_batch(&c);
	} else {
		struct ui_config uc = { c.delay, c.view, &c.filter, c.no_color, c.proc_root, c.rescan };

		rc = ui_run(&uc);
	}
	free(c.filter.pids);
	return rc;
}
