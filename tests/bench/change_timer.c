/* Times how long monitoring tools take to show one fault, for make bench: waits until every
 * watcher reports healthy, waits a random part of a second (so the fault falls anywhere in
 * the tools' cycles), sends SIGNAL to PID, then polls the watchers until each shows it.
 *
 *   change_timer [-p PAUSE_MS] [-w WAIT_S] [-j JITTER_MS] SIGNAL PID WATCHER...
 *
 * A WATCHER is one argument, its fields split by commas:
 *   snmp,LABEL,PEER,OID,GOOD    an integer object over SNMPv2c (community public): healthy
 *                               while it is GOOD, faulted once it answers anything else
 *   monit,LABEL,SOCKET,SERVICE  Monit's XML status from its HTTP unix socket (user
 *                               bench:bench): healthy while SERVICE is monitored with status
 *                               0, faulted once its status is not 0
 *   log,LABEL,FILE              a check_loop log, "END_NS EXIT" a run: healthy while the last
 *                               run exited 0, faulted at the end of the first run that
 *                               ended after the fault with another exit
 *
 * Times are CLOCK_MONOTONIC; an SNMP or Monit answer counts when it has arrived. Prints
 * "fault_ns=N", then a line per watcher: "LABEL detected_ns=N latency_us=N", or
 * "LABEL missed" when WAIT_S passed first. Exits 3 when the watchers were not all healthy
 * within WAIT_S (nothing is signalled then), 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#define MAX_WATCHERS 8
#define MONIT_REPLY_MAX (1 << 20)
/* bench:bench, as tests/bench/run configures Monit's httpd. */
#define MONIT_AUTH "YmVuY2g6YmVuY2g="

enum verdict { UNSURE, HEALTHY, FAULTED };
enum kind { SNMP, MONIT, LOG };

struct watcher {
	enum kind kind;
	char *label;
	char *fields[3];
	void *session;                  /* snmp */
	oid name[MAX_OID_LEN];          /* snmp */
	size_t name_len;
	long good;                      /* snmp */
	long log_offset;                /* log: bytes read so far */
	int log_last_exit;              /* log: -1 before the first run */
	long long detected_ns;          /* 0 until it shows the fault */
	enum verdict last;              /* what the last look saw */
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void usage(void)
{
	fprintf(stderr, "usage: change_timer [-p PAUSE_MS] [-w WAIT_S] [-j JITTER_MS] SIGNAL PID "
			"WATCHER...\n  WATCHER: snmp,LABEL,PEER,OID,GOOD | monit,LABEL,SOCKET,SERVICE | "
			"log,LABEL,FILE\n");
	exit(2);
}

static void open_snmp(struct watcher *w)
{
	netsnmp_session session;

	w->name_len = MAX_OID_LEN;
	if (read_objid(w->fields[1], w->name, &w->name_len) == 0)
		usage();
	w->good = atol(w->fields[2]);
	snmp_sess_init(&session);
	session.peername = w->fields[0];
	session.version = SNMP_VERSION_2c;
	session.community = (u_char *)"public";
	session.community_len = strlen("public");
	session.timeout = 1000000;
	session.retries = 0;
	w->session = snmp_sess_open(&session);
	if (w->session == NULL) {
		fprintf(stderr, "change_timer: cannot open an SNMP session to %s\n", w->fields[0]);
		exit(2);
	}
}

/* WATCHER as given on the command line: its fields split in place. */
static void parse_watcher(char *spec, struct watcher *w)
{
	char *kind = strtok(spec, ",");
	int want, n = 0;

	w->label = strtok(NULL, ",");
	if (kind == NULL || w->label == NULL)
		usage();
	if (strcmp(kind, "snmp") == 0)
		w->kind = SNMP, want = 3;
	else if (strcmp(kind, "monit") == 0)
		w->kind = MONIT, want = 2;
	else if (strcmp(kind, "log") == 0)
		w->kind = LOG, want = 1;
	else
		usage();
	while (n < want && (w->fields[n] = strtok(NULL, ",")) != NULL)
		n++;
	if (n != want || strtok(NULL, ",") != NULL)
		usage();
	w->log_last_exit = -1;
	if (w->kind == SNMP)
		open_snmp(w);
}

static enum verdict look_snmp(struct watcher *w)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *answer = NULL;
	enum verdict v = UNSURE;

	snmp_add_null_var(pdu, w->name, w->name_len);
	if (snmp_sess_synch_response(w->session, pdu, &answer) == STAT_SUCCESS && answer != NULL &&
	    answer->errstat == SNMP_ERR_NOERROR && answer->variables != NULL &&
	    answer->variables->type == ASN_INTEGER)
		v = *answer->variables->val.integer == w->good ? HEALTHY : FAULTED;
	if (answer != NULL)
		snmp_free_pdu(answer);
	return v;
}

/* The whole HTTP answer to a status request, NUL-terminated in BUF; its length, or -1. */
static long monit_status(const char *socket_path, char *buf, size_t size)
{
	static const char request[] = "GET /_status?format=xml HTTP/1.0\r\nHost: localhost\r\n"
				      "Authorization: Basic " MONIT_AUTH "\r\n\r\n";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (strlen(socket_path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    write(fd, request, sizeof(request) - 1) != (ssize_t)(sizeof(request) - 1)) {
		close(fd);
		return -1;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (len + 1 < size && poll(&pfd, 1, 1000) == 1 &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return (long)len;
}

/* The integer inside <TAG> of the service element that starts at SERVICE, or -1. */
static long service_field(const char *service, const char *tag)
{
	const char *end = strstr(service, "</service>");
	char open[32];
	const char *at;

	snprintf(open, sizeof(open), "<%s>", tag);
	at = strstr(service, open);
	if (at == NULL || (end != NULL && at > end))
		return -1;
	return atol(at + strlen(open));
}

static enum verdict look_monit(struct watcher *w)
{
	static char reply[MONIT_REPLY_MAX];
	char name[300];
	const char *service;
	long status;

	if (monit_status(w->fields[0], reply, sizeof(reply)) <= 0)
		return UNSURE;
	snprintf(name, sizeof(name), "<name>%s</name>", w->fields[1]);
	service = strstr(reply, name);
	if (service == NULL)
		return UNSURE;
	status = service_field(service, "status");
	if (status > 0)
		return FAULTED;
	return status == 0 && service_field(service, "monitor") == 1 ? HEALTHY : UNSURE;
}

/* Reads the runs logged since the last look; the first failed run that ended after
 * FAULT_NS (when not 0) is the detection. */
static enum verdict look_log(struct watcher *w, long long fault_ns)
{
	char line[128];
	FILE *f = fopen(w->fields[0], "r");

	if (f == NULL)
		return UNSURE;
	fseek(f, w->log_offset, SEEK_SET);
	while (fgets(line, sizeof(line), f) != NULL && strchr(line, '\n') != NULL) {
		long long end_ns;
		int exit_code;

		w->log_offset = ftell(f);
		if (sscanf(line, "%lld %d", &end_ns, &exit_code) != 2)
			continue;
		w->log_last_exit = exit_code;
		if (fault_ns != 0 && w->detected_ns == 0 && end_ns > fault_ns && exit_code != 0)
			w->detected_ns = end_ns;
	}
	fclose(f);
	if (fault_ns != 0)
		return w->detected_ns != 0 ? FAULTED : UNSURE;
	return w->log_last_exit == 0 ? HEALTHY : w->log_last_exit > 0 ? FAULTED : UNSURE;
}

static enum verdict look(struct watcher *w, long long fault_ns)
{
	switch (w->kind) {
	case SNMP:
		return look_snmp(w);
	case MONIT:
		return look_monit(w);
	case LOG:
		return look_log(w, fault_ns);
	}
	return UNSURE;
}

static int all_healthy(struct watcher *w, int n)
{
	int healthy = 0;

	for (int i = 0; i < n; i++) {
		w[i].last = look(&w[i], 0);
		healthy += w[i].last == HEALTHY;
	}
	return healthy == n;
}

/* Polls the watchers that have not shown the fault yet, until all have or DEADLINE_NS. */
static void time_detections(struct watcher *w, int n, long long fault_ns, long long deadline_ns,
			    long pause_ms)
{
	int left = n;

	while (left > 0 && now_ns() < deadline_ns) {
		for (int i = 0; i < n; i++) {
			if (w[i].detected_ns != 0)
				continue;
			if (look(&w[i], fault_ns) == FAULTED) {
				if (w[i].kind != LOG)
					w[i].detected_ns = now_ns();
				left--;
			}
		}
		sleep_ms(pause_ms);
	}
}

int main(int argc, char **argv)
{
	static struct watcher watchers[MAX_WATCHERS];
	long pause_ms = 2, wait_s = 30, jitter_ms = 1000;
	long long fault_ns, deadline_ns;
	int opt, n, signo;
	pid_t pid;

	while ((opt = getopt(argc, argv, "p:w:j:")) != -1) {
		if (opt == 'p')
			pause_ms = atol(optarg);
		else if (opt == 'w')
			wait_s = atol(optarg);
		else if (opt == 'j')
			jitter_ms = atol(optarg);
		else
			usage();
	}
	n = argc - optind - 2;
	if (n < 1 || n > MAX_WATCHERS || jitter_ms < 1)
		usage();
	signo = atoi(argv[optind]);
	pid = (pid_t)atol(argv[optind + 1]);
	if (signo <= 0 || pid <= 0)
		usage();
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
	init_snmp("change_timer");
	for (int i = 0; i < n; i++)
		parse_watcher(argv[optind + 2 + i], &watchers[i]);

	deadline_ns = now_ns() + wait_s * 1000000000LL;
	while (!all_healthy(watchers, n)) {
		if (now_ns() >= deadline_ns) {
			fprintf(stderr, "change_timer: not healthy within %ld s:", wait_s);
			for (int i = 0; i < n; i++) {
				if (watchers[i].last != HEALTHY)
					fprintf(stderr, " %s", watchers[i].label);
			}
			fprintf(stderr, "\n");
			return 3;
		}
		sleep_ms(20);
	}
	srand((unsigned)(now_ns() ^ getpid()));
	sleep_ms(rand() % jitter_ms);
	fault_ns = now_ns();
	if (kill(pid, signo) < 0) {
		perror("change_timer: kill");
		return 1;
	}
	time_detections(watchers, n, fault_ns, fault_ns + wait_s * 1000000000LL, pause_ms);
	printf("fault_ns=%lld\n", fault_ns);
	for (int i = 0; i < n; i++) {
		if (watchers[i].detected_ns == 0)
			printf("%s missed\n", watchers[i].label);
		else
			printf("%s detected_ns=%lld latency_us=%lld\n", watchers[i].label,
			       watchers[i].detected_ns, (watchers[i].detected_ns - fault_ns) / 1000);
		if (watchers[i].session != NULL)
			snmp_sess_close(watchers[i].session);
	}
	return 0;
}
