/* hmap.c: open-addressing hash map, fixed-size keys, uint32_t values. */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/util.h"

/* FNV-1a folded through a 64-bit mixer: fast for the short keys used here. */
uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
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
