/* Helpers for the immutable snapshot: row indexes, ordering, release. */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health.h"

void snapshot_free(struct snapshot *snapshot)
{
	if (snapshot == NULL)
		return;
	free(snapshot->services);
	free(snapshot->probes);
	free(snapshot->files);
	free(snapshot->restarts);
	free(snapshot);
}

void row_index_add_string(struct row_index *index, const char *name)
{
	size_t len = strlen(name);

	if (index->len + 1 + len > ROW_INDEX_MAX)
		len = ROW_INDEX_MAX - index->len - 1;
	index->sub[index->len++] = (uint32_t)len;
	for (size_t i = 0; i < len; i++)
		index->sub[index->len++] = (unsigned char)name[i];
}

void row_index_add_number(struct row_index *index, uint32_t number)
{
	if (index->len < ROW_INDEX_MAX)
		index->sub[index->len++] = number;
}

int row_index_compare(const struct row_index *a, const struct row_index *b)
{
	uint32_t n = a->len < b->len ? a->len : b->len;

	for (uint32_t i = 0; i < n; i++) {
		if (a->sub[i] != b->sub[i])
			return a->sub[i] < b->sub[i] ? -1 : 1;
	}
	return (a->len > b->len) - (a->len < b->len);
}

/* Every row type begins with its struct row_index. */
static int row_order(const void *a, const void *b)
{
	return row_index_compare(a, b);
}

static void sort_rows(void *rows, size_t count, size_t size)
{
	if (count > 1)
		qsort(rows, count, size, row_order);
}

void snapshot_sort(struct snapshot *snapshot)
{
	sort_rows(snapshot->services, snapshot->nservices, sizeof(*snapshot->services));
	sort_rows(snapshot->probes, snapshot->nprobes, sizeof(*snapshot->probes));
	sort_rows(snapshot->files, snapshot->nfiles, sizeof(*snapshot->files));
	sort_rows(snapshot->restarts, snapshot->nrestarts, sizeof(*snapshot->restarts));
}

enum health snapshot_worst_health(const struct snapshot *snapshot)
{
	enum health worst = HEALTH_OK;

	for (size_t i = 0; i < snapshot->nservices; i++) {
		if (health_worse(snapshot->services[i].health, worst))
			worst = snapshot->services[i].health;
	}
	return worst;
}
