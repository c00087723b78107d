/* hmap.c: open-addressing hash map, fixed-size keys, uint32_t values. */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/util.h"

/*
 * Eight bytes at a time through a multiply-xorshift mixer: the keys here are
 * 4 to 20 bytes (inodes, addresses with ports) and this runs several times
 * per socket per refresh.
 */
uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL), w;

	while (n >= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		b += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, b, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static void hmap_alloc(struct hmap *h, size_t cap)
{
	h->cap = cap;
	h->n = 0;
	h->keys = xmalloc(cap * h->keylen);
	h->vals = xmalloc(cap * sizeof *h->vals);
	h->used = xcalloc(cap, 1);
}

void hmap_init(struct hmap *h, size_t keylen, size_t hint)
{
	size_t cap = 16;

	while (cap < hint * 2)
		cap *= 2;
	h->keylen = keylen;
	hmap_alloc(h, cap);
}

void hmap_fini(struct hmap *h)
{
	free(h->keys);
	free(h->vals);
	free(h->used);
	memset(h, 0, sizeof *h);
}

void hmap_clear(struct hmap *h)
{
	memset(h->used, 0, h->cap);
	h->n = 0;
}

static size_t hmap_find(const struct hmap *h, const void *key, int *found)
{
	size_t mask = h->cap - 1;
	size_t i = hash_bytes(key, h->keylen) & mask;

	while (h->used[i]) {
		if (memcmp(h->keys + i * h->keylen, key, h->keylen) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
	*found = 0;
	return i;
}

static void hmap_rehash(struct hmap *h)
{
	struct hmap old = *h;
	size_t i;
	int found;

	hmap_alloc(h, old.cap * 2);
	for (i = 0; i < old.cap; i++) {
		if (!old.used[i])
			continue;
		size_t j = hmap_find(h, old.keys + i * old.keylen, &found);
		memcpy(h->keys + j * h->keylen, old.keys + i * old.keylen, h->keylen);
		h->vals[j] = old.vals[i];
		h->used[j] = 1;
		h->n++;
	}
	free(old.keys);
	free(old.vals);
	free(old.used);
}

uint32_t *hmap_put(struct hmap *h, const void *key, int *isnew)
{
	int found;
	size_t i;

	if ((h->n + 1) * 2 > h->cap)
		hmap_rehash(h);
	i = hmap_find(h, key, &found);
	if (!found) {
		memcpy(h->keys + i * h->keylen, key, h->keylen);
		h->vals[i] = 0;
		h->used[i] = 1;
		h->n++;
	}
	if (isnew != NULL)
		*isnew = !found;
	return &h->vals[i];
}

uint32_t *hmap_get(const struct hmap *h, const void *key)
{
	int found;
	size_t i = hmap_find(h, key, &found);

	return found ? &h->vals[i] : NULL;
}

static void u32map_alloc(struct u32map *m, size_t cap)
{
	m->cap = cap;
	m->n = 0;
	m->keys = xcalloc(cap, sizeof *m->keys);
	m->vals = xmalloc(cap * sizeof *m->vals);
}

void u32map_init(struct u32map *m, size_t hint)
{
	size_t cap = 16;

	while (cap < hint * 2)
		cap *= 2;
	u32map_alloc(m, cap);
}

void u32map_fini(struct u32map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

void u32map_clear(struct u32map *m)
{
	memset(m->keys, 0, m->cap * sizeof *m->keys);
	m->n = 0;
}

uint32_t *u32map_put(struct u32map *m, uint32_t key, int *isnew)
{
	size_t mask, i;

	if ((m->n + 1) * 2 > m->cap) {
		struct u32map old = *m;

		u32map_alloc(m, old.cap * 2);
		for (i = 0; i < old.cap; i++) {
			if (old.keys[i] != 0)
				*u32map_put(m, old.keys[i], NULL) = old.vals[i];
		}
		free(old.keys);
		free(old.vals);
	}
	mask = m->cap - 1;
	for (i = u32map_slot(m, key); m->keys[i] != 0; i = (i + 1) & mask) {
		if (m->keys[i] == key) {
			if (isnew != NULL)
				*isnew = 0;
			return &m->vals[i];
		}
	}
	m->keys[i] = key;
	m->vals[i] = 0;
	m->n++;
	if (isnew != NULL)
		*isnew = 1;
	return &m->vals[i];
}

uint32_t *u32map_get(const struct u32map *m, uint32_t key)
{
	size_t mask = m->cap - 1, i;

	for (i = u32map_slot(m, key); m->keys[i] != 0; i = (i + 1) & mask) {
		if (m->keys[i] == key)
			return &m->vals[i];
	}
	return NULL;
}
