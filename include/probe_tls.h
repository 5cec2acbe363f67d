/* TLS over a probe's connected non-blocking socket (OpenSSL's libssl): each call does what
 * it can without waiting and says what the socket must wait for, so the probe's one
 * deadline covers the handshake too. */
#ifndef OH_PROBE_TLS_H
#define OH_PROBE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tls_params {
	const char *server_name;      /* sent as SNI and checked; NULL: check IP instead */
	const char *ip;               /* the address checked when there is no name */
	const char *ca_file;          /* NULL: the system's trust store */
	bool verify;                  /* chain and name */
};

/* What the handshake found: the certificate's end, and why it was not accepted. */
struct tls_outcome {
	bool cert_known;
	int64_t cert_not_after_ms;    /* wall clock, ms since the epoch */
	char error[160];              /* "" while nothing failed */
};

struct tls_link;

/* A client session on the connected FD; NULL with OUT->error set when it cannot be set
 * up (the CA file unreadable, say). */
struct tls_link *tls_open(int fd, const struct tls_params *params, struct tls_outcome *out);

/* Takes the handshake as far as it goes: 1 when done and the certificate accepted, 0 when
 * the socket must first be ready for *EVENTS (POLLIN or POLLOUT), -1 when it failed
 * (OUT->error says why; the certificate's end is kept when one was seen). */
int tls_handshake(struct tls_link *link, short *events, struct tls_outcome *out);

/* As send(2) and recv(2) on a non-blocking socket: -1 with errno EAGAIN means wait for
 * *EVENTS and call again; tls_recv returns 0 when the peer closed. */
ssize_t tls_send(struct tls_link *link, const char *buf, size_t len, short *events);
ssize_t tls_recv(struct tls_link *link, char *buf, size_t len, short *events);

void tls_close(struct tls_link *link);

#endif
