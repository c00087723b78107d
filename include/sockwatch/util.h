/* util.h: allocation helpers, growable buffers, string pool, hash map, UTF-8, escaping. */
#ifndef SOCKWATCH_UTIL_H
#define SOCKWATCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: abort with a message on failure, never return NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A new string, formatted as by printf. */
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *v (element size esz) so that it holds at least need elements. */
void *xgrow(void *v, size_t *cap, size_t need, size_t esz);

/* A growable byte buffer, always NUL-terminated when buf != NULL. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
void sb_init(struct strbuf *sb);
void sb_fini(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_reserve(struct strbuf *sb, size_t extra);
void sb_putc(struct strbuf *sb, char c);
void sb_append(struct strbuf *sb, const void *p, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * An append-only string pool. Strings are referenced by offset; offset 0 is
 * the empty string and means "none". Stored strings may contain NUL bytes
 * (abstract UNIX names), so the length is stored in front of each string.
 */
struct strpool {
	char *buf;
	size_t len;
	size_t cap;
};
void strpool_init(struct strpool *p);
void strpool_fini(struct strpool *p);
void strpool_reset(struct strpool *p);
uint32_t strpool_add(struct strpool *p, const void *s, size_t len);
/* The string at off (NUL-terminated for convenience) and its length. */
const char *strpool_get(const struct strpool *p, uint32_t off, size_t *len);

/*
 * Open-addressing hash map with fixed-size keys and uint32_t values.
 * Sized from a hint; grows at 50% load.
 */
struct hmap {
	unsigned char *keys;
	uint32_t *vals;
	unsigned char *used;
	size_t keylen;
	size_t cap; /* power of two */
	size_t n;
};
void hmap_init(struct hmap *h, size_t keylen, size_t hint);
void hmap_fini(struct hmap *h);
void hmap_clear(struct hmap *h);
/* Slot of key's value, inserting it (value 0) if absent; *isnew says which. */
uint32_t *hmap_put(struct hmap *h, const void *key, int *isnew);
/* Slot of key's value, or NULL. */
uint32_t *hmap_get(const struct hmap *h, const void *key);

uint64_t hash_bytes(const void *p, size_t n);

/*
 * The same for uint32_t keys other than 0 (socket inodes): no hashing of
 * bytes, no memcmp; the hot map of the join.
 */
struct u32map {
	uint32_t *keys; /* 0: empty */
	uint32_t *vals;
	size_t cap; /* power of two */
	size_t n;
};
void u32map_init(struct u32map *m, size_t hint);
void u32map_fini(struct u32map *m);
void u32map_clear(struct u32map *m);
/* Slot of key's value (key != 0), inserting it (value 0) if absent. */
uint32_t *u32map_put(struct u32map *m, uint32_t key, int *isnew);
/* Slot of key's value, or NULL. */
uint32_t *u32map_get(const struct u32map *m, uint32_t key);
/* Where key's search starts (an index in keys and vals). */
static inline size_t u32map_slot(const struct u32map *m, uint32_t key)
{
	return (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ULL) >> 32) & (m->cap - 1);
}
/*
 * Key is looked up or put a little later: start fetching its slot. A map of
 * a million keys is far bigger than the cache, and a pass that looks up one
 * key after another otherwise waits on memory at each (u32map_put may grow
 * the map in between: the hint is then only wasted).
 */
static inline void u32map_prefetch(const struct u32map *m, uint32_t key)
{
	size_t i = u32map_slot(m, key);

	__builtin_prefetch(&m->keys[i]);
	__builtin_prefetch(&m->vals[i]);
}
/* How far ahead a pass over an array prefetches (elements). */
#define PREFETCH_AHEAD 16

/*
 * Decode one UTF-8 sequence at s (n > 0 bytes available): its length, with
 * *cp set, or 0 when the bytes are not valid UTF-8 (overlong forms,
 * surrogates and values above U+10FFFF are invalid).
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encode cp into out: 1 to 4 bytes, or 0 for a surrogate or a value above U+10FFFF. */
size_t utf8_encode(uint32_t cp, char out[4]);

/*
 * Display width follows LC_CTYPE (libc's wcwidth(), which curses uses too).
 * text_locale_init() selects LC_CTYPE once at start-up: the environment's when it is
 * UTF-8, else C.UTF-8; only LC_CTYPE, numbers keep the C locale. It returns
 * text_locale_utf8(), which says whether LC_CTYPE is UTF-8 now.
 */
int text_locale_init(void);
int text_locale_utf8(void);
/*
 * Columns of one code point: 0 (combining marks, zero-width characters), 1, 2 (East
 * Asian wide, emoji), or -1 when it is not printable (controls, surrogates, unassigned).
 * Without a UTF-8 LC_CTYPE every printable non-ASCII code point counts 1.
 */
int cp_width(uint32_t cp);
/*
 * Columns of UTF-8 text as written to a terminal: the sum of cp_width(), where an
 * unprintable code point or an invalid byte counts 1 (one replacement glyph).
 */
size_t text_width(const char *s, size_t len);

/*
 * Escaping of untrusted text (process names, command lines, socket paths).
 * All three accept arbitrary bytes, including NUL and invalid UTF-8.
 */
/* JSON string body (no quotes): valid UTF-8 out; invalid bytes as U+FFFD. */
void esc_json(struct strbuf *sb, const char *s, size_t len);
/* Terminal/table text: controls (C0, DEL, C1), bidi controls as \xNN / \u{..}; invalid UTF-8 as
 * \xNN. */
void esc_text(struct strbuf *sb, const char *s, size_t len);
/* One CSV cell, RFC 4180 quoting, formula guard, text escaped as in esc_text. */
void esc_csv(struct strbuf *sb, const char *s, size_t len);
/* The CSV quoting and formula guard of esc_csv alone, for text already escaped. */
void csv_quote(struct strbuf *sb, const char *s, size_t len);

/* CLOCK_MONOTONIC in seconds. */
double mono_now(void);

/* Parse helpers for the command line: 0 on success, -1 on error. */
int parse_uint(const char *s, unsigned long max, unsigned long *out);
/* A finite decimal >= 0, no upper bound (the caller has one). */
int parse_seconds(const char *s, double *out);

#endif
