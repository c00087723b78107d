/* config.h: every setting of a run, from the config file and the command line. */
#ifndef SOCKWATCH_CONFIG_H
#define SOCKWATCH_CONFIG_H

#include "sockwatch/leak.h"
#include "sockwatch/model.h"
#include "sockwatch/out.h"
#include "sockwatch/view.h"

struct config {
	int batch;
	unsigned long iterations;
	int iterations_set;
	double delay;
	enum out_format format;
	enum view_id view;
	struct filter filter;
	int no_color;
	int leaks_only; /* --leaks */
	int check;	/* --check */
	unsigned rescan;
	struct leak_config leak;
	const char *proc_root;
	const char *output_file; /* --output-file: batch output appended there */
	int socket_ages;	 /* keep each socket's first-seen time (the AGE column) */
};

/* Defaults for everything. */
void config_defaults(struct config *c);

/*
 * The settings that are both options (--key value) and config-file keys
 * (key = value): delay, rescan, window, growth-min, growth-rate,
 * close-wait-min, close-wait-age, fd-warn, fd-crit.
 */
struct setting {
	const char *key;
	const char *arg;  /* "SECONDS", "N", "PERCENT", ... for --help */
	const char *help; /* one line for --help */
	int (*set)(struct config *c, const char *value);
};
extern const struct setting config_settings[];
extern const size_t config_nsettings;

/* Set key to value: 0, or -1 with *cause set (the caller frees it). */
int config_set(struct config *c, const char *key, const char *value, char **cause);
/*
 * Read "key = value" lines ('#' comments, blank lines). A missing file is an
 * error only when must_exist. 0, or -1 with *cause naming file and line.
 */
int config_load_file(struct config *c, const char *path, int must_exist, char **cause);
/* The config file used when --config is not given, or NULL. */
const char *config_default_path(char *buf, size_t size);

#endif
