/* Unit tests of util: escaping, string pool, hash map, number parsing. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sockwatch/util.h"

static char *run_esc(void (*f)(struct strbuf *, const char *, size_t), const char *s, size_t n)
{
	static char out[1024];
	struct strbuf sb;

	sb_init(&sb);
	f(&sb, s, n);
	snprintf(out, sizeof out, "%s", sb.buf != NULL ? sb.buf : "");
	sb_fini(&sb);
	return out;
}

#define ESC(f, lit) run_esc(f, lit, sizeof(lit) - 1)

/* No byte below 0x20, no DEL, no C1 and no raw ESC may survive esc_text. */
static void test_esc_text_controls(void **state)
{
	const char *out;
	size_t i;

	(void)state;
	assert_string_equal(ESC(esc_text, "nginx"), "nginx");
	assert_string_equal(ESC(esc_text, "a\nb"), "a\\nb");
	assert_string_equal(ESC(esc_text, "\x1b]2;T\x07"), "\\x1b]2;T\\x07");
	assert_string_equal(ESC(esc_text, "a\\b"), "a\\\\b");
	assert_string_equal(ESC(esc_text, "x\0y"), "x\\x00y");
	assert_string_equal(ESC(esc_text, "\x7f"), "\\x7f");
	/* C1 CSI as UTF-8 (U+009B) and as a raw byte. */
	assert_string_equal(ESC(esc_text, "\xc2\x9b"), "\\u{009b}");
	assert_string_equal(ESC(esc_text, "\x9b"), "\\x9b");
	/* Bidi override U+202E. */
	assert_string_equal(ESC(esc_text, "a\xe2\x80\xae"), "a\\u{202e}");
	/* Valid UTF-8 passes, invalid and overlong do not. */
	assert_string_equal(ESC(esc_text, "caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(ESC(esc_text, "\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(ESC(esc_text, "\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(ESC(esc_text, "\xe2\x82"), "\\xe2\\x82");
	for (i = 0; i < 256; i++) {
		char c = (char)i;

		out = run_esc(esc_text, &c, 1);
		for (const char *p = out; *p; p++)
			assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	}
}

static void test_esc_json(void **state)
{
	(void)state;
	assert_string_equal(ESC(esc_json, "a\"b\\c"), "a\\\"b\\\\c");
	assert_string_equal(ESC(esc_json, "\x1b[0m\n"), "\\u001b[0m\\n");
	assert_string_equal(ESC(esc_json, "\xff"), "\\ufffd");
	assert_string_equal(ESC(esc_json, "x\0"), "x\\u0000");
	assert_string_equal(ESC(esc_json, "\xe2\x80\xae"), "\\u202e");
	assert_string_equal(ESC(esc_json, "\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

static void test_esc_csv(void **state)
{
	(void)state;
	assert_string_equal(ESC(esc_csv, "plain"), "plain");
	assert_string_equal(ESC(esc_csv, "a,b"), "\"a,b\"");
	assert_string_equal(ESC(esc_csv, "say \"hi\""), "\"say \"\"hi\"\"\"");
	assert_string_equal(ESC(esc_csv, "=cmd()"), "'=cmd()");
	assert_string_equal(ESC(esc_csv, "@SUM(A1)"), "'@SUM(A1)");
	assert_string_equal(ESC(esc_csv, "+1+1"), "'+1+1");
	assert_string_equal(ESC(esc_csv, "-"), "-");
	assert_string_equal(ESC(esc_csv, "-12"), "-12");
	assert_string_equal(ESC(esc_csv, "=a,b"), "\"'=a,b\"");
	assert_string_equal(ESC(esc_csv, "a\nb"), "a\\nb");
}

/* Every scalar value encodes to what utf8_decode reads back; surrogates and beyond do not. */
static void test_utf8_encode(void **state)
{
	static const struct {
		uint32_t cp;
		const char *u;
	} known[] = {
		{ 0x24, "\x24" },
		{ 0x7f, "\x7f" },
		{ 0x80, "\xc2\x80" },
		{ 0x7ff, "\xdf\xbf" },
		{ 0x800, "\xe0\xa0\x80" },
		{ 0x4e2d, "\xe4\xb8\xad" },
		{ 0xffff, "\xef\xbf\xbf" },
		{ 0x10000, "\xf0\x90\x80\x80" },
		{ 0x1f600, "\xf0\x9f\x98\x80" },
		{ 0x10ffff, "\xf4\x8f\xbf\xbf" },
	};
	char u[4];
	uint32_t cp, back;
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(known); i++) {
		n = utf8_encode(known[i].cp, u);
		assert_int_equal(n, strlen(known[i].u));
		assert_memory_equal(u, known[i].u, n);
	}
	for (cp = 0; cp <= 0x10ffff; cp++) {
		n = utf8_encode(cp, u);
		if (cp >= 0xd800 && cp <= 0xdfff) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
		back = 0xffffffff;
		assert_int_equal(utf8_decode((const unsigned char *)u, n, &back), n);
		assert_int_equal(back, cp);
	}
	assert_int_equal(utf8_encode(0x110000, u), 0);
	assert_int_equal(utf8_encode(0xffffffff, u), 0);
}

/* LC_CTYPE is UTF-8 even when the environment names none; numbers keep the C locale. */
static void test_text_locale(void **state)
{
	char *saved = getenv("LC_ALL") != NULL ? xstrdup(getenv("LC_ALL")) : NULL;
	char num[16];

	(void)state;
	setenv("LC_ALL", "C", 1);
	assert_int_equal(text_locale_init(), 1);
	assert_true(text_locale_utf8());
	assert_string_equal(setlocale(LC_CTYPE, NULL), "C.UTF-8");
	setenv("LC_ALL", "de_DE.UTF-8", 1);
	assert_int_equal(text_locale_init(), 1);
	assert_string_equal(setlocale(LC_NUMERIC, NULL), "C");
	snprintf(num, sizeof num, "%.1f", 0.5);
	assert_string_equal(num, "0.5");
	setlocale(LC_CTYPE, "C");
	assert_false(text_locale_utf8());
	if (saved != NULL)
		setenv("LC_ALL", saved, 1);
	else
		unsetenv("LC_ALL");
	free(saved);
	assert_int_equal(text_locale_init(), 1);
}

/* Widths as libc's wcwidth() gives them in a UTF-8 locale, and without one. */
static void test_cp_width(void **state)
{
	(void)state;
	assert_true(text_locale_utf8());
	assert_int_equal(cp_width('a'), 1);
	assert_int_equal(cp_width(' '), 1);
	assert_int_equal(cp_width('~'), 1);
	assert_int_equal(cp_width(0xe9), 1);	/* é */
	assert_int_equal(cp_width(0x2265), 1);	/* ≥ */
	assert_int_equal(cp_width(0x4e2d), 2);	/* 中 */
	assert_int_equal(cp_width(0xac00), 2);	/* 가 */
	assert_int_equal(cp_width(0xff21), 2);	/* fullwidth A */
	assert_int_equal(cp_width(0x1f600), 2); /* 😀 */
	assert_int_equal(cp_width(0x20000), 2); /* CJK extension B */
	assert_int_equal(cp_width(0x301), 0);	/* combining acute */
	assert_int_equal(cp_width(0x200d), 0);	/* zero width joiner */
	assert_int_equal(cp_width(0xfe0f), 0);	/* variation selector 16 */
	assert_int_equal(cp_width(0), -1);
	assert_int_equal(cp_width('\n'), -1);
	assert_int_equal(cp_width(0x7f), -1);
	assert_int_equal(cp_width(0x9b), -1);	/* C1 CSI */
	assert_int_equal(cp_width(0xd800), -1); /* surrogate */
	assert_int_equal(cp_width(0xffff), -1); /* noncharacter */
	assert_int_equal(cp_width(0x110000), -1);
	/* No UTF-8 LC_CTYPE: wcwidth() knows only ASCII; the TUI draws ASCII, 1 per code point. */
	setlocale(LC_CTYPE, "C");
	assert_int_equal(cp_width('a'), 1);
	assert_int_equal(cp_width(0x4e2d), 1);
	assert_int_equal(cp_width(0x1f600), 1);
	assert_int_equal(cp_width(0x301), 1);
	assert_int_equal(cp_width(0x9b), -1);
	assert_int_equal(cp_width(0xd800), -1);
	assert_int_equal(cp_width('\x1b'), -1);
	assert_int_equal(text_locale_init(), 1);
	assert_int_equal(cp_width(0x4e2d), 2);
}

/* Columns of text as the batch table writes it to a terminal. */
static void test_text_width(void **state)
{
	(void)state;
	assert_int_equal(text_width("", 0), 0);
	assert_int_equal(text_width("nginx", 5), 5);
	assert_int_equal(text_width("\xe4\xb8\xad\xe6\x96\x87", 6), 4); /* 中文 */
	assert_int_equal(text_width("a\xf0\x9f\x98\x80"
				    "b",
				    6),
			 4);				   /* a😀b */
	assert_int_equal(text_width("e\xcc\x81", 3), 1);   /* e + U+0301 */
	assert_int_equal(text_width("caf\xc3\xa9", 5), 4); /* café */
	/* An invalid byte and a code point libc does not know (U+FFFF) show as one glyph. */
	assert_int_equal(text_width("\xff"
				    "a",
				    2),
			 2);
	assert_int_equal(text_width("\xef\xbf\xbf", 3), 1);
	/* Escaped by esc_text first, a control is its escape: \x1b is 4 columns. */
	assert_int_equal(text_width(ESC(esc_text, "\x1b"), 4), 4);
}

static void test_strpool(void **state)
{
	struct strpool p;
	uint32_t a, b;
	size_t len;
	const char *s;

	(void)state;
	strpool_init(&p);
	s = strpool_get(&p, 0, &len);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	a = strpool_add(&p, "hello", 5);
	b = strpool_add(&p, "\0abs\0x", 7);
	assert_true(a != 0 && b != 0);
	for (int i = 0; i < 1000; i++)
		strpool_add(&p, "filler", 6);
	s = strpool_get(&p, a, &len);
	assert_int_equal(len, 5);
	assert_string_equal(s, "hello");
	s = strpool_get(&p, b, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(s, "\0abs\0x", 7);
	s = strpool_get(&p, 0xfffffff0u, &len);
	assert_int_equal(len, 0);
	strpool_fini(&p);
}

static void test_hmap(void **state)
{
	struct hmap h;
	uint32_t k, *v;
	int isnew;

	(void)state;
	hmap_init(&h, sizeof k, 1);
	for (k = 0; k < 100000; k++) {
		v = hmap_put(&h, &k, &isnew);
		assert_true(isnew);
		*v = k * 3;
	}
	assert_int_equal(h.n, 100000);
	for (k = 0; k < 100000; k++) {
		v = hmap_get(&h, &k);
		assert_non_null(v);
		assert_int_equal(*v, k * 3);
	}
	k = 100000;
	assert_null(hmap_get(&h, &k));
	k = 5;
	hmap_put(&h, &k, &isnew);
	assert_false(isnew);
	hmap_clear(&h);
	assert_null(hmap_get(&h, &k));
	hmap_fini(&h);
}

static void test_u32map(void **state)
{
	struct u32map m;
	uint32_t k, *v;
	int isnew;

	(void)state;
	u32map_init(&m, 1);
	for (k = 1; k <= 100000; k++) {
		v = u32map_put(&m, k * 7919u, &isnew);
		assert_true(isnew);
		*v = k;
	}
	assert_int_equal(m.n, 100000);
	for (k = 1; k <= 100000; k++) {
		v = u32map_get(&m, k * 7919u);
		assert_non_null(v);
		assert_int_equal(*v, k);
	}
	assert_null(u32map_get(&m, 3));
	u32map_put(&m, 7919u, &isnew);
	assert_false(isnew);
	u32map_clear(&m);
	assert_null(u32map_get(&m, 7919u));
	assert_int_equal(m.n, 0);
	u32map_fini(&m);
}

static void test_parse_numbers(void **state)
{
	unsigned long v;
	double d;

	(void)state;
	assert_int_equal(parse_uint("12", 100, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(parse_uint("abc", 100, &v), -1);
	assert_int_equal(parse_uint("-1", 100, &v), -1);
	assert_int_equal(parse_uint("101", 100, &v), -1);
	assert_int_equal(parse_uint("", 100, &v), -1);
	assert_int_equal(parse_uint("1x", 100, &v), -1);
	/* Decimal digits and nothing else, for every option that takes a whole number. */
	assert_int_equal(parse_uint("0x10", 100, &v), -1);
	assert_int_equal(parse_uint("+1", 100, &v), -1);
	assert_int_equal(parse_uint(" 1", 100, &v), -1);
	assert_int_equal(parse_uint("1 ", 100, &v), -1);
	assert_int_equal(parse_uint("99999999999999999999999", ULONG_MAX, &v), -1);
	assert_int_equal(parse_uint("010", 100, &v), 0); /* not octal */
	assert_int_equal(v, 10);
	assert_int_equal(parse_seconds("0.5", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(parse_seconds("-1", &d), -1);
	assert_int_equal(parse_seconds("nan", &d), -1);
	assert_int_equal(parse_seconds("inf", &d), -1);
	assert_int_equal(parse_seconds("1e999", &d), -1);
	assert_int_equal(parse_seconds("2s", &d), -1);
	assert_int_equal(parse_seconds("", &d), -1);
	/* No cap of its own: settings such as growth-rate go far above a day. */
	assert_int_equal(parse_seconds("100000", &d), 0);
	assert_true(d == 100000.0);
	assert_int_equal(parse_seconds("1e9", &d), 0);
	assert_true(d == 1e9);
	assert_int_equal(parse_seconds("0x50", &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esc_text_controls),
		cmocka_unit_test(test_esc_json),
		cmocka_unit_test(test_esc_csv),
		cmocka_unit_test(test_utf8_encode),
		cmocka_unit_test(test_text_locale),
		cmocka_unit_test(test_cp_width),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_strpool),
		cmocka_unit_test(test_hmap),
		cmocka_unit_test(test_u32map),
		cmocka_unit_test(test_parse_numbers),
	};

	text_locale_init(); /* as main() does: widths are measured in a UTF-8 LC_CTYPE */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
