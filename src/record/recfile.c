/*
 * The framing of a recording: see include/sockwatch/recfile.h for the layout.
 * A record is written with one write(2) of its frame header and payload, so a
 * crash or a kill -9 leaves at most one cut record at the end; the reader
 * stops there and names the offset, and the writer cuts it off before it
 * appends again. zlib (already linked for the exporter's gzip) compresses the
 * payloads and gives the CRC-32 that catches damage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sockwatch/recfile.h"
#include "sockwatch/util.h"

static const unsigned char rec_magic[8] = { 'S', 'W', 'R', 'E', 'C', '\r', '\n', '\032' };

struct rec_writer {
	int fd;
	off_t size;
	unsigned char *buf; /* frame header and compressed payload */
	size_t cap;
};

struct rec_reader {
	int fd;
	off_t off; /* of the next frame */
	unsigned char *raw, *out;
	size_t rawcap, outcap;
};

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const unsigned char *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static void put_double(unsigned char *p, double d)
{
	uint64_t v;

	memcpy(&v, &d, sizeof v);
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static double get_double(const unsigned char *p)
{
	uint64_t v = get32(p) | (uint64_t)get32(p + 4) << 32;
	double d;

	memcpy(&d, &v, sizeof d);
	return d;
}

static uint32_t crc(const unsigned char *p, size_t n, uint32_t c)
{
	return (uint32_t)crc32(c, p, (uInt)n);
}

/* Read exactly n bytes at off: n, fewer at the end of the file, -1 on error. */
static ssize_t read_at(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Check the file header of fd: 0, or -1 with *cause. */
static int check_header(int fd, const char *path, char **cause)
{
	unsigned char h[REC_HEADER_SIZE];
	ssize_t n = read_at(fd, h, sizeof h, 0);
	unsigned version;

	if (n < 0) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (n < (ssize_t)sizeof h || memcmp(h, rec_magic, sizeof rec_magic) != 0) {
		*cause = xprintf("%s: not a sockwatch recording (no header at offset 0)", path);
		return -1;
	}
	if (get32(h + 12) != crc(h, 12, 0)) {
		*cause = xprintf("%s: damaged header at offset 0 (checksum)", path);
		return -1;
	}
	version = get16(h + 8);
	if (version > REC_VERSION) {
		*cause = xprintf("%s: recording format version %u, newer than this "
				 "sockwatch reads (%u)",
				 path, version, REC_VERSION);
		return -1;
	}
	return 0;
}

struct rec_reader *rec_reader_open(const char *path, char **cause)
{
	struct rec_reader *r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (check_header(fd, path, cause) < 0) {
		close(fd);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->off = REC_HEADER_SIZE;
	return r;
}

int rec_seek(struct rec_reader *r, off_t offset)
{
	if (offset < REC_HEADER_SIZE)
		return -EINVAL;
	r->off = offset;
	return 0;
}

/* Read and check the frame header at r->off into f (h: its bytes): 1, 0 at the end, -1. */
static int read_frame(struct rec_reader *r, struct rec_frame *f, unsigned char *h, char **cause)
{
	ssize_t n = read_at(r->fd, h, REC_FRAME_SIZE, r->off);

	*cause = NULL;
	if (n < 0) {
		*cause = xprintf("read error at offset %lld: %s", (long long)r->off,
				 strerror(errno));
		return -1;
	}
	if (n == 0)
		return 0;
	if (n < REC_FRAME_SIZE) {
		*cause = xprintf("cut record at offset %lld (%zd of %d header bytes)",
				 (long long)r->off, n, REC_FRAME_SIZE);
		return -1;
	}
	f->len = get32(h);
	f->type = h[8];
	f->codec = h[9];
	f->raw_len = get32(h + 12);
	f->time = get_double(h + 16);
	f->offset = r->off;
	if (f->len > REC_MAX_PAYLOAD || f->raw_len > REC_MAX_PAYLOAD || f->codec > REC_ZLIB ||
	    get16(h + 10) != 0) {
		*cause = xprintf("damaged record at offset %lld (impossible header)",
				 (long long)r->off);
		return -1;
	}
	return 1;
}

int rec_skip(struct rec_reader *r, struct rec_frame *f, char **cause)
{
	unsigned char h[REC_FRAME_SIZE];
	struct stat st;
	int rc = read_frame(r, f, h, cause);

	if (rc <= 0)
		return rc;
	if (fstat(r->fd, &st) < 0) {
		*cause = xprintf("read error at offset %lld: %s", (long long)r->off,
				 strerror(errno));
		return -1;
	}
	if (st.st_size < r->off + REC_FRAME_SIZE + (off_t)f->len) {
		*cause = xprintf("cut record at offset %lld (%lld of %u payload bytes)",
				 (long long)r->off,
				 (long long)(st.st_size - r->off - REC_FRAME_SIZE), f->len);
		return -1;
	}
	r->off += REC_FRAME_SIZE + (off_t)f->len;
	return 1;
}

int rec_next(struct rec_reader *r, struct rec_frame *f, const void **data, char **cause)
{
	unsigned char h[REC_FRAME_SIZE];
	ssize_t n;
	uint32_t c;
	int rc = read_frame(r, f, h, cause);

	if (rc <= 0)
		return rc;
	r->raw = xgrow(r->raw, &r->rawcap, f->len + 1, 1);
	n = read_at(r->fd, r->raw, f->len, r->off + REC_FRAME_SIZE);
	if (n < 0 || (size_t)n < f->len) {
		*cause = xprintf("cut record at offset %lld (%zd of %u payload bytes)",
				 (long long)r->off, n < 0 ? 0 : n, f->len);
		return -1;
	}
	c = crc(h + 8, REC_FRAME_SIZE - 8, 0);
	c = crc(r->raw, f->len, c);
	if (c != get32(h + 4)) {
		*cause = xprintf("damaged record at offset %lld (checksum)", (long long)r->off);
		return -1;
	}
	if (f->codec == REC_ZLIB) {
		uLongf out = f->raw_len;

		r->out = xgrow(r->out, &r->outcap, (size_t)f->raw_len + 1, 1);
		if (uncompress(r->out, &out, r->raw, f->len) != Z_OK || out != f->raw_len) {
			*cause = xprintf("damaged record at offset %lld (does not inflate)",
					 (long long)r->off);
			return -1;
		}
		*data = r->out;
	} else {
		if (f->raw_len != f->len) {
			*cause = xprintf("damaged record at offset %lld (sizes differ)",
					 (long long)r->off);
			return -1;
		}
		*data = r->raw;
	}
	r->off += REC_FRAME_SIZE + (off_t)f->len;
	return 1;
}

void rec_reader_close(struct rec_reader *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	free(r->raw);
	free(r->out);
	free(r);
}

/* Write all of buf at the end of fd: 0 or -errno. */
static int write_all(int fd, const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The end of the last valid record of fd's recording (path for messages). */
static off_t valid_end(const char *path, char **cause)
{
	struct rec_reader *r = rec_reader_open(path, cause);
	struct rec_frame f;
	const void *d;
	char *why = NULL;
	off_t end;

	if (r == NULL)
		return -1;
	while (rec_next(r, &f, &d, &why) == 1)
		;
	free(why);
	end = r->off;
	rec_reader_close(r);
	return end;
}

struct rec_writer *rec_writer_open(const char *path, char **cause)
{
	struct rec_writer *w;
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0 || fstat(fd, &st) < 0) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	w = xcalloc(1, sizeof *w);
	w->fd = fd;
	if (st.st_size == 0) {
		unsigned char h[REC_HEADER_SIZE];
		int err;

		memcpy(h, rec_magic, sizeof rec_magic);
		put16(h + 8, REC_VERSION);
		put16(h + 10, 0);
		put32(h + 12, crc(h, 12, 0));
		if ((err = write_all(fd, h, sizeof h)) < 0) {
			*cause = xprintf("%s: %s", path, strerror(-err));
			rec_writer_close(w);
			return NULL;
		}
		w->size = REC_HEADER_SIZE;
		return w;
	}
	w->size = valid_end(path, cause);
	if (w->size < 0) {
		rec_writer_close(w);
		return NULL;
	}
	/* A record cut by a crash is cut off: what follows must be readable. */
	if (w->size < st.st_size && ftruncate(fd, w->size) < 0) {
		*cause = xprintf("%s: %s", path, strerror(errno));
		rec_writer_close(w);
		return NULL;
	}
	return w;
}

int rec_append(struct rec_writer *w, uint8_t type, double time, const void *data, size_t len,
	       off_t limit)
{
	uLongf clen = compressBound((uLong)len);
	size_t plen = len;
	uint8_t codec = REC_RAW;
	int err;

	if (len > REC_MAX_PAYLOAD)
		return -EMSGSIZE;
	w->buf = xgrow(w->buf, &w->cap, REC_FRAME_SIZE + (size_t)clen, 1);
	if (len > 64 && compress2(w->buf + REC_FRAME_SIZE, &clen, data, (uLong)len, 1) == Z_OK &&
	    clen < len) {
		codec = REC_ZLIB;
		plen = clen;
	} else {
		memcpy(w->buf + REC_FRAME_SIZE, data, len);
	}
	if (limit > 0 && w->size + (off_t)(REC_FRAME_SIZE + plen) > limit)
		return -EFBIG;
	put32(w->buf, (uint32_t)plen);
	w->buf[8] = type;
	w->buf[9] = codec;
	put16(w->buf + 10, 0);
	put32(w->buf + 12, (uint32_t)len);
	put_double(w->buf + 16, time);
	put32(w->buf + 4, crc(w->buf + 8, REC_FRAME_SIZE - 8 + plen, 0));
	if ((err = write_all(w->fd, w->buf, REC_FRAME_SIZE + plen)) < 0) {
		int cut;

		/*
		 * A part written (the disk filled up) must not stand before the next
		 * record; when even that fails, readers stop at the cut, and the next
		 * rec_writer_open cuts it off.
		 */
		cut = ftruncate(w->fd, w->size);
		(void)cut;
		return err;
	}
	w->size += (off_t)(REC_FRAME_SIZE + plen);
	return 0;
}

off_t rec_writer_size(const struct rec_writer *w)
{
	return w->size;
}

void rec_writer_close(struct rec_writer *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w->buf);
	free(w);
}
