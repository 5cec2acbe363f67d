/* The immutable snapshot one probe cycle produces and the MIB handlers answer from. */
#ifndef OH_SNAPSHOT_H
#define OH_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "oobhealth.h"

/* A row's index: the OID sub-identifiers that follow an instance's column. A string index
 * is its length, then its bytes, so each of those sub-identifiers fits a byte; a number
 * index (ohRestartIndex) may end the index as one sub-identifier of any uint32 value.
 * The longest strings are a service name and then a probe or file name. */
#define ROW_INDEX_BYTES (1 + OH_SERVICE_NAME_MAX + 1 + OH_PROBE_NAME_MAX)
_Static_assert(OH_FILE_NAME_MAX <= OH_PROBE_NAME_MAX, "ohFileTable's index must fit a row_index");
_Static_assert(ROW_INDEX_BYTES <= UINT8_MAX, "a string's length and nbytes must fit a byte");
struct row_index {
	uint32_t number;                   /* the last sub-identifier, when has_number */
	uint8_t nbytes;
	bool has_number;
	uint8_t bytes[ROW_INDEX_BYTES];    /* the sub-identifiers before the number */
};

/* Times are wall-clock ms since the epoch; 0 means "never" or "not known". */
struct service_row {
	struct row_index index;            /* first member: tables are looked up by it */
	const char *name;                  /* texts point into the snapshot's text blocks */
	enum service_status status;
	int32_t pid;
	int64_t start_time_ms;
	uint32_t restarts;
	int64_t last_restart_ms;
	uint32_t zombies;
	/* Of the service's process closest to its soft limit; known only when the fds of
	 * every process of the service were read (none are without a process). */
	bool fd_known;
	uint32_t fd_open;
	uint32_t fd_soft_limit;
	uint32_t fd_hard_limit;
	uint32_t fd_usage_pct;
	uint32_t fd_warn_pct;              /* the service's configured thresholds */
	uint32_t fd_crit_pct;
	/* The main process's effective uid; not known without a main process. */
	bool owner_known;
	uint32_t owner_uid;
	/* TCP connections of the process tree (tcp_connections.h); known only when the dump
	 * worked and the fds of every process of the tree were read. */
	bool connections_known;
	uint32_t connections;
	uint32_t stalled_connections;
	uint32_t stall_after_ms;           /* the service's configured stall_after */
	enum health health;
	const char *health_text;           /* at most 255 bytes, as the MIB allows */
	/* The states notifications announce, beside health: */
	enum health fd_level;              /* fd use against fd_warn/fd_crit, when fd_known */
	bool fd_limit_regressed;           /* below fd_min_limit, or lowered by the last restart */
	bool flapping;
	bool provisional;                  /* not observed yet, or a probe has no first result */
};

struct probe_row {
	struct row_index index;            /* service name, then probe name */
	const char *target;
	int status;                        /* enum probe_status */
	uint32_t latency_us;
	uint32_t consec_failures;
	uint32_t failures;
	int64_t last_success_ms;
	const char *last_error;
	/* The listener the probe reaches (sock_diag); all 0 when nothing listens. */
	uint32_t accept_queue;
	uint32_t accept_backlog;
	/* False while a listener exists but the process holding it was not found (its fds
	 * may be among those that could not be read): listener_pid 0 would say "none". */
	bool owner_known;
	uint32_t listener_pid;
	/* Known while the cycle's connection dump worked: no instance otherwise, never 0. */
	bool connections_known;
	uint32_t connections;
	uint32_t stalled_connections;
	uint32_t timeout_ms;
	bool failing;                      /* consec_failures reached the service's fail_after */
	/* TLS: the server certificate's end, and whole days until it (negative once past). */
	bool cert_known;
	int64_t cert_not_after_ms;
	int32_t cert_days_left;
	int failure_phase;                 /* enum probe_phase */
	uint32_t accept_stalled_s;         /* 0: the acceptor is not stalled */
};

struct file_row {
	struct row_index index;            /* service name, then the file's name */
	const char *path;
	int status;                        /* enum file_status */
	bool age_known;                    /* false: ohFileAge has no instance */
	uint32_t age_s;
};

struct restart_row {
	struct row_index index;            /* service name, then the restart index */
	uint32_t restart_index;
	int64_t time_ms;
	uint32_t old_pid;
	uint32_t new_pid;
	uint32_t downtime_ms;
	uint32_t old_fd_soft_limit;
	uint32_t new_fd_soft_limit;
	int32_t old_exit;                  /* wait(2) status; -1: not known */
};

/* ohStalledPeerDirection */
enum peer_direction {
	PEER_INBOUND = 1,
	PEER_OUTBOUND = 2,
};

/* ohStalledPeerState: the states' numbers of TCP-MIB's tcpConnectionState. */
enum peer_state {
	PEER_SYN_SENT = 3,
	PEER_ESTABLISHED = 5,
	PEER_FIN_WAIT1 = 6,
	PEER_CLOSE_WAIT = 8,
	PEER_LAST_ACK = 9,
	PEER_CLOSING = 10,
};

/* One of a service's stalled connections; the index names its rank, worst (longest
 * silent) first, not the connection. */
struct stalled_peer_row {
	struct row_index index;            /* service name, then the rank */
	uint32_t rank;
	char remote_address[46];           /* INET6_ADDRSTRLEN: "10.0.0.2", "2001:db8::2" */
	uint32_t remote_port;
	uint32_t local_port;
	int direction;                     /* enum peer_direction */
	uint32_t unacked_bytes;
	uint32_t retransmits;
	uint32_t silent_ms;
	int state;                         /* enum peer_state */
	uint32_t pid;
};

/* Where a snapshot's texts live: blocks that never move, freed with it. */
struct text_block {
	struct text_block *next;
	size_t used;
	size_t capacity;
	char data[];
};

struct snapshot {
	uint32_t cycles;
	uint32_t interval_ms;              /* the configured probe cycle */
	int tracking_mode;                 /* ohAgentTrackingMode: 1 process events, 2 polling */
	uint32_t last_cycle_ms;
	uint32_t last_cycle_cpu_us;
	uint64_t completed_ms;             /* CLOCK_MONOTONIC when the cycle ended */
	uint32_t config_reloads;
	uint32_t config_failures;
	const char *config_error;          /* why the last reload was rejected; "" if none was */
	uint32_t notify_budget;            /* agent.notifications, as the SNMP thread applies it */
	uint32_t notify_per_ms;
	uint32_t notify_hold_ms;
	uint32_t processes_scanned;
	uint32_t proc_pass_us;             /* wall time of the one /proc pass */
	uint32_t proc_pass_cpu_us;
	int64_t host_fd_allocated;         /* -1: could not be read */
	int64_t host_fd_max;
	int64_t host_listen_overflows;
	size_t nservices;
	struct service_row *services;      /* each table sorted by index */
	size_t nprobes;
	struct probe_row *probes;
	size_t nfiles;
	struct file_row *files;
	size_t nrestarts;
	struct restart_row *restarts;
	size_t nstalled_peers;
	struct stalled_peer_row *stalled_peers;
	struct text_block *texts;
};

/* A copy of TEXT among SNAPSHOT's texts; "" when out of memory (never NULL). */
const char *snapshot_text(struct snapshot *snapshot, const char *text);

void snapshot_free(struct snapshot *snapshot);

/* Append NAME as a length-prefixed string index (cut to what fits), or NUMBER as the
 * last sub-identifier: nothing is added after a number. */
void row_index_add_string(struct row_index *index, const char *name);
void row_index_add_number(struct row_index *index, uint32_t number);

/* How many OID sub-identifiers INDEX stands for, and the one at position I. */
uint32_t row_index_len(const struct row_index *index);
uint32_t row_index_sub(const struct row_index *index, uint32_t i);

/* Orders rows by index the way SNMP orders OIDs. */
int row_index_compare(const struct row_index *a, const struct row_index *b);
void snapshot_sort(struct snapshot *snapshot);

/* Worst health of all services (HEALTH_OK when there are none). */
enum health snapshot_worst_health(const struct snapshot *snapshot);

#endif
