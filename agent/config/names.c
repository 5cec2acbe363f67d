/* Names of the enumerations the MIB publishes, as the MIB spells them. */
#include "oobhealth.h"

const char *service_status_name(enum service_status status)
{
	switch (status) {
	case SERVICE_UP:
		return "up";
	case SERVICE_ABSENT:
		return "absent";
	case SERVICE_ZOMBIE:
		return "zombie";
	case SERVICE_STOPPED:
		return "stopped";
	default:
		return "unknown";
	}
}

const char *health_name(enum health health)
{
	switch (health) {
	case HEALTH_OK:
		return "ok";
	case HEALTH_WARNING:
		return "warning";
	case HEALTH_CRITICAL:
		return "critical";
	default:
		return "unknown";
	}
}

const char *probe_status_name(enum probe_status status)
{
	switch (status) {
	case PROBE_OK:
		return "ok";
	case PROBE_TIMEOUT:
		return "timeout";
	case PROBE_REFUSED:
		return "refused";
	case PROBE_BAD_RESPONSE:
		return "badResponse";
	case PROBE_BACKLOG_FULL:
		return "backlogFull";
	case PROBE_NOT_RUN:
		return "notRun";
	default:
		return "error";
	}
}

int health_exit_code(enum health health)
{
	switch (health) {
	case HEALTH_OK:
		return 0;
	case HEALTH_WARNING:
		return 1;
	default:
		return 2;
	}
}

const char *file_status_name(enum file_status status)
{
	switch (status) {
	case FILE_OK:
		return "ok";
	case FILE_MISSING:
		return "missing";
	case FILE_PRESENT:
		return "present";
	case FILE_STALE:
		return "stale";
	default:
		return "error";
	}
}

const char *probe_phase_name(enum probe_phase phase)
{
	switch (phase) {
	case PHASE_NONE:
		return "none";
	case PHASE_REFUSED:
		return "refused";
	case PHASE_NOT_COMPLETED:
		return "notCompleted";
	case PHASE_NEVER_ACCEPTED:
		return "neverAccepted";
	case PHASE_REQUEST_UNREAD:
		return "requestUnread";
	case PHASE_NO_REPLY:
		return "noReply";
	case PHASE_BAD_RESPONSE:
		return "badResponse";
	default:
		return "other";
	}
}
