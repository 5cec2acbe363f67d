/* Product-wide constants: version, the MIB root and the enumerations the MIB publishes. */
#ifndef OOBHEALTH_H
#define OOBHEALTH_H

#define OOBHEALTH_VERSION "0.1.0"

/* netSnmpPlaypen.4242 (NET-SNMP-MIB) until a private enterprise number is assigned;
 * mibs/OOBHEALTH-MIB.txt holds the same value in its MODULE-IDENTITY. */
#define OH_ROOT_OID 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 4242

/* The Makefile sets it from sysconfdir. */
#ifndef OH_DEFAULT_CONFIG
#define OH_DEFAULT_CONFIG "/etc/oobhealth/oobhealth.yaml"
#endif
#define OH_EX_CONFIG 78 /* sysexits.h EX_CONFIG */

#define OH_SERVICE_NAME_MAX 64
#define OH_PROBE_NAME_MAX 32 /* keeps ohProbeTable's two-string index within 128 sub-ids */

/* ohServiceStatus */
enum service_status {
	SERVICE_UP = 1,
	SERVICE_ABSENT = 2,
	SERVICE_ZOMBIE = 3,
	SERVICE_STOPPED = 4,
	SERVICE_UNKNOWN = 5,
};

/* ohServiceHealth; ordered so that a larger value is worse */
enum health {
	HEALTH_OK = 1,
	HEALTH_WARNING = 2,
	HEALTH_CRITICAL = 3,
	HEALTH_UNKNOWN = 4,
};

/* ohProbeStatus */
enum probe_status {
	PROBE_OK = 1,
	PROBE_TIMEOUT = 2,
	PROBE_REFUSED = 3,
	PROBE_BAD_RESPONSE = 4,
	PROBE_ERROR = 5,
	PROBE_NOT_RUN = 6,
	PROBE_BACKLOG_FULL = 7,
};

/* ohProbeFailurePhase: where the latest failure of a probe stopped, from the kernel's view
 * of the probe's own connection; none while it passes or has not run. */
enum probe_phase {
	PHASE_NONE = 1,
	PHASE_REFUSED = 2,          /* nothing listens */
	PHASE_NOT_COMPLETED = 3,    /* the handshake never finished (SYN unanswered) */
	PHASE_NEVER_ACCEPTED = 4,   /* completed, still in the listener's accept queue */
	PHASE_REQUEST_UNREAD = 5,   /* accepted, the request still in the server's receive queue */
	PHASE_NO_REPLY = 6,         /* the request read, no (complete) reply by the deadline */
	PHASE_BAD_RESPONSE = 7,     /* a reply came and did not match */
	PHASE_OTHER = 8,            /* unreachable, a TLS failure, any other error */
};

/* ohFileStatus */
enum file_status {
	FILE_OK = 1,
	FILE_MISSING = 2,
	FILE_PRESENT = 3,
	FILE_STALE = 4,
	FILE_ERROR = 5,
};

const char *service_status_name(enum service_status status);
const char *health_name(enum health health);
const char *probe_status_name(enum probe_status status);
const char *file_status_name(enum file_status status);
const char *probe_phase_name(enum probe_phase phase);

/* Exit code of --once for a worst health: 0 ok, 1 warning, 2 critical (unknown counts as
 * critical there: nobody could tell the service is fine). */
int health_exit_code(enum health health);

#endif
