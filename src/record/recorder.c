/* recorder.c: --record: each refresh appended to a recording, under a size cap, rotated. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/recfile.h"
#include "sockwatch/record.h"

struct recorder {
	char *path;
	struct rec_writer *w;
	uint64_t max;
	unsigned keep;
	struct strbuf buf;
};

struct recorder *recorder_open(const char *path, uint64_t max_size, unsigned keep, char **cause)
{
	struct rec_writer *w = rec_writer_open(path, cause);
	struct recorder *r;

	if (w == NULL)
		return NULL;
	r = xcalloc(1, sizeof *r);
	r->path = xstrdup(path);
	r->w = w;
	r->max = max_size;
	r->keep = keep;
	sb_init(&r->buf);
	return r;
}

/* path.k, or path itself for k = 0. */
static char *rotated(const char *path, unsigned k)
{
	return k == 0 ? xstrdup(path) : xprintf("%s.%u", path, k);
}

/* Shift the files one place (path.KEEP dropped), then a new, empty path. */
static int rotate(struct recorder *r, char **cause)
{
	unsigned k;

	rec_writer_close(r->w);
	r->w = NULL;
	if (r->keep == 0) {
		if (unlink(r->path) != 0 && errno != ENOENT) {
			*cause = xprintf("%s: %s", r->path, strerror(errno));
			return -1;
		}
	}
	for (k = r->keep; k > 0; k--) {
		char *from = rotated(r->path, k - 1), *to = rotated(r->path, k);
		int rc = rename(from, to);

		if (rc != 0 && errno != ENOENT) {
			*cause = xprintf("cannot rename %s to %s: %s", from, to, strerror(errno));
			free(from);
			free(to);
			return -1;
		}
		free(from);
		free(to);
	}
	r->w = rec_writer_open(r->path, cause);
	return r->w == NULL ? -1 : 0;
}

int recorder_write(struct recorder *r, const struct snapshot *s, const struct record_info *info,
		   char **cause)
{
	double t = (double)s->time.tv_sec + (double)s->time.tv_nsec / 1e9;
	off_t limit = (off_t)r->max;
	int err;

	if (r->w == NULL && rotate(r, cause) < 0)
		return -1;
	sb_reset(&r->buf);
	record_encode(s, info, &r->buf);
	err = rec_append(r->w, REC_SNAPSHOT, t, r->buf.buf, r->buf.len, limit);
	/* Past the cap: a new file, unless this one holds nothing yet (a record larger than it). */
	if (err == -EFBIG && rec_writer_size(r->w) > REC_HEADER_SIZE) {
		if (rotate(r, cause) < 0)
			return -1;
		err = rec_append(r->w, REC_SNAPSHOT, t, r->buf.buf, r->buf.len, limit);
	}
	if (err == -EFBIG)
		err = rec_append(r->w, REC_SNAPSHOT, t, r->buf.buf, r->buf.len, 0);
	if (err < 0) {
		*cause = xprintf("%s: %s", r->path, strerror(-err));
		return -1;
	}
	return 0;
}

void recorder_close(struct recorder *r)
{
	if (r == NULL)
		return;
	rec_writer_close(r->w);
	sb_fini(&r->buf);
	free(r->path);
	free(r);
}
