/* A service's TCP connections against the stall rule: how many its process tree holds,
 * how many are stalled, the worst of them as stalled-peer rows, and the health reason
 * naming the worst peer. */
#include "service_stall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* A connection of the tree and the process holding it, while they are counted and ranked. */
struct held_connection {
	const struct tcp_connection *connection;
	pid_t pid;
};

/* Longest silent first; then by remote address and port, so equal ranks stay put. */
static int worst_first(const void *a, const void *b)
{
	const struct tcp_connection *x = ((const struct held_connection *)a)->connection;
	const struct tcp_connection *y = ((const struct held_connection *)b)->connection;
	uint32_t x_ms = tcp_connection_silent_ms(x), y_ms = tcp_connection_silent_ms(y);
	int by_address;

	if (x_ms != y_ms)
		return x_ms > y_ms ? -1 : 1;
	by_address = memcmp(x->remote_addr, y->remote_addr, sizeof(x->remote_addr));
	if (by_address != 0)
		return by_address;
	return (x->remote_port > y->remote_port) - (x->remote_port < y->remote_port);
}

static int peer_state(uint8_t state)
{
	switch (state) {
	case TCP_STATE_SYN_SENT: return PEER_SYN_SENT;
	case TCP_STATE_FIN_WAIT1: return PEER_FIN_WAIT1;
	case TCP_STATE_CLOSE_WAIT: return PEER_CLOSE_WAIT;
	case TCP_STATE_LAST_ACK: return PEER_LAST_ACK;
	case TCP_STATE_CLOSING: return PEER_CLOSING;
	default: return PEER_ESTABLISHED;
	}
}

static void fill_peer(const struct service_config *service, const struct held_connection *one,
		      uint32_t rank, struct stalled_peer_row *row)
{
	const struct tcp_connection *c = one->connection;

	memset(row, 0, sizeof(*row));
	row_index_add_string(&row->index, service->name);
	row_index_add_number(&row->index, rank);
	row->rank = rank;
	tcp_address_text(c->family, c->remote_addr, row->remote_address, sizeof(row->remote_address));
	row->remote_port = c->remote_port;
	row->local_port = c->local_port;
	row->direction = c->inbound ? PEER_INBOUND : PEER_OUTBOUND;
	row->unacked_bytes = c->unacked_bytes;
	row->retransmits = c->retransmits > c->probes ? c->retransmits : c->probes;
	row->silent_ms = tcp_connection_silent_ms(c);
	row->state = peer_state(c->state);
	row->pid = (uint32_t)one->pid;
}

/* e.g. "peer 10.77.3.2:8080 silent for 12 s (outbound from port 41234, 1448 bytes
 * unacknowledged); 4 of 9 connections stalled" */
static void add_reason(const struct service_config *service, const struct tcp_connection *worst,
		       const struct service_stall *stall, struct health_reasons *reasons)
{
	char address[46];
	bool v6;

	tcp_address_text(worst->family, worst->remote_addr, address, sizeof(address));
	v6 = strchr(address, ':') != NULL;
	health_add(reasons, service->stall_health,
		   "%s %s%s%s:%u silent for %u s (%s port %u, %u bytes unacknowledged); "
		   "%u of %u connections stalled",
		   worst->inbound ? "client" : "peer", v6 ? "[" : "", address, v6 ? "]" : "",
		   worst->remote_port, tcp_connection_silent_ms(worst) / 1000,
		   worst->inbound ? "inbound on" : "outbound from", worst->local_port,
		   worst->unacked_bytes, stall->stalled, stall->connections);
}

/* A connection of the tree and the first process found holding it. */
static int add_held(struct held_connection **list, size_t *count, size_t *capacity,
		    const struct tcp_connection *connection, pid_t pid)
{
	if (*count == *capacity) {
		size_t more = *capacity ? *capacity * 2 : 16;
		struct held_connection *grown = realloc(*list, more * sizeof(*grown));

		if (grown == NULL)
			return -1;
		*list = grown;
		*capacity = more;
	}
	(*list)[(*count)++] = (struct held_connection){ connection, pid };
	return 0;
}

/* Connections are rows of the table, so their addresses order them. */
static int by_connection(const void *a, const void *b)
{
	const struct tcp_connection *x = ((const struct held_connection *)a)->connection;
	const struct tcp_connection *y = ((const struct held_connection *)b)->connection;

	return (x > y) - (x < y);
}

/* The connections every process of the tree holds, each once (a socket a child inherited
 * is one connection). Returns how many, or -1 when some process's sockets could not be
 * read or when out of memory. */
static ssize_t tree_connections(const struct process_table *table, const struct process *main_proc,
				const struct tcp_connection_table *connections,
				struct socket_inode_cache *sockets, struct held_connection **held_list)
{
	struct tree_cursor cursor = { .at = -1 };
	const struct process *proc;
	size_t count = 0, capacity = 0, unique = 0;

	while ((proc = process_tree_next(table, main_proc, &cursor)) != NULL) {
		const struct process_sockets *held;

		if (proc->state == 'Z' || proc->state == 'X')
			continue;
		held = process_sockets_read(sockets, "/proc", proc->pid, proc->start_ticks);
		if (held == NULL && errno == ESRCH)
			continue;      /* exited meanwhile: its sockets went with it */
		if (held == NULL)
			return -1;
		for (size_t i = 0; i < held->count; i++) {
			const struct tcp_connection *c = tcp_connection_find(connections,
									     held->inodes[i]);

			if (c != NULL && add_held(held_list, &count, &capacity, c, proc->pid) < 0)
				return -1;
		}
	}
	if (count > 1)
		qsort(*held_list, count, sizeof(**held_list), by_connection);
	for (size_t i = 0; i < count; i++) {
		if (unique == 0 || (*held_list)[unique - 1].connection != (*held_list)[i].connection)
			(*held_list)[unique++] = (*held_list)[i];
	}
	return (ssize_t)unique;
}

void service_stall_judge(const struct service_config *service, const struct process_table *table,
			 const struct process *main_proc,
			 const struct tcp_connection_table *connections,
			 struct socket_inode_cache *sockets, struct service_stall *stall)
{
	struct held_connection *held = NULL;
	struct health_reasons reasons;
	ssize_t count;

	service_stall_clear(stall);
	if (main_proc == NULL || !connections->known)
		return;
	count = tree_connections(table, main_proc, connections, sockets, &held);
	if (count < 0) {
		free(held);
		return;
	}
	stall->known = true;
	stall->connections = (uint32_t)count;
	/* The stalled ones first, then worst first among them. */
	for (ssize_t i = 0; i < count; i++) {
		if (tcp_connection_stalled(held[i].connection, service->stall_after_ms))
			held[stall->stalled++] = held[i];
	}
	if (stall->stalled == 0) {
		free(held);
		return;
	}
	qsort(held, stall->stalled, sizeof(*held), worst_first);
	stall->npeers = stall->stalled < service->stalled_peers ? stall->stalled
								: service->stalled_peers;
	stall->peers = calloc(stall->npeers ? stall->npeers : 1, sizeof(*stall->peers));
	if (stall->peers == NULL)
		stall->npeers = 0;
	for (size_t i = 0; i < stall->npeers; i++)
		fill_peer(service, &held[i], (uint32_t)i + 1, &stall->peers[i]);
	health_reasons_init(&reasons);
	add_reason(service, held[0].connection, stall, &reasons);
	stall->reasons = health_keep(&reasons);
	free(held);
}

void service_stall_clear(struct service_stall *stall)
{
	free(stall->peers);
	free(stall->reasons);
	memset(stall, 0, sizeof(*stall));
}
