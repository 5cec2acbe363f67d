/* The immutable snapshot one probe cycle produces and the MIB handlers answer from. */
#ifndef OH_SNAPSHOT_H
#define OH_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oobhealth.h"

/* A row's index as OID sub-identifiers: a string index is its length, then its bytes. */
#define ROW_INDEX_MAX (1 + OH_SERVICE_NAME_MAX + 1 + OH_PROBE_NAME_MAX)
struct row_index {
	uint32_t len;
	uint32_t sub[ROW_INDEX_MAX];
};

struct service_row {
	struct row_index index;            /* first member: tables are looked up by it */
	char name[OH_SERVICE_NAME_MAX + 1];
	enum service_status status;
	int32_t pid;
	enum health health;
	char health_text[256];
};

struct snapshot {
	uint32_t cycles;
	uint32_t last_cycle_ms;
	uint32_t last_cycle_cpu_us;
	uint64_t completed_ms;             /* CLOCK_MONOTONIC when the cycle ended */
	uint32_t config_reloads;
	uint32_t config_failures;
	uint32_t processes_scanned;
	int64_t host_fd_allocated;         /* -1: could not be read */
	int64_t host_fd_max;
	int64_t host_listen_overflows;
	size_t nservices;
	struct service_row *services;      /* sorted by index */
};

void snapshot_free(struct snapshot *snapshot);

/* Appends NAME as a length-prefixed string index. */
void row_index_add_string(struct row_index *index, const char *name);

/* Orders rows by index the way SNMP orders OIDs. */
int row_index_compare(const struct row_index *a, const struct row_index *b);
void snapshot_sort_services(struct snapshot *snapshot);

/* Worst health of all services (HEALTH_OK when there are none). */
enum health snapshot_worst_health(const struct snapshot *snapshot);

uint64_t monotonic_ms(void);

#endif
