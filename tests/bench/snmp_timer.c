/* Times SNMP requests over one client session and prints percentiles, for make bench.
 *
 *   snmp_timer get  [-d SECS] [-p PAUSE_MS] [-s FILE] PEER ROUNDS OID...
 *       GETs each OID once per round, in turn, so the OIDs are measured side by side.
 *       Each round starts one OID further on: after the pause, the first request of a
 *       round pays for waking the machine up, and every OID takes that turn equally.
 *       One line per OID.
 *   snmp_timer walk [-d SECS] [-p PAUSE_MS] [-r REPS] [-s FILE] PEER WALKS OID...
 *       Walks the subtree under OID with GETBULK (REPS repetitions, default 25). With
 *       several OIDs, walks them side by side, as snmptable reads a table's columns: each
 *       request carries one varbind per subtree not finished yet. One line, labelled by
 *       the first OID.
 *   snmp_timer poll [-p PAUSE_MS] [-s FILE] PEER STOPFILE OID
 *       GETs OID every PAUSE_MS (default 10) until STOPFILE exists: how long an agent
 *       kept a second client waiting while something else ran.
 *
 * Each result line reads: LABEL n=N p50_us=N p99_us=N max_us=N varbinds=N errors=N
 * (varbinds per walk for walk, per GET otherwise). -d stops sampling after SECS seconds
 * and reports what was taken. -s FILE also appends every sample to FILE as "LABEL US",
 * so runs can be pooled. PEER is HOST:PORT; the community is public, v2c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#define MAX_TARGETS 64

struct samples {
	const char *label;
	long *us;
	size_t n, capacity;
	long varbinds;       /* in the last sample */
	long errors;
};

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "snmp_timer: %s\n", what);
	exit(2);
}

static void add_sample(struct samples *s, long us)
{
	if (s->n == s->capacity) {
		s->capacity = s->capacity ? s->capacity * 2 : 1024;
		s->us = realloc(s->us, s->capacity * sizeof(*s->us));
		if (s->us == NULL)
			die("out of memory");
	}
	s->us[s->n++] = us;
}

static int by_value(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least P of the samples at or below it. */
static long percentile(const struct samples *s, double p)
{
	size_t rank = (size_t)(p * (double)s->n + 0.999999);

	if (s->n == 0)
		return 0;
	if (rank < 1)
		rank = 1;
	return s->us[rank - 1];
}

static const char *samples_path;

static void print_samples(struct samples *s)
{
	if (samples_path != NULL) {
		FILE *f = fopen(samples_path, "a");

		if (f == NULL)
			die("cannot open the samples file");
		for (size_t i = 0; i < s->n; i++)
			fprintf(f, "%s %ld\n", s->label, s->us[i]);
		fclose(f);
	}
	qsort(s->us, s->n, sizeof(*s->us), by_value);
	printf("%s n=%zu p50_us=%ld p99_us=%ld max_us=%ld varbinds=%ld errors=%ld\n", s->label,
	       s->n, percentile(s, 0.50), percentile(s, 0.99), s->n ? s->us[s->n - 1] : 0,
	       s->varbinds, s->errors);
}

static void *open_session(const char *peer, long timeout_us)
{
	netsnmp_session session;
	void *handle;

	snmp_sess_init(&session);
	session.peername = (char *)peer;
	session.version = SNMP_VERSION_2c;
	session.community = (u_char *)"public";
	session.community_len = strlen("public");
	session.timeout = timeout_us;
	session.retries = 0;
	handle = snmp_sess_open(&session);
	if (handle == NULL)
		die("cannot open the SNMP session");
	return handle;
}

/* Sends PDU and waits; returns the answer's varbind count, -1 on no answer or an error. */
static long exchange(void *session, netsnmp_pdu *pdu, netsnmp_pdu **answer)
{
	long count = 0;

	*answer = NULL;
	if (snmp_sess_synch_response(session, pdu, answer) != STAT_SUCCESS || *answer == NULL)
		return -1;
	if ((*answer)->errstat != SNMP_ERR_NOERROR)
		return -1;
	for (netsnmp_variable_list *v = (*answer)->variables; v; v = v->next_variable)
		count++;
	return count;
}

static long timed_get(void *session, const oid *name, size_t len, struct samples *s)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET), *answer;
	double started = monotonic_s();
	long count;

	snmp_add_null_var(pdu, name, len);
	count = exchange(session, pdu, &answer);
	if (count > 0 && (answer->variables->type == SNMP_NOSUCHOBJECT ||
			  answer->variables->type == SNMP_NOSUCHINSTANCE))
		count = -1;
	if (answer != NULL)
		snmp_free_pdu(answer);
	if (count < 0) {
		s->errors++;
		return -1;
	}
	add_sample(s, (long)((monotonic_s() - started) * 1e6));
	s->varbinds = count;
	return count;
}

/* One GETBULK walk of N subtrees side by side; returns the varbinds inside them, -1 on an
 * error. Varbind J of an answer belongs to the J-th (modulo the count) subtree asked. */
static long walk_once(void *session, const oid roots[][MAX_OID_LEN], const size_t *root_lens, int n,
		      long reps)
{
	oid at[MAX_TARGETS][MAX_OID_LEN];
	size_t at_len[MAX_TARGETS];
	int done[MAX_TARGETS] = { 0 }, asked[MAX_TARGETS], nasked;
	long inside = 0;

	for (int c = 0; c < n; c++) {
		memcpy(at[c], roots[c], root_lens[c] * sizeof(oid));
		at_len[c] = root_lens[c];
	}
	for (;;) {
		netsnmp_pdu *pdu, *answer;
		netsnmp_variable_list *v;
		long j = 0;

		nasked = 0;
		for (int c = 0; c < n; c++) {
			if (!done[c])
				asked[nasked++] = c;
		}
		if (nasked == 0)
			return inside;
		pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
		pdu->non_repeaters = 0;
		pdu->max_repetitions = reps;
		for (int k = 0; k < nasked; k++)
			snmp_add_null_var(pdu, at[asked[k]], at_len[asked[k]]);
		if (exchange(session, pdu, &answer) <= 0) {
			if (answer != NULL)
				snmp_free_pdu(answer);
			return -1;
		}
		for (v = answer->variables; v; v = v->next_variable, j++) {
			int c = asked[j % nasked];

			if (done[c])
				continue;
			if (v->type == SNMP_ENDOFMIBVIEW || v->name_length < root_lens[c] ||
			    snmp_oid_compare(v->name, root_lens[c], roots[c], root_lens[c]) != 0) {
				done[c] = 1;
				continue;
			}
			inside++;
			memcpy(at[c], v->name, v->name_length * sizeof(oid));
			at_len[c] = v->name_length;
		}
		snmp_free_pdu(answer);
	}
}

/* The OIDs a run asks for, parsed from the command line; their text is their label. */
struct oid_list {
	oid names[MAX_TARGETS][MAX_OID_LEN];
	size_t lens[MAX_TARGETS];
	char **texts;
	int n;
};

static void usage(void)
{
	fprintf(stderr, "usage: snmp_timer get  [-d SECS] [-p PAUSE_MS] [-s FILE] PEER ROUNDS OID...\n"
			"       snmp_timer walk [-d SECS] [-p PAUSE_MS] [-r REPS] [-s FILE] PEER WALKS OID...\n"
			"       snmp_timer poll [-p PAUSE_MS] [-s FILE] PEER STOPFILE OID\n");
	exit(2);
}

static void parse_oids(struct oid_list *list, char **texts, int n)
{
	if (n < 1 || n > MAX_TARGETS)
		usage();
	list->texts = texts;
	list->n = n;
	for (int i = 0; i < n; i++) {
		list->lens[i] = MAX_OID_LEN;
		if (read_objid(texts[i], list->names[i], &list->lens[i]) == 0) {
			fprintf(stderr, "snmp_timer: bad OID %s\n", texts[i]);
			exit(2);
		}
	}
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

/* What every mode shares: the options, the session and when sampling must stop. */
struct run {
	void *session;
	double stop_at;
	long pause_ms;
	long reps;
};

static int time_left(const struct run *run)
{
	return monotonic_s() < run->stop_at;
}

static void run_get(const struct run *run, long rounds, const struct oid_list *oids)
{
	struct samples s[MAX_TARGETS] = { 0 };

	for (int i = 0; i < oids->n; i++)
		s[i].label = oids->texts[i];
	for (long r = 0; r < rounds && time_left(run); r++) {
		for (int k = 0; k < oids->n; k++) {
			int i = (int)((r + k) % oids->n);

			timed_get(run->session, oids->names[i], oids->lens[i], &s[i]);
		}
		pause_ms(run->pause_ms);
	}
	for (int i = 0; i < oids->n; i++)
		print_samples(&s[i]);
}

static void run_walk(const struct run *run, long walks, const struct oid_list *oids)
{
	struct samples s = { .label = oids->texts[0] };

	for (long w = 0; w < walks && time_left(run); w++) {
		double t = monotonic_s();
		long count = walk_once(run->session, oids->names, oids->lens, oids->n, run->reps);

		if (count < 0) {
			s.errors++;
		} else {
			add_sample(&s, (long)((monotonic_s() - t) * 1e6));
			s.varbinds = count;
		}
		pause_ms(run->pause_ms);
	}
	print_samples(&s);
}

static void run_poll(const struct run *run, const char *stop_file, const struct oid_list *oids)
{
	struct samples s = { .label = oids->texts[0] };

	while (access(stop_file, F_OK) != 0 && errno == ENOENT && time_left(run)) {
		timed_get(run->session, oids->names[0], oids->lens[0], &s);
		pause_ms(run->pause_ms < 0 ? 10 : run->pause_ms);
	}
	print_samples(&s);
}

int main(int argc, char **argv)
{
	static struct oid_list oids;
	struct run run = { .pause_ms = -1, .reps = 25 };
	double deadline_s = 600;
	const char *mode;
	int opt, nargs;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "d:p:r:s:")) != -1) {
		if (opt == 's')
			samples_path = optarg;
		else if (opt == 'd')
			deadline_s = atof(optarg);
		else if (opt == 'p')
			run.pause_ms = atol(optarg);
		else if (opt == 'r')
			run.reps = atol(optarg);
		else
			usage();
	}
	nargs = argc - optind;
	if (nargs < 3)
		usage();
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
	init_snmp("snmp_timer");
	parse_oids(&oids, argv + optind + 2, nargs - 2);
	/* A GET waits 2 s at most; a walk or a poll may sit behind an agent blocked for long. */
	run.session = open_session(argv[optind], strcmp(mode, "get") == 0 ? 2000000 : 30000000);
	run.stop_at = monotonic_s() + deadline_s;
	if (strcmp(mode, "get") == 0)
		run_get(&run, atol(argv[optind + 1]), &oids);
	else if (strcmp(mode, "walk") == 0)
		run_walk(&run, atol(argv[optind + 1]), &oids);
	else if (strcmp(mode, "poll") == 0 && oids.n == 1)
		run_poll(&run, argv[optind + 1], &oids);
	else
		usage();
	snmp_sess_close(run.session);
	return 0;
}
