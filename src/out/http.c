/*
 * http.c: --listen. libmicrohttpd (Debian's libmicrohttpd12) parses HTTP and
 * runs its own polling thread; this file binds the socket itself, so that a
 * busy address is said with its errno, and hands MHD the bound socket.
 *
 * The refresh loop renders each snapshot once (exporter_publish) into an
 * immutable, reference-counted page; a scrape takes a reference under a
 * mutex held only for that, and MHD drops it when the response is sent. A
 * slow client therefore never holds up a refresh, and a refresh never cuts a
 * response short.
 *
 * Prometheus asks for gzip (Accept-Encoding); the page is compressed once, when
 * published, with zlib at its fastest level (the text of a large host shrinks
 * about tenfold), and served as is to every scrape that accepts it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "sockwatch/export.h"
#include "sockwatch/out.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Pages smaller than this are not worth compressing. */
#define GZIP_MIN 1024

struct page {
	atomic_uint refs;
	size_t len;
	unsigned char *gz; /* text as gzip, gz_len bytes; NULL when not compressed */
	size_t gz_len;
	char text[];
};

struct exporter {
	struct MHD_Daemon *mhd;
	int fd;
	pthread_mutex_t lock;
	struct page *page; /* the last published, NULL before the first */
	struct strbuf out; /* scratch of exporter_publish */
	atomic_ulong scrapes;
	char addr[INET6_ADDRSTRLEN + 8];
};

static void page_unref(void *cls)
{
	struct page *p = cls;

	if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) {
		free(p->gz);
		free(p);
	}
}

/* p->text as one gzip member in p->gz; left NULL when zlib fails (then served plain). */
static void page_compress(struct page *p)
{
	z_stream z;
	uLong cap;

	if (p->len < GZIP_MIN)
		return;
	memset(&z, 0, sizeof z);
	/* 15 + 16: a 32 KiB window and a gzip header and trailer, not a zlib one. */
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	cap = deflateBound(&z, (uLong)p->len);
	p->gz = xmalloc(cap);
	z.next_in = (Bytef *)p->text;
	z.avail_in = (uInt)p->len;
	z.next_out = p->gz;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END) {
		p->gz_len = z.total_out;
	} else {
		free(p->gz);
		p->gz = NULL;
	}
	deflateEnd(&z);
}

/*
 * Whether an Accept-Encoding value takes gzip: a "gzip" (or "*") coding whose
 * q is not 0. Only what Prometheus and curl send needs to be right; anything
 * unclear gets the plain text, which every client takes.
 */
static int accepts_gzip(const char *v)
{
	const char *p = v;

	while (v != NULL && *p != '\0') {
		size_t n;
		const char *q;

		p += strspn(p, " \t,");
		n = strcspn(p, " \t,;");
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 1 && *p == '*')) {
			q = p + n;
			q += strspn(q, " \t");
			if (*q != ';')
				return 1;
			q += 1 + strspn(q + 1, " \t");
			if (strncasecmp(q, "q=", 2) != 0)
				return 1;
			return strtod(q + 2, NULL) > 0;
		}
		p += n;
		p += strcspn(p, ",");
	}
	return 0;
}

int export_parse_addr(const char *spec, char **host, unsigned *port, const char **cause)
{
	const char *colon, *h = spec, *hend;
	unsigned long v;

	*host = NULL;
	if (spec[0] == '[') {
		hend = strchr(spec, ']');
		if (hend == NULL || hend[1] != ':') {
			*cause = "an IPv6 address is written [ADDRESS]:PORT";
			return -1;
		}
		h = spec + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL) {
			*cause = "expected ADDRESS:PORT, e.g. 127.0.0.1:9850";
			return -1;
		}
		if (memchr(spec, ':', (size_t)(colon - spec)) != NULL) {
			*cause = "an IPv6 address is written [ADDRESS]:PORT";
			return -1;
		}
		hend = colon;
	}
	if (parse_uint(colon + 1, 65535, &v) != 0) {
		*cause = "the port must be a number from 0 to 65535";
		return -1;
	}
	*port = (unsigned)v;
	if (hend > h) {
		*host = xmalloc((size_t)(hend - h) + 1);
		memcpy(*host, h, (size_t)(hend - h));
		(*host)[hend - h] = '\0';
	} else if (spec[0] == '[') {
		*cause = "an empty IPv6 address";
		return -1;
	}
	return 0;
}

static char *cause_text(const char *spec, const char *why)
{
	struct strbuf sb;

	sb_init(&sb);
	sb_puts(&sb, "--listen ");
	esc_text(&sb, spec, strlen(spec));
	sb_printf(&sb, ": %s", why);
	return sb.buf;
}

/* A listening TCP socket on host:port (every address when host is NULL), or -1 with *cause. */
static int bind_listen(const char *spec, const char *host, unsigned port, char **cause)
{
	struct addrinfo hints, *res = NULL, *ai;
	char serv[8];
	int fd = -1, err = 0, rc, one = 1, zero = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/* Every address: IPv6's, which takes IPv4 too, before IPv4's alone. */
	hints.ai_family = host == NULL ? AF_INET6 : AF_UNSPEC;
	snprintf(serv, sizeof serv, "%u", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0 && host == NULL) {
		hints.ai_family = AF_INET;
		rc = getaddrinfo(host, serv, &hints, &res);
	}
	if (rc != 0) {
		*cause = cause_text(spec, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		/* A restart must not wait for the last run's TIME_WAIT connections. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6 && host == NULL)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		*cause = cause_text(spec, strerror(err));
	return fd;
}

static void format_bound(struct exporter *ex)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(ex->fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		port = ntohs(s4->sin_port);
		snprintf(ex->addr, sizeof ex->addr, "%s:%u", a, port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		port = ntohs(s6->sin6_port);
		snprintf(ex->addr, sizeof ex->addr, "[%s]:%u", a, port);
	}
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **req)
{
	struct exporter *ex = cls;
	struct MHD_Response *r;
	struct page *p;
	enum MHD_Result ret;
	int gz;

	(void)version;
	(void)data;
	/* The first call for a request comes with its headers only; answer on the second. */
	if (*req == NULL) {
		*req = ex;
		return MHD_YES;
	}
	if (*data_len > 0) { /* a body: not read, the method is refused anyway */
		*data_len = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
				  "Not found: sockwatch serves /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "Method not allowed: /metrics answers GET and HEAD\n");
	pthread_mutex_lock(&ex->lock);
	p = ex->page;
	if (p != NULL)
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&ex->lock);
	if (p == NULL)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "The first refresh has not completed yet\n");
	gz = p->gz != NULL && accepts_gzip(MHD_lookup_connection_value(
				      conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	r = MHD_create_response_from_buffer_with_free_callback_cls(
		gz ? p->gz_len : p->len, gz ? (void *)p->gz : (void *)p->text, page_unref, p);
	if (r == NULL) {
		page_unref(p);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	atomic_fetch_add(&ex->scrapes, 1);
	return ret;
}

/* MHD's own complaints (a client that sent garbage): not for the terminal or the journal. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

struct exporter *exporter_new(const char *spec, char **cause)
{
	struct exporter *ex;
	const char *why;
	char *host;
	unsigned port;
	sigset_t all, old;

	if (export_parse_addr(spec, &host, &port, &why) != 0) {
		*cause = cause_text(spec, why);
		return NULL;
	}
	ex = xcalloc(1, sizeof *ex);
	ex->fd = bind_listen(spec, host, port, cause);
	free(host);
	if (ex->fd < 0) {
		free(ex);
		return NULL;
	}
	format_bound(ex);
	pthread_mutex_init(&ex->lock, NULL);
	sb_init(&ex->out);
	/* MHD's threads take no signal: SIGINT, SIGTERM and SIGWINCH are the refresh loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ex->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				   on_request, ex, MHD_OPTION_LISTEN_SOCKET, ex->fd,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned)EXPORT_MAX_CONNECTIONS,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)EXPORT_CONN_TIMEOUT,
				   MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ex->mhd == NULL) {
		*cause = cause_text(spec, "the HTTP server (libmicrohttpd) did not start");
		exporter_free(ex);
		return NULL;
	}
	return ex;
}

const char *exporter_address(const struct exporter *ex)
{
	return ex->addr;
}

void exporter_publish(struct exporter *ex, const struct snapshot *s, const struct filter *f)
{
	struct out_opts o = { OUT_PROMETHEUS, VIEW_PROCESSES, f, 0, 0 };
	struct page *p, *old;

	sb_reset(&ex->out);
	out_write_prometheus(&ex->out, s, &o);
	p = xmalloc(sizeof *p + ex->out.len);
	atomic_init(&p->refs, 1);
	p->len = ex->out.len;
	p->gz = NULL;
	p->gz_len = 0;
	memcpy(p->text, ex->out.buf, ex->out.len);
	page_compress(p);
	pthread_mutex_lock(&ex->lock);
	old = ex->page;
	ex->page = p;
	pthread_mutex_unlock(&ex->lock);
	page_unref(old);
}

unsigned long exporter_scrapes(const struct exporter *ex)
{
	return atomic_load(&ex->scrapes);
}

void exporter_free(struct exporter *ex)
{
	if (ex == NULL)
		return;
	/* MHD closes the listening socket it was given; before it ran, it is ours. */
	if (ex->mhd != NULL)
		MHD_stop_daemon(ex->mhd); /* waits for its thread; pages in flight are freed */
	else if (ex->fd >= 0)
		close(ex->fd);
	page_unref(ex->page);
	pthread_mutex_destroy(&ex->lock);
	sb_fini(&ex->out);
	free(ex);
}
