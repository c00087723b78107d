/* config.c: the settings table shared by the command line and the config file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwatch/config.h"
#include "sockwatch/proc.h"

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->delay = 1.0;
	c->filter.uid = -1;
	c->proc_root = "/proc";
	c->rescan = PROC_FULL_EVERY_DEFAULT;
	leak_config_defaults(&c->leak);
}

static int set_seconds(double *out, const char *v, double min, double max)
{
	double d;

	if (parse_seconds(v, &d) != 0 || d < min || d > max)
		return -1;
	*out = d;
	return 0;
}

static int set_count(uint32_t *out, const char *v, unsigned long min, unsigned long max)
{
	unsigned long n;

	if (parse_uint(v, max, &n) != 0 || n < min)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* A percentage of the fd limit, stored as a fraction. */
static int set_percent(double *out, const char *v)
{
	double d;

	if (parse_seconds(v, &d) != 0 || d <= 0.0 || d > 100.0)
		return -1;
	*out = d / 100.0;
	return 0;
}

static int s_delay(struct config *c, const char *v)
{
	return set_seconds(&c->delay, v, 0.05, 86400.0);
}

static int s_rescan(struct config *c, const char *v)
{
	uint32_t n;

	if (set_count(&n, v, 1, 1000000) != 0)
		return -1;
	c->rescan = n;
	return 0;
}

static int s_window(struct config *c, const char *v)
{
	return set_seconds(&c->leak.window, v, 5.0, 86400.0);
}

static int s_growth_min(struct config *c, const char *v)
{
	return set_count(&c->leak.growth_min, v, 1, 10000000);
}

static int s_growth_rate(struct config *c, const char *v)
{
	return set_seconds(&c->leak.growth_rate_min, v, 0.0, 1e9);
}

static int s_cw_min(struct config *c, const char *v)
{
	return set_count(&c->leak.cw_min, v, 1, 10000000);
}

static int s_cw_age(struct config *c, const char *v)
{
	return set_seconds(&c->leak.cw_age, v, 0.0, 86400.0);
}

static int s_fd_warn(struct config *c, const char *v)
{
	return set_percent(&c->leak.fd_warn, v);
}

static int s_fd_crit(struct config *c, const char *v)
{
	return set_percent(&c->leak.fd_crit, v);
}

const struct setting config_settings[] = {
	{ "delay", "SECONDS", "refresh interval, decimals allowed (default 1.0)", s_delay },
	{ "rescan", "N", "re-read every fd table every N refreshes (30)", s_rescan },
	{ "window", "SECONDS", "leak detection window (60)", s_window },
	{ "growth-min", "N", "growth: least rise of the socket count's floor (20)",
	  s_growth_min },
	{ "growth-rate", "N", "growth: least rate, sockets per minute (10)", s_growth_rate },
	{ "close-wait-min", "N", "close_wait: lingering CLOSE_WAIT sockets to flag (10)",
	  s_cw_min },
	{ "close-wait-age", "SECONDS", "close_wait: age that counts as lingering (30)", s_cw_age },
	{ "fd-warn", "PERCENT", "fd_limit: warning above this share of the limit (80)",
	  s_fd_warn },
	{ "fd-crit", "PERCENT", "fd_limit: critical above this share (95)", s_fd_crit },
};
const size_t config_nsettings = sizeof config_settings / sizeof config_settings[0];

int config_set(struct config *c, const char *key, const char *value, char **cause)
{
	struct strbuf sb;
	size_t i;

	for (i = 0; i < config_nsettings; i++) {
		if (strcmp(config_settings[i].key, key) != 0)
			continue;
		if (config_settings[i].set(c, value) == 0)
			return 0;
		sb_init(&sb);
		sb_printf(&sb, "invalid %s '", key);
		esc_text(&sb, value, strlen(value));
		sb_printf(&sb, "' (%s)", config_settings[i].arg);
		*cause = sb.buf;
		return -1;
	}
	sb_init(&sb);
	sb_puts(&sb, "unknown setting '");
	esc_text(&sb, key, strlen(key));
	sb_putc(&sb, '\'');
	*cause = sb.buf;
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int config_load_file(struct config *c, const char *path, int must_exist, char **cause)
{
	struct strbuf sb;
	char line[1024], *why = NULL;
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		if (!must_exist && errno == ENOENT)
			return 0;
		sb_init(&sb);
		sb_printf(&sb, "%s: %s", path, strerror(errno));
		*cause = sb.buf;
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *key, *eq, *hash;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			why = xstrdup("line too long");
			break;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			why = xstrdup("expected key = value");
			break;
		}
		*eq = '\0';
		if (config_set(c, trim(key), trim(eq + 1), &why) != 0)
			break;
	}
	fclose(f);
	if (why == NULL)
		return 0;
	sb_init(&sb);
	sb_printf(&sb, "%s:%u: %s", path, lineno, why);
	free(why);
	*cause = sb.buf;
	return -1;
}

const char *config_default_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, size, "%s/sockwatch/config", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(buf, size, "%s/.config/sockwatch/config", home);
	else
		buf[0] = '\0';
	if (buf[0] != '\0' && access(buf, F_OK) == 0)
		return buf;
	if (access("/etc/sockwatch.conf", F_OK) == 0)
		return "/etc/sockwatch.conf";
	return NULL;
}
