/* Unit tests for the TCP connection dump: the reply parser, directions told by the
 * listeners of the same dump, and the stall rule at its edges. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcp_connections.h"
#include "unit.h"

/* A reply being built, aligned as recv's buffer is. */
static struct {
	char bytes[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
} reply;

struct socket_spec {
	uint8_t state;
	const char *local;
	uint16_t local_port;
	const char *remote;
	uint16_t remote_port;
	uint32_t inode;
	uint32_t wqueue;
	const struct tcp_info *info;      /* NULL: no INET_DIAG_INFO attribute */
	size_t info_len;
};

static void add_socket(const struct socket_spec *spec)
{
	struct nlmsghdr *hdr = (struct nlmsghdr *)(reply.bytes + reply.len);
	struct inet_diag_msg *diag = NLMSG_DATA(hdr);
	size_t len = NLMSG_LENGTH(sizeof(*diag));

	memset(hdr, 0, NLMSG_SPACE(sizeof(*diag)) + RTA_SPACE(sizeof(struct tcp_info)));
	diag->idiag_family = AF_INET;
	diag->idiag_state = spec->state;
	diag->id.idiag_sport = htons(spec->local_port);
	diag->id.idiag_dport = htons(spec->remote_port);
	inet_pton(AF_INET, spec->local, diag->id.idiag_src);
	inet_pton(AF_INET, spec->remote, diag->id.idiag_dst);
	diag->idiag_inode = spec->inode;
	diag->idiag_wqueue = spec->wqueue;
	if (spec->info != NULL) {
		struct rtattr *attr = (struct rtattr *)((char *)hdr + NLMSG_ALIGN(len));

		attr->rta_type = INET_DIAG_INFO;
		attr->rta_len = (unsigned short)RTA_LENGTH(spec->info_len);
		memcpy(RTA_DATA(attr), spec->info, spec->info_len);
		len = NLMSG_ALIGN(len) + RTA_ALIGN(attr->rta_len);
	}
	hdr->nlmsg_len = (uint32_t)len;
	hdr->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	reply.len += NLMSG_ALIGN(len);
}

static void add_done(void)
{
	struct nlmsghdr *hdr = (struct nlmsghdr *)(reply.bytes + reply.len);

	memset(hdr, 0, NLMSG_LENGTH(sizeof(int)));
	hdr->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	hdr->nlmsg_type = NLMSG_DONE;
	reply.len += NLMSG_ALIGN(hdr->nlmsg_len);
}

static struct tcp_info silent_info(void)
{
	struct tcp_info info = { 0 };

	info.tcpi_unacked = 2;
	info.tcpi_retransmits = 3;
	info.tcpi_backoff = 3;
	info.tcpi_total_retrans = 9;
	info.tcpi_last_ack_recv = 12000;
	return info;
}

/* A listener on 0.0.0.0:8080, a client's connection to it (inode 7, silent 12 s), and an
 * outbound connection from port 41234 without tcp_info (inode 5). */
static void build_reply(void)
{
	struct tcp_info info = silent_info();

	reply.len = 0;
	add_socket(&(struct socket_spec){ .state = TCP_STATE_LISTEN, .local = "0.0.0.0",
					  .local_port = 8080, .remote = "0.0.0.0", .inode = 3 });
	add_socket(&(struct socket_spec){ .state = TCP_STATE_ESTABLISHED, .local = "10.0.0.1",
					  .local_port = 8080, .remote = "10.0.0.2",
					  .remote_port = 50122, .inode = 7, .wqueue = 1448,
					  .info = &info, .info_len = sizeof(info) });
	add_socket(&(struct socket_spec){ .state = TCP_STATE_CLOSE_WAIT, .local = "10.0.0.1",
					  .local_port = 41234, .remote = "10.0.0.3",
					  .remote_port = 443, .inode = 5 });
}

static void reply_is_parsed_and_directions_told(void)
{
	struct tcp_connection_table table = { 0 };
	const struct tcp_connection *in, *out;
	uint32_t connections, stalled;
	uint8_t any[16] = { 0 };

	build_reply();
	add_done();
	CHECK(tcp_connections_parse_reply(&table, reply.bytes, reply.len) == 1);
	tcp_connections_finish(&table);
	CHECK(table.count == 2 && table.nlistening == 1);
	CHECK(table.items[0].inode == 5 && table.items[1].inode == 7);
	in = tcp_connection_find(&table, 7);
	out = tcp_connection_find(&table, 5);
	CHECK(in != NULL && out != NULL && tcp_connection_find(&table, 0) == NULL &&
	      tcp_connection_find(&table, 6) == NULL);
	if (in == NULL || out == NULL)
		goto done;
	CHECK(in->inbound && in->info_known && in->local_port == 8080 && in->remote_port == 50122);
	CHECK(in->unacked_bytes == 1448 && in->unacked == 2 && in->retransmits == 3 &&
	      in->backoff == 3 && in->total_retrans == 9 && in->last_ack_recv_ms == 12000);
	CHECK(!out->inbound && !out->info_known && out->state == TCP_STATE_CLOSE_WAIT);
	CHECK(tcp_connection_stalled(in, 10000) && !tcp_connection_stalled(out, 1000));
	tcp_connections_on_listener(&table, AF_INET, any, 8080, 10000, &connections, &stalled);
	CHECK(connections == 1 && stalled == 1);
	tcp_connections_on_listener(&table, AF_INET, any, 8080, 20000, &connections, &stalled);
	CHECK(connections == 1 && stalled == 0);
	tcp_connections_on_listener(&table, AF_INET, any, 41234, 1000, &connections, &stalled);
	CHECK(connections == 0);
done:
	tcp_connection_table_free(&table);
}

static void reply_without_done_asks_for_more(void)
{
	struct tcp_connection_table table = { 0 };

	build_reply();
	CHECK(tcp_connections_parse_reply(&table, reply.bytes, reply.len) == 0);
	CHECK(table.count == 2);
	tcp_connection_table_free(&table);
}

static void short_tcp_info_is_not_known(void)
{
	struct tcp_connection_table table = { 0 };
	struct tcp_info info = silent_info();

	reply.len = 0;
	add_socket(&(struct socket_spec){ .state = TCP_STATE_ESTABLISHED, .local = "10.0.0.1",
					  .local_port = 1, .remote = "10.0.0.2", .inode = 9,
					  .info = &info,
					  .info_len = offsetof(struct tcp_info, tcpi_total_retrans) });
	CHECK(tcp_connections_parse_reply(&table, reply.bytes, reply.len) == 0);
	CHECK(table.count == 1 && !table.items[0].info_known);
	CHECK(!tcp_connection_stalled(&table.items[0], 1000));
	tcp_connection_table_free(&table);
}

static void message_shorter_than_its_header_is_refused(void)
{
	struct tcp_connection_table table = { 0 };
	struct nlmsghdr *hdr = (struct nlmsghdr *)reply.bytes;

	memset(reply.bytes, 0, sizeof(reply.bytes));
	hdr->nlmsg_len = NLMSG_LENGTH(8);
	hdr->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	errno = 0;
	CHECK(tcp_connections_parse_reply(&table, reply.bytes, NLMSG_ALIGN(hdr->nlmsg_len)) == -1);
	CHECK(errno == EPROTO && table.count == 0);
	tcp_connection_table_free(&table);
}

static struct tcp_connection connection(uint32_t unacked, uint8_t retransmits, uint8_t probes,
					uint32_t silent_ms)
{
	return (struct tcp_connection){ .info_known = true, .unacked = unacked,
					.retransmits = retransmits, .probes = probes,
					.last_ack_recv_ms = silent_ms };
}

static void stall_rule_edges(void)
{
	struct tcp_connection c;

	c = connection(3, 2, 0, 3000);
	CHECK(tcp_connection_stalled(&c, 3000));          /* silent exactly stall_after */
	c = connection(3, 2, 0, 2999);
	CHECK(!tcp_connection_stalled(&c, 3000));         /* just under */
	c = connection(3, 1, 0, 60000);
	CHECK(!tcp_connection_stalled(&c, 3000));         /* resent once: a lost segment */
	c = connection(0, 6, 0, 60000);
	CHECK(!tcp_connection_stalled(&c, 3000));         /* nothing outstanding */
	c = connection(0, 0, 2, 60000);
	c.unacked_bytes = 100;
	CHECK(tcp_connection_stalled(&c, 3000));          /* zero window, probes unanswered */
	c.unacked_bytes = 0;
	CHECK(!tcp_connection_stalled(&c, 3000));         /* keepalive probes: nothing queued */
	c = connection(0, 0, 1, 60000);
	c.unacked_bytes = 100;
	CHECK(!tcp_connection_stalled(&c, 3000));
	c = connection(0, 0, 2, 100);
	c.unacked_bytes = 100;
	CHECK(!tcp_connection_stalled(&c, 3000));         /* probes answered recently */
	c = connection(3, 2, 0, 60000);
	c.info_known = false;
	CHECK(!tcp_connection_stalled(&c, 3000));
}

/* The data's age from the timer: rto 800 ms after two backoffs (first send 200 ms), the
 * timer due in 300 ms: resent 500 ms ago, and 200 + 400 ms before that. */
static void silence_is_the_age_of_the_data_not_the_idle_time(void)
{
	struct tcp_connection c = connection(3, 2, 0, 600000);

	c.backoff = 2;
	c.rto_ms = 800;
	c.timer_armed = true;
	c.timer_expires_ms = 300;
	CHECK(tcp_connection_silent_ms(&c) == 1100);
	CHECK(!tcp_connection_stalled(&c, 3000));         /* idle 10 min, lost twice just now */
	CHECK(tcp_connection_stalled(&c, 1000));
	/* A partition 6.2 s old: rto 6400 ms after five backoffs, resent just now. */
	c.backoff = 5;
	c.retransmits = 5;
	c.rto_ms = 6400;
	c.timer_expires_ms = 6400;
	c.last_ack_recv_ms = 9000;
	CHECK(tcp_connection_silent_ms(&c) == 6200);
	CHECK(tcp_connection_stalled(&c, 6000) && !tcp_connection_stalled(&c, 7000));
	/* Never more than since the last acknowledgement. */
	c.last_ack_recv_ms = 2000;
	CHECK(tcp_connection_silent_ms(&c) == 2000);
	/* At the 120 s cap the halving stops: the acknowledgement time alone. */
	c.rto_ms = 120000;
	c.last_ack_recv_ms = 900000;
	CHECK(tcp_connection_silent_ms(&c) == 900000);
	/* No timer armed: the acknowledgement time. */
	c.rto_ms = 800;
	c.timer_armed = false;
	CHECK(tcp_connection_silent_ms(&c) == 900000);
}

static void addresses_as_text(void)
{
	uint8_t addr[16];
	char text[46];

	inet_pton(AF_INET6, "::ffff:10.0.0.2", addr);
	tcp_address_text(AF_INET6, addr, text, sizeof(text));
	CHECK_STR(text, "10.0.0.2");
	inet_pton(AF_INET6, "2001:db8::2", addr);
	tcp_address_text(AF_INET6, addr, text, sizeof(text));
	CHECK_STR(text, "2001:db8::2");
	inet_pton(AF_INET, "192.0.2.7", addr);
	tcp_address_text(AF_INET, addr, text, sizeof(text));
	CHECK_STR(text, "192.0.2.7");
}

static uint32_t inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

/* A loopback pair of this process's own: the accepted end is inbound, the client's end
 * outbound, both found by inode in a real dump. */
static void own_connection_is_dumped(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct tcp_connection_table table = { 0 };
	const struct tcp_connection *server_end, *client_end;
	int listener = socket(AF_INET, SOCK_STREAM, 0), client = socket(AF_INET, SOCK_STREAM, 0);
	int accepted;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(listener, (struct sockaddr *)&addr, len) == 0 && listen(listener, 4) == 0 &&
	      getsockname(listener, (struct sockaddr *)&addr, &len) == 0 &&
	      connect(client, (struct sockaddr *)&addr, len) == 0);
	accepted = accept(listener, NULL, NULL);
	CHECK(accepted >= 0);
	CHECK(tcp_connections_dump(&table) == 0 && table.known && table.error[0] == '\0');
	server_end = tcp_connection_find(&table, inode_of(accepted));
	client_end = tcp_connection_find(&table, inode_of(client));
	CHECK(server_end != NULL && client_end != NULL);
	if (server_end != NULL && client_end != NULL) {
		CHECK(server_end->inbound && server_end->info_known &&
		      server_end->local_port == ntohs(addr.sin_port));
		CHECK(!client_end->inbound && client_end->remote_port == ntohs(addr.sin_port));
		CHECK(!tcp_connection_stalled(server_end, 1000) &&
		      !tcp_connection_stalled(client_end, 1000));
	}
	CHECK(tcp_connection_find(&table, inode_of(listener)) == NULL);
	tcp_connection_table_free(&table);
	close(accepted);
	close(client);
	close(listener);
}

int main(void)
{
	TEST(reply_is_parsed_and_directions_told);
	TEST(reply_without_done_asks_for_more);
	TEST(short_tcp_info_is_not_known);
	TEST(message_shorter_than_its_header_is_refused);
	TEST(stall_rule_edges);
	TEST(silence_is_the_age_of_the_data_not_the_idle_time);
	TEST(addresses_as_text);
	TEST(own_connection_is_dumped);
	UNIT_EXIT();
}
