/* Where a failing probe stopped: what the kernel shows of the probe's own connection at its
 * deadline, read before the socket is closed, and the phase (ohProbeFailurePhase) it gives. */
#ifndef OH_PROBE_PHASE_H
#define OH_PROBE_PHASE_H

#include <stdbool.h>
#include <stdint.h>

#include "oobhealth.h"

/* Our socket and the server's side of it, as sock_diag and TCP_INFO show them. */
struct connection_view {
	bool syn_sent;          /* our connect never completed */
	bool server_found;      /* the server's side of the connection was found */
	bool accepted;          /* it has a file: the server accepted it */
	uint32_t unread;        /* bytes of ours in the server's receive queue */
};

/* Reads VIEW for the connected (or connecting) socket FD of FAMILY (AF_INET, AF_INET6 or
 * AF_UNIX); what cannot be read is left false or 0. */
void connection_view_read(int fd, int family, struct connection_view *view);

/* The phase of a probe that ended with STATUS, VIEW being its connection at the deadline
 * (read for a timeout only). */
enum probe_phase probe_phase_classify(enum probe_status status, const struct connection_view *view);

#endif
