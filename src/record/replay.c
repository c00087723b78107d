/* replay.c: --replay: a recording and its rotated files, indexed by time. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockwatch/recfile.h"
#include "sockwatch/record.h"

#define REPLAY_MAX_FILES 1000 /* path.1 ... path.999 at most: what --record-keep allows */

struct replay_entry {
	double time;
	off_t offset;
	uint32_t file;
};

struct replay {
	char **paths; /* the oldest first: path.N, ..., path.1, path */
	struct rec_reader **readers;
	size_t nfiles, pathcap, readercap;
	struct replay_entry *v;
	size_t n, cap;
	char *damage;
};

static void replay_add(struct replay *r, const char *path, struct rec_reader *rd)
{
	r->paths = xgrow(r->paths, &r->pathcap, r->nfiles + 1, sizeof *r->paths);
	r->readers = xgrow(r->readers, &r->readercap, r->nfiles + 1, sizeof *r->readers);
	r->paths[r->nfiles] = xstrdup(path);
	r->readers[r->nfiles] = rd;
	r->nfiles++;
}

/* Index one file's records from their frame headers; the first damage is noted. */
static void index_file(struct replay *r, uint32_t file)
{
	struct rec_frame f;
	char *cause = NULL;
	int rc;

	while ((rc = rec_skip(r->readers[file], &f, &cause)) == 1) {
		if (f.type != REC_SNAPSHOT)
			continue;
		if (r->n == r->cap)
			r->v = xgrow(r->v, &r->cap, r->n + 1, sizeof *r->v);
		r->v[r->n++] = (struct replay_entry){ f.time, f.offset, file };
	}
	if (rc < 0 && r->damage == NULL)
		r->damage = xprintf("%s: %s", r->paths[file], cause);
	free(cause);
}

struct replay *replay_open(const char *path, char **cause)
{
	struct replay *r = xcalloc(1, sizeof *r);
	struct rec_reader *rd;
	unsigned k, last = 0;
	size_t i;

	/* The rotated files that exist, path.1 up: the highest is the oldest. */
	for (k = 1; k < REPLAY_MAX_FILES; k++) {
		char *p = xprintf("%s.%u", path, k);
		int there = access(p, F_OK) == 0;

		free(p);
		if (!there)
			break;
		last = k;
	}
	for (k = last; k > 0; k--) {
		char *p = xprintf("%s.%u", path, k);

		if ((rd = rec_reader_open(p, cause)) == NULL) {
			free(p);
			replay_close(r);
			return NULL;
		}
		replay_add(r, p, rd);
		free(p);
	}
	/* Rotated files without the current one (caught between two names): those. */
	if (r->nfiles == 0 || access(path, F_OK) == 0) {
		if ((rd = rec_reader_open(path, cause)) == NULL) {
			replay_close(r);
			return NULL;
		}
		replay_add(r, path, rd);
	}
	for (i = 0; i < r->nfiles; i++)
		index_file(r, (uint32_t)i);
	return r;
}

void replay_close(struct replay *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nfiles; i++) {
		rec_reader_close(r->readers[i]);
		free(r->paths[i]);
	}
	free(r->paths);
	free(r->readers);
	free(r->v);
	free(r->damage);
	free(r);
}

size_t replay_count(const struct replay *r)
{
	return r->n;
}

double replay_time(const struct replay *r, size_t i)
{
	return r->v[i].time;
}

size_t replay_find(const struct replay *r, double t)
{
	size_t lo = 0, hi = r->n;

	/* The first record after t, then the one before it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].time <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? lo - 1 : 0;
}

const char *replay_damage(const struct replay *r)
{
	return r->damage;
}

int replay_load(struct replay *r, size_t i, struct snapshot *s, struct record_info *info,
		char **cause)
{
	const struct replay_entry *e = &r->v[i];
	struct rec_reader *rd = r->readers[e->file];
	struct rec_frame f;
	const void *data;
	char *why = NULL;

	if (rec_seek(rd, e->offset) < 0 || rec_next(rd, &f, &data, &why) != 1) {
		*cause = xprintf("%s: %s", r->paths[e->file],
				 why != NULL ? why : "the file changed under the replay");
		free(why);
		return -1;
	}
	if (record_decode(s, info, data, f.raw_len, &why) < 0) {
		*cause = xprintf("%s: damaged record at offset %lld (%s)", r->paths[e->file],
				 (long long)e->offset, why);
		free(why);
		return -1;
	}
	return 0;
}

/* "NNu" with u one of s, m, h, d: seconds into *out. */
static int parse_span(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0 || !isdigit((unsigned char)*s))
		return -1;
	switch (*end) {
	case 's':
		break;
	case 'm':
		v *= 60;
		break;
	case 'h':
		v *= 3600;
		break;
	case 'd':
		v *= 86400;
		break;
	default:
		return -1;
	}
	if (end[1] != '\0')
		return -1;
	*out = v;
	return 0;
}

/* "HH:MM[:SS]" at the start of s into h, m, sec; the rest in *rest. */
static int parse_clock(const char *s, int *h, int *m, int *sec, const char **rest)
{
	int n = 0;

	*sec = 0;
	if (sscanf(s, "%2d:%2d%n", h, m, &n) != 2 || n != 5)
		return -1;
	s += n;
	if (*s == ':') {
		int k = 0;

		if (sscanf(s + 1, "%2d%n", sec, &k) != 1 || k != 2)
			return -1;
		s += 3;
	}
	if (*h > 23 || *m > 59 || *sec > 60 || *h < 0 || *m < 0 || *sec < 0)
		return -1;
	*rest = s;
	return 0;
}

int replay_parse_time(const char *s, double first, double last, double *t)
{
	struct tm tm;
	const char *rest;
	int h, m, sec, y, mo, d, n = 0;
	double span;
	time_t tt;

	if (s[0] == '-' || s[0] == '+') {
		if (parse_span(s + 1, &span) < 0)
			return -1;
		*t = s[0] == '-' ? last - span : first + span;
		return 0;
	}
	if (s[0] == '@') {
		char *end;

		errno = 0;
		*t = strtod(s + 1, &end);
		return end == s + 1 || *end != '\0' || errno != 0 || !isfinite(*t) ? -1 : 0;
	}
	if (parse_clock(s, &h, &m, &sec, &rest) == 0) {
		if (*rest != '\0')
			return -1;
		tt = (time_t)last;
		localtime_r(&tt, &tm);
		tm.tm_hour = h;
		tm.tm_min = m;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;
		*t = (double)mktime(&tm);
		if (*t > last) {
			tm.tm_mday--;
			tm.tm_hour = h;
			tm.tm_isdst = -1;
			*t = (double)mktime(&tm);
		}
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 ||
	    (s[10] != 'T' && s[10] != ' ') || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (parse_clock(s + 11, &h, &m, &sec, &rest) < 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	if (strcmp(rest, "Z") == 0) {
		*t = (double)timegm(&tm);
		return 0;
	}
	if (*rest != '\0')
		return -1;
	tm.tm_isdst = -1;
	*t = (double)mktime(&tm);
	return 0;
}
