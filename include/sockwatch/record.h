/*
 * record.h: what a recording's records hold (the framing is recfile.h).
 *
 * A record of type REC_SNAPSHOT is one refresh's snapshot after the join and
 * the leak detector: what every view and writer reads, the verdicts as they
 * were then, so that a replay shows the same rows without re-judging. Without
 * REC_F_SOCKETS only the sockets the other rows name (listeners, the busiest
 * TIME_WAIT peer) are in it, with their owners; with it every socket, its
 * owner links, its relations and its tcp_info.
 *
 * The payload is a sequence of sections, each an 8-byte header (id u16,
 * element size u16, count u32) and count elements of that size. An element is
 * its struct's fields in the order of the codec's tables (snaprec.c), each a
 * little-endian integer (floats by their bits) of the width the table gives.
 * A reader skips sections it does not know and the bytes of an element past
 * the fields it knows, and zeroes the fields an element lacks: a field added
 * at the end of a table, or a new section, does not need a new version.
 * Every index and string offset is checked on reading: a crafted record is
 * refused, never followed out of bounds.
 */
#ifndef SOCKWATCH_RECORD_H
#define SOCKWATCH_RECORD_H

#include <stddef.h>

#include "sockwatch/model.h"
#include "sockwatch/util.h"

enum rec_type { REC_SNAPSHOT = 1 };

#define REC_F_SOCKETS 1 /* every socket is recorded (--record-sockets) */

/* What a record says besides the snapshot. */
struct record_info {
	unsigned flags;	 /* REC_F_* */
	double interval; /* seconds between refreshes (-d) when it was recorded */
};

/* Append the record of snapshot s to out. */
void record_encode(const struct snapshot *s, const struct record_info *info, struct strbuf *out);
/*
 * Fill s (reset first; its allocations are reused) and *info from a record's
 * payload. 0, or -1 with *cause (to free) naming what is wrong.
 */
int record_decode(struct snapshot *s, struct record_info *info, const void *data, size_t len,
		  char **cause);

/*
 * Join a record just read back (record_decode; with REC_F_SOCKETS: every
 * socket) again, under
 * filter expression e: what a live run under e would have shown, with the
 * recorded leak verdicts (the detector is not run again). The processes'
 * socket inodes are rebuilt from the owner links and the unlisted sockets.
 * 0, or -1 with *cause when the record does not hold what that needs (a
 * summary record, or a process with sockets the record lacks).
 */
struct sock_expr;
int record_rejoin(struct snapshot *s, const struct sock_expr *e, char **cause);

/*
 * The recorder (--record): each refresh's record appended to path, which is
 * at most max_size bytes (0: no cap). A record that would pass the cap starts
 * a new file: path becomes path.1, path.1 path.2, ..., and path.KEEP is
 * dropped (keep 0: the full file is dropped). So the recording takes at most
 * (keep + 1) * max_size bytes.
 */
struct recorder;
struct recorder *recorder_open(const char *path, uint64_t max_size, unsigned keep, char **cause);
/* Append the record of s: 0, or -1 with *cause (the recording is then unchanged). */
int recorder_write(struct recorder *r, const struct snapshot *s, const struct record_info *info,
		   char **cause);
void recorder_close(struct recorder *r);

/*
 * A replay (--replay): the records of path and of its rotated files (the
 * oldest first), indexed by time from their frame headers when it opens, so
 * that any record is one seek away.
 */
struct replay;
/* NULL with *cause when path is not a recording (or of a newer format). */
struct replay *replay_open(const char *path, char **cause);
void replay_close(struct replay *r);
size_t replay_count(const struct replay *r);
double replay_time(const struct replay *r, size_t i); /* seconds since the epoch */
/* The last record at or before time t (the first when t is before it). */
size_t replay_find(const struct replay *r, double t);
/*
 * The first damage the index met (a cut or damaged record: which file, which
 * offset; the records before it are indexed), or NULL.
 */
const char *replay_damage(const struct replay *r);
/* Record i into s: 0, or -1 with *cause naming the file and offset. */
int replay_load(struct replay *r, size_t i, struct snapshot *s, struct record_info *info,
		char **cause);
/*
 * A time as --from, --to and the replay's jump take it, into *t (seconds since
 * the epoch): "HH:MM[:SS]" on the local day of last (the day before when that
 * is after last), "YYYY-MM-DD[ T]HH:MM[:SS]" local, or with a "Z" UTC, "-30m",
 * "-2h", "-90s", "-1d" before last, "+10m" after first, "@SECONDS" since the
 * epoch. 0, or -1 when s is none of these.
 */
int replay_parse_time(const char *s, double first, double last, double *t);

#endif
