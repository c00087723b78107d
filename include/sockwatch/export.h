/*
 * export.h: --listen, the HTTP endpoint Prometheus scrapes. libmicrohttpd
 * serves it on its own thread; the refresh loop publishes each complete
 * snapshot's exposition, and a scrape is answered from the last one published
 * without waiting for, or holding up, a refresh.
 */
#ifndef SOCKWATCH_EXPORT_H
#define SOCKWATCH_EXPORT_H

#include <stddef.h>

#include "sockwatch/model.h"

/* Most scrapes served at once; more wait in the listen queue. */
#define EXPORT_MAX_CONNECTIONS 64
/* A connection idle this long (seconds) is closed: a slow client cannot hold a slot. */
#define EXPORT_CONN_TIMEOUT 10

struct exporter;

/*
 * Parse "HOST:PORT", "[IPV6]:PORT" or ":PORT" (every address). 0 with host
 * (NULL for every address; the caller frees it) and port set, or -1 with
 * *cause (a static text).
 */
int export_parse_addr(const char *spec, char **host, unsigned *port, const char **cause);

/*
 * Bind spec and start serving /metrics (503 until the first publish). NULL
 * with *cause set (the caller frees it) when the address is bad or cannot be
 * bound: "Address already in use".
 */
struct exporter *exporter_new(const char *spec, char **cause);
/* The address bound, as "127.0.0.1:9850" or "[::1]:9850" (port 0 resolved). */
const char *exporter_address(const struct exporter *ex);
/* Write s as the exposition (out_write_prometheus, filtered by f) and serve it from now on. */
void exporter_publish(struct exporter *ex, const struct snapshot *s, const struct filter *f);
/* Scrapes answered with the metrics so far. */
unsigned long exporter_scrapes(const struct exporter *ex);
void exporter_free(struct exporter *ex);

#endif
