/* --extra-opts as the Monitoring Plugins implement it: the options of one section of an
 * ini file (so secrets stay off command lines), read within bounds on file size, line
 * length and option count, and placed before the command line's own options. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define INI_FILE_MAX (64 * 1024)
#define INI_LINE_MAX 1024
#define INI_KEY_MAX 32
#define EXTRA_OPTS_MAX 64               /* options from all files together */
#define OPTION_NAME "--extra-opts"

/* Where the Monitoring Plugins look when --extra-opts names no file: MP_CONFIG_FILE, then
 * these names in each directory of NAGIOS_CONFIG_PATH, then these paths, in this order. */
static const char *const ini_names[] = {
	"monitoring-plugins.ini", "plugins.ini", "nagios-plugins.ini",
};
static const char *const ini_paths[] = {
	"/usr/local/etc/monitoring-plugins/monitoring-plugins.ini",
	"/usr/local/etc/monitoring-plugins.ini",
	"/etc/monitoring-plugins/monitoring-plugins.ini",
	"/etc/monitoring-plugins.ini",
	"/etc/nagios/plugins.ini",
	"/usr/local/nagios/etc/plugins.ini",
	"/usr/local/etc/nagios/plugins.ini",
	"/etc/opt/nagios/plugins.ini",
	"/etc/nagios-plugins.ini",
	"/usr/local/etc/nagios-plugins.ini",
	"/etc/opt/nagios-plugins.ini",
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* The options read so far, as arguments; kept for the whole run (getopt's optarg points
 * into them). */
struct expansion {
	char *args[2 * EXTRA_OPTS_MAX];
	size_t nargs;
	size_t noptions;
	const struct option *long_options;
	const char *short_options;
};

static int default_file(char *path, size_t path_len, char *why, size_t why_len)
{
	const char *env = getenv("MP_CONFIG_FILE");
	const char *dirs = getenv("NAGIOS_CONFIG_PATH");

	if (env != NULL && env[0] != '\0') {
		snprintf(path, path_len, "%s", env);
		return 0;
	}
	/* A colon-separated list of directories, like PATH. */
	while (dirs != NULL && *dirs != '\0') {
		size_t len = strcspn(dirs, ":");

		for (size_t n = 0; len > 0 && n < COUNT(ini_names); n++) {
			if ((size_t)snprintf(path, path_len, "%.*s/%s", (int)len, dirs, ini_names[n]) <
				    path_len &&
			    access(path, F_OK) == 0)
				return 0;
		}
		dirs += len + (dirs[len] == ':');
	}
	for (size_t n = 0; n < COUNT(ini_paths); n++) {
		if (access(ini_paths[n], F_OK) == 0) {
			snprintf(path, path_len, "%s", ini_paths[n]);
			return 0;
		}
	}
	snprintf(why, why_len, "%s names no file and none of the Monitoring Plugins' ini files "
		 "exists (MP_CONFIG_FILE, NAGIOS_CONFIG_PATH, %s, ...): give %s=[SECTION]@FILE",
		 OPTION_NAME, ini_paths[2], OPTION_NAME);
	return -1;
}

/* Reads all of PATH ("-" is standard input) into a NUL-terminated buffer. */
static char *read_ini(const char *path, char *why, size_t why_len)
{
	/* O_NONBLOCK: opening a FIFO would wait for a writer before the check below. */
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO
		 : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	char *text = NULL;
	size_t used = 0;
	struct stat st;

	if (fd < 0) {
		snprintf(why, why_len, "%s: cannot read %s: %s", OPTION_NAME, path, strerror(errno));
		return NULL;
	}
	/* A FIFO or a device could block or never end; only a file or standard input. */
	if (fd != STDIN_FILENO && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		snprintf(why, why_len, "%s: %s is not a regular file", OPTION_NAME, path);
		goto fail;
	}
	text = malloc(INI_FILE_MAX + 1);
	if (text == NULL) {
		snprintf(why, why_len, "%s: out of memory", OPTION_NAME);
		goto fail;
	}
	for (;;) {
		ssize_t got = read(fd, text + used, INI_FILE_MAX + 1 - used);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(why, why_len, "%s: cannot read %s: %s", OPTION_NAME, path,
				 strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		used += (size_t)got;
		if (used > INI_FILE_MAX) {
			snprintf(why, why_len, "%s: %s is larger than %d bytes: not an options file",
				 OPTION_NAME, path, INI_FILE_MAX);
			goto fail;
		}
	}
	if (memchr(text, '\0', used) != NULL) {
		snprintf(why, why_len, "%s: %s holds a NUL byte: not a text file", OPTION_NAME, path);
		goto fail;
	}
	text[used] = '\0';
	if (fd != STDIN_FILENO)
		close(fd);
	return text;
fail:
	free(text);
	if (fd != STDIN_FILENO)
		close(fd);
	return NULL;
}

/* At most 40 characters of [START, END) for a message, control characters shown as "?". */
static const char *excerpt(const char *start, const char *end, char *out, size_t out_len)
{
	size_t len = (size_t)(end - start);

	if (len > 40)
		len = 40;
	if (len >= out_len)
		len = out_len - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)start[i] < 0x20 || start[i] == 0x7f ? '?' : start[i];
	out[len] = '\0';
	return out;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Cuts the blanks around [*START, *END). */
static void trim(const char **start, const char **end)
{
	while (*start < *end && is_space(**start))
		(*start)++;
	while (*end > *start && is_space((*end)[-1]))
		(*end)--;
}

/* Whether the option KEY exists and takes a value: 1 it does, 0 it takes none, -1 no
 * such option. */
static int option_arity(const struct expansion *x, const char *key)
{
	if (key[1] == '\0') {
		const char *at = key[0] == ':' ? NULL : strchr(x->short_options, key[0]);

		return at == NULL ? -1 : at[1] == ':';
	}
	for (const struct option *o = x->long_options; o->name != NULL; o++)
		if (strcmp(o->name, key) == 0)
			return o->has_arg != no_argument;
	return -1;
}

static int add_arg(struct expansion *x, const char *start, size_t len)
{
	char *arg = malloc(len + 1);

	if (arg == NULL)
		return -1;
	memcpy(arg, start, len);
	arg[len] = '\0';
	x->args[x->nargs++] = arg;
	return 0;
}

/* "key = value" in the plugin's section: "--key=value", "-k value", or the option alone
 * for "key=". */
static int add_option(struct expansion *x, const char *where, const char *line,
		      const char *line_end, char *why, size_t why_len)
{
	const char *equals = memchr(line, '=', (size_t)(line_end - line));
	const char *key = line, *key_end, *value, *value_end = line_end;
	char name[INI_KEY_MAX + 1], arg[INI_KEY_MAX + 4], shown[48];
	size_t key_len;
	int arity;

	if (equals == NULL) {
		snprintf(why, why_len, "%s: \"%s\" has no \"=\": write KEY=VALUE, or KEY= for an "
			 "option without a value", where, excerpt(line, line_end, shown, sizeof(shown)));
		return -1;
	}
	key_end = equals;
	value = equals + 1;
	trim(&key, &key_end);
	trim(&value, &value_end);
	key_len = (size_t)(key_end - key);
	if (key_len == 0 || key_len > INI_KEY_MAX || key[0] == '-' ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") <
		    key_len) {
		snprintf(why, why_len, "%s: \"%s\" is not an option name (a long option without "
			 "its dashes, e.g. hostname, or one letter)", where,
			 excerpt(key, key_end, shown, sizeof(shown)));
		return -1;
	}
	memcpy(name, key, key_len);
	name[key_len] = '\0';
	if (strcmp(name, OPTION_NAME + 2) == 0) {
		snprintf(why, why_len, "%s: %s cannot be nested in an options file", where, OPTION_NAME);
		return -1;
	}
	snprintf(arg, sizeof(arg), "%s%s", key_len == 1 ? "-" : "--", name);
	arity = option_arity(x, name);
	if (arity < 0) {
		snprintf(why, why_len, "%s: unknown option %s", where, arg);
		return -1;
	}
	if (arity == 1 && value == value_end) {
		snprintf(why, why_len, "%s: %s needs a value", where, arg);
		return -1;
	}
	if (arity == 0 && value != value_end) {
		snprintf(why, why_len, "%s: %s takes no value (write \"%s=\")", where, arg, name);
		return -1;
	}
	if (x->noptions == EXTRA_OPTS_MAX) {
		snprintf(why, why_len, "%s: more than %d options from %s", where, EXTRA_OPTS_MAX,
			 OPTION_NAME);
		return -1;
	}
	x->noptions++;
	/* A long option and its value are one argument; a letter and its value two, as
	 * getopt reads "-w 80". */
	if (arity == 0 || key_len == 1) {
		if (add_arg(x, arg, strlen(arg)) < 0 ||
		    (arity == 1 && add_arg(x, value, (size_t)(value_end - value)) < 0))
			goto oom;
		return 0;
	} else {
		size_t len = strlen(arg) + 1 + (size_t)(value_end - value);
		char *both = malloc(len + 1);

		if (both == NULL)
			goto oom;
		snprintf(both, len + 1, "%s=%.*s", arg, (int)(value_end - value), value);
		x->args[x->nargs++] = both;
		return 0;
	}
oom:
	snprintf(why, why_len, "%s: out of memory", OPTION_NAME);
	return -1;
}

/* Reads the options of SECTION in the ini text; a section may appear more than once. */
static int read_section(struct expansion *x, const char *path, const char *text,
			const char *section, char *why, size_t why_len)
{
	enum { BEFORE_ANY, OTHER, OURS } state = BEFORE_ANY;
	bool found = false;
	unsigned line_no = 0;
	size_t before = x->noptions;

	for (const char *line = text; *line != '\0';) {
		const char *newline = strchr(line, '\n');
		const char *end = newline != NULL ? newline : line + strlen(line);
		const char *start = line;
		char where[4200];

		line_no++;
		line = newline != NULL ? newline + 1 : end;
		trim(&start, &end);
		if (start == end || *start == '#' || *start == ';')
			continue;
		snprintf(where, sizeof(where), "%s:%u", path, line_no);
		if (*start == '[') {
			const char *close = memchr(start, ']', (size_t)(end - start));
			const char *name = start + 1, *name_end = close != NULL ? close : name;

			trim(&name, &name_end);
			state = close != NULL && (size_t)(name_end - name) == strlen(section) &&
					memcmp(name, section, strlen(section)) == 0
					? OURS : OTHER;
			found = found || state == OURS;
			continue;
		}
		if (state == BEFORE_ANY) {
			char shown[48];

			snprintf(why, why_len, "%s: \"%s\" before any [section]", where,
				 excerpt(start, end, shown, sizeof(shown)));
			return -1;
		}
		/* Other plugins' sections follow their own rules. */
		if (state == OTHER)
			continue;
		if (end - start > INI_LINE_MAX) {
			snprintf(why, why_len, "%s: a line longer than %d characters", where,
				 INI_LINE_MAX);
			return -1;
		}
		if (add_option(x, where, start, end, why, why_len) < 0)
			return -1;
	}
	if (!found) {
		snprintf(why, why_len, "%s: no section [%s] in %s", OPTION_NAME, section, path);
		return -1;
	}
	verbose(2, "%s: %zu option%s from [%s] in %s", OPTION_NAME, x->noptions - before,
		x->noptions - before == 1 ? "" : "s", section, path);
	return 0;
}

/* LOCATOR is [SECTION][@FILE], or NULL for the plugin's section in the default file. */
static int expand_one(struct expansion *x, const char *locator, const char *plugin,
		      char *why, size_t why_len)
{
	size_t section_len = locator != NULL ? strcspn(locator, "@") : 0;
	char section[128], path[4096];
	char *text;
	int result;

	if (section_len >= sizeof(section)) {
		snprintf(why, why_len, "%s: a section name is at most %zu characters", OPTION_NAME,
			 sizeof(section) - 1);
		return -1;
	}
	if (section_len > 0)
		snprintf(section, sizeof(section), "%.*s", (int)section_len, locator);
	else
		snprintf(section, sizeof(section), "%s", plugin);
	if (locator != NULL && locator[section_len] == '@') {
		if (locator[section_len + 1] == '\0') {
			snprintf(why, why_len, "%s=%s: no file after \"@\"", OPTION_NAME, locator);
			return -1;
		}
		if (snprintf(path, sizeof(path), "%s", locator + section_len + 1) >= (int)sizeof(path)) {
			snprintf(why, why_len, "%s: too long a file name", OPTION_NAME);
			return -1;
		}
	} else if (default_file(path, sizeof(path), why, why_len) < 0) {
		return -1;
	}
	text = read_ini(path, why, why_len);
	if (text == NULL)
		return -1;
	result = read_section(x, path, text, section, why, why_len);
	free(text);
	return result;
}

/* MP's rule for "--extra-opts VALUE": the next argument is its value unless it starts
 * with a dash. */
static const char *locator_of(int argc, char **argv, int i, int *used)
{
	*used = 1;
	if (strncmp(argv[i], OPTION_NAME "=", strlen(OPTION_NAME) + 1) == 0)
		return argv[i] + strlen(OPTION_NAME) + 1;
	if (i + 1 < argc && argv[i + 1][0] != '-') {
		*used = 2;
		return argv[i + 1];
	}
	return NULL;
}

int extra_opts_expand(int *argc, char ***argv, const char *plugin,
		      const struct option *long_options, const char *short_options, char *why,
		      size_t why_len)
{
	static struct expansion x;
	static char **expanded;
	char **old = *argv;
	int rest = 0, found = 0;

	x = (struct expansion){ .long_options = long_options, .short_options = short_options };
	for (int i = 1; i < *argc; i++) {
		int used;
		const char *locator;

		/* Everything after "--" is an operand, not an option. */
		if (strcmp(old[i], "--") == 0)
			break;
		if (strcmp(old[i], OPTION_NAME) != 0 &&
		    strncmp(old[i], OPTION_NAME "=", strlen(OPTION_NAME) + 1) != 0)
			continue;
		locator = locator_of(*argc, old, i, &used);
		if (expand_one(&x, locator, plugin, why, why_len) < 0)
			return -1;
		found = 1;
		i += used - 1;
	}
	if (!found)
		return 0;
	expanded = calloc((size_t)*argc + x.nargs + 1, sizeof(*expanded));
	if (expanded == NULL) {
		snprintf(why, why_len, "%s: out of memory", OPTION_NAME);
		return -1;
	}
	expanded[rest++] = old[0];
	for (size_t n = 0; n < x.nargs; n++)
		expanded[rest++] = x.args[n];
	for (int i = 1; i < *argc; i++) {
		int used = 1;

		if (strcmp(old[i], "--") == 0) {
			while (i < *argc)
				expanded[rest++] = old[i++];
			break;
		}
		if (strcmp(old[i], OPTION_NAME) == 0 ||
		    strncmp(old[i], OPTION_NAME "=", strlen(OPTION_NAME) + 1) == 0) {
			locator_of(*argc, old, i, &used);
			i += used - 1;
			continue;
		}
		expanded[rest++] = old[i];
	}
	expanded[rest] = NULL;
	*argc = rest;
	*argv = expanded;
	return (int)x.nargs;
}
