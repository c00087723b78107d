/*
 * leaker: socket workloads for the leak detector's integration test.
 *
 *   --leak R        every second, R more client connections that are never
 *                   closed: the process's socket count rises by exactly R per
 *                   second (the server ends live in a forked sink process);
 *   --burst N       every --period seconds, N connections to its own listener
 *                   (2N sockets), held --hold seconds, then all closed: a
 *                   healthy server whose count rises and falls with its load.
 *
 * It writes "PID PORT\n" to --ready-file (atomically) once the listener is up,
 * runs until SIGTERM/SIGINT, closes everything with RST (no TIME_WAIT left on
 * the host) and exits 0. --exit-after (default 300 s) is a safety net: exit 3.
 * Exit 1 on a setup error, 2 on a usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct options {
	long leak;
	long burst;
	double period, hold, exit_after;
	const char *ready_file;
};

struct fdvec {
	int *v;
	size_t n, cap;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("leaker: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage_error(const char *what)
{
	fprintf(stderr,
		"leaker: %s\n"
		"usage: leaker (--leak R | --burst N [--period S] [--hold S]) --ready-file PATH\n"
		"              [--exit-after S]\n",
		what);
	exit(2);
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double parse_num(const char *opt, const char *s, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > max) {
		char msg[200];

		snprintf(msg, sizeof msg, "%s: expected a number between 0 and %g, got '%s'", opt,
			 max, s);
		usage_error(msg);
	}
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_LEAK = 256, OPT_BURST, OPT_PERIOD, OPT_HOLD, OPT_READY, OPT_EXIT };
	static const struct option longopts[] = {
		{ "leak", required_argument, NULL, OPT_LEAK },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ "hold", required_argument, NULL, OPT_HOLD },
		{ "ready-file", required_argument, NULL, OPT_READY },
		{ "exit-after", required_argument, NULL, OPT_EXIT },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .period = 3.0, .hold = 1.5, .exit_after = 300.0 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LEAK:
			o->leak = (long)parse_num("--leak", optarg, 10000);
			break;
		case OPT_BURST:
			o->burst = (long)parse_num("--burst", optarg, 100000);
			break;
		case OPT_PERIOD:
			o->period = parse_num("--period", optarg, 3600);
			break;
		case OPT_HOLD:
			o->hold = parse_num("--hold", optarg, 3600);
			break;
		case OPT_READY:
			o->ready_file = optarg;
			break;
		case OPT_EXIT:
			o->exit_after = parse_num("--exit-after", optarg, 1e9);
			break;
		default:
			usage_error("bad option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument");
	if ((o->leak > 0) == (o->burst > 0))
		usage_error("give one of --leak and --burst");
	if (o->burst > 0 && !(o->period > 0 && o->hold < o->period))
		usage_error("--hold must be shorter than --period");
}

static void fdvec_push(struct fdvec *f, int fd)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 1024;
		int *v = realloc(f->v, cap * sizeof *v);

		if (v == NULL)
			die("out of memory");
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = fd;
}

/* Close with RST (SO_LINGER 0): no TIME_WAIT left behind. */
static void close_abort(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(fd);
}

static void fdvec_close_all(struct fdvec *f)
{
	for (size_t i = 0; i < f->n; i++)
		close_abort(f->v[i]);
	f->n = 0;
}

static int open_listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("listener: %s", strerror(errno));
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((unsigned short)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* The sink: accept and hold every connection until the parent goes away. */
static void sink_main(int lfd)
{
	struct fdvec held = { 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_DFL);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			fdvec_push(&held, fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			pause(); /* out of fds: hold what we have */
	}
}

static void write_ready(const char *path, int port)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof tmp)
		die("--ready-file path too long");
	f = fopen(tmp, "we");
	if (f == NULL)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "%d %d\n", (int)getpid(), port);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		die("%s: %s", path, strerror(errno));
}

/* Sleep until t (monotonic) or a stop signal; 1 if stopped. */
static int sleep_until(double t, const sigset_t *mask)
{
	while (!got_signal) {
		double d = t - now_mono();
		struct timespec ts;

		if (d <= 0)
			return 0;
		ts.tv_sec = (time_t)d;
		ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
		if (ppoll(NULL, 0, &ts, mask) < 0 && errno != EINTR)
			die("ppoll: %s", strerror(errno));
	}
	return 1;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct fdvec fds = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, run_mask;
	pid_t sink = -1;
	int lfd, port, status = 0;
	double start, deadline, tick;

	parse_options(argc, argv, &o);
	raise_nofile();
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &run_mask);
	sigdelset(&run_mask, SIGTERM);
	sigdelset(&run_mask, SIGINT);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	start = now_mono();
	deadline = o.exit_after > 0 ? start + o.exit_after : 0;
	lfd = open_listener(&port);
	if (o.leak > 0) {
		/* The listener and the server ends belong to the sink, not to us. */
		sink = fork();
		if (sink < 0)
			die("fork: %s", strerror(errno));
		if (sink == 0) {
			sigprocmask(SIG_SETMASK, &run_mask, NULL);
			sink_main(lfd);
		}
		close(lfd);
		lfd = -1;
	}
	if (o.ready_file != NULL)
		write_ready(o.ready_file, port);

	tick = now_mono();
	while (!got_signal) {
		if (deadline > 0 && now_mono() >= deadline) {
			status = 3;
			break;
		}
		if (o.leak > 0) {
			/* R connections spread over the second: a steady rate. */
			for (long i = 0; i < o.leak && !got_signal; i++) {
				int fd = connect_to(port);

				if (fd < 0)
					die("leak connection: %s", strerror(-fd));
				fdvec_push(&fds, fd);
				sleep_until(tick + (double)(i + 1) / (double)o.leak, &run_mask);
			}
			tick += 1.0;
			continue;
		}
		for (long i = 0; i < o.burst; i++) {
			int c = connect_to(port), s;

			if (c < 0)
				die("burst connection: %s", strerror(-c));
			s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (s < 0)
				die("accept: %s", strerror(errno));
			fdvec_push(&fds, c);
			fdvec_push(&fds, s);
		}
		if (sleep_until(tick + o.hold, &run_mask))
			break;
		fdvec_close_all(&fds);
		tick += o.period;
		sleep_until(tick, &run_mask);
	}
	fdvec_close_all(&fds);
	if (sink > 0) {
		kill(sink, SIGKILL);
		waitpid(sink, NULL, 0);
	}
	if (lfd >= 0)
		close(lfd);
	free(fds.v);
	return status;
}
