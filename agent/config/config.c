/* Loads oobhealth.yaml with libyaml and validates it, collecting every error with its position. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "clean_text.h"
#include "config_values.h"

#define DEFAULT_AGENTX_SOCKET "/var/agentx/master"
#define DEFAULT_STATE_FILE "/var/lib/oobhealth/state"
#define MAX_HISTORY 10000
#define MAX_FD_LIMIT 1073741824ULL /* the kernel's fs.nr_open ceiling */
/* A NOC's receiver takes a burst of 20 readably; a host-wide fault beyond that is one
 * summary a minute, not hundreds of traps. */
#define DEFAULT_NOTIFY_BUDGET 20
#define DEFAULT_NOTIFY_PER_MS 60000
#define MAX_NOTIFY_BUDGET 10000
/* check_http and Monit warn two weeks or a month ahead; two weeks is a working margin. */
#define DEFAULT_CERT_WARN_DAYS 14
#define MAX_CERT_DAYS 3650
#define CONFIG_FILE_MAX (16u << 20) /* far above a configuration of thousands of services */
#define ALIAS_EXPANSION 4

struct parse {
	const char *file;
	yaml_document_t *doc;
	struct config_errors *errors;
	/* Aliases let a small file name one list or mapping many times over. Every entry and
	 * key read takes one unit of a budget of ALIAS_EXPANSION times the document's nodes:
	 * a file without aliases, or one reusing a probe list or two, never runs out; one
	 * repeating itself past that stops, in linear time and memory. */
	size_t budget;
	size_t nodes;
	bool over_budget;
};

/* One key a mapping accepts, and where its value goes. */
struct key_rule {
	const char *key;
	void (*apply)(struct parse *p, yaml_node_t *value, void *target);
};

/* The list doubles when full, so a file with an error per service costs linear time. */
static void add_error_line(struct config_errors *errors, char *line)
{
	if (line == NULL)
		return;
	if (errors->count == errors->capacity) {
		size_t capacity = errors->capacity ? 2 * errors->capacity : 16;
		char **lines = realloc(errors->lines, capacity * sizeof(*lines));

		if (lines == NULL) {
			free(line);
			return;
		}
		errors->lines = lines;
		errors->capacity = capacity;
	}
	/* Messages quote the file's text: each must stay one printable line. */
	clean_text_in_place(line);
	errors->lines[errors->count++] = line;
}

static void __attribute__((format(printf, 3, 4)))
error_at(struct parse *p, const yaml_node_t *node, const char *fmt, ...)
{
	char *message = NULL, *line = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&message, fmt, ap) < 0)
		message = NULL;
	va_end(ap);
	if (message == NULL)
		return;
	if (asprintf(&line, "%s:%zu:%zu: %s", p->file, node->start_mark.line + 1,
		     node->start_mark.column + 1, message) < 0)
		line = NULL;
	free(message);
	add_error_line(p->errors, line);
}

/* Takes N entries or keys of NODE from the budget; false, with one error, once the
 * aliases of the file have made it read more than it holds. */
static bool take_budget(struct parse *p, const yaml_node_t *node, size_t n)
{
	if (!p->over_budget && n <= p->budget) {
		p->budget -= n;
		return true;
	}
	if (!p->over_budget)
		error_at(p, node, "aliases repeat the file's entries past %d times its %zu values: "
			 "write them out", ALIAS_EXPANSION, p->nodes);
	p->over_budget = true;
	return false;
}

static yaml_node_t *node(struct parse *p, int index)
{
	return yaml_document_get_node(p->doc, index);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* The scalar text of VALUE for key KEY, or NULL after reporting why there is none. */
static const char *scalar_of(struct parse *p, yaml_node_t *value, const char *key)
{
	if (value->type != YAML_SCALAR_NODE) {
		error_at(p, value, "%s: expected a single value, not a %s", key,
			 value->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return NULL;
	}
	if (value->data.scalar.length == 0 &&
	    value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		error_at(p, value, "%s: a value is required", key);
		return NULL;
	}
	if (strlen(scalar(value)) != value->data.scalar.length) {
		error_at(p, value, "%s: the value contains a NUL byte", key);
		return NULL;
	}
	return scalar(value);
}

static int get_duration(struct parse *p, yaml_node_t *value, const char *key, uint64_t min_ms,
			uint64_t max_ms, uint64_t *ms)
{
	const char *text = scalar_of(p, value, key);
	char lo[32], hi[32], got[32];
	uint64_t v;

	if (text == NULL)
		return -1;
	if (parse_duration_ms(text, &v) < 0) {
		error_at(p, value, "%s: \"%s\" is not a duration (use e.g. 250ms, 5s, 2m, 1h)",
			 key, text);
		return -1;
	}
	if (v < min_ms || v > max_ms) {
		format_duration(min_ms, lo, sizeof(lo));
		format_duration(max_ms, hi, sizeof(hi));
		format_duration(v, got, sizeof(got));
		error_at(p, value, "%s: %s is out of range (%s..%s)", key, got, lo, hi);
		return -1;
	}
	*ms = v;
	return 0;
}

static int get_count(struct parse *p, yaml_node_t *value, const char *key, uint64_t min,
		     uint64_t max, uint64_t *out)
{
	const char *text = scalar_of(p, value, key);
	uint64_t v;

	if (text == NULL)
		return -1;
	if (parse_count(text, &v) < 0) {
		error_at(p, value, "%s: \"%s\" is not a whole number", key, text);
		return -1;
	}
	if (v < min || v > max) {
		error_at(p, value, "%s: %llu is out of range (%llu..%llu)", key,
			 (unsigned long long)v, (unsigned long long)min,
			 (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

static int get_percent(struct parse *p, yaml_node_t *value, const char *key, unsigned *out)
{
	const char *text = scalar_of(p, value, key);
	unsigned v;

	if (text == NULL)
		return -1;
	if (parse_percent(text, &v) < 0) {
		error_at(p, value, "%s: \"%s\" is not a percentage (use e.g. 80%%)", key, text);
		return -1;
	}
	if (v < 1 || v > 100) {
		error_at(p, value, "%s: %u%% is out of range (1%%..100%%)", key, v);
		return -1;
	}
	*out = v;
	return 0;
}

static char *get_string(struct parse *p, yaml_node_t *value, const char *key)
{
	const char *text = scalar_of(p, value, key);

	return text ? strdup(text) : NULL;
}

static char *get_absolute_path(struct parse *p, yaml_node_t *value, const char *key)
{
	const char *text = scalar_of(p, value, key);

	if (text == NULL)
		return NULL;
	if (text[0] != '/') {
		error_at(p, value, "%s: \"%s\" must be an absolute path", key, text);
		return NULL;
	}
	for (size_t i = 0; text[i] != '\0'; i++) {
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) {
			/* It would reach health texts and logs, and no service needs one. */
			error_at(p, value, "%s: the path has a control character (0x%02x) at offset %zu",
				 key, (unsigned char)text[i], i);
			return NULL;
		}
	}
	return strdup(text);
}

/* Shown in an error: a pattern over the length limit only by its start. */
#define PATTERN_SHOWN_MAX 40

static int get_regex(struct parse *p, yaml_node_t *value, const char *key, char **source,
		     struct pattern **re)
{
	const char *text = scalar_of(p, value, key);
	size_t len;
	char why[256];

	if (text == NULL)
		return -1;
	*re = pattern_compile(text, why, sizeof(why));
	if (*re == NULL) {
		len = strlen(text);
		error_at(p, value, "%s: invalid regular expression \"%.*s%s\": %s", key,
			 len > OH_PATTERN_LENGTH_MAX ? PATTERN_SHOWN_MAX : (int)len, text,
			 len > OH_PATTERN_LENGTH_MAX ? "..." : "", why);
		return -1;
	}
	*source = strdup(text);
	return 0;
}

/* Checks a service or probe name: charset and length. */
static int check_name(struct parse *p, yaml_node_t *value, const char *what, size_t max,
		      const char *text)
{
	size_t len = strlen(text);

	if (len == 0 || len > max) {
		error_at(p, value, "%s name must be 1 to %zu characters (got %zu)", what, max, len);
		return -1;
	}
	if (!name_chars_valid(text)) {
		error_at(p, value, "%s name \"%s\" may contain only A-Z a-z 0-9 . _ -", what, text);
		return -1;
	}
	return 0;
}

/* Duplicates (of service names, probe and file names in a service, keys in a mapping) are
 * found in a search tree of what came before, so a file of N services checks in
 * O(N log N), not O(N^2). */
static int compare_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int compare_file_names(const void *a, const void *b)
{
	return strcmp(((const struct file_config *)a)->name, ((const struct file_config *)b)->name);
}

static int compare_key_nodes(const void *a, const void *b)
{
	return strcmp(scalar(a), scalar(b));
}

/* Records ITEM in the tree *SEEN; returns the equal item recorded before it, else NULL
 * (also when memory runs out, as the check is then skipped rather than failed). */
static const void *seen_before(void **seen, const void *item,
			       int (*compare)(const void *, const void *))
{
	const void *const *found = tsearch(item, seen, compare);

	return found != NULL && *found != item ? *found : NULL;
}

/* The tree holds pointers into the configuration and the document: it frees only itself. */
static void keep_item(void *item)
{
	(void)item;
}

static void forget_seen(void *seen)
{
	tdestroy(seen, keep_item);
}

/* Reports KEY as unknown, with the closest accepted key when it is a likely typo. */
static void unknown_key(struct parse *p, yaml_node_t *key_node, const struct key_rule *rules,
			size_t nrules)
{
	const char *key = scalar(key_node);
	const char *best = NULL;
	size_t best_distance = (size_t)-1;
	char list[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < nrules; i++) {
		size_t d = edit_distance(key, rules[i].key);

		if (d < best_distance) {
			best_distance = d;
			best = rules[i].key;
		}
		used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
					 "%s%s", i ? ", " : "", rules[i].key);
	}
	if (best != NULL && best_distance <= 2 && best_distance < strlen(key))
		error_at(p, key_node, "unknown key \"%s\" (did you mean \"%s\"?)", key, best);
	else
		error_at(p, key_node, "unknown key \"%s\" (expected one of: %s)", key, list);
}

/* Walks a mapping: each key must be known and appear once; its rule takes the value. */
static void apply_mapping(struct parse *p, yaml_node_t *map, const char *what,
			  const struct key_rule *rules, size_t nrules, void *target)
{
	yaml_node_pair_t *pair;
	void *keys = NULL;

	if (map->type != YAML_MAPPING_NODE) {
		error_at(p, map, "%s must be a mapping of keys to values", what);
		return;
	}
	if (!take_budget(p, map, (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start)))
		return;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = node(p, pair->key);
		const struct key_rule *rule = NULL;
		const yaml_node_t *earlier;

		if (key->type != YAML_SCALAR_NODE) {
			error_at(p, key, "%s: keys must be plain words", what);
			continue;
		}
		earlier = seen_before(&keys, key, compare_key_nodes);
		if (earlier != NULL) {
			error_at(p, key, "duplicate key \"%s\" (first at line %zu)", scalar(key),
				 earlier->start_mark.line + 1);
			continue;
		}
		for (size_t i = 0; i < nrules; i++) {
			if (strcmp(rules[i].key, scalar(key)) == 0)
				rule = &rules[i];
		}
		if (rule == NULL)
			unknown_key(p, key, rules, nrules);
		else
			rule->apply(p, node(p, pair->value), target);
	}
	forget_seen(keys);
}

static yaml_node_t *mapping_value(struct parse *p, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node(p, pair->key);

		if (k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0)
			return node(p, pair->value);
	}
	return NULL;
}

/* ---- agent: ---- */

static void agent_agentx_socket(struct parse *p, yaml_node_t *v, void *t)
{
	struct agent_config *agent = t;
	char *s = get_string(p, v, "agentx_socket");

	if (s != NULL) {
		free(agent->agentx_socket);
		agent->agentx_socket = s;
	}
}

static void agent_interval(struct parse *p, yaml_node_t *v, void *t)
{
	get_duration(p, v, "interval", 100, 3600000, &((struct agent_config *)t)->interval_ms);
}

static void agent_state_file(struct parse *p, yaml_node_t *v, void *t)
{
	struct agent_config *agent = t;
	char *s = get_absolute_path(p, v, "state_file");

	if (s != NULL) {
		free(agent->state_file);
		agent->state_file = s;
	}
}

static void agent_history(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "history", 1, MAX_HISTORY, &n) == 0)
		((struct agent_config *)t)->history = (unsigned)n;
}

static void agent_ping_interval(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t ms;

	if (get_duration(p, v, "ping_interval", 1000, 3600000, &ms) < 0)
		return;
	if (ms % 1000 != 0) {
		error_at(p, v, "ping_interval: must be whole seconds (AgentX pings in seconds)");
		return;
	}
	((struct agent_config *)t)->ping_interval_s = (unsigned)(ms / 1000);
}

static void agent_tracking(struct parse *p, yaml_node_t *v, void *t)
{
	char *s = get_string(p, v, "tracking");

	if (s == NULL)
		return;
	if (strcmp(s, "auto") == 0)
		((struct agent_config *)t)->tracking = TRACKING_AUTO;
	else if (strcmp(s, "polling") == 0)
		((struct agent_config *)t)->tracking = TRACKING_POLLING;
	else
		error_at(p, v, "tracking: \"%s\" is not auto or polling", s);
	free(s);
}

static void notifications_budget(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "budget", 0, MAX_NOTIFY_BUDGET, &n) == 0)
		((struct agent_config *)t)->notify_budget = (unsigned)n;
}

static void notifications_per(struct parse *p, yaml_node_t *v, void *t)
{
	get_duration(p, v, "per", 1000, 86400000, &((struct agent_config *)t)->notify_per_ms);
}

static void notifications_hold(struct parse *p, yaml_node_t *v, void *t)
{
	struct agent_config *agent = t;

	if (get_duration(p, v, "hold", 0, 3600000, &agent->notify_hold_ms) == 0)
		agent->notify_hold_set = true;
}

static const struct key_rule notifications_rules[] = {
	{ "budget", notifications_budget },
	{ "per", notifications_per },
	{ "hold", notifications_hold },
};

static void agent_notifications(struct parse *p, yaml_node_t *v, void *t)
{
	apply_mapping(p, v, "notifications", notifications_rules,
		      sizeof(notifications_rules) / sizeof(notifications_rules[0]), t);
}

static const struct key_rule agent_rules[] = {
	{ "agentx_socket", agent_agentx_socket }, { "interval", agent_interval },
	{ "state_file", agent_state_file },       { "history", agent_history },
	{ "ping_interval", agent_ping_interval }, { "tracking", agent_tracking },
	{ "notifications", agent_notifications },
};

/* ---- match: ---- */

struct match_target {
	struct service_config *service;
};

static int match_claim(struct parse *p, yaml_node_t *v, struct match_target *m,
		       enum match_kind kind, const char *key)
{
	static const char *const names[] = { "", "pidfile", "exe", "cmdline", "unit" };

	if (m->service->match != MATCH_NONE) {
		error_at(p, v, "match: %s and %s exclude each other (give one way to find the process)",
			 names[m->service->match], key);
		return -1;
	}
	m->service->match = kind;
	return 0;
}

static void match_pidfile(struct parse *p, yaml_node_t *v, void *t)
{
	struct match_target *m = t;

	if (match_claim(p, v, m, MATCH_PIDFILE, "pidfile") == 0)
		m->service->match_value = get_absolute_path(p, v, "pidfile");
}

static void match_exe(struct parse *p, yaml_node_t *v, void *t)
{
	struct match_target *m = t;

	if (match_claim(p, v, m, MATCH_EXE, "exe") == 0)
		m->service->match_value = get_absolute_path(p, v, "exe");
}

static void match_cmdline(struct parse *p, yaml_node_t *v, void *t)
{
	struct match_target *m = t;

	if (match_claim(p, v, m, MATCH_CMDLINE, "cmdline") == 0 &&
	    get_regex(p, v, "cmdline", &m->service->match_value, &m->service->cmdline_re) < 0)
		m->service->match = MATCH_NONE;
}

static void match_unit(struct parse *p, yaml_node_t *v, void *t)
{
	struct match_target *m = t;
	const char *text;

	if (match_claim(p, v, m, MATCH_UNIT, "unit") < 0)
		return;
	text = scalar_of(p, v, "unit");
	if (text == NULL)
		return;
	if (strchr(text, '.') == NULL || strchr(text, '/') != NULL) {
		error_at(p, v, "unit: \"%s\" must be a systemd unit name with its type, e.g. \"%s.service\"",
			 text, text);
		return;
	}
	m->service->match_value = strdup(text);
}

/* A user name is resolved now, so a typo is an error here rather than a service that
 * never matches; a number is taken as a uid whether or not the host names it. */
static void match_user(struct parse *p, yaml_node_t *v, void *t)
{
	struct match_target *m = t;
	const char *text = scalar_of(p, v, "user");
	struct passwd entry, *found = NULL;
	char buf[16384];
	uint64_t uid;
	int rc;

	if (text == NULL)
		return;
	if (parse_count(text, &uid) == 0) {
		if (uid >= (uid_t)-1) {
			error_at(p, v, "user: %s is not a uid (0..%u)", text, (unsigned)(uid_t)-1 - 1);
			return;
		}
		if (asprintf(&m->service->match_user, "uid %llu", (unsigned long long)uid) < 0)
			m->service->match_user = NULL;
	} else {
		rc = getpwnam_r(text, &entry, buf, sizeof(buf), &found);
		if (found == NULL) {
			/* Not found is 0, or one of these, depending on the NSS module. */
			if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
				error_at(p, v, "user: no user \"%s\" on this host (give a user name or a numeric uid)",
					 text);
			else
				error_at(p, v, "user: cannot look up \"%s\": %s", text, strerror(rc));
			return;
		}
		uid = found->pw_uid;
		m->service->match_user = strdup(text);
	}
	m->service->match_user_set = true;
	m->service->match_uid = (uid_t)uid;
}

static const struct key_rule match_rules[] = {
	{ "pidfile", match_pidfile },
	{ "exe", match_exe },
	{ "cmdline", match_cmdline },
	{ "unit", match_unit },
	{ "user", match_user },
};

/* ---- files: ---- */

static void file_name(struct parse *p, yaml_node_t *v, void *t)
{
	struct file_config *file = t;
	const char *text = scalar_of(p, v, "name");

	if (text != NULL && check_name(p, v, "file", OH_FILE_NAME_MAX, text) == 0)
		strcpy(file->name, text);
}

static void file_path(struct parse *p, yaml_node_t *v, void *t)
{
	((struct file_config *)t)->path = get_absolute_path(p, v, "path");
}

static void file_absent(struct parse *p, yaml_node_t *v, void *t)
{
	const char *text = scalar_of(p, v, "absent");

	if (text != NULL && parse_bool(text, &((struct file_config *)t)->absent) < 0)
		error_at(p, v, "absent: \"%s\" must be true or false", text);
}

static void file_max_age(struct parse *p, yaml_node_t *v, void *t)
{
	get_duration(p, v, "max_age", 1000, 30ULL * 86400000, &((struct file_config *)t)->max_age_ms);
}

static const struct key_rule file_rules[] = {
	{ "name", file_name },
	{ "path", file_path },
	{ "absent", file_absent },
	{ "max_age", file_max_age },
};

/* Names a file without a name key by the last component of its path, which must then
 * be a valid name. */
static void file_default_name(struct parse *p, yaml_node_t *path, struct file_config *file)
{
	const char *last = strrchr(file->path, '/') + 1;
	size_t len = strlen(last);

	if (len == 0)
		error_at(p, path, "path: \"%s\" has no last part to name the file by: give the "
			 "file a \"name:\"", file->path);
	else if (len > OH_FILE_NAME_MAX)
		error_at(p, path, "file name \"%s\", taken from the path, is longer than %d "
			 "characters: give the file a \"name:\"", last, OH_FILE_NAME_MAX);
	else if (!name_chars_valid(last))
		error_at(p, path, "file name \"%s\", taken from the path, may contain only "
			 "A-Z a-z 0-9 . _ -: give the file a \"name:\"", last);
	else
		strcpy(file->name, last);
}

/* Where a files entry's name comes from: its name key, or else its path. */
static yaml_node_t *file_name_source(struct parse *p, yaml_node_t *entry)
{
	yaml_node_t *name = mapping_value(p, entry, "name");

	return name != NULL ? name : mapping_value(p, entry, "path");
}

/* Every file of a service gets a name, unique within the service: it is the file's
 * ohFileIndex, so it must not depend on the file's place in the list. Checked once the
 * whole service is read, so that the message can name the service. */
static void check_file_names(struct parse *p, yaml_node_t *map, struct service_config *service)
{
	yaml_node_t *list = mapping_value(p, map, "files");
	yaml_node_item_t *items;
	void *names = NULL;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return;
	items = list->data.sequence.items.start;
	for (size_t i = 0; i < service->nfiles; i++) {
		yaml_node_t *entry = node(p, items[i]);
		struct file_config *file = &service->files[i];
		bool named = mapping_value(p, entry, "name") != NULL;
		const struct file_config *earlier;

		if (!named && file->path != NULL)
			file_default_name(p, mapping_value(p, entry, "path"), file);
		if (file->name[0] == '\0' ||
		    (earlier = seen_before(&names, file, compare_file_names)) == NULL)
			continue;
		error_at(p, file_name_source(p, entry), "duplicate file name \"%s\"%s in "
			 "service \"%s\" (first at line %zu): give one of them %s \"name:\"",
			 file->name, named ? "" : ", taken from the path,", service->name,
			 file_name_source(p, node(p, items[earlier - service->files]))->start_mark.line + 1,
			 named ? "another" : "a");
	}
	forget_seen(names);
}

/* ---- probes: ---- */

static int probe_claim(struct parse *p, yaml_node_t *v, struct probe_config *probe,
		       enum probe_kind kind, const char *key)
{
	static const char *const names[] = { "", "tcp", "unix", "http", "tls" };

	if (probe->kind != 0) {
		error_at(p, v, "%s and %s exclude each other (one target per probe)",
			 names[probe->kind], key);
		return -1;
	}
	probe->kind = kind;
	probe->target = get_string(p, v, key);
	return probe->target ? 0 : -1;
}

/* Rejects a target whose text would carry a control character (C0, DEL, C1, a bidirectional
 * override: what clean_text escapes) into ohProbeTarget, error texts and the log. WHAT
 * names the text ("the path"). Returns 0 when TEXT is clean, -1 after reporting. */
static int check_target_text(struct parse *p, yaml_node_t *v, const char *key,
			     const char *what, const char *text)
{
	const unsigned char *bytes = (const unsigned char *)text;
	char *shown = strdup(text), hex[24] = "";
	size_t at = 0, n;

	if (shown == NULL) {
		error_at(p, v, "%s: out of memory", key);
		return -1;
	}
	clean_text_in_place(shown);
	while (shown[at] == text[at] && text[at] != '\0')
		at++;
	free(shown);
	if (text[at] == '\0')
		return 0;
	n = utf8_char_len(bytes + at, strlen(text + at));
	for (size_t i = 0; i < (n ? n : 1); i++)
		snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%s0x%02x", i ? " " : "",
			 bytes[at + i]);
	error_at(p, v, "%s: %s has a control character (%s) at offset %zu", key, what, hex, at);
	return -1;
}

static void probe_name(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;
	const char *text = scalar_of(p, v, "name");

	if (text != NULL && check_name(p, v, "probe", OH_PROBE_NAME_MAX, text) == 0)
		strcpy(probe->name, text);
}

static void probe_tcp(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;
	char why[160];

	if (probe_claim(p, v, probe, PROBE_TCP, "tcp") < 0 ||
	    check_target_text(p, v, "tcp", "the address", probe->target) < 0)
		return;
	if (parse_host_port(probe->target, &probe->addr, &probe->addr_len, why, sizeof(why)) < 0)
		error_at(p, v, "tcp: \"%s\": %s", probe->target, why);
}

static void probe_tls(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;
	char why[160];

	if (probe_claim(p, v, probe, PROBE_TLS, "tls") < 0 ||
	    check_target_text(p, v, "tls", "the address", probe->target) < 0)
		return;
	probe->tls = true;
	if (parse_host_port(probe->target, &probe->addr, &probe->addr_len, why, sizeof(why)) < 0)
		error_at(p, v, "tls: \"%s\": %s", probe->target, why);
}

static void probe_unix(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;
	size_t len;

	if (probe_claim(p, v, probe, PROBE_UNIX, "unix") < 0 ||
	    check_target_text(p, v, "unix", "the path", probe->target) < 0)
		return;
	len = strlen(probe->target);
	if (probe->target[0] != '/' && probe->target[0] != '@') {
		error_at(p, v, "unix: \"%s\" must be an absolute path or @abstract-name",
			 probe->target);
		return;
	}
	if (len < 2 || len > 107) {
		error_at(p, v, "unix: \"%s\" must be 2 to 107 characters long (sun_path)",
			 probe->target);
		return;
	}
	probe->unix_path = strdup(probe->target);
}

/* A URL goes on the wire as written, so it is held to what a request line can carry whole:
 * at most OH_HTTP_URL_MAX bytes of printable ASCII without space. Returns 0 or -1 after
 * reporting. */
static int check_url_text(struct parse *p, yaml_node_t *v, const char *url)
{
	size_t len = strlen(url), at = url_invalid_byte(url, len);
	unsigned char byte = (unsigned char)url[at];

	if (len > OH_HTTP_URL_MAX) {
		error_at(p, v, "http: URL is %zu bytes long, over the maximum of %d", len,
			 OH_HTTP_URL_MAX);
		return -1;
	}
	if (at == len)
		return 0;
	if (byte == ' ')
		error_at(p, v, "http: URL has a space (0x20) at offset %zu (write it as %%20)", at);
	else if (byte < 0x20 || byte == 0x7f)
		error_at(p, v, "http: URL has a control character (0x%02x) at offset %zu", byte, at);
	else
		error_at(p, v, "http: URL has a non-ASCII byte (0x%02x) at offset %zu "
			 "(percent-encode it)", byte, at);
	return -1;
}

static void probe_http(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;
	char why[160];

	if (probe_claim(p, v, probe, PROBE_HTTP, "http") < 0 ||
	    check_url_text(p, v, probe->target) < 0)
		return;
	if (parse_http_url(probe->target, &probe->addr, &probe->addr_len, &probe->http_host,
			   &probe->http_path, &probe->tls, why, sizeof(why)) < 0)
		error_at(p, v, "http: \"%s\": %s", probe->target, why);
}

static void probe_send(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;

	probe->send = get_string(p, v, "send");
	if (probe->send == NULL)
		return;
	probe->send_len = strlen(probe->send);
	if (probe->send_len > OH_SEND_MAX)
		error_at(p, v, "send: text is %zu bytes long, over the maximum of %d", probe->send_len,
			 OH_SEND_MAX);
}

static void probe_expect(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;

	get_regex(p, v, "expect", &probe->expect, &probe->expect_re);
}

static void probe_expect_status(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "expect_status", 100, 599, &n) == 0)
		((struct probe_config *)t)->expect_status = (int)n;
}

static void probe_timeout(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t ms;

	if (get_duration(p, v, "timeout", 10, 60000, &ms) == 0)
		((struct probe_config *)t)->timeout_ms = (uint32_t)ms;
}

/* A host name as SNI carries it: 1..253 bytes of letters, digits, '-' and '.'. */
static void probe_sni(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;
	char *name = get_string(p, v, "sni");
	size_t len;

	if (name == NULL)
		return;
	len = strlen(name);
	if (len == 0 || len > 253 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					   "0123456789-.") != len) {
		error_at(p, v, "sni: \"%s\" is not a host name (1..253 of A-Z a-z 0-9 - .)", name);
		free(name);
		return;
	}
	free(probe->sni);
	probe->sni = name;
}

static void probe_ca(struct parse *p, yaml_node_t *v, void *t)
{
	struct probe_config *probe = t;

	free(probe->ca_file);
	probe->ca_file = get_absolute_path(p, v, "ca");
}

static void probe_verify(struct parse *p, yaml_node_t *v, void *t)
{
	const char *text = scalar_of(p, v, "verify");

	if (text != NULL && parse_bool(text, &((struct probe_config *)t)->verify) < 0)
		error_at(p, v, "verify: \"%s\" must be true or false", text);
}

static void probe_cert_warn(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "cert_warn", 0, MAX_CERT_DAYS, &n) == 0)
		((struct probe_config *)t)->cert_warn_days = (unsigned)n;
}

static void probe_cert_crit(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "cert_crit", 0, MAX_CERT_DAYS, &n) == 0)
		((struct probe_config *)t)->cert_crit_days = (unsigned)n;
}

static const struct key_rule probe_rules[] = {
	{ "name", probe_name },       { "tcp", probe_tcp },
	{ "unix", probe_unix },       { "http", probe_http },
	{ "tls", probe_tls },         { "send", probe_send },
	{ "expect", probe_expect },   { "expect_status", probe_expect_status },
	{ "timeout", probe_timeout }, { "sni", probe_sni },
	{ "ca", probe_ca },           { "verify", probe_verify },
	{ "cert_warn", probe_cert_warn }, { "cert_crit", probe_cert_crit },
};

/* The keys that only a TLS probe (tls: or an https:// URL) has. */
static const char *const tls_keys[] = { "sni", "ca", "verify", "cert_warn", "cert_crit" };

/* Rules that involve several keys of one probe, checked once the mapping is read. */
static void check_probe(struct parse *p, yaml_node_t *map, struct probe_config *probe)
{
	yaml_node_t *v;

	if (probe->name[0] == '\0' && mapping_value(p, map, "name") == NULL)
		error_at(p, map, "probe has no \"name\"");
	if (probe->kind == 0 && mapping_value(p, map, "tcp") == NULL &&
	    mapping_value(p, map, "unix") == NULL && mapping_value(p, map, "http") == NULL &&
	    mapping_value(p, map, "tls") == NULL)
		error_at(p, map, "probe \"%s\" needs one of tcp, unix, http, tls", probe->name);
	for (size_t i = 0; probe->kind != 0 && !probe->tls && i < sizeof(tls_keys) / sizeof(tls_keys[0]); i++) {
		if ((v = mapping_value(p, map, tls_keys[i])) != NULL)
			error_at(p, v, "%s: only for tls: probes and https:// URLs", tls_keys[i]);
	}
	if (probe->kind != 0 && probe->tls && probe->cert_crit_days > probe->cert_warn_days &&
	    (v = mapping_value(p, map, "cert_crit")) != NULL)
		error_at(p, v, "cert_crit: %u days is more than cert_warn (%u days)",
			 probe->cert_crit_days, probe->cert_warn_days);
	if (probe->kind == PROBE_HTTP && (v = mapping_value(p, map, "send")) != NULL)
		error_at(p, v, "send: not for http probes (they send their own GET request)");
	if (probe->kind != PROBE_HTTP && probe->kind != 0 &&
	    (v = mapping_value(p, map, "expect_status")) != NULL)
		error_at(p, v, "expect_status: only for http probes");
}

/* ---- services: ---- */

static void service_name(struct parse *p, yaml_node_t *v, void *t)
{
	struct service_config *service = t;
	const char *text = scalar_of(p, v, "name");

	if (text != NULL && check_name(p, v, "service", OH_SERVICE_NAME_MAX, text) == 0)
		strcpy(service->name, text);
}

static void service_match(struct parse *p, yaml_node_t *v, void *t)
{
	struct match_target m = { .service = t };

	apply_mapping(p, v, "match", match_rules, sizeof(match_rules) / sizeof(match_rules[0]), &m);
}

static void service_fd_warn(struct parse *p, yaml_node_t *v, void *t)
{
	get_percent(p, v, "fd_warn", &((struct service_config *)t)->fd_warn_pct);
}

static void service_fd_crit(struct parse *p, yaml_node_t *v, void *t)
{
	get_percent(p, v, "fd_crit", &((struct service_config *)t)->fd_crit_pct);
}

static void service_fd_min_limit(struct parse *p, yaml_node_t *v, void *t)
{
	get_count(p, v, "fd_min_limit", 1, MAX_FD_LIMIT, &((struct service_config *)t)->fd_min_limit);
}

static void flap_restarts(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "restarts", 1, 1000, &n) == 0)
		((struct service_config *)t)->flap_restarts = (unsigned)n;
}

static void flap_within(struct parse *p, yaml_node_t *v, void *t)
{
	get_duration(p, v, "within", 1000, 86400000, &((struct service_config *)t)->flap_within_ms);
}

static const struct key_rule flap_rules[] = {
	{ "restarts", flap_restarts },
	{ "within", flap_within },
};

static void service_flap(struct parse *p, yaml_node_t *v, void *t)
{
	struct service_config *service = t;

	apply_mapping(p, v, "flap", flap_rules, sizeof(flap_rules) / sizeof(flap_rules[0]), t);
	if (v->type == YAML_MAPPING_NODE &&
	    (mapping_value(p, v, "restarts") == NULL || mapping_value(p, v, "within") == NULL)) {
		error_at(p, v, "flap: needs both \"restarts\" and \"within\"");
		service->flap_restarts = 0;
	}
}

static void service_zombie_grace(struct parse *p, yaml_node_t *v, void *t)
{
	get_duration(p, v, "zombie_grace", 0, 3600000, &((struct service_config *)t)->zombie_grace_ms);
}

static void service_fail_after(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "fail_after", 1, 1000, &n) == 0)
		((struct service_config *)t)->fail_after = (unsigned)n;
}

static void service_stall_after(struct parse *p, yaml_node_t *v, void *t)
{
	get_duration(p, v, "stall_after", 1000, 3600000, &((struct service_config *)t)->stall_after_ms);
}

static void service_stalled_peers(struct parse *p, yaml_node_t *v, void *t)
{
	uint64_t n;

	if (get_count(p, v, "stalled_peers", 0, OH_STALLED_PEERS_MAX, &n) == 0)
		((struct service_config *)t)->stalled_peers = (unsigned)n;
}

static void service_stall_health(struct parse *p, yaml_node_t *v, void *t)
{
	char *s = get_string(p, v, "stall_health");

	if (s == NULL)
		return;
	if (strcmp(s, "warning") == 0)
		((struct service_config *)t)->stall_health = HEALTH_WARNING;
	else if (strcmp(s, "critical") == 0)
		((struct service_config *)t)->stall_health = HEALTH_CRITICAL;
	else
		error_at(p, v, "stall_health: \"%s\" is not warning or critical", s);
	free(s);
}

static void service_files(struct parse *p, yaml_node_t *v, void *t)
{
	struct service_config *service = t;
	yaml_node_item_t *item;
	size_t n;

	if (v->type != YAML_SEQUENCE_NODE) {
		error_at(p, v, "files must be a list");
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (!take_budget(p, v, n))
		return;
	service->files = calloc(n ? n : 1, sizeof(*service->files));
	if (service->files == NULL)
		return;
	for (item = v->data.sequence.items.start; item < v->data.sequence.items.top; item++) {
		yaml_node_t *map = node(p, *item);
		struct file_config *file = &service->files[service->nfiles++];

		apply_mapping(p, map, "a files entry", file_rules,
			      sizeof(file_rules) / sizeof(file_rules[0]), file);
		if (map->type != YAML_MAPPING_NODE)
			continue;
		if (mapping_value(p, map, "path") == NULL)
			error_at(p, map, "files entry has no \"path\"");
		if (mapping_value(p, map, "absent") != NULL && mapping_value(p, map, "max_age") != NULL)
			error_at(p, map, "files entry: absent and max_age exclude each other");
	}
}

static void service_probes(struct parse *p, yaml_node_t *v, void *t)
{
	struct service_config *service = t;
	yaml_node_item_t *item;
	void *names = NULL;
	size_t n;

	if (v->type != YAML_SEQUENCE_NODE) {
		error_at(p, v, "probes must be a list");
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (!take_budget(p, v, n))
		return;
	service->probes = calloc(n ? n : 1, sizeof(*service->probes));
	if (service->probes == NULL)
		return;
	for (item = v->data.sequence.items.start; item < v->data.sequence.items.top; item++) {
		yaml_node_t *map = node(p, *item);
		struct probe_config *probe = &service->probes[service->nprobes++];

		probe->timeout_ms = 2000;
		probe->verify = true;
		probe->cert_warn_days = DEFAULT_CERT_WARN_DAYS;
		apply_mapping(p, map, "a probes entry", probe_rules,
			      sizeof(probe_rules) / sizeof(probe_rules[0]), probe);
		if (map->type != YAML_MAPPING_NODE)
			continue;
		check_probe(p, map, probe);
		if (probe->name[0] != '\0' && seen_before(&names, probe->name, compare_names) != NULL)
			error_at(p, mapping_value(p, map, "name"),
				 "duplicate probe name \"%s\" in service \"%s\"", probe->name,
				 service->name);
	}
	forget_seen(names);
}

static const struct key_rule service_rules[] = {
	{ "name", service_name },
	{ "match", service_match },
	{ "fd_warn", service_fd_warn },
	{ "fd_crit", service_fd_crit },
	{ "fd_min_limit", service_fd_min_limit },
	{ "flap", service_flap },
	{ "zombie_grace", service_zombie_grace },
	{ "fail_after", service_fail_after },
	{ "stall_after", service_stall_after },
	{ "stalled_peers", service_stalled_peers },
	{ "stall_health", service_stall_health },
	{ "files", service_files },
	{ "probes", service_probes },
};

static void service_defaults(struct service_config *service)
{
	service->fd_warn_pct = 80;
	service->fd_crit_pct = 95;
	service->zombie_grace_ms = 1000;
	service->fail_after = 3;
	service->stall_after_ms = 10000;
	service->stalled_peers = 16;
	service->stall_health = HEALTH_WARNING;
}

/* Rules that involve several keys of one service, checked once the mapping is read. */
static void check_service(struct parse *p, yaml_node_t *map, struct service_config *service)
{
	yaml_node_t *v = mapping_value(p, map, "match");

	if (mapping_value(p, map, "name") == NULL)
		error_at(p, map, "service has no \"name\"");
	if (v != NULL && v->type == YAML_MAPPING_NODE && v->data.mapping.pairs.top ==
	    v->data.mapping.pairs.start)
		error_at(p, v, "match: give one of pidfile, exe, cmdline, unit (or leave match out)");
	else if (v != NULL && mapping_value(p, v, "user") != NULL &&
		 mapping_value(p, v, "pidfile") == NULL && mapping_value(p, v, "exe") == NULL &&
		 mapping_value(p, v, "cmdline") == NULL && mapping_value(p, v, "unit") == NULL)
		error_at(p, mapping_value(p, v, "user"),
			 "user: names the owner of the processes one of pidfile, exe, cmdline, unit finds: give one of them");
	if (service->fd_warn_pct >= service->fd_crit_pct &&
	    (v = mapping_value(p, map, "fd_warn")) != NULL)
		error_at(p, v, "fd_warn (%u%%) must be below fd_crit (%u%%)", service->fd_warn_pct,
			 service->fd_crit_pct);
	check_file_names(p, map, service);
}

static void config_services(struct parse *p, yaml_node_t *v, void *t)
{
	struct config *config = t;
	yaml_node_item_t *item;
	void *names = NULL;
	size_t n;

	if (v->type != YAML_SEQUENCE_NODE) {
		error_at(p, v, "services must be a list");
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (!take_budget(p, v, n))
		return;
	config->services = calloc(n ? n : 1, sizeof(*config->services));
	if (config->services == NULL)
		return;
	for (item = v->data.sequence.items.start; item < v->data.sequence.items.top; item++) {
		yaml_node_t *map = node(p, *item);
		struct service_config *service = &config->services[config->nservices++];

		service_defaults(service);
		apply_mapping(p, map, "a services entry", service_rules,
			      sizeof(service_rules) / sizeof(service_rules[0]), service);
		if (map->type != YAML_MAPPING_NODE)
			continue;
		check_service(p, map, service);
		if (service->name[0] != '\0' &&
		    seen_before(&names, service->name, compare_names) != NULL)
			error_at(p, mapping_value(p, map, "name"), "duplicate service name \"%s\"",
				 service->name);
	}
	forget_seen(names);
}

static void config_agent(struct parse *p, yaml_node_t *v, void *t)
{
	apply_mapping(p, v, "agent", agent_rules, sizeof(agent_rules) / sizeof(agent_rules[0]),
		      &((struct config *)t)->agent);
}

static const struct key_rule top_rules[] = {
	{ "agent", config_agent },
	{ "services", config_services },
};

static struct config *config_new(const char *path)
{
	struct config *config = calloc(1, sizeof(*config));

	if (config == NULL)
		return NULL;
	config->path = strdup(path);
	config->agent.agentx_socket = strdup(DEFAULT_AGENTX_SOCKET);
	config->agent.state_file = strdup(DEFAULT_STATE_FILE);
	config->agent.interval_ms = 5000;
	config->agent.history = 32;
	config->agent.ping_interval_s = 15;
	config->agent.notify_budget = DEFAULT_NOTIFY_BUDGET;
	config->agent.notify_per_ms = DEFAULT_NOTIFY_PER_MS;
	if (config->path == NULL || config->agent.agentx_socket == NULL ||
	    config->agent.state_file == NULL) {
		config_free(config);
		return NULL;
	}
	return config;
}

static void file_error(struct config_errors *errors, const char *path, size_t line, size_t col,
		       const char *message)
{
	char *text = NULL;

	if (asprintf(&text, "%s:%zu:%zu: %s", path, line, col, message) < 0)
		text = NULL;
	add_error_line(errors, text);
}

static int load_document(const char *path, const char *text, size_t len, yaml_document_t *doc,
			 struct config_errors *errors)
{
	yaml_parser_t parser;
	char message[512];
	int ok;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	ok = yaml_parser_load(&parser, doc);
	if (!ok) {
		if (parser.context != NULL)
			snprintf(message, sizeof(message), "YAML syntax error: %s %s", parser.problem,
				 parser.context);
		else
			snprintf(message, sizeof(message), "YAML syntax error: %s",
				 parser.problem ? parser.problem : "unreadable input");
		file_error(errors, path, parser.problem_mark.line + 1,
			   parser.problem_mark.column + 1, message);
	}
	yaml_parser_delete(&parser);
	return ok ? 0 : -1;
}

/* The whole of PATH, at most CONFIG_FILE_MAX bytes: a path to something else (a log, a
 * device) is refused rather than read into memory. NULL after reporting why. */
static char *read_file(const char *path, size_t *len, struct config_errors *errors)
{
	FILE *f = fopen(path, "rb");
	char message[512], *text;
	size_t have;

	if (f == NULL) {
		snprintf(message, sizeof(message), "cannot open: %s", strerror(errno));
		file_error(errors, path, 1, 1, message);
		return NULL;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		file_error(errors, path, 1, 1, "out of memory");
		return NULL;
	}
	have = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f))
		snprintf(message, sizeof(message), "cannot read: %s", strerror(errno));
	else if (have > CONFIG_FILE_MAX)
		snprintf(message, sizeof(message), "larger than %u MiB: not a configuration file",
			 CONFIG_FILE_MAX >> 20);
	else
		message[0] = '\0';
	fclose(f);
	if (message[0] != '\0') {
		file_error(errors, path, 1, 1, message);
		free(text);
		return NULL;
	}
	*len = have;
	return text;
}

/* flap.restarts is counted from the restart history, so the history must hold that many
 * events; agent may come after services in the file, hence a check once both are read. */
static void check_flap_against_history(struct parse *p, yaml_node_t *root,
				       const struct config *config)
{
	yaml_node_t *list = mapping_value(p, root, "services");
	size_t i = 0;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return;
	for (yaml_node_item_t *item = list->data.sequence.items.start;
	     item < list->data.sequence.items.top && i < config->nservices; item++, i++) {
		yaml_node_t *flap = mapping_value(p, node(p, *item), "flap");
		yaml_node_t *restarts = flap ? mapping_value(p, flap, "restarts") : NULL;

		if (restarts != NULL && config->services[i].flap_restarts > config->agent.history)
			error_at(p, restarts, "flap.restarts (%u) exceeds agent.history (%u): the "
				 "history could never show that many restarts",
				 config->services[i].flap_restarts, config->agent.history);
	}
}

struct config *config_parse(const char *path, const char *text, size_t len,
			    struct config_errors *errors)
{
	struct config *config = config_new(path);
	yaml_document_t doc;
	struct parse p = { .file = path, .doc = &doc, .errors = errors };
	yaml_node_t *root;
	size_t errors_before = errors->count;

	if (config == NULL) {
		file_error(errors, path, 1, 1, "out of memory");
		return NULL;
	}
	if (load_document(path, text, len, &doc, errors) < 0) {
		config_free(config);
		return NULL;
	}
	p.nodes = (size_t)(doc.nodes.top - doc.nodes.start);
	p.budget = ALIAS_EXPANSION * p.nodes;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL)
		file_error(errors, path, 1, 1, "the file is empty: it needs \"agent\" and \"services\"");
	else {
		apply_mapping(&p, root, "the top level", top_rules,
			      sizeof(top_rules) / sizeof(top_rules[0]), config);
		if (errors->count == errors_before)
			check_flap_against_history(&p, root, config);
	}
	yaml_document_delete(&doc);
	if (errors->count > errors_before) {
		config_free(config);
		return NULL;
	}
	return config;
}

struct config *config_load(const char *path, struct config_errors *errors)
{
	size_t len;
	char *text = read_file(path, &len, errors);
	struct config *config;

	if (text == NULL)
		return NULL;
	config = config_parse(path, text, len, errors);
	free(text);
	return config;
}

static void probe_free(struct probe_config *probe)
{
	free(probe->target);
	free(probe->unix_path);
	free(probe->http_host);
	free(probe->http_path);
	free(probe->send);
	free(probe->sni);
	free(probe->ca_file);
	pattern_free(probe->expect_re);
	free(probe->expect);
}

static void service_free(struct service_config *service)
{
	pattern_free(service->cmdline_re);
	free(service->match_value);
	free(service->match_user);
	for (size_t i = 0; i < service->nfiles; i++)
		free(service->files[i].path);
	free(service->files);
	for (size_t i = 0; i < service->nprobes; i++)
		probe_free(&service->probes[i]);
	free(service->probes);
}

void config_free(struct config *config)
{
	if (config == NULL)
		return;
	for (size_t i = 0; i < config->nservices; i++)
		service_free(&config->services[i]);
	free(config->services);
	free(config->agent.agentx_socket);
	free(config->agent.state_file);
	free(config->path);
	free(config);
}

void config_errors_clear(struct config_errors *errors)
{
	for (size_t i = 0; i < errors->count; i++)
		free(errors->lines[i]);
	free(errors->lines);
	errors->lines = NULL;
	errors->count = 0;
	errors->capacity = 0;
}
