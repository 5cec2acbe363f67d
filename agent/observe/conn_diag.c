/* The kernel's view of one connection from one exact NETLINK_SOCK_DIAG lookup (never a
 * dump): the server side of a probe's TCP connection, or a unix socket and its peer. */
#include "conn_diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* The kernel's TCP_LISTEN (include/net/tcp_states.h). */
#define TCP_STATE_LISTEN_DIAG 10

/* Sends the LEN-byte REQUEST and reads the one reply. The kernel answers within the
 * send; the timeout only bounds one that does not, past the probe's deadline. */
static int lookup(int family, void *request, size_t len, struct conn_side *out)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval timeout = { .tv_usec = 20000 };
	struct nlmsghdr *hdr = request;
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	hdr->nlmsg_len = (uint32_t)len;
	hdr->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	hdr->nlmsg_flags = NLM_F_REQUEST;
	if (sendto(fd, request, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0 ||
	    (n = recv(fd, buf, sizeof(buf), 0)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return conn_diag_parse_reply(family, buf, (size_t)n, out);
}

/* Copies SA's address and port into an inet_diag id's ADDR and PORT (network order). */
static void id_address(const struct sockaddr *sa, __be32 addr[4], __be16 *port)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		memcpy(addr, &sin6->sin6_addr, 16);
		*port = sin6->sin6_port;
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		addr[0] = sin->sin_addr.s_addr;
		*port = sin->sin_port;
	}
}

int conn_diag_tcp_server(const struct sockaddr *local, const struct sockaddr *peer,
			 struct conn_side *out)
{
	struct {
		struct nlmsghdr hdr;
		struct inet_diag_req_v2 req;
	} request = { 0 };

	request.req.sdiag_family = (uint8_t)peer->sa_family;
	request.req.sdiag_protocol = IPPROTO_TCP;
	request.req.idiag_states = ~0u;
	id_address(peer, request.req.id.idiag_src, &request.req.id.idiag_sport);
	id_address(local, request.req.id.idiag_dst, &request.req.id.idiag_dport);
	request.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	request.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	return lookup(peer->sa_family, &request, sizeof(request), out);
}

int conn_diag_unix(uint32_t inode, struct conn_side *out)
{
	struct {
		struct nlmsghdr hdr;
		struct unix_diag_req req;
	} request = { 0 };

	request.req.sdiag_family = AF_UNIX;
	request.req.udiag_states = ~0u;
	request.req.udiag_ino = inode;
	request.req.udiag_show = UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
	request.req.udiag_cookie[0] = INET_DIAG_NOCOOKIE;
	request.req.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	return lookup(AF_UNIX, &request, sizeof(request), out);
}

static void read_unix(const struct unix_diag_msg *diag, size_t len, struct conn_side *out)
{
	int left = (int)(len - sizeof(*diag));

	out->inode = diag->udiag_ino;
	for (const struct rtattr *attr = (const struct rtattr *)(diag + 1); RTA_OK(attr, left);
	     attr = RTA_NEXT(attr, left)) {
		if (attr->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(attr) >= sizeof(uint32_t)) {
			memcpy(&out->peer_inode, RTA_DATA(attr), sizeof(uint32_t));
		} else if (attr->rta_type == UNIX_DIAG_RQLEN &&
			   RTA_PAYLOAD(attr) >= sizeof(struct unix_diag_rqlen)) {
			struct unix_diag_rqlen rqlen;

			memcpy(&rqlen, RTA_DATA(attr), sizeof(rqlen));
			out->rqueue = rqlen.udiag_rqueue;
		}
	}
}

int conn_diag_parse_reply(int family, const void *buf, size_t len, struct conn_side *out)
{
	size_t header_len = family == AF_UNIX ? sizeof(struct unix_diag_msg)
					      : sizeof(struct inet_diag_msg);
	const struct nlmsghdr *msg = buf;

	memset(out, 0, sizeof(*out));
	/* One message answers an exact lookup: the socket, or the kernel's error. */
	if (len < sizeof(*msg) || msg->nlmsg_len < sizeof(*msg) || msg->nlmsg_len > len) {
		errno = EPROTO;
		return -1;
	}
	if (msg->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = NLMSG_DATA(msg);

		errno = msg->nlmsg_len >= NLMSG_LENGTH(sizeof(*err)) && err->error < 0 &&
			err->error > -4096 ? -err->error : EPROTO;
		return -1;
	}
	if (msg->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    msg->nlmsg_len < NLMSG_LENGTH(header_len)) {
		errno = EPROTO;
		return -1;
	}
	if (family == AF_UNIX) {
		read_unix(NLMSG_DATA(msg), msg->nlmsg_len - NLMSG_LENGTH(0), out);
	} else {
		const struct inet_diag_msg *diag = NLMSG_DATA(msg);

		/* With no such connection the kernel answers with the listener of that address:
		 * its inode and queue are not the connection's. */
		if (diag->idiag_state == TCP_STATE_LISTEN_DIAG || diag->id.idiag_dport == 0) {
			errno = ENOENT;
			return -1;
		}
		out->inode = diag->idiag_inode;
		out->rqueue = diag->idiag_rqueue;
	}
	return 0;
}
