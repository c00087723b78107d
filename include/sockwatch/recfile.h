/*
 * recfile.h: the framing of a recording (--record): a file header, then records
 * appended one write(2) each, so that a crash loses at most the last one and a
 * cut file is readable up to the cut. What a record holds is the recorder's
 * business; this layer frames, checks and finds them.
 *
 * All integers little-endian. The file header (16 bytes):
 *   magic "SWREC\r\n\032" (8), version u16, flags u16 (0), header crc32 u32
 *   (of the 12 bytes before it).
 * A record (a 24-byte frame header, then len payload bytes):
 *   len u32, crc32 u32 (of the 16 header bytes after it and the payload),
 *   type u8, codec u8 (0 raw, 1 zlib), reserved u16 (0), raw_len u32 (the
 *   payload's size once inflated), time f64 (seconds since the epoch, the
 *   refresh's wall-clock time).
 */
#ifndef SOCKWATCH_RECFILE_H
#define SOCKWATCH_RECFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REC_VERSION	1
#define REC_HEADER_SIZE 16
#define REC_FRAME_SIZE	24
#define REC_MAX_PAYLOAD (64u << 20) /* a larger len is damage, not a record */

enum rec_codec { REC_RAW, REC_ZLIB };

struct rec_writer;

/*
 * Open path for appending records: a new or empty file gets a header; an
 * existing recording is checked and its damaged tail (a record cut by a
 * crash) cut off, so that appending continues a readable file. NULL with
 * *cause (a string to free) on failure: not a recording, a newer version, I/O.
 */
struct rec_writer *rec_writer_open(const char *path, char **cause);
/*
 * Append one record (compressed with zlib when that makes it smaller); 0 or
 * -errno. With limit > 0, a record that would take the file past limit bytes
 * is not written: -EFBIG (the caller starts another file).
 */
int rec_append(struct rec_writer *w, uint8_t type, double time, const void *data, size_t len,
	       off_t limit);
off_t rec_writer_size(const struct rec_writer *w); /* bytes in the file so far */
void rec_writer_close(struct rec_writer *w);

struct rec_frame {
	uint8_t type;
	uint8_t codec;
	uint32_t len, raw_len;
	double time;
	off_t offset; /* of its frame header in the file */
};

struct rec_reader;

/* Open a recording to read; NULL with *cause when it is not one or of a newer version. */
struct rec_reader *rec_reader_open(const char *path, char **cause);
/*
 * The next record's frame and its payload, inflated (valid until the next
 * call): 1, 0 at the clean end of the file, -1 on damage, with *cause saying
 * what and at which byte offset (the records before it were all valid).
 */
int rec_next(struct rec_reader *r, struct rec_frame *f, const void **data, char **cause);
/*
 * The next record's frame, its payload skipped unread and unchecked (what an
 * index is built from): 1, 0 at the end, -1 when the header is damaged or
 * the payload runs past the end of the file (*cause as rec_next's).
 */
int rec_skip(struct rec_reader *r, struct rec_frame *f, char **cause);
/* Go to the record whose frame starts at offset (from a rec_frame): 0 or -errno. */
int rec_seek(struct rec_reader *r, off_t offset);
void rec_reader_close(struct rec_reader *r);

#endif
