/* One listener probe (tcp, unix, http or tls) run synchronously under a single deadline that
 * covers connect, send and read together. */
#ifndef OH_PROBE_H
#define OH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "oobhealth.h"

struct probe_result {
	enum probe_status status;
	uint32_t latency_us;         /* start to verdict */
	char error[200];             /* what went wrong and how long it took; "" when ok */
	/* Where a failure stopped (PHASE_NONE when ok) and the numbers the final text of a
	 * timeout is made of, with the listener's owner, when the probe is recorded. */
	enum probe_phase phase;
	uint32_t unread;             /* request bytes the server had not read */
	size_t reply_len;            /* reply bytes read by the deadline */
	bool request_sent;           /* a request (send, http, TLS hello) was sent */
	bool in_handshake;           /* the deadline came during the TLS handshake */
	/* TLS: the server certificate's end, when one was seen. */
	bool cert_known;
	int64_t cert_not_after_ms;
};

/* Runs PROBE; never takes longer than its timeout (plus scheduling). */
void probe_run(const struct probe_config *probe, struct probe_result *out);

#endif
