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
	free(snapshot->stalled_peers);
	for (struct text_block *block = snapshot->texts, *next; block != NULL; block = next) {
		next = block->next;
		free(block);
	}
	free(snapshot);
}

#define TEXT_BLOCK_MIN 8192

const char *snapshot_text(struct snapshot *snapshot, const char *text)
{
	size_t len = strlen(text) + 1;
	struct text_block *block = snapshot->texts;
	char *copy;

	if (block == NULL || block->capacity - block->used < len) {
		size_t capacity = len > TEXT_BLOCK_MIN ? len : TEXT_BLOCK_MIN;

		block = malloc(sizeof(*block) + capacity);
		if (block == NULL)
			return "";
		block->next = snapshot->texts;
		block->used = 0;
		block->capacity = capacity;
		snapshot->texts = block;
	}
	copy = block->data + block->used;
	memcpy(copy, text, len);
	block->used += len;
	return copy;
}

void row_index_add_string(struct row_index *index, const char *name)
{
	size_t room = ROW_INDEX_BYTES - index->nbytes;
	size_t len = strlen(name);

	if (index->has_number || room == 0)
		return;
	if (len > room - 1)
		len = room - 1;
	index->bytes[index->nbytes++] = (uint8_t)len;
	memcpy(index->bytes + index->nbytes, name, len);
	index->nbytes += (uint8_t)len;
}

void row_index_add_number(struct row_index *index, uint32_t number)
{
	if (index->has_number)
		return;
	index->number = number;
	index->has_number = true;
}

uint32_t row_index_len(const struct row_index *index)
{
	return index->nbytes + index->has_number;
}

uint32_t row_index_sub(const struct row_index *index, uint32_t i)
{
	return i < index->nbytes ? index->bytes[i] : index->number;
}

int row_index_compare(const struct row_index *a, const struct row_index *b)
{
	uint32_t a_len = row_index_len(a), b_len = row_index_len(b);
	uint32_t n = a_len < b_len ? a_len : b_len;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t a_sub = row_index_sub(a, i), b_sub = row_index_sub(b, i);

		if (a_sub != b_sub)
			return a_sub < b_sub ? -1 : 1;
	}
	return (a_len > b_len) - (a_len < b_len);
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
	sort_rows(snapshot->stalled_peers, snapshot->nstalled_peers, sizeof(*snapshot->stalled_peers));
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
