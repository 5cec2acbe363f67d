/* Unit tests for the names of files: entries: where a name comes from, what the
 * configuration refuses, and that a file's ohFileTable row keeps its index when the list
 * around it changes. */
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "cycle.h"
#include "file_check.h"
#include "probe_pool.h"
#include "snapshot.h"
#include "unit.h"

static char dir[] = "/tmp/oh-unit-files.XXXXXX";
static char yaml_path[300];

/* Loads a configuration of one service "svc" whose files: list is FILES (YAML lines). */
static struct config *load_files(const char *files, struct config_errors *errors)
{
	FILE *f = fopen(yaml_path, "w");

	if (f == NULL)
		return NULL;
	fprintf(f, "services:\n  - name: svc\n    files:\n%s", files);
	fclose(f);
	return config_load(yaml_path, errors);
}

static void names_come_from_the_key_or_the_path(void)
{
	struct config_errors errors = { 0 };
	struct config *config = load_files("      - { path: /var/log/svc/node.log, max_age: 1m }\n"
					   "      - { name: old-node.log, path: /var/log/old/node.log }\n"
					   "      - { path: /run/svc-err }\n", &errors);

	CHECK(config != NULL && errors.count == 0);
	if (config == NULL)
		return;
	CHECK(config->services[0].nfiles == 3);
	CHECK_STR(config->services[0].files[0].name, "node.log");
	CHECK_STR(config->services[0].files[1].name, "old-node.log");
	CHECK_STR(config->services[0].files[2].name, "svc-err");
	config_free(config);
}

/* The one error LINES give, without the file name in front. */
static void check_refused(const char *lines, const char *want)
{
	struct config_errors errors = { 0 };
	struct config *config = load_files(lines, &errors);
	const char *message = errors.count == 1 ? strstr(errors.lines[0], ".yaml:") : NULL;

	CHECK(config == NULL);
	CHECK(errors.count == 1);
	CHECK_STR(message != NULL ? message + strlen(".yaml:") : "", want);
	config_free(config);
	config_errors_clear(&errors);
}

static void names_that_cannot_index_a_row_are_refused(void)
{
	check_refused("      - { path: /var/log/svc/ }\n",
		      "4:17: path: \"/var/log/svc/\" has no last part to name the file by: give the "
		      "file a \"name:\"");
	check_refused("      - { path: /var/log/svc/an-access-log-of-33-characters.gz }\n",
		      "4:17: file name \"an-access-log-of-33-characters.gz\", taken from the path, is "
		      "longer than 32 characters: give the file a \"name:\"");
	check_refused("      - { path: /a/node.log }\n      - { name: node.log, path: /b/x }\n",
		      "5:17: duplicate file name \"node.log\" in service \"svc\" (first at line 4): "
		      "give one of them another \"name:\"");
	/* A name given for one file does not excuse a clash of the others. */
	check_refused("      - { name: x, path: /a/node.log }\n      - { path: /b/node.log }\n"
		      "      - { path: /c/node.log }\n",
		      "6:17: duplicate file name \"node.log\", taken from the path, in service \"svc\" "
		      "(first at line 5): give one of them a \"name:\"");
}

/* The index of the row whose path is PATH in a cycle over CONFIG. */
static struct row_index row_of(const struct config *config, const char *path)
{
	struct prober_state state = { 0 };
	struct snapshot *snapshot = cycle_run(config, &state);
	struct row_index index = { 0 };

	for (size_t i = 0; snapshot != NULL && i < snapshot->nfiles; i++) {
		if (strcmp(snapshot->files[i].path, path) == 0)
			index = snapshot->files[i].index;
	}
	snapshot_free(snapshot);
	prober_state_free(&state);
	return index;
}

static void a_row_keeps_its_index_when_a_file_is_inserted_before_it(void)
{
	struct config_errors errors = { 0 };
	struct config *before = load_files("      - { path: /run/svc/b.pid }\n", &errors);
	struct config *after = load_files("      - { path: /run/svc/a.pid }\n"
					  "      - { path: /run/svc/b.pid }\n", &errors);
	struct row_index want = { 0 }, old_row, new_row;

	CHECK(before != NULL && after != NULL && errors.count == 0);
	if (before == NULL || after == NULL)
		return;
	row_index_add_string(&want, "svc");
	row_index_add_string(&want, "b.pid");
	old_row = row_of(before, "/run/svc/b.pid");
	new_row = row_of(after, "/run/svc/b.pid");
	CHECK(row_index_compare(&old_row, &want) == 0);
	CHECK(row_index_compare(&new_row, &want) == 0);
	/* 3 "svc" 5 "b.pid": the service name, then the file name, each length-prefixed. */
	CHECK(row_index_len(&want) == 10 && row_index_sub(&want, 0) == 3 &&
	      row_index_sub(&want, 4) == 5 && row_index_sub(&want, 5) == 'b');
	config_free(before);
	config_free(after);
}

int main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(yaml_path, sizeof(yaml_path), "%s/oobhealth.yaml", dir);
	TEST(names_come_from_the_key_or_the_path);
	TEST(names_that_cannot_index_a_row_are_refused);
	TEST(a_row_keeps_its_index_when_a_file_is_inserted_before_it);
	probe_pool_stop();
	unlink(yaml_path);
	rmdir(dir);
	UNIT_EXIT();
}
