/* The kernel's view of one connection from one exact NETLINK_SOCK_DIAG lookup (never a
 * dump): the server side of a probe's TCP connection, or a unix socket and its peer. */
#ifndef OH_CONN_DIAG_H
#define OH_CONN_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct conn_side {
	uint32_t inode;        /* 0: no file holds it yet (still in the accept queue) */
	uint32_t rqueue;       /* bytes received and not yet read by its owner */
	uint32_t peer_inode;   /* unix: the peer's inode (0 while the server has not accepted) */
};

/* The server side of our TCP connection from LOCAL to PEER (both AF_INET or AF_INET6):
 * looked up with the server's address as source and ours as destination. Returns 0, or
 * -1 with errno (ENOENT: the kernel has no such socket). */
int conn_diag_tcp_server(const struct sockaddr *local, const struct sockaddr *peer,
			 struct conn_side *out);

/* The unix socket INODE: its receive queue and its peer. Returns 0, or -1 with errno. */
int conn_diag_unix(uint32_t inode, struct conn_side *out);

/* Reads the reply to one exact lookup of FAMILY (AF_INET and AF_INET6: inet_diag; AF_UNIX:
 * unix_diag), LEN bytes at BUF aligned as recv gives them. Returns 0 with OUT filled, or
 * -1 with errno: the kernel's error, or EPROTO when the reply holds no socket. */
int conn_diag_parse_reply(int family, const void *buf, size_t len, struct conn_side *out);

#endif
