/* A client exchange on a non-blocking socket under one deadline: connect, send, then read
 * until the reply is judged complete, the peer closes, the buffer fills or time is up. */
#ifndef OH_PROBE_SOCKET_H
#define OH_PROBE_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "probe_phase.h"
#include "probe_tls.h"


#define PROBE_READ_MAX 4096 /* replies are judged on their first 4 KiB */

/* Where an exchange ended. */
enum exchange_end {
	EXCHANGE_DONE,          /* COMPLETE said the reply is complete */
	EXCHANGE_CLOSED,        /* the peer closed (or reset) after connecting */
	EXCHANGE_FULL,          /* the buffer filled */
	EXCHANGE_TIMEOUT,       /* the deadline passed; PHASE says during what */
	EXCHANGE_REFUSED,       /* nothing listens (ECONNREFUSED, or no such unix socket) */
	EXCHANGE_BACKLOG_FULL,  /* a unix listener's accept queue is full (EAGAIN) */
	EXCHANGE_ERROR,         /* any other failure; ERRNO_VALUE says which */
	EXCHANGE_TLS_FAILED,    /* the TLS handshake failed or the certificate was not accepted */
};

struct exchange {
	/* in */
	const struct sockaddr *addr;
	socklen_t addr_len;
	const char *send;
	size_t send_len;
	bool read_reply;                 /* false: a connect (and send) probe */
	/* Says whether REPLY[0..LEN) is a complete answer; NULL: the first byte is. */
	bool (*complete)(const char *reply, size_t len, void *arg);
	void *complete_arg;
	uint64_t deadline_us;            /* CLOCK_MONOTONIC */
	const struct tls_params *tls;    /* NULL: plain */
	/* out */
	enum exchange_end end;
	const char *phase;               /* "connect", "send" or "read" */
	int errno_value;
	char reply[PROBE_READ_MAX + 1];  /* NUL-terminated */
	size_t reply_len;
	struct tls_outcome tls_seen;     /* TLS: the certificate, and why it failed */
	struct tls_link *link;           /* TLS: the session while the exchange runs */
	struct connection_view seen;     /* timeout: the connection at the deadline */
	uint64_t ended_us;               /* CLOCK_MONOTONIC when the exchange ended, before
					  * the connection was looked up */
};

void exchange_run(struct exchange *ex);

/* Fills SUN for a unix socket PATH ("@name": the abstract namespace); returns its length. */
socklen_t exchange_unix_address(const char *path, struct sockaddr_un *sun);

#endif
