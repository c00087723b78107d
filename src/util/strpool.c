/* strpool.c: an append-only pool of length-prefixed strings. */
#include <stdlib.h>
#include <string.h>

#include "sockwatch/util.h"

void strpool_init(struct strpool *p)
{
	p->buf = NULL;
	p->len = 0;
	p->cap = 0;
	strpool_reset(p);
}

void strpool_fini(struct strpool *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = 0;
}

/* Offset 0 holds an empty string so that 0 can mean "none". */
void strpool_reset(struct strpool *p)
{
	static const uint32_t zero;

	p->len = 0;
	p->buf = xgrow(p->buf, &p->cap, sizeof zero + 1, 1);
	memcpy(p->buf, &zero, sizeof zero);
	p->buf[sizeof zero] = '\0';
	p->len = sizeof zero + 1;
}

uint32_t strpool_add(struct strpool *p, const void *s, size_t len)
{
	uint32_t off, l32;

	if (len > UINT32_MAX / 2)
		len = UINT32_MAX / 2;
	if (p->len + sizeof l32 + len + 1 > UINT32_MAX)
		return 0;
	p->buf = xgrow(p->buf, &p->cap, p->len + sizeof l32 + len + 1, 1);
	l32 = (uint32_t)len;
	memcpy(p->buf + p->len, &l32, sizeof l32);
	off = (uint32_t)(p->len + sizeof l32);
	memcpy(p->buf + off, s, len);
	p->buf[off + len] = '\0';
	p->len = off + len + 1;
	return off;
}

const char *strpool_get(const struct strpool *p, uint32_t off, size_t *len)
{
	uint32_t l32;

	if (off < sizeof l32 || off >= p->len) {
		if (len != NULL)
			*len = 0;
		return "";
	}
	memcpy(&l32, p->buf + off - sizeof l32, sizeof l32);
	if (len != NULL)
		*len = l32;
	return p->buf + off;
}
