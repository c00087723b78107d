/* main.c: options -> config -> batch loop (the TUI comes in its own module). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/collect.h"
#include "sockwatch/config.h"
#include "sockwatch/leak.h"
#include "sockwatch/diag.h"
#include "sockwatch/export.h"
#include "sockwatch/expr.h"
#include "sockwatch/model.h"
#include "sockwatch/out.h"
#include "sockwatch/present.h"
#include "sockwatch/record.h"
#include "sockwatch/proc.h"
#include "sockwatch/ui.h"
#include "sockwatch/view.h"

static volatile sig_atomic_t got_stop;
/*
 * --check's last words when it is cut short, made before the handlers are
 * armed: a signal handler may only write() them.
 */
static char check_timeout_msg[96];
static size_t check_timeout_len;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

#define HELP_COL   27 /* where the text of an option starts in --help */
#define HELP_WIDTH 80

/* One word (or unbreakable piece) of help text at *col, wrapping onto HELP_COL. */
static void usage_word(FILE *f, const char *w, size_t n, int *col)
{
	if (*col > HELP_COL && *col + 1 + (int)n > HELP_WIDTH) {
		fprintf(f, "\n%*s", HELP_COL, "");
		*col = HELP_COL;
	} else if (*col > HELP_COL) {
		fputc(' ', f);
		(*col)++;
	}
	fwrite(w, 1, n, f);
	*col += (int)n;
}

/* A setting's --help entry; its default and bounds are the table's, never typed here. */
static void usage_setting(FILE *f, const struct setting *s)
{
	struct strbuf sb;
	const char *w;
	int col;

	sb_init(&sb);
	if (s->short_opt != 0)
		sb_printf(&sb, "  -%c, --%s %s", s->short_opt, s->key, s->arg);
	else
		sb_printf(&sb, "      --%s %s", s->key, s->arg);
	fputs(sb.buf, f);
	if ((int)sb.len >= HELP_COL)
		fprintf(f, "\n%*s", HELP_COL, "");
	else
		fprintf(f, "%*s", HELP_COL - (int)sb.len, "");
	col = HELP_COL;
	w = s->help;
	while (*w != '\0') {
		size_t n = strcspn(w, " ");

		usage_word(f, w, n, &col);
		w += n;
		w += strspn(w, " ");
	}
	sb_reset(&sb);
	sb_putc(&sb, '(');
	config_setting_describe(&sb, s);
	sb_putc(&sb, ')');
	usage_word(f, sb.buf, sb.len, &col); /* the bounds stay on one line */
	fputc('\n', f);
	sb_fini(&sb);
}

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: sockwatch [options] [FILTER]\n"
	      "Watch sockets per process, listener and port; find socket leaks.\n"
	      "Without -b, an interactive view opens (? lists its keys, q quits).\n"
	      "\n"
	      "  -b, --batch              print snapshots to stdout instead of the TUI\n"
	      "  -n, --iterations N       refreshes before exit (batch default 1; --check 2,\n"
	      "                           or 1 with thresholds alone; 0: until interrupted)\n"
	      "  -o, --output FORMAT      batch format: table (default), json, csv, prometheus\n"
	      "      --output-file FILE   append batch output to FILE instead of stdout\n"
	      "      --replace            --output-file: each refresh replaces FILE whole\n"
	      "                           (atomically: node_exporter's textfile collector)\n"
	      "      --listen ADDR:PORT   serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	      "                           while running (with -b, stdout stays quiet unless\n"
	      "                           -o is given); bind to loopback, e.g. 127.0.0.1:9850\n"
	      "      --view VIEW          processes (default) | listen | ports | sockets\n"
	      "                           | services\n"
	      "      --numeric            ports as numbers, not /etc/services names (names\n"
	      "                           are the default, as in ss; N toggles in the TUI)\n"
	      "  -p, --pid PID[,PID...]   only these processes (and their sockets)\n"
	      "  -u, --user USER          only processes of USER (name or uid)\n"
	      "      --leaks              only processes flagged as leaking\n"
	      "      --netns NETNS        network namespaces: all (default, as root), host,\n"
	      "                           or one by its ip-netns name or inode\n"
	      "      --service NAME       only the processes of this service (a systemd unit,\n"
	      "                           a container's short id, a cgroup path)\n"
	      "      --check              monitoring-plugin mode: one status line, exit\n"
	      "                           0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
	      "  -w, --warning METRIC=RANGE\n"
	      "                           --check: warning threshold, e.g. close_wait=10\n"
	      "  -c, --critical METRIC=RANGE\n"
	      "                           --check: critical threshold, e.g. fd_percent=95\n"
	      "                           (RANGE: N, N:, ~:N, N:M, @N:M; metrics: sockwatch(1))\n"
	      "  -t, --timeout SECONDS    --check: UNKNOWN when it takes longer\n"
	      "      --port PORT          --check: only the sockets and listeners of PORT\n"
	      "      --allow-partial      --check: processes it cannot inspect do not count\n"
	      "      --require-full       --check: UNKNOWN when it cannot inspect them all\n"
	      "  FILTER                   ss's filter expression, after the options: only the\n"
	      "                           sockets it matches count (sockwatch(1), FILTERS),\n"
	      "                           e.g. state close-wait '( dport = :5432 )'\n"
	      "      --no-pushdown        FILTER: the kernel lists every socket, sockwatch\n"
	      "                           alone tests them (to compare; slower)\n"
	      "      --no-traffic         no tcp_info: no RX/s, TX/s, RETR/s, RTT (a smaller,\n"
	      "                           faster TCP dump)\n"
	      "      --record PATH        append every refresh to the recording PATH (with -b,\n"
	      "                           stdout stays quiet unless -o is given); a cap and\n"
	      "                           rotation bound it: --record-size, --record-keep\n"
	      "      --record-sockets     --record: every socket too (else the rows of the\n"
	      "                           other views and the listening sockets)\n"
	      "      --replay PATH        show the recording PATH (with its rotated files)\n"
	      "                           instead of the kernel's tables: the view steps\n"
	      "                           and plays it ([ ] t Space), -b writes each record\n"
	      "      --from TIME          --replay: from TIME on: HH:MM[:SS], -30m (before the\n"
	      "                           end), +10m (after the start), YYYY-MM-DDTHH:MM[:SS]\n"
	      "      --to TIME            --replay: up to TIME\n"
	      "      --no-color           no colours (NO_COLOR in the environment does too)\n"
	      "      --config FILE        settings file (default ~/.config/sockwatch/config,\n"
	      "                           then /etc/sockwatch.conf): key = value lines\n"
	      "\n"
	      "Settings (options, and keys of the config file without the dashes):\n",
	      f);
	for (i = 0; i < config_nsettings; i++)
		usage_setting(f, &config_settings[i]);
	fputs("\n"
	      "  -h, --help               this help\n"
	      "  -V, --version            the version\n"
	      "\n"
	      "Exit status: 0 success, 1 runtime error, 2 bad usage (--check: 0-3 as above).\n",
	      f);
}

/* One line naming the problem (--check: an UNKNOWN status line on stdout), then exit. */
static void __attribute__((noreturn, format(printf, 4, 0)))
die_line(const struct config *c, int status, const char *tail, const char *fmt, va_list ap)
{
	FILE *f = c->check ? stdout : stderr;

	fputs(c->check ? "SOCKWATCH UNKNOWN - " : "sockwatch: ", f);
	vfprintf(f, fmt, ap);
	fputs(tail, f);
	exit(c->check ? 3 : status);
}

/*
 * One line on stderr naming the problem, then exit 2. In --check mode the
 * monitoring system reads stdout and the status: one UNKNOWN line, exit 3.
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
die_usage(const struct config *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die_line(c, 2, " (see sockwatch --help)\n", fmt, ap);
}

/* One line on stderr for an error that is not one of usage: exit 1 (--check: UNKNOWN, 3). */
static void __attribute__((noreturn, format(printf, 2, 3)))
die_runtime(const struct config *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	die_line(c, 1, "\n", fmt, ap);
}

/*
 * --netns: every namespace when sockwatch may enter them (CAP_SYS_ADMIN, and
 * the right to open other processes' namespace files), else its own; "host"
 * is its own; a name is one of /run/netns; a number is an inode.
 */
static void choose_netns(struct config *c)
{
	const char *arg = c->netns_arg != NULL ? c->netns_arg : "all";
	int may = proc_self_may_enter_netns(c->proc_root);
	unsigned long v;
	uint32_t ino;
	int err;

	if (netns_file_inode("/proc/self/ns/net", &c->self_netns) != 0)
		c->self_netns = 0;
	if (strcmp(arg, "all") == 0) {
		c->netns_all = may && c->self_netns != 0;
		c->netns_hint = !c->netns_all;
		return;
	}
	if (strcmp(arg, "host") == 0) {
		c->filter.netns = c->self_netns;
		return;
	}
	if (parse_uint(arg, UINT32_MAX, &v) == 0 && v > 0) {
		ino = (uint32_t)v;
		if (ino != c->self_netns && !collector_netns_exists(c->proc_root, ino))
			die_usage(c, "no network namespace has inode %lu", v);
	} else {
		struct strbuf path;

		if (strchr(arg, '/') != NULL || arg[0] == '.' || arg[0] == '\0')
			die_usage(c, "invalid network namespace name '%s'", arg);
		sb_init(&path);
		sb_printf(&path, "%s/%s", NETNS_RUN_DIR, arg);
		err = netns_file_inode(path.buf, &ino);
		sb_fini(&path);
		if (err != 0)
			die_usage(c, "no network namespace named '%s'", arg);
	}
	c->filter.netns = ino;
	if (ino != c->self_netns && !may)
		die_runtime(c, "reading network namespace %s needs CAP_SYS_ADMIN", arg);
}

/* PID[,PID...]: every item a pid, none empty (strtok would skip "1,,2" and "1,"). */
static void parse_pids(const struct config *c, struct filter *f, const char *arg)
{
	const char *p = arg;
	unsigned long v;
	char tok[16];

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0)
			die_usage(c, "empty item in -p '%s' (PID[,PID...])", arg);
		v = 0;
		if (n < sizeof tok) {
			memcpy(tok, p, n);
			tok[n] = '\0';
			if (parse_uint(tok, 4194304, &v) != 0)
				v = 0;
		}
		if (v == 0)
			die_usage(c, "invalid pid '%.*s' in -p", (int)n, p);
		f->pids = xreallocarray(f->pids, f->npids + 1, sizeof *f->pids);
		f->pids[f->npids++] = (int)v;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
}

static void parse_user(const struct config *c, struct filter *f, const char *arg)
{
	struct passwd *pw = getpwnam(arg);
	unsigned long v;

	if (pw != NULL)
		f->uid = pw->pw_uid;
	else if (parse_uint(arg, UINT32_MAX - 1, &v) == 0)
		f->uid = (int64_t)v;
	else
		die_usage(c, "unknown user '%s'", arg);
}

enum {
	OPT_VIEW = 256,
	OPT_NO_COLOR,
	OPT_LEAKS,
	OPT_CHECK,
	OPT_CONFIG,
	OPT_OUTPUT_FILE,
	OPT_PORT,
	OPT_ALLOW_PARTIAL,
	OPT_REQUIRE_FULL,
	OPT_NETNS,
	OPT_SERVICE,
	OPT_LISTEN,
	OPT_REPLACE,
	OPT_NO_PUSHDOWN,
	OPT_NO_TRAFFIC,
	OPT_NUMERIC,
	OPT_RECORD,
	OPT_RECORD_SOCKETS,
	OPT_REPLAY,
	OPT_FROM,
	OPT_TO,
	OPT_SETTING = 512
};

static const struct option base_opts[] = {
	{ "batch", no_argument, NULL, 'b' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "view", required_argument, NULL, OPT_VIEW },
	{ "pid", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'u' },
	{ "leaks", no_argument, NULL, OPT_LEAKS },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "output-file", required_argument, NULL, OPT_OUTPUT_FILE },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL },
	{ "require-full", no_argument, NULL, OPT_REQUIRE_FULL },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "service", required_argument, NULL, OPT_SERVICE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "no-pushdown", no_argument, NULL, OPT_NO_PUSHDOWN },
	{ "no-traffic", no_argument, NULL, OPT_NO_TRAFFIC },
	{ "numeric", no_argument, NULL, OPT_NUMERIC },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "record-sockets", no_argument, NULL, OPT_RECORD_SOCKETS },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

/*
 * After --help or --version: exit() would flush stdout and drop the error of a
 * full disk or a closed stdout, and say 0. --check answers 3 either way.
 */
static void __attribute__((noreturn)) exit_printed(const struct config *c)
{
	int err = ferror(stdout);

	if (fclose(stdout) != 0 || err) {
		fprintf(stderr, "sockwatch: cannot write standard output: %s\n", strerror(errno));
		exit(c->check ? 3 : 1);
	}
	exit(c->check ? 3 : 0);
}

/* The setting getopt_long returned ch for (its long option or short letter), or NULL. */
static const struct setting *setting_find_opt(int ch)
{
	size_t i;

	if (ch >= OPT_SETTING && ch < OPT_SETTING + (int)config_nsettings)
		return &config_settings[ch - OPT_SETTING];
	for (i = 0; i < config_nsettings; i++) {
		if (ch > 0 && config_settings[i].short_opt == ch)
			return &config_settings[i];
	}
	return NULL;
}

/* The config file first (--config, or the default one), so options override it. */
static void config_file(struct config *c, int argc, char **argv)
{
	const char *path = NULL;
	char buf[4096], *cause = NULL;
	int i, must = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
	}
	/* The setup screen saves to --config's file, else to the user's own. */
	if (path != NULL)
		snprintf(c->config_write, sizeof c->config_write, "%s", path);
	else
		config_user_path(c->config_write, sizeof c->config_write);
	if (path == NULL) {
		path = config_default_path(buf, sizeof buf);
		must = 0;
	}
	if (path != NULL && config_load_file(c, path, must, &cause) != 0)
		die_usage(c, "%s", cause);
	if (path != NULL && access(path, F_OK) == 0)
		snprintf(c->config_read, sizeof c->config_read, "%s", path);
}

/* --record and --replay: what goes with them. */
static void config_check_replay(struct config *c)
{
	if (c->record_sockets && c->record == NULL)
		die_usage(c, "--record-sockets goes with --record");
	if ((c->from != NULL || c->to != NULL) && c->replay == NULL)
		die_usage(c, "%s goes with --replay", c->from != NULL ? "--from" : "--to");
	if (c->record != NULL && c->check)
		die_usage(c, "--record does not go with --check");
	if (c->replay == NULL)
		return;
	/* A replay shows what was recorded: what chooses what to collect has no say. */
	if (c->record != NULL)
		die_usage(c, "--record does not go with --replay");
	if (c->check)
		die_usage(c, "--check does not go with --replay");
	if (c->listen != NULL)
		die_usage(c, "--listen does not go with --replay");
	if (c->filter.npids > 0 || c->filter.uid >= 0 || c->filter.service != NULL ||
	    c->netns_arg != NULL)
		die_usage(c,
			  "%s does not go with --replay (it chooses what is collected: a "
			  "replay shows what was recorded; a filter expression narrows it)",
			  c->filter.npids > 0	      ? "-p"
			  : c->filter.uid >= 0	      ? "-u"
			  : c->filter.service != NULL ? "--service"
						      : "--netns");
}

static void config_parse(struct config *c, int argc, char **argv)
{
	struct option longopts[ARRAY_LEN(base_opts) + 32];
	char shortopts[64] = ":bn:o:p:u:w:c:t:hV";
	const struct setting *s;
	size_t i, n = 0, ns = strlen(shortopts);
	unsigned long v;
	char *cause = NULL;
	const char *check_only = NULL; /* the first option that only --check takes */
	int no_traffic = 0;
	const char *why;
	char *host;
	unsigned port;
	int ch, k;

	config_defaults(c);
	check_opts_init(&c->checkopts);
	c->no_color = getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0';
	/* Known before anything can go wrong: --check changes how a usage error is said. */
	for (i = 1; i < (size_t)argc && strcmp(argv[i], "--") != 0; i++) {
		size_t len = strlen(argv[i]);

		/* getopt takes any unambiguous prefix: "--che" is --check too. */
		c->check |= len >= 5 && strncmp(argv[i], "--check", len) == 0;
	}
	config_file(c, argc, argv);
	for (i = 0; i < ARRAY_LEN(base_opts); i++)
		longopts[n++] = base_opts[i];
	for (i = 0; i < config_nsettings && n + 1 < ARRAY_LEN(longopts); i++)
		longopts[n++] = (struct option){ config_settings[i].key, required_argument, NULL,
						 OPT_SETTING + (int)i };
	memset(&longopts[n], 0, sizeof longopts[n]);
	for (i = 0; i < config_nsettings && ns + 3 <= sizeof shortopts; i++) {
		if (config_settings[i].short_opt == 0)
			continue;
		shortopts[ns++] = config_settings[i].short_opt;
		shortopts[ns++] = ':';
		shortopts[ns] = '\0';
	}
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			c->batch = 1;
			break;
		case 'n':
			if (parse_uint(optarg, 1000000000UL, &v) != 0)
				die_usage(c, "invalid number of iterations '%s'", optarg);
			c->iterations = v;
			c->iterations_set = 1;
			break;
		case 'o':
			if ((k = out_format_by_name(optarg)) < 0)
				die_usage(
					c,
					"unknown output format '%s' (table, json, csv, prometheus)",
					optarg);
			c->format = (enum out_format)k;
			c->format_set = 1;
			break;
		case OPT_VIEW:
			if ((k = view_by_name(optarg)) < 0)
				die_usage(c,
					  "unknown view '%s' (processes, listen, ports, sockets)",
					  optarg);
			c->view = (enum view_id)k;
			break;
		case 'p':
			parse_pids(c, &c->filter, optarg);
			break;
		case 'u':
			parse_user(c, &c->filter, optarg);
			break;
		case OPT_LEAKS:
			c->leaks_only = 1;
			break;
		case OPT_NETNS:
			c->netns_arg = optarg;
			break;
		case OPT_SERVICE:
			if (optarg[0] == '\0')
				die_usage(c, "--service needs a name");
			c->filter.service = optarg;
			break;
		case OPT_CHECK:
			c->check = 1;
			break;
		case OPT_NO_COLOR:
			c->no_color = 1;
			break;
		case OPT_CONFIG:
			break; /* read first, in config_file() */
		case OPT_OUTPUT_FILE:
			if (optarg[0] == '\0')
				die_usage(c, "--output-file needs a file name");
			c->output_file = optarg;
			c->batch = 1;
			break;
		case OPT_LISTEN:
			if (export_parse_addr(optarg, &host, &port, &why) != 0)
				die_usage(c, "--listen %s: %s", optarg, why);
			free(host);
			c->listen = optarg;
			break;
		case OPT_REPLACE:
			c->replace = 1;
			break;
		case OPT_RECORD:
			if (optarg[0] == '\0')
				die_usage(c, "--record needs a file name");
			c->record = optarg;
			break;
		case OPT_RECORD_SOCKETS:
			c->record_sockets = 1;
			break;
		case OPT_REPLAY:
			if (optarg[0] == '\0')
				die_usage(c, "--replay needs a file name");
			c->replay = optarg;
			break;
		case OPT_FROM:
			c->from = optarg;
			break;
		case OPT_TO:
			c->to = optarg;
			break;
		case 'w':
		case 'c':
			if (check_opts_threshold(&c->checkopts, optarg, ch == 'c', &cause) != 0)
				die_usage(c, "%s", cause);
			check_only = check_only != NULL ? check_only : ch == 'w' ? "-w" : "-c";
			break;
		case 't':
			if (parse_seconds(optarg, &c->checkopts.timeout) != 0 ||
			    c->checkopts.timeout <= 0 || c->checkopts.timeout > 86400)
				die_usage(c, "invalid timeout '%s' (SECONDS, above 0, up to 86400)",
					  optarg);
			check_only = check_only != NULL ? check_only : "-t";
			break;
		case OPT_PORT:
			if (parse_uint(optarg, 65535, &v) != 0)
				die_usage(c, "invalid port '%s' (0-65535)", optarg);
			c->checkopts.port = (int)v;
			check_only = check_only != NULL ? check_only : "--port";
			break;
		case OPT_NO_PUSHDOWN:
			c->no_pushdown = 1;
			break;
		case OPT_NO_TRAFFIC:
			no_traffic = 1;
			break;
		case OPT_NUMERIC:
			c->numeric = 1;
			break;
		case OPT_ALLOW_PARTIAL:
			c->checkopts.allow_partial = 1;
			check_only = check_only != NULL ? check_only : "--allow-partial";
			break;
		case OPT_REQUIRE_FULL:
			c->checkopts.require_full = 1;
			check_only = check_only != NULL ? check_only : "--require-full";
			break;
		case 'h':
			/* Monitoring plugins answer --help and --version with UNKNOWN. */
			usage(stdout);
			exit_printed(c);
		case 'V':
			printf("sockwatch %s\n", SOCKWATCH_VERSION);
			exit_printed(c);
		case ':':
			if (optopt != 0 && optopt < 256)
				die_usage(c, "option -%c needs a value", optopt);
			die_usage(c, "option '%s' needs a value", argv[optind - 1]);
		default:
			if ((s = setting_find_opt(ch)) != NULL) {
				if (config_set(c, s->key, optarg, &cause) != 0)
					die_usage(c, "%s", cause);
				break;
			}
			if (optopt != 0 && optopt < 256)
				die_usage(c, "unknown option -%c", optopt);
			die_usage(c, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		struct strbuf err;

		/* The words after the options are a filter expression, as ss takes them. */
		sb_init(&err);
		c->filter.expr = c->expr =
			sock_expr_parse(argc - optind, (char *const *)argv + optind, &err);
		if (c->expr == NULL)
			die_usage(c, "%s", err.buf);
		sb_fini(&err);
	}
	if (c->no_pushdown && c->expr == NULL)
		die_usage(c, "--no-pushdown goes with a filter expression");
	if (c->leak.fd_crit < c->leak.fd_warn)
		die_usage(c, "fd-crit (%g%%) is below fd-warn (%g%%)", c->leak.fd_crit * 100,
			  c->leak.fd_warn * 100);
	if (check_only != NULL && !c->check)
		die_usage(c, "%s goes with --check", check_only);
	if (c->check && c->output_file != NULL)
		die_usage(c,
			  "--output-file does not go with --check (its status line is on stdout)");
	if (c->check && c->listen != NULL)
		die_usage(c,
			  "--listen does not go with --check (a plugin run ends after its line)");
	if (c->replace && c->output_file == NULL)
		die_usage(c, "--replace goes with --output-file");
	config_check_replay(c);
	if (c->checkopts.allow_partial && c->checkopts.require_full)
		die_usage(c, "--allow-partial and --require-full contradict each other");
	if (c->check) {
		c->batch = 1;
		c->checkopts.privileged = proc_self_privileged(c->proc_root);
	}
	choose_netns(c);
	/* tcp_info makes the TCP dump larger: --check has no use for it. */
	c->traffic = !no_traffic && !c->check;
	/* The AGE of sockets costs a lookup per socket: only where it is shown. */
	c->socket_ages = !c->batch || c->view == VIEW_SOCKETS;
	/* The leak detector needs two refreshes to see a trend; thresholds alone, one. */
	if (!c->iterations_set)
		c->iterations = c->check && check_needs_history(&c->checkopts) ? 2 : 1;
	if (c->replay != NULL && !c->iterations_set)
		c->iterations = 0; /* every record of the range */
	if (c->check && c->iterations == 0)
		die_usage(c, "--check needs a number of refreshes (-n 1 or more)");
}

/*
 * Whether fd takes writes: a stdout that was closed at start is /dev/null
 * read-only (std_fds_guard), and sockwatch says so before it collects anything.
 */
static int fd_writable(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0 && (fl & O_ACCMODE) != O_RDONLY)
		return 1;
	errno = fl < 0 ? errno : EBADF;
	return 0;
}

/* Write all of buf to fd; -1 on error (said on stderr, but for EPIPE: the reader left). */
static int write_all(int fd, const char *name, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EPIPE)
				fprintf(stderr, "sockwatch: cannot write %s: %s\n", name,
					strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What is said once per run on stderr (each bit once). */
enum {
	SAID_DENIED = 1u << DD_COUNT, /* processes of others, or of another namespace */
	SAID_STARVED = 1u << (DD_COUNT + 1),
	SAID_NO_MATCH = 1u << (DD_COUNT + 2),
	SAID_NETNS = 1u << (DD_COUNT + 3),
	SAID_NO_SOCKETS = 1u << (DD_COUNT + 4), /* --replay of records without every socket */
};

/*
 * -p or -u that match no process: the output stays valid (an empty table,
 * [] in JSON), which would read as "nothing wrong there"; one line says why
 * it is empty. 1 if it was said.
 */
static int report_no_match(const struct snapshot *s, const struct filter *f)
{
	struct strbuf pids;
	struct passwd *pw;
	size_t i, p, missing = 0, of_user = 0;

	if (f->service != NULL && s->nservices == 0) {
		struct strbuf name;

		/* The name as given on the command line, escaped like any text shown. */
		sb_init(&name);
		esc_text(&name, f->service, strlen(f->service));
		fprintf(stderr, "sockwatch: no process with sockets in service %s\n", name.buf);
		sb_fini(&name);
		return 1;
	}
	sb_init(&pids);
	for (p = 0; p < f->npids; p++) {
		if (snapshot_proc_by_pid(s, f->pids[p]) == NONE)
			sb_printf(&pids, "%s%d", missing++ > 0 ? ", " : "", f->pids[p]);
	}
	if (missing > 0) {
		fprintf(stderr, "sockwatch: no %s with %s %s\n",
			missing == 1 ? "process" : "processes", missing == 1 ? "pid" : "pids",
			pids.buf);
		sb_fini(&pids);
		return 1;
	}
	sb_fini(&pids);
	if (f->uid < 0)
		return 0;
	for (i = 0; i < s->procs.n; i++)
		of_user += filter_match(f, &s->procs.v[i]);
	if (of_user > 0)
		return 0;
	pw = getpwuid((uid_t)f->uid);
	fprintf(stderr, "sockwatch: no process%s of ", f->npids > 0 ? " given by -p is one" : "");
	if (pw != NULL)
		fprintf(stderr, "user %s (uid %lld)\n", pw->pw_name, (long long)f->uid);
	else
		fprintf(stderr, "uid %lld\n", (long long)f->uid);
	return 1;
}

/*
 * Processes not read for lack of fds or memory: with the reason, as they are
 * unknown for another cause than privileges.
 */
static void report_starved(const struct proc_table *t)
{
	struct rlimit rl;

	fprintf(stderr, "sockwatch: %zu %s could not be read (%s) and %s as unknown", t->starved,
		t->starved == 1 ? "process" : "processes", strerror(t->starved_err),
		t->starved == 1 ? "shows" : "show");
	if (t->starved_err == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
		fprintf(stderr, "; sockwatch's fd limit is %llu (raise the hard limit: ulimit -Hn)",
			(unsigned long long)rl.rlim_cur);
	fputc('\n', stderr);
}

/*
 * Warnings that are said once per run: missing diag modules, uninspectable
 * processes, processes not read for lack of resources.
 */
static void report_once(const struct snapshot *s, const struct filter *f, int netns_hint,
			unsigned *said)
{
	/* With -p or -u, only the processes asked about: the rest are not the user's question. */
	size_t denied =
		filter_active(f) ? snapshot_unknown_shown(s) : s->procs.denied - s->procs.starved;
	int d;

	for (d = 0; d < DD_COUNT; d++) {
		int err = s->diag.err[d];

		if (err == 0 || (*said & (1u << d)))
			continue;
		*said |= 1u << d;
		fprintf(stderr, "sockwatch: %s sockets are not shown: %s\n",
			diag_dump_name((enum diag_dump)d), diag_err_text(err));
	}
	if (!(*said & SAID_NO_MATCH) && s->procs_scanned && report_no_match(s, f))
		*said |= SAID_NO_MATCH;
	if (!(*said & SAID_STARVED) && s->procs.starved > 0) {
		*said |= SAID_STARVED;
		report_starved(&s->procs);
	}
	if (!(*said & SAID_DENIED) && denied > 0) {
		*said |= SAID_DENIED;
		if (geteuid() == 0)
			fprintf(stderr,
				"sockwatch: %zu %s cannot be inspected even as root (another user "
				"namespace?) and %s as unknown\n",
				denied, denied == 1 ? "process" : "processes",
				denied == 1 ? "shows" : "show");
		else
			fprintf(stderr,
				"sockwatch: %zu %s of other users %s as unknown%s; run as root or "
				"grant CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (see sockwatch(1))\n",
				denied, denied == 1 ? "process" : "processes",
				denied == 1 ? "shows" : "show",
				netns_hint ? " and other network namespaces are not read" : "");
		*said |= netns_hint ? SAID_NETNS : 0;
	}
	/* Unprivileged, the same advice covers both: one line. */
	if (!(*said & SAID_NETNS) && netns_hint) {
		*said |= SAID_NETNS;
		fprintf(stderr, "sockwatch: %s\n", NETNS_HINT);
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

/*
 * Sleep until next (CLOCK_MONOTONIC), advanced by delay; 0, or -1 when told
 * to stop. A deadline already past (sockwatch was stopped, or a refresh took
 * longer than delay) restarts the schedule from now, as the TUI does: catching
 * up would print a burst of snapshots of the same moment.
 */
static int wait_next(struct timespec *next, double delay)
{
	struct timespec now;

	timespec_add(next, delay);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (next->tv_sec < now.tv_sec ||
	    (next->tv_sec == now.tv_sec && next->tv_nsec < now.tv_nsec)) {
		*next = now;
		timespec_add(next, delay);
	}
	while (!got_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
		;
	return got_stop ? -1 : 0;
}

/* --check cut short: by the timeout (SIGALRM) or a signal. Never a status but UNKNOWN. */
static void on_check_abort(int sig)
{
	static const char interrupted[] =
		"SOCKWATCH UNKNOWN - interrupted before the last refresh\n";
	ssize_t n;

	if (sig == SIGALRM)
		n = write(STDOUT_FILENO, check_timeout_msg, check_timeout_len);
	else
		n = write(STDOUT_FILENO, interrupted, sizeof interrupted - 1);
	(void)n;
	_exit(3);
}

/* The signals that cut --check short, to block while the status line is written. */
static void check_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGALRM);
}

/*
 * --check: refresh as often as asked, then write one status line and return
 * its status. A timeout or a signal before that ends it with UNKNOWN (3); so
 * does a status line that cannot be written.
 */
static int run_check(const struct config *c)
{
	struct sigaction sa;
	struct collector *col;
	struct snapshot snap;
	struct timespec next;
	struct strbuf out;
	sigset_t set;
	char *cause = NULL;
	size_t starved = 0;
	int rc = 3, starved_err = 0;
	uint64_t i;

	if (!fd_writable(STDOUT_FILENO)) {
		/* No status line can be read: UNKNOWN, said where it can be. */
		fprintf(stderr, "sockwatch: cannot write standard output: %s\n", strerror(errno));
		return 3;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_check_abort;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (c->checkopts.timeout > 0) {
		struct itimerval it;

		snprintf(check_timeout_msg, sizeof check_timeout_msg,
			 "SOCKWATCH UNKNOWN - timed out after %g s (-t)\n", c->checkopts.timeout);
		check_timeout_len = strlen(check_timeout_msg);
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof it);
		it.it_value.tv_sec = (time_t)c->checkopts.timeout;
		it.it_value.tv_usec =
			(suseconds_t)((c->checkopts.timeout - (double)it.it_value.tv_sec) * 1e6);
		setitimer(ITIMER_REAL, &it, NULL);
	}
	sb_init(&out);
	snapshot_init(&snap);
	col = collector_new(c, &cause);
	if (col == NULL) {
		sb_printf(&out, "SOCKWATCH UNKNOWN - cannot open sock_diag: %s\n", cause);
		free(cause);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 1; col != NULL && i <= c->iterations; i++) {
		if (collector_refresh(col, &snap, mono_now(), &cause) < 0) {
			sb_printf(&out, "SOCKWATCH UNKNOWN - %s\n", cause);
			free(cause);
			break;
		}
		if (snap.procs.starved > starved) {
			starved = snap.procs.starved;
			starved_err = snap.procs.starved_err;
		}
		if (i < c->iterations)
			wait_next(&next, c->delay);
	}
	/* From here the status stands: no signal may replace it. */
	check_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A process sockwatch could not read is no verdict on it: not even OK. */
	if (out.len == 0 && starved > 0)
		sb_printf(&out, "SOCKWATCH UNKNOWN - %zu %s could not be read: %s\n", starved,
			  starved == 1 ? "process" : "processes", strerror(starved_err));
	if (out.len == 0)
		rc = present_check(&out, &snap, &c->filter, &c->checkopts);
	if (write_all(STDOUT_FILENO, "standard output", out.buf, out.len) < 0)
		rc = 3;
	sb_fini(&out);
	snapshot_fini(&snap);
	collector_free(col);
	return rc;
}

/*
 * --output-file, for appending. Non-blocking to open, as a FIFO that nobody
 * reads would block the open forever (ENXIO instead), then blocking, so that
 * a slow reader slows sockwatch rather than losing snapshots. The fd, or -1
 * (said on stderr).
 */
static int output_open(const char *path)
{
	struct stat st;
	int fd, fl;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
	if (fd < 0 && errno == ENXIO && stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "sockwatch: cannot open %s: a FIFO that no process reads\n", path);
		return -1;
	}
	fl = fd < 0 ? -1 : fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		fprintf(stderr, "sockwatch: cannot open %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * --replace: out becomes the whole of path, atomically. It is written to a
 * hidden file beside path (".NAME.XXXXXX": the textfile collector reads only
 * *.prom), flushed to disk and renamed over path, so a reader sees the last
 * complete refresh or the one before, never a part. 0, or -1 (said).
 */
static int output_replace(const char *path, mode_t mode, const char *buf, size_t len)
{
	struct strbuf tmp;
	const char *slash = strrchr(path, '/');
	int fd, rc = -1;

	sb_init(&tmp);
	if (slash != NULL)
		sb_append(&tmp, path, (size_t)(slash - path) + 1);
	sb_printf(&tmp, ".%s.XXXXXX", slash != NULL ? slash + 1 : path);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "sockwatch: cannot write %s: %s\n", path, strerror(errno));
		sb_fini(&tmp);
		return -1;
	}
	/* Each failure is said once (write_all says its own); PATH is replaced only whole. */
	if (write_all(fd, path, buf, len) == 0) {
		if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
			fprintf(stderr, "sockwatch: cannot write %s: %s\n", path, strerror(errno));
		else
			rc = 0;
	}
	if (close(fd) != 0 && rc == 0) {
		fprintf(stderr, "sockwatch: cannot write %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(tmp.buf, path) != 0) {
		fprintf(stderr, "sockwatch: cannot replace %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(tmp.buf);
	sb_fini(&tmp);
	return rc;
}

/* The file mode of new files under the umask, as open() would give them. */
static mode_t file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0644 & ~mask;
}

/* --replay: the records of --from to --to, as [*first, *end); 0, or -1 (said). */
static int replay_range(const struct config *c, struct replay *rp, size_t *first, size_t *end)
{
	size_t n = replay_count(rp);
	double t0, t1, from, to;

	if (n == 0) {
		const char *damage = replay_damage(rp);

		if (damage != NULL)
			fprintf(stderr, "sockwatch: %s\n", damage);
		else
			fprintf(stderr, "sockwatch: %s: no records\n", c->replay);
		return -1;
	}
	t0 = replay_time(rp, 0);
	t1 = replay_time(rp, n - 1);
	from = t0;
	to = t1;
	if (c->from != NULL && replay_parse_time(c->from, t0, t1, &from) < 0) {
		fprintf(stderr,
			"sockwatch: invalid time '%s' for --from (HH:MM, -30m, an ISO time)\n",
			c->from);
		return -1;
	}
	if (c->to != NULL && replay_parse_time(c->to, t0, t1, &to) < 0) {
		fprintf(stderr,
			"sockwatch: invalid time '%s' for --to (HH:MM, -30m, an ISO time)\n",
			c->to);
		return -1;
	}
	*first = replay_find(rp, from);
	if (replay_time(rp, *first) < from)
		(*first)++;
	*end = replay_find(rp, to) + 1;
	if (replay_time(rp, *end - 1) > to || *first >= *end) {
		struct strbuf a, b;
		struct timespec ta = { (time_t)t0, 0 }, tb = { (time_t)t1, 0 };

		sb_init(&a);
		sb_init(&b);
		out_format_time(&a, &ta);
		out_format_time(&b, &tb);
		fprintf(stderr,
			"sockwatch: no record in the range asked for (the recording runs from %s to %s)\n",
			a.buf, b.buf);
		sb_fini(&a);
		sb_fini(&b);
		return -1;
	}
	return 0;
}

/* --replay FILTER: the record joined again under the expression; 0, or -1 (said). */
static int replay_filter(const struct config *c, struct snapshot *s, const struct record_info *info)
{
	char *cause = NULL;

	if (!(info->flags & REC_F_SOCKETS)) {
		fprintf(stderr,
			"sockwatch: %s: recorded without --record-sockets: a filter expression "
			"needs every socket\n",
			c->replay);
		return -1;
	}
	if (record_rejoin(s, c->expr, &cause) < 0) {
		fprintf(stderr, "sockwatch: %s: %s\n", c->replay, cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* The batch loop: refresh (or read a recording), judge leaks, write; publish to --listen. */
static int run_batch(const struct config *c, struct exporter *ex)
{
	struct out_opts oo = { c->format, c->view, &c->filter, c->delay, 0 };
	struct collector *col = NULL;
	struct recorder *rec = NULL;
	struct replay *rp = NULL;
	struct snapshot snap;
	struct timespec next;
	struct strbuf out;
	char *cause = NULL;
	unsigned said = 0;
	struct record_info info = { c->record_sockets ? REC_F_SOCKETS : 0, c->delay };
	int rc = 0, ofd = STDOUT_FILENO;
	/* An exporter (--listen) or a recorder writes nothing to stdout unless asked to by -o. */
	int quiet = (ex != NULL || c->record != NULL) && !c->format_set && c->output_file == NULL;
	const char *oname = "standard output";
	mode_t mode = file_mode();
	size_t ri = 0, rend = 0;
	uint64_t i;

	if (c->replace) {
		ofd = -1;
		oname = c->output_file;
	} else if (c->output_file != NULL) {
		if ((ofd = output_open(c->output_file)) < 0)
			return 1;
		oname = c->output_file;
	} else if (!quiet && !fd_writable(ofd)) {
		fprintf(stderr, "sockwatch: cannot write %s: %s\n", oname, strerror(errno));
		return 1;
	}
	if (c->replay != NULL) {
		if ((rp = replay_open(c->replay, &cause)) == NULL) {
			fprintf(stderr, "sockwatch: %s\n", cause);
			free(cause);
			return 1;
		}
		if (replay_range(c, rp, &ri, &rend) < 0) {
			replay_close(rp);
			return 1;
		}
	} else if ((col = collector_new(c, &cause)) == NULL) {
		fprintf(stderr, "sockwatch: cannot open sock_diag: %s\n", cause);
		free(cause);
		return 1;
	}
	if (c->record != NULL && (rec = recorder_open(c->record, (uint64_t)c->record_size << 20,
						      c->record_keep, &cause)) == NULL) {
		fprintf(stderr, "sockwatch: cannot record: %s\n", cause);
		free(cause);
		collector_free(col);
		return 1;
	}
	snapshot_init(&snap);
	sb_init(&out);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 1; c->iterations == 0 || i <= c->iterations; i++) {
		if (rp != NULL) {
			if (ri >= rend)
				break;
			if (replay_load(rp, ri++, &snap, &info, &cause) < 0) {
				fprintf(stderr, "sockwatch: %s\n", cause);
				free(cause);
				rc = 1;
				break;
			}
			if (c->expr != NULL && replay_filter(c, &snap, &info) < 0) {
				rc = 1;
				break;
			}
			if (c->leaks_only)
				snapshot_keep_leaking(&snap);
			oo.interval = info.interval;
			if (c->view == VIEW_SOCKETS && !(info.flags & REC_F_SOCKETS) &&
			    !(said & SAID_NO_SOCKETS)) {
				said |= SAID_NO_SOCKETS;
				fprintf(stderr,
					"sockwatch: %s: recorded without --record-sockets: only the "
					"listening sockets (and one of the busiest TIME_WAIT peer's)\n",
					c->replay);
			}
		} else if (collector_refresh(col, &snap, mono_now(), &cause) < 0) {
			fprintf(stderr, "sockwatch: %s\n", cause);
			free(cause);
			rc = 1;
			break;
		} else {
			report_once(&snap, &c->filter, c->netns_hint && !c->check, &said);
		}
		if (rec != NULL && recorder_write(rec, &snap, &info, &cause) < 0) {
			/* Said once; the other outputs go on, if there are any. */
			fprintf(stderr, "sockwatch: recording stopped: %s\n", cause);
			free(cause);
			recorder_close(rec);
			rec = NULL;
			rc = 1;
			if (quiet && ex == NULL)
				break;
		}
		if (ex != NULL)
			exporter_publish(ex, &snap, &c->filter);
		/* A replay numbers each refresh as the run that recorded it did. */
		oo.iteration = rp != NULL ? snap.refreshes : i;
		sb_reset(&out);
		if (!quiet)
			out_write(&out, &snap, &oo);
		if (c->replace) {
			if (output_replace(c->output_file, mode, out.buf, out.len) < 0) {
				rc = 1;
				break;
			}
		} else if (out.len > 0 && write_all(ofd, oname, out.buf, out.len) < 0) {
			rc = errno == EPIPE ? rc : 1;
			break;
		}
		if (got_stop || (c->iterations != 0 && i == c->iterations))
			break;
		if (rp == NULL && wait_next(&next, c->delay) < 0)
			break;
	}
	/* A replay that ran to the last valid record says what stopped the recording there. */
	if (rp != NULL && rc == 0 && ri == replay_count(rp) && replay_damage(rp) != NULL) {
		fprintf(stderr, "sockwatch: %s\n", replay_damage(rp));
		rc = 1;
	}
	sb_fini(&out);
	snapshot_fini(&snap);
	collector_free(col);
	recorder_close(rec);
	replay_close(rp);
	if (ofd >= 0 && ofd != STDOUT_FILENO && close(ofd) != 0 && rc == 0) {
		fprintf(stderr, "sockwatch: cannot write %s: %s\n", oname, strerror(errno));
		rc = 1;
	}
	return rc;
}

/*
 * A closed fd 0, 1 or 2 gets /dev/null before anything else is opened, so that
 * no socket or file takes its number: the netlink socket on fd 1 would receive
 * the snapshot, on fd 2 the messages. Read-only, so that output to a closed
 * stdout still fails (fd_writable). 0, or -1 when /dev/null cannot be opened.
 */
static int std_fds_guard(void)
{
	int fd, nfd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		nfd = open("/dev/null", O_RDONLY | O_NOCTTY);
		if (nfd != fd) {
			if (nfd >= 0)
				close(nfd);
			return -1;
		}
	}
	return 0;
}

/*
 * The scan holds a few fds at a time, but a soft limit below that would make
 * processes unknown: take what the hard limit allows.
 */
static void nofile_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl); /* above fs.nr_open: keep the old one */
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct config c;
	struct exporter *ex = NULL;
	struct port_names names;
	int rc;

	if (std_fds_guard() != 0) {
		fprintf(stderr, "sockwatch: cannot open /dev/null: %s\n", strerror(errno));
		return 1;
	}
	nofile_raise();
	text_locale_init();
	config_parse(&c, argc, argv);
	if (c.listen != NULL) {
		char *cause = NULL;

		/* Before anything runs: a busy address is one line and the usage status. */
		if ((ex = exporter_new(c.listen, &cause)) == NULL) {
			fprintf(stderr, "sockwatch: %s\n", cause);
			free(cause);
			return 2;
		}
		fprintf(stderr, "sockwatch: serving metrics at http://%s/metrics\n",
			exporter_address(ex));
	}
	/*
	 * Port names for the tables and JSON, read once. Without the file (no
	 * netbase), or unreadable, ports are numbers: nothing to say about it.
	 * --check, CSV and Prometheus have no use for them.
	 */
	port_names_init(&names);
	if (!c.check && (!c.batch || c.format == OUT_TABLE || c.format == OUT_JSON))
		(void)port_names_load(&names, PORT_NAMES_PATH);
	port_names_use(&names, c.numeric);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (c.check) {
		rc = run_check(&c);
	} else if (c.batch) {
		rc = run_batch(&c, ex);
	} else {
		rc = ui_run(&c, ex);
	}
	exporter_free(ex);
	port_names_use(NULL, 1);
	port_names_fini(&names);
	free(c.filter.pids);
	sock_expr_free(c.expr);
	return rc;
}
