/* The host's TCP connections that can hold unacknowledged data, from one NETLINK_SOCK_DIAG
 * dump per cycle (IPv4 and IPv6 at once) with each one's tcp_info, told inbound or
 * outbound by the listeners of the same dump; and the one rule that says a connection is
 * stalled. */
#ifndef OH_TCP_CONNECTIONS_H
#define OH_TCP_CONNECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kernel's TCP states (include/net/tcp_states.h) this dump asks for or reports. */
enum tcp_state {
	TCP_STATE_ESTABLISHED = 1,
	TCP_STATE_SYN_SENT = 2,
	TCP_STATE_FIN_WAIT1 = 4,
	TCP_STATE_CLOSE_WAIT = 8,
	TCP_STATE_LAST_ACK = 9,
	TCP_STATE_LISTEN = 10,
	TCP_STATE_CLOSING = 11,
};

struct tcp_connection {
	uint8_t family;              /* AF_INET or AF_INET6 */
	uint8_t state;               /* enum tcp_state */
	bool inbound;                /* its local address and port are a listener's */
	bool info_known;             /* the kernel sent tcp_info: the counters below are its */
	uint16_t local_port;         /* host order */
	uint16_t remote_port;
	uint8_t local_addr[16];      /* network order; IPv4 in the first 4 bytes */
	uint8_t remote_addr[16];
	uint32_t inode;              /* 0: no longer held by any process (orphaned) */
	uint32_t unacked_bytes;      /* idiag_wqueue: sent and not acknowledged (write_seq - snd_una) */
	uint32_t unacked;            /* tcpi_unacked: segments in flight */
	uint8_t retransmits;         /* tcpi_retransmits: consecutive RTO retransmissions now */
	uint8_t backoff;             /* tcpi_backoff */
	uint8_t probes;              /* tcpi_probes: unanswered zero-window or keepalive probes */
	uint32_t total_retrans;      /* tcpi_total_retrans */
	uint32_t last_ack_recv_ms;   /* tcpi_last_ack_recv: since the peer last acknowledged */
	uint32_t rto_ms;             /* tcpi_rto: the retransmission timeout, backed off */
	bool timer_armed;            /* idiag_timer: a retransmission is due (not a zero-window
				      * probe, whose timer does not back tcpi_rto off) */
	uint32_t timer_expires_ms;   /* idiag_expires: in how long */
};

/* A listening socket of the dump: what makes a connection on its address inbound. */
struct tcp_listening {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

struct tcp_connection_table {
	struct tcp_connection *items;      /* sorted by inode once the dump is complete */
	size_t count;
	size_t capacity;
	struct tcp_listening *listening;
	size_t nlistening;
	size_t listening_capacity;
	bool known;                        /* both families were dumped whole */
	char error[160];                   /* why not; "" when known */
};

/* Dumps IPv4 and IPv6 into TABLE (emptied first): in one request, or one per family where
 * the kernel lacks the one that takes both. Returns 0, or -1 with TABLE->error set and
 * TABLE->known false. */
int tcp_connections_dump(struct tcp_connection_table *table);

/* Adds to TABLE what one netlink reply of such a dump holds: LEN bytes at BUF, aligned as
 * recv gives them. Returns 1 when the reply ends the dump, 0 when more follow, -1 with
 * errno set (the kernel's error, EPROTO, or ENOMEM). */
int tcp_connections_parse_reply(struct tcp_connection_table *table, const void *buf, size_t len);

/* Once every reply is in: tells each connection's direction and sorts them by inode. */
void tcp_connections_finish(struct tcp_connection_table *table);

void tcp_connection_table_free(struct tcp_connection_table *table);

/* The connection holding socket INODE (0 never matches); NULL when none does. */
const struct tcp_connection *tcp_connection_find(const struct tcp_connection_table *table,
						 uint32_t inode);

/* How long the peer has left the connection waiting: since it last acknowledged anything
 * (tcpi_last_ack_recv), but, while a retransmission is due, no longer than the oldest
 * unacknowledged data has been out.
 * That age is not in tcp_info; it follows from the timer's backoff: the last resend was
 * tcpi_rto - idiag_expires ago, and the ones before it each half as far apart, back to
 * the first send (rto >> backoff before the first resend). Past the kernel's 120 s cap on
 * the timeout the halving no longer holds, and the acknowledgement time alone is used. */
uint32_t tcp_connection_silent_ms(const struct tcp_connection *connection);

/* Stalled: data outstanding that the retransmission timer has resent at least twice in a
 * row (tcpi_unacked > 0 and tcpi_retransmits >= 2), or queued data behind at least two
 * unanswered zero-window probes (idiag_wqueue > 0 and tcpi_probes >= 2: keepalive probes
 * of an idle connection do not count), and the peer silent (tcp_connection_silent_ms) for
 * STALL_AFTER_MS. Twice, not once, and the age of the data, not the last acknowledgement
 * alone: a connection idle for minutes whose first segment is lost is not silent for its
 * idle time. */
bool tcp_connection_stalled(const struct tcp_connection *connection, uint64_t stall_after_ms);

/* The inbound connections a process holds (inode not 0) on a listener at ADDR (FAMILY,
 * network order; all zero: any) and PORT: how many, and how many of them are stalled
 * after STALL_AFTER_MS. */
void tcp_connections_on_listener(const struct tcp_connection_table *table, int family,
				 const uint8_t *addr, uint16_t port, uint64_t stall_after_ms,
				 uint32_t *connections, uint32_t *stalled);

/* ADDR of FAMILY as text: "10.0.0.2", "2001:db8::2"; an IPv4-mapped IPv6 address as IPv4. */
void tcp_address_text(int family, const uint8_t *addr, char *out, size_t len);

#endif
