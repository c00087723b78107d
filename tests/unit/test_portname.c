/*
 * Unit tests of port names (src/present/portname.c): the services(5) parser on a
 * hostile fixture file and on lines built here (megabytes long, NUL bytes), a
 * missing or odd file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "snapfix.h"
#include "sockwatch/present.h"

#define FIX_SERVICES SW_FIXTURES "/services/services"

/* The name of port for proto, "" when there is none (so that assert_string_equal says so). */
static const char *name_of(const struct port_names *t, unsigned proto, unsigned port)
{
	static char buf[128];
	size_t len;
	const char *n = port_names_get(t, proto, port, &len);

	if (n == NULL)
		return "";
	assert_true(len < sizeof buf);
	memcpy(buf, n, len);
	buf[len] = '\0';
	return buf;
}

static void test_fixture_file(void **state)
{
	struct port_names t;

	(void)state;
	port_names_init(&t);
	assert_int_equal(port_names_load(&t, FIX_SERVICES), 0);
	/* Per protocol; UDP-Lite is named as UDP; UNIX has no ports. */
	assert_string_equal(name_of(&t, SP_TCP, 22), "ssh");
	assert_string_equal(name_of(&t, SP_UDP, 22), "");
	assert_string_equal(name_of(&t, SP_UDP, 161), "snmp");
	assert_string_equal(name_of(&t, SP_TCP, 161), "");
	assert_string_equal(name_of(&t, SP_UDP, 53), "domain");
	assert_string_equal(name_of(&t, SP_UDPLITE, 53), "domain");
	assert_string_equal(name_of(&t, SP_UDPLITE, 9999), "");
	assert_string_equal(name_of(&t, SP_UNIX_STREAM, 80), "");
	/* The first line for a port wins; aliases are not names. */
	assert_string_equal(name_of(&t, SP_TCP, 80), "http");
	assert_string_equal(name_of(&t, SP_TCP, 88), "kerberos");
	assert_string_equal(name_of(&t, SP_TCP, 1), "tcpmux");
	assert_string_equal(name_of(&t, SP_UDP, 7), "echo");
	assert_string_equal(name_of(&t, SP_TCP, 443), "https");
	assert_string_equal(name_of(&t, SP_TCP, 65535), "max");
	/* Fields that are not "port/tcp" or "port/udp" name nothing. */
	assert_string_equal(name_of(&t, SP_TCP, 25), "");
	assert_string_equal(name_of(&t, SP_TCP, 0), "");
	assert_string_equal(name_of(&t, SP_TCP, 3), "");
	assert_string_equal(name_of(&t, SP_TCP, 9), "");
	assert_string_equal(name_of(&t, SP_TCP, 2), "");
	assert_string_equal(name_of(&t, SP_TCP, 4), "");
	assert_string_equal(name_of(&t, SP_TCP, 5), "");
	assert_string_equal(name_of(&t, SP_TCP, 6001), "");
	assert_string_equal(name_of(&t, SP_TCP, 8081), ""); /* '#' starts the comment */
	assert_string_equal(name_of(&t, SP_TCP, 65536), "");
	/* Whitespace: CR of a CRLF line, a leading blank. */
	assert_string_equal(name_of(&t, SP_TCP, 8080), "crlf");
	assert_string_equal(name_of(&t, SP_UDP, 8082), "indented");
	/* Names are kept as bytes; whoever prints them escapes them. */
	assert_string_equal(name_of(&t, SP_TCP, 7000), "esc\x1b[31mred");
	assert_string_equal(name_of(&t, SP_UDP, 7001), "nul-free\x07"
						       "bell");
	assert_string_equal(name_of(&t, SP_TCP, 7002), "caf\xc3\xa9");
	assert_string_equal(name_of(&t, SP_TCP, 7003), "bad\xff"
						       "utf8");
	/* 32 bytes are kept, 33 left out (the port stays a number). */
	assert_string_equal(name_of(&t, SP_TCP, 7004), "abcdefghijklmnopqrstuvwxyz012345");
	assert_string_equal(name_of(&t, SP_TCP, 7005), "");
	/* A line of 12 KB of aliases and comment; a 9 KB name; a last line without '\n'. */
	assert_string_equal(name_of(&t, SP_TCP, 7006), "longline");
	assert_string_equal(name_of(&t, SP_TCP, 7007), "");
	assert_string_equal(name_of(&t, SP_UDP, 7008), "lastline");
	/* Every named port of the file, each once. */
	assert_int_equal(t.map.n, 22);
	port_names_fini(&t);
}

/* Lines no fixture should hold: megabytes without a newline, NUL bytes. */
static void test_huge_and_nul(void **state)
{
	static const char nul[] = "nul\0byte\t7100/tcp\n\0\0\0\nafter\t7101/tcp";
	struct port_names t;
	struct strbuf sb;
	size_t big = 4u << 20;
	char *buf = xmalloc(big + 64);
	int n;

	(void)state;
	port_names_init(&t);
	/* A 4 MiB name, then a line that must still be read. */
	memset(buf, 'a', big);
	n = snprintf(buf + big, 64, "\t7200/tcp\nnext\t7201/tcp\n");
	assert_int_equal(port_names_parse(&t, buf, big + (size_t)n), 1);
	assert_string_equal(name_of(&t, SP_TCP, 7200), "");
	assert_string_equal(name_of(&t, SP_TCP, 7201), "next");
	/* A 4 MiB run of aliases after a good entry. */
	n = snprintf(buf, 64, "long\t7202/tcp ");
	memset(buf + n, 'b', big - (size_t)n);
	assert_int_equal(port_names_parse(&t, buf, big), 1);
	assert_string_equal(name_of(&t, SP_TCP, 7202), "long");
	/* Nothing but whitespace, megabytes of it. */
	memset(buf, ' ', big);
	assert_int_equal(port_names_parse(&t, buf, big), 0);
	free(buf);

	assert_int_equal(port_names_parse(&t, nul, sizeof nul - 1), 2);
	sb_init(&sb);
	port_names_use(&t, 0);
	fmt_port(&sb, SP_TCP, 7100);
	assert_string_equal(sb.buf, "nul\\x00byte");
	port_names_use(NULL, 1);
	sb_fini(&sb);
	assert_string_equal(name_of(&t, SP_TCP, 7101), "after");
	assert_int_equal(port_names_parse(&t, "", 0), 0);
	port_names_fini(&t);
}

/* No file, a directory, an empty file: numbers only, and no crash. */
static void test_missing_file(void **state)
{
	struct port_names t;
	struct strbuf sb;

	(void)state;
	port_names_init(&t);
	assert_int_equal(port_names_load(&t, SW_FIXTURES "/services/no-such-file"), -ENOENT);
	assert_int_equal(port_names_load(&t, SW_FIXTURES "/services"), -EINVAL);
	assert_int_equal(port_names_load(&t, "/dev/null"), -EINVAL);
	assert_int_equal(t.map.n, 0);
	assert_null(port_names_get(&t, SP_TCP, 80, NULL));
	assert_null(port_names_get(NULL, SP_TCP, 80, NULL));
	port_names_use(&t, 0);
	assert_false(port_names_available());
	assert_true(port_names_numeric() == 0);
	sb_init(&sb);
	fmt_port(&sb, SP_TCP, 80);
	assert_string_equal(sb.buf, "80");
	sb_fini(&sb);
	port_names_use(NULL, 0);
	assert_true(port_names_numeric());
	port_names_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_file),
		cmocka_unit_test(test_huge_and_nul),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
