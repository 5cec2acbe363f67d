/* Unit tests for where a failing probe stopped: the phase each kernel view gives, and the
 * views read from real connections on loopback and unix sockets at each stage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn_diag.h"
#include "probe_phase.h"
#include "unit.h"

static enum probe_phase timeout_with(struct connection_view view)
{
	return probe_phase_classify(PROBE_TIMEOUT, &view);
}

static void statuses_that_say_it_all_need_no_view(void)
{
	struct connection_view none = { 0 };

	CHECK(probe_phase_classify(PROBE_OK, &none) == PHASE_NONE);
	CHECK(probe_phase_classify(PROBE_REFUSED, &none) == PHASE_REFUSED);
	CHECK(probe_phase_classify(PROBE_BACKLOG_FULL, &none) == PHASE_NEVER_ACCEPTED);
	CHECK(probe_phase_classify(PROBE_BAD_RESPONSE, &none) == PHASE_BAD_RESPONSE);
	CHECK(probe_phase_classify(PROBE_ERROR, &none) == PHASE_OTHER);
	CHECK(probe_phase_classify(PROBE_NOT_RUN, &none) == PHASE_OTHER);
}

static void a_timeout_is_told_by_the_server_side(void)
{
	CHECK(timeout_with((struct connection_view){ .syn_sent = true }) == PHASE_NOT_COMPLETED);
	CHECK(timeout_with((struct connection_view){ 0 }) == PHASE_OTHER);
	CHECK(timeout_with((struct connection_view){ .server_found = true, .unread = 18 })
	      == PHASE_NEVER_ACCEPTED);
	CHECK(timeout_with((struct connection_view){ .server_found = true, .accepted = true,
						     .unread = 18 }) == PHASE_REQUEST_UNREAD);
	CHECK(timeout_with((struct connection_view){ .server_found = true, .accepted = true })
	      == PHASE_NO_REPLY);
}

static void the_view_of_a_passing_probe_does_not_matter(void)
{
	struct connection_view stuck = { .server_found = true };

	CHECK(probe_phase_classify(PROBE_OK, &stuck) == PHASE_NONE);
	CHECK(probe_phase_classify(PROBE_BAD_RESPONSE, &stuck) == PHASE_BAD_RESPONSE);
}

/* A loopback listener (backlog 4) and a connected client that sent PING\r\n. */
static int tcp_pair(int *listener, int *client)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);

	*listener = socket(AF_INET, SOCK_STREAM, 0);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*listener < 0 || *client < 0 || bind(*listener, (struct sockaddr *)&addr, len) < 0 ||
	    listen(*listener, 4) < 0 || getsockname(*listener, (struct sockaddr *)&addr, &len) < 0 ||
	    connect(*client, (struct sockaddr *)&addr, len) < 0 || send(*client, "PING\r\n", 6, 0) != 6)
		return -1;
	/* Loopback delivers at once; a short pause lets the segment land. */
	usleep(50000);
	return 0;
}

static void tcp_connection_views_follow_the_server(void)
{
	struct connection_view view;
	int listener, client, server;
	char buf[8];

	if (tcp_pair(&listener, &client) < 0) {
		CHECK(!"loopback TCP pair");
		return;
	}
	connection_view_read(client, AF_INET, &view);
	CHECK(view.server_found && !view.accepted && view.unread == 6);
	server = accept(listener, NULL, NULL);
	connection_view_read(client, AF_INET, &view);
	CHECK(view.server_found && view.accepted && view.unread == 6);
	CHECK(read(server, buf, sizeof(buf)) == 6);
	connection_view_read(client, AF_INET, &view);
	CHECK(view.server_found && view.accepted && view.unread == 0 && !view.syn_sent);
	close(server);
	close(client);
	close(listener);
}

/* A full accept queue drops the next SYN: that connect stays in SYN_SENT. */
static void connect_into_a_full_queue_is_seen_unanswered(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	struct connection_view view;
	int listener = socket(AF_INET, SOCK_STREAM, 0), first = socket(AF_INET, SOCK_STREAM, 0);
	int second = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (bind(listener, (struct sockaddr *)&addr, len) < 0 || listen(listener, 0) < 0 ||
	    getsockname(listener, (struct sockaddr *)&addr, &len) < 0 ||
	    connect(first, (struct sockaddr *)&addr, len) < 0) {
		CHECK(!"loopback listener with a full queue");
		return;
	}
	CHECK(connect(second, (struct sockaddr *)&addr, len) < 0 && errno == EINPROGRESS);
	usleep(50000);
	connection_view_read(second, AF_INET, &view);
	CHECK(view.syn_sent && !view.server_found);
	CHECK(probe_phase_classify(PROBE_TIMEOUT, &view) == PHASE_NOT_COMPLETED);
	close(second);
	close(first);
	close(listener);
}

static void unix_connection_views_follow_the_server(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct connection_view view;
	socklen_t len;
	int listener = socket(AF_UNIX, SOCK_STREAM, 0), client = socket(AF_UNIX, SOCK_STREAM, 0);
	int server = -1;
	char buf[8];

	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "oobhealth-unit-phase-%d", (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sun.sun_path + 1));
	if (bind(listener, (struct sockaddr *)&sun, len) < 0 || listen(listener, 4) < 0 ||
	    connect(client, (struct sockaddr *)&sun, len) < 0 || send(client, "PING\r\n", 6, 0) != 6) {
		CHECK(!"unix pair");
		return;
	}
	connection_view_read(client, AF_UNIX, &view);
	CHECK(view.server_found && !view.accepted);
	server = accept(listener, NULL, NULL);
	connection_view_read(client, AF_UNIX, &view);
	CHECK(view.server_found && view.accepted && view.unread == 6);
	CHECK(read(server, buf, sizeof(buf)) == 6);
	connection_view_read(client, AF_UNIX, &view);
	CHECK(view.server_found && view.accepted && view.unread == 0);
	close(server);
	close(client);
	close(listener);
}

static void lookups_of_what_is_gone_fail_with_the_kernels_error(void)
{
	struct conn_side side;

	errno = 0;
	CHECK(conn_diag_unix(1, &side) < 0 && errno == ENOENT);
}

/* The kernel answers an exact lookup of a connection it does not have with the listener on
 * that address, whose inode and accept queue are no connection's. */
static void a_listener_is_not_taken_for_the_connection(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET }, nobody = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);
	struct conn_side side;
	int listener = socket(AF_INET, SOCK_STREAM, 0), queued = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	nobody.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	nobody.sin_port = htons(1);
	CHECK(listener >= 0 && queued >= 0 &&
	      bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	      listen(listener, 8) == 0 &&
	      getsockname(listener, (struct sockaddr *)&addr, &len) == 0 &&
	      connect(queued, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	errno = 0;
	CHECK(conn_diag_tcp_server((struct sockaddr *)&nobody, (struct sockaddr *)&addr, &side) < 0 &&
	      errno == ENOENT);
	close(queued);
	close(listener);
}

static void malformed_replies_are_refused(void)
{
	struct conn_side side;
	uint32_t words[32] = { 0 };

	CHECK(conn_diag_parse_reply(AF_INET, words, 0, &side) < 0 && errno == EPROTO);
	/* A header that claims more bytes than were received. */
	words[0] = 200;
	CHECK(conn_diag_parse_reply(AF_INET, words, sizeof(words), &side) < 0 && errno == EPROTO);
	/* A socket message too short for its fixed part. */
	words[0] = 20;
	words[1] = 20; /* SOCK_DIAG_BY_FAMILY */
	CHECK(conn_diag_parse_reply(AF_UNIX, words, sizeof(words), &side) < 0 && errno == EPROTO);
}

int main(void)
{
	TEST(statuses_that_say_it_all_need_no_view);
	TEST(a_timeout_is_told_by_the_server_side);
	TEST(the_view_of_a_passing_probe_does_not_matter);
	TEST(tcp_connection_views_follow_the_server);
	TEST(connect_into_a_full_queue_is_seen_unanswered);
	TEST(unix_connection_views_follow_the_server);
	TEST(lookups_of_what_is_gone_fail_with_the_kernels_error);
	TEST(a_listener_is_not_taken_for_the_connection);
	TEST(malformed_replies_are_refused);
	UNIT_EXIT();
}
