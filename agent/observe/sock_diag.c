/* The host's listening sockets from NETLINK_SOCK_DIAG, dumped once per cycle: accept
 * queue and backlog of TCP and unix listeners; and the netlink exchange every dump uses. */
#include "sock_diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define TCP_STATE_LISTEN 10

static int add_listener(struct listener_table *table, const struct listener *listener)
{
	struct listener *grown = realloc(table->items, (table->count + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	table->items = grown;
	table->items[table->count++] = *listener;
	return 0;
}

int sock_diag_exchange(const char *what, void *request, size_t len, sock_diag_reply on_reply,
		       void *context, char *error, size_t error_len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval timeout = { .tv_sec = 1 };
	struct nlmsghdr *hdr = request;
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	hdr->nlmsg_len = (uint32_t)len;
	if (hdr->nlmsg_type == 0)
		hdr->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	hdr->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	if (sendto(fd, request, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		goto fail;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int done;

		if (n < 0)
			goto fail;
		done = on_reply(context, buf, (size_t)n);
		if (done < 0)
			goto fail;
		if (done) {
			close(fd);
			return 0;
		}
	}
fail:
	snprintf(error, error_len, "sock_diag %s dump: %s", what, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

struct listener_reply {
	struct listener_table *table;
	enum sock_diag_dump kind;
};

static int on_listener_reply(void *context, const void *buf, size_t len)
{
	struct listener_reply *reply = context;

	return sock_diag_parse_reply(reply->table, reply->kind, buf, len);
}

static int dump(struct listener_table *table, const char *what, void *request, size_t len,
		enum sock_diag_dump kind)
{
	struct listener_reply reply = { table, kind };

	return sock_diag_exchange(what, request, len, on_listener_reply, &reply, table->error,
				  sizeof(table->error));
}

static int on_inet_listener(void *context, const struct nlmsghdr *msg)
{
	struct listener_table *table = context;
	const struct inet_diag_msg *diag = NLMSG_DATA(msg);
	struct listener listener = { .family = diag->idiag_family };

	memcpy(listener.addr, diag->id.idiag_src, sizeof(listener.addr));
	listener.port = ntohs(diag->id.idiag_sport);
	listener.inode = diag->idiag_inode;
	/* For a listening socket the kernel reports the accept queue and its maximum. */
	listener.accept_queue = diag->idiag_rqueue;
	listener.accept_backlog = diag->idiag_wqueue;
	return add_listener(table, &listener);
}

static int dump_tcp_listeners(struct listener_table *table, int family)
{
	struct {
		struct nlmsghdr hdr;
		struct inet_diag_req_v2 req;
	} request = { 0 };

	request.req.sdiag_family = (uint8_t)family;
	request.req.sdiag_protocol = IPPROTO_TCP;
	request.req.idiag_states = 1u << TCP_STATE_LISTEN;
	return dump(table, family == AF_INET ? "tcp" : "tcp6", &request, sizeof(request),
		    SOCK_DIAG_INET_LISTENERS);
}

static int on_unix_listener(void *context, const struct nlmsghdr *msg)
{
	struct listener_table *table = context;
	const struct unix_diag_msg *diag = NLMSG_DATA(msg);
	int len = (int)(msg->nlmsg_len - NLMSG_LENGTH(sizeof(*diag)));
	struct listener listener = { .family = AF_UNIX, .inode = diag->udiag_ino };

	for (const struct rtattr *attr = (const struct rtattr *)(diag + 1); RTA_OK(attr, len);
	     attr = RTA_NEXT(attr, len)) {
		if (attr->rta_type == UNIX_DIAG_NAME) {
			size_t n = RTA_PAYLOAD(attr);

			if (n >= sizeof(listener.path))
				n = sizeof(listener.path) - 1;
			memcpy(listener.path, RTA_DATA(attr), n);
			listener.path[n] = '\0';
			if (n > 0 && listener.path[0] == '\0')
				listener.path[0] = '@';
		} else if (attr->rta_type == UNIX_DIAG_RQLEN &&
			   RTA_PAYLOAD(attr) >= sizeof(struct unix_diag_rqlen)) {
			const struct unix_diag_rqlen *rqlen = RTA_DATA(attr);

			listener.accept_queue = rqlen->udiag_rqueue;
			listener.accept_backlog = rqlen->udiag_wqueue;
		}
	}
	if (listener.path[0] == '\0')
		return 0; /* unnamed: nothing can connect to it by name */
	return add_listener(table, &listener);
}

static int dump_unix(struct listener_table *table)
{
	struct {
		struct nlmsghdr hdr;
		struct unix_diag_req req;
	} request = { 0 };

	request.req.sdiag_family = AF_UNIX;
	request.req.udiag_states = 1u << TCP_STATE_LISTEN;
	request.req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_RQLEN;
	return dump(table, "unix", &request, sizeof(request), SOCK_DIAG_UNIX_LISTENERS);
}

int sock_diag_walk(const void *buf, size_t len, size_t header_len, sock_diag_message on_message,
		   void *context)
{
	const char *at = buf;
	size_t left = len;

	/* NLMSG_OK and NLMSG_NEXT, with sizes that cannot go negative. */
	while (left >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *msg = (const struct nlmsghdr *)at;
		size_t step;

		if (msg->nlmsg_len < sizeof(*msg) || msg->nlmsg_len > left)
			break;
		step = NLMSG_ALIGN(msg->nlmsg_len);
		if (msg->nlmsg_type == NLMSG_DONE)
			return 1;
		if (msg->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *err = NLMSG_DATA(msg);

			errno = msg->nlmsg_len >= NLMSG_LENGTH(sizeof(err->error)) &&
				err->error < 0 && err->error > -4096 ? -err->error : EPROTO;
			return -1;
		}
		/* The kernel never sends less; what does is not a sock_diag reply. */
		if (msg->nlmsg_len < NLMSG_LENGTH(header_len)) {
			errno = EPROTO;
			return -1;
		}
		if (on_message(context, msg) < 0) {
			errno = ENOMEM;
			return -1;
		}
		if (step >= left)
			break;
		at += step;
		left -= step;
	}
	return 0;
}

int sock_diag_parse_reply(struct listener_table *table, enum sock_diag_dump kind, const void *buf,
			  size_t len)
{
	if (kind == SOCK_DIAG_UNIX_LISTENERS)
		return sock_diag_walk(buf, len, sizeof(struct unix_diag_msg), on_unix_listener, table);
	return sock_diag_walk(buf, len, sizeof(struct inet_diag_msg), on_inet_listener, table);
}

int sock_diag_dump(bool want_tcp, bool want_unix, struct listener_table *table)
{
	int rc = 0;

	memset(table, 0, sizeof(*table));
	if (want_tcp) {
		rc |= dump_tcp_listeners(table, AF_INET);
		rc |= dump_tcp_listeners(table, AF_INET6);
	}
	if (want_unix)
		rc |= dump_unix(table);
	return rc < 0 ? -1 : 0;
}

void listener_table_free(struct listener_table *table)
{
	free(table->items);
	memset(table, 0, sizeof(*table));
}

static bool all_zero(const uint8_t *addr, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (addr[i] != 0)
			return false;
	}
	return true;
}

const struct listener *listener_for_inet(const struct listener_table *table,
					 const struct sockaddr *addr)
{
	const struct listener *wildcard = NULL;
	uint8_t want[16] = { 0 };
	size_t want_len;
	uint16_t port;

	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;

		memcpy(want, &sin->sin_addr, 4);
		want_len = 4;
		port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;

		memcpy(want, &sin6->sin6_addr, 16);
		want_len = 16;
		port = ntohs(sin6->sin6_port);
	}
	for (size_t i = 0; i < table->count; i++) {
		const struct listener *l = &table->items[i];

		if (l->family == AF_UNIX || l->port != port)
			continue;
		if (l->family == addr->sa_family && memcmp(l->addr, want, want_len) == 0)
			return l;
		/* 0.0.0.0 serves IPv4; :: serves both unless the socket is IPV6_V6ONLY. */
		if (all_zero(l->addr, l->family == AF_INET ? 4 : 16) &&
		    (l->family == addr->sa_family || l->family == AF_INET6))
			wildcard = l;
	}
	return wildcard;
}

const struct listener *listener_for_unix(const struct listener_table *table, const char *path)
{
	for (size_t i = 0; i < table->count; i++) {
		if (table->items[i].family == AF_UNIX && strcmp(table->items[i].path, path) == 0)
			return &table->items[i];
	}
	return NULL;
}
