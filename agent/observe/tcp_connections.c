/* The host's TCP connections that can hold unacknowledged data, from one NETLINK_SOCK_DIAG
 * dump per cycle (IPv4 and IPv6 at once) with each one's tcp_info, told inbound or
 * outbound by the listeners of the same dump; and the one rule that says a connection is
 * stalled. */
#include "tcp_connections.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sock_diag.h"

/* The states in which a connection can hold data the peer has not acknowledged (SYN_SENT:
 * its SYN), and LISTEN for telling directions. */
#define DUMPED_STATES                                                                       \
	((1u << TCP_STATE_ESTABLISHED) | (1u << TCP_STATE_SYN_SENT) |                       \
	 (1u << TCP_STATE_FIN_WAIT1) | (1u << TCP_STATE_CLOSE_WAIT) |                       \
	 (1u << TCP_STATE_LAST_ACK) | (1u << TCP_STATE_CLOSING) | (1u << TCP_STATE_LISTEN))

/* tcp_info up to and including tcpi_total_retrans: every kernel since 2.6 sends it. */
#define TCP_INFO_NEEDED (offsetof(struct tcp_info, tcpi_total_retrans) + \
			 sizeof(((struct tcp_info *)0)->tcpi_total_retrans))

/* idiag_timer: the connection's timer is for a retransmission. */
#define DIAG_TIMER_RETRANSMIT 1
/* The kernel's TCP_RTO_MAX. */
#define RTO_MAX_MS 120000

static int grow(void **items, size_t *capacity, size_t count, size_t size)
{
	size_t more = *capacity ? *capacity * 2 : 256;
	void *grown;

	if (count < *capacity)
		return 0;
	grown = realloc(*items, more * size);
	if (grown == NULL)
		return -1;
	*items = grown;
	*capacity = more;
	return 0;
}

static void read_tcp_info(struct tcp_connection *connection, const struct nlmsghdr *msg)
{
	const struct inet_diag_msg *diag = NLMSG_DATA(msg);
	int len = (int)(msg->nlmsg_len - NLMSG_LENGTH(sizeof(*diag)));

	for (const struct rtattr *attr = (const struct rtattr *)(diag + 1); RTA_OK(attr, len);
	     attr = RTA_NEXT(attr, len)) {
		/* Copied: attributes are 4-byte aligned, struct tcp_info needs 8. */
		struct tcp_info info;

		if (attr->rta_type != INET_DIAG_INFO || RTA_PAYLOAD(attr) < TCP_INFO_NEEDED)
			continue;
		memcpy(&info, RTA_DATA(attr), TCP_INFO_NEEDED);
		connection->unacked = info.tcpi_unacked;
		connection->retransmits = info.tcpi_retransmits;
		connection->backoff = info.tcpi_backoff;
		connection->probes = info.tcpi_probes;
		connection->total_retrans = info.tcpi_total_retrans;
		connection->last_ack_recv_ms = info.tcpi_last_ack_recv;
		connection->rto_ms = info.tcpi_rto / 1000;
		connection->info_known = true;
		return;
	}
}

static int on_socket(void *context, const struct nlmsghdr *msg)
{
	struct tcp_connection_table *table = context;
	const struct inet_diag_msg *diag = NLMSG_DATA(msg);
	struct tcp_connection *connection;

	if (diag->idiag_family != AF_INET && diag->idiag_family != AF_INET6)
		return 0;
	if (diag->idiag_state == TCP_STATE_LISTEN) {
		struct tcp_listening *listening;

		if (grow((void **)&table->listening, &table->listening_capacity, table->nlistening,
			 sizeof(*listening)) < 0)
			return -1;
		listening = &table->listening[table->nlistening++];
		listening->family = diag->idiag_family;
		listening->port = ntohs(diag->id.idiag_sport);
		memcpy(listening->addr, diag->id.idiag_src, sizeof(listening->addr));
		return 0;
	}
	if (grow((void **)&table->items, &table->capacity, table->count, sizeof(*connection)) < 0)
		return -1;
	connection = &table->items[table->count++];
	memset(connection, 0, sizeof(*connection));
	connection->family = diag->idiag_family;
	connection->state = diag->idiag_state;
	connection->local_port = ntohs(diag->id.idiag_sport);
	connection->remote_port = ntohs(diag->id.idiag_dport);
	memcpy(connection->local_addr, diag->id.idiag_src, sizeof(connection->local_addr));
	memcpy(connection->remote_addr, diag->id.idiag_dst, sizeof(connection->remote_addr));
	connection->inode = diag->idiag_inode;
	connection->unacked_bytes = diag->idiag_wqueue;
	/* The zero-window probe timer backs off without doubling tcpi_rto, so the age of
	 * the data cannot be read from it: such a peer was acknowledging until it closed its
	 * window, and the last acknowledgement says how long it has been silent. */
	connection->timer_armed = diag->idiag_timer == DIAG_TIMER_RETRANSMIT;
	connection->timer_expires_ms = diag->idiag_expires;
	read_tcp_info(connection, msg);
	return 0;
}

int tcp_connections_parse_reply(struct tcp_connection_table *table, const void *buf, size_t len)
{
	return sock_diag_walk(buf, len, sizeof(struct inet_diag_msg), on_socket, table);
}

static int on_reply(void *context, const void *buf, size_t len)
{
	return tcp_connections_parse_reply(context, buf, len);
}

static int dump_family(struct tcp_connection_table *table, int family)
{
	struct {
		struct nlmsghdr hdr;
		struct inet_diag_req_v2 req;
	} request = { 0 };

	request.req.sdiag_family = (uint8_t)family;
	request.req.sdiag_protocol = IPPROTO_TCP;
	request.req.idiag_states = DUMPED_STATES;
	request.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
	return sock_diag_exchange(family == AF_INET ? "tcp connections" : "tcp6 connections",
				  &request, sizeof(request), on_reply, table, table->error,
				  sizeof(table->error));
}

/* Both families in one dump. Walking the kernel's table of connections costs about the
 * same however few it holds (it is sized by memory: 262,144 buckets on a 24 GB host), so
 * one walk instead of one per family halves the pass on a quiet host. Only the older
 * request (TCPDIAG_GETSOCK) takes AF_UNSPEC for both. */
static int dump_both_families(struct tcp_connection_table *table)
{
	struct {
		struct nlmsghdr hdr;
		struct inet_diag_req req;
	} request = { 0 };

	request.hdr.nlmsg_type = TCPDIAG_GETSOCK;
	request.req.idiag_family = AF_UNSPEC;
	request.req.idiag_states = DUMPED_STATES;
	request.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
	return sock_diag_exchange("tcp connections", &request, sizeof(request), on_reply, table,
				  table->error, sizeof(table->error));
}

int tcp_connections_dump(struct tcp_connection_table *table)
{
	table->count = 0;
	table->nlistening = 0;
	table->error[0] = '\0';
	table->known = dump_both_families(table) == 0;
	if (!table->known) {
		/* A kernel without the older request: one dump per family. */
		table->count = 0;
		table->nlistening = 0;
		table->error[0] = '\0';
		table->known = dump_family(table, AF_INET) == 0 && dump_family(table, AF_INET6) == 0;
	}
	tcp_connections_finish(table);
	return table->known ? 0 : -1;
}

static bool all_zero(const uint8_t *addr, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (addr[i] != 0)
			return false;
	}
	return true;
}

/* Whether a socket bound to ADDR (FAMILY) serves LOCAL (LOCAL_FAMILY): the same address,
 * or a wildcard (0.0.0.0 for IPv4, :: for both, as IPV6_V6ONLY is rarely set). */
static bool address_serves(int family, const uint8_t *addr, int local_family,
			   const uint8_t *local)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (all_zero(addr, len))
		return family == local_family || family == AF_INET6;
	return family == local_family && memcmp(addr, local, len) == 0;
}

static int compare_inodes(const void *a, const void *b)
{
	uint32_t x = ((const struct tcp_connection *)a)->inode;
	uint32_t y = ((const struct tcp_connection *)b)->inode;

	return (x > y) - (x < y);
}

void tcp_connections_finish(struct tcp_connection_table *table)
{
	for (size_t i = 0; i < table->count; i++) {
		struct tcp_connection *connection = &table->items[i];

		for (size_t j = 0; j < table->nlistening && !connection->inbound; j++) {
			const struct tcp_listening *l = &table->listening[j];

			connection->inbound = l->port == connection->local_port &&
					      address_serves(l->family, l->addr, connection->family,
							     connection->local_addr);
		}
	}
	if (table->count > 1)
		qsort(table->items, table->count, sizeof(*table->items), compare_inodes);
}

void tcp_connection_table_free(struct tcp_connection_table *table)
{
	free(table->items);
	free(table->listening);
	memset(table, 0, sizeof(*table));
}

const struct tcp_connection *tcp_connection_find(const struct tcp_connection_table *table,
						 uint32_t inode)
{
	struct tcp_connection key = { .inode = inode };

	if (inode == 0 || table->count == 0)
		return NULL;
	return bsearch(&key, table->items, table->count, sizeof(key), compare_inodes);
}

uint32_t tcp_connection_silent_ms(const struct tcp_connection *c)
{
	uint64_t since_last, base, age;

	if (!c->timer_armed || c->rto_ms == 0 || c->rto_ms >= RTO_MAX_MS)
		return c->last_ack_recv_ms;
	since_last = c->timer_expires_ms < c->rto_ms ? c->rto_ms - c->timer_expires_ms : 0;
	base = c->backoff < 32 ? c->rto_ms >> c->backoff : 0;
	age = since_last + (c->rto_ms - base);
	return age < c->last_ack_recv_ms ? (uint32_t)age : c->last_ack_recv_ms;
}

bool tcp_connection_stalled(const struct tcp_connection *connection, uint64_t stall_after_ms)
{
	if (!connection->info_known)
		return false;
	if (!((connection->unacked > 0 && connection->retransmits >= 2) ||
	      (connection->unacked_bytes > 0 && connection->probes >= 2)))
		return false;
	return tcp_connection_silent_ms(connection) >= stall_after_ms;
}

void tcp_connections_on_listener(const struct tcp_connection_table *table, int family,
				 const uint8_t *addr, uint16_t port, uint64_t stall_after_ms,
				 uint32_t *connections, uint32_t *stalled)
{
	*connections = 0;
	*stalled = 0;
	for (size_t i = 0; i < table->count; i++) {
		const struct tcp_connection *connection = &table->items[i];

		/* Orphans (inode 0: closed, their data still going out) are nobody's, as for
		 * a service; one still in the accept queue has no inode either. */
		if (connection->inode == 0 || !connection->inbound || connection->local_port != port ||
		    !address_serves(family, addr, connection->family, connection->local_addr))
			continue;
		(*connections)++;
		if (tcp_connection_stalled(connection, stall_after_ms))
			(*stalled)++;
	}
}

void tcp_address_text(int family, const uint8_t *addr, char *out, size_t len)
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (family == AF_INET6 && memcmp(addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		family = AF_INET;
		addr += sizeof(v4_mapped);
	}
	if (inet_ntop(family, addr, out, (socklen_t)len) == NULL)
		snprintf(out, len, "?");
}
