/* The validated configuration: what oobhealth.yaml says, in the types the prober uses. */
#ifndef OH_CONFIG_H
#define OH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "oobhealth.h"
#include "pattern.h"

enum match_kind {
	MATCH_NONE = 0,
	MATCH_PIDFILE,
	MATCH_EXE,
	MATCH_CMDLINE,
	MATCH_UNIT,
};

enum probe_kind {
	PROBE_TCP = 1,
	PROBE_UNIX,
	PROBE_HTTP,
	PROBE_TLS,                    /* tcp with TLS: tls: host:port */
};

/* Limits on what a probe puts on the wire, so that what --check-config accepts is sent
 * whole: the http request buffer is sized from OH_HTTP_URL_MAX (include/probe_http.h). */
#define OH_HTTP_URL_MAX 2048 /* bytes of an http: URL as written, "http://" included */
#define OH_SEND_MAX 4096     /* bytes of a send: text */

struct probe_config {
	char name[OH_PROBE_NAME_MAX + 1];
	enum probe_kind kind;
	char *target;                 /* as written: "127.0.0.1:80", "/run/x.sock", URL */
	struct sockaddr_storage addr; /* tcp and http: the literal address and port */
	socklen_t addr_len;
	char *unix_path;              /* unix: path, or "@name" for the abstract namespace */
	char *http_host;              /* http: Host header value */
	char *http_path;              /* http: request path with query */
	char *send;
	size_t send_len;
	char *expect;                 /* PCRE2 pattern source, NULL when absent */
	struct pattern *expect_re;
	int expect_status;            /* http: 0 = any 2xx */
	uint32_t timeout_ms;
	/* TLS: tls: probes and https:// URLs. */
	bool tls;
	char *sni;                    /* sent as SNI and checked; NULL: the URL's host, if a name */
	char *ca_file;                /* NULL: the system's trust store */
	bool verify;                  /* chain and host name */
	unsigned cert_warn_days;
	unsigned cert_crit_days;
};

/* Rows of ohStalledPeerTable kept per service at most (ohStalledPeerIndex's range). */
#define OH_STALLED_PEERS_MAX 256

/* Like OH_PROBE_NAME_MAX: keeps ohFileTable's two-string index within 128 sub-ids. */
#define OH_FILE_NAME_MAX 32

struct file_config {
	char name[OH_FILE_NAME_MAX + 1]; /* ohFileIndex: the name key, or the path's last part */
	char *path;
	bool absent;                  /* present is the error (an error marker file) */
	uint64_t max_age_ms;          /* 0: no heartbeat check, only existence */
};

struct service_config {
	char name[OH_SERVICE_NAME_MAX + 1];
	enum match_kind match;
	char *match_value;            /* pidfile path, exe path, cmdline pattern or unit name */
	struct pattern *cmdline_re;   /* cmdline: compiled; NULL otherwise */
	/* match: user: the one uid the service's processes may run as. Without it: root
	 * for exe and cmdline, root or a trusted pidfile's owner, anyone in a unit. */
	bool match_user_set;
	uid_t match_uid;
	char *match_user;             /* for reasons: the user name, or "uid N" */
	unsigned fd_warn_pct;
	unsigned fd_crit_pct;
	uint64_t fd_min_limit;        /* 0: no limit-regression check */
	unsigned flap_restarts;       /* 0: no flap detection */
	uint64_t flap_within_ms;
	uint64_t zombie_grace_ms;
	unsigned fail_after;
	/* A TCP peer silent this long with data outstanding is stalled (tcp_connections.h);
	 * the worst STALLED_PEERS of them are listed, and health is STALL_HEALTH while any is. */
	uint64_t stall_after_ms;
	unsigned stalled_peers;
	enum health stall_health;
	struct file_config *files;
	size_t nfiles;
	struct probe_config *probes;
	size_t nprobes;
};

/* How processes are followed (agent.tracking). */
enum tracking {
	TRACKING_AUTO,                /* process events where the kernel gives them, else polling */
	TRACKING_POLLING,             /* /proc read again at every interval */
};

struct agent_config {
	char *agentx_socket;
	enum tracking tracking;
	uint64_t interval_ms;
	char *state_file;
	unsigned history;
	unsigned ping_interval_s;
	unsigned notify_budget;       /* notifications sent per notify_per_ms; 0: none */
	uint64_t notify_per_ms;
	bool notify_hold_set;         /* false: a change is held one interval */
	uint64_t notify_hold_ms;
};

struct config {
	char *path;
	struct agent_config agent;
	struct service_config *services;
	size_t nservices;
};

/* Every problem found in one file, each already formatted as "FILE:LINE:COL: message". */
struct config_errors {
	char **lines;
	size_t count;
	size_t capacity;              /* lines has room for this many */
};

/* Parses and validates PATH. Returns NULL and fills ERRORS when the file is not usable. */
struct config *config_load(const char *path, struct config_errors *errors);
/* The same for the LEN bytes at TEXT, as read from PATH (which errors name). */
struct config *config_parse(const char *path, const char *text, size_t len,
			    struct config_errors *errors);
void config_free(struct config *config);
void config_errors_clear(struct config_errors *errors);

#endif
