/*
 * fuzz_record: a recording's snapshot records (src/record/snaprec.c) from
 * arbitrary bytes: what --replay reads from a file anyone may have written.
 *
 * Checked besides "no crash, no leak, no UB":
 *   refuse     a record refused says why in one line.
 *   bounds     a record taken is written in every view and format (the writers
 *              follow every index and string offset it holds).
 *   fixpoint   a record taken, written again, reads back and writes the same
 *              bytes again: nothing it held was taken half.
 *   rejoin     joined again (what a filter expression in a replay does), it is
 *              refused in one line or written in every view and format.
 * Seeds: the unit tests' fixture snapshot, with and without every socket.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "sockwatch/out.h"
#include "sockwatch/record.h"

static struct snapshot snap, again;
static int ready;

static void write_all_views(const struct snapshot *s)
{
	static const enum out_format fmts[] = { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_PROMETHEUS };
	struct strbuf sb;

	sb_init(&sb);
	for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
		for (int v = 0; v < VIEW_COUNT; v++) {
			struct out_opts o = { fmts[f], (enum view_id)v, NULL, 1.0, 1 };

			out_write(&sb, s, &o);
		}
	}
	sb_fini(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_info info, info2;
	struct strbuf rec, rec2;
	char *cause = NULL;

	if (!ready) {
		snapshot_init(&snap);
		snapshot_init(&again);
		ready = 1;
	}
	if (record_decode(&snap, &info, data, size, &cause) < 0) {
		CHECK(cause != NULL && strchr(cause, '\n') == NULL);
		free(cause);
		return 0;
	}
	write_all_views(&snap);
	sb_init(&rec);
	sb_init(&rec2);
	record_encode(&snap, &info, &rec);
	CHECK(record_decode(&again, &info2, rec.buf, rec.len, &cause) == 0);
	CHECK(info2.flags == info.flags);
	record_encode(&again, &info2, &rec2);
	CHECK(rec2.len == rec.len && memcmp(rec2.buf, rec.buf, rec.len) == 0);
	/* Joined again (as under a filter expression): refused in one line, or written. */
	if (record_rejoin(&again, NULL, &cause) < 0) {
		CHECK(cause != NULL && strchr(cause, '\n') == NULL);
		free(cause);
	} else {
		write_all_views(&again);
	}
	sb_fini(&rec);
	sb_fini(&rec2);
	return 0;
}
