/* The host's listening sockets from NETLINK_SOCK_DIAG, dumped once per cycle: accept
 * queue and backlog of TCP and unix listeners; and the netlink exchange every dump uses. */
#ifndef OH_SOCK_DIAG_H
#define OH_SOCK_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct listener {
	int family;                  /* AF_INET, AF_INET6 or AF_UNIX */
	uint8_t addr[16];            /* inet: the bound address (network order) */
	uint16_t port;               /* inet: host order */
	char path[109];              /* unix: the bound path, "@name" when abstract */
	uint32_t inode;
	uint32_t accept_queue;
	uint32_t accept_backlog;
};

struct listener_table {
	struct listener *items;
	size_t count;
	char error[160];             /* why a dump failed; "" when both worked */
};

/* Dumps the TCP listeners (IPv4 and IPv6) when WANT_TCP and the
 * unix listeners when WANT_UNIX. Returns 0, or -1 with TABLE->error set (what could be
 * dumped is kept). */
int sock_diag_dump(bool want_tcp, bool want_unix, struct listener_table *table);

/* The two dumps, each read differently: listening TCP sockets and listening unix sockets. */
enum sock_diag_dump {
	SOCK_DIAG_INET_LISTENERS,
	SOCK_DIAG_UNIX_LISTENERS,
};

/* Adds to TABLE what one netlink reply of a dump of KIND holds: LEN bytes at BUF, aligned
 * as recv gives them. Returns 1 when the reply ends the dump, 0 when more follow, -1 with
 * errno set (the kernel's error, or ENOMEM). */
int sock_diag_parse_reply(struct listener_table *table, enum sock_diag_dump kind, const void *buf,
			  size_t len);
struct nlmsghdr;

/* One message of a reply, at least as long as the dump's fixed header. Returns 0, or -1
 * when out of memory. */
typedef int (*sock_diag_message)(void *context, const struct nlmsghdr *msg);

/* Hands each message of one netlink reply (LEN bytes at BUF) of at least HEADER_LEN bytes
 * of payload to ON_MESSAGE. Returns 1 when the reply ends the dump, 0 when more follow, -1
 * with errno set (the kernel's error, EPROTO for a message shorter than that, ENOMEM). */
int sock_diag_walk(const void *buf, size_t len, size_t header_len, sock_diag_message on_message,
		   void *context);

/* One reply as received: returns what sock_diag_walk returns. */
typedef int (*sock_diag_reply)(void *context, const void *buf, size_t len);

/* Sends the dump REQUEST (LEN bytes, a netlink header first, which this fills; its type is
 * SOCK_DIAG_BY_FAMILY unless the request sets one) and hands
 * every reply to ON_REPLY until the dump is done. Returns 0, or -1 with ERROR saying
 * which dump (WHAT) failed and why. */
int sock_diag_exchange(const char *what, void *request, size_t len, sock_diag_reply on_reply,
		       void *context, char *error, size_t error_len);

void listener_table_free(struct listener_table *table);

/* The listener a probe of ADDR (tcp) or PATH (unix) reaches: an exact address first,
 * then a wildcard one on the same port. NULL when nothing listens there. */
const struct listener *listener_for_inet(const struct listener_table *table,
					 const struct sockaddr *addr);
const struct listener *listener_for_unix(const struct listener_table *table, const char *path);

#endif
