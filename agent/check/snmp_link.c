/* check_oobhealth's SNMP session: opening it (v1, v2c, v3 USM), GETs and column walks, each
 * request given what is left of the run's deadline. */
#include "check_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* At most this many cells in one GETBULK answer: a few kilobytes, far below any MTU
 * trouble for the long text columns. */
#define BULK_CELLS 60
/* Columns in one GET or walk. */
#define COLUMNS_MAX 16

struct snmp_link {
	void *session;                  /* net-snmp's single-session handle */
	int retries;
	long version;
	struct timespec deadline;       /* CLOCK_MONOTONIC */
	char peer[300];
};

static int64_t remaining_us(const struct snmp_link *link)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(link->deadline.tv_sec - now.tv_sec) * 1000000 +
	       (link->deadline.tv_nsec - now.tv_nsec) / 1000;
}

/* A protocol by net-snmp's name for it (MD5, SHA, ...; DES, AES, ...), or its default. */
static const oid *auth_protocol(const char *name, size_t *len)
{
	int type;

	if (name == NULL)
		return get_default_authtype(len);
	type = usm_lookup_auth_type(name);
	return type < 0 ? NULL : sc_get_auth_oid(type, len);
}

static const oid *priv_protocol(const char *name, size_t *len)
{
	int type;

	if (name == NULL)
		return get_default_privtype(len);
	type = usm_lookup_priv_type(name);
	return type < 0 ? NULL : sc_get_priv_oid(type, len);
}

/* Both keys are derived with the authentication hash, as net-snmp's tools do. */
static int derive_key(netsnmp_session *session, const char *passphrase, u_char *key,
		      size_t *key_len)
{
	return generate_Ku(session->securityAuthProto, (u_int)session->securityAuthProtoLen,
			   (const u_char *)passphrase, strlen(passphrase), key, key_len);
}

static int set_usm_keys(netsnmp_session *session, const struct check_options *options,
			char *why, size_t why_len)
{
	const oid *proto;
	size_t len;

	proto = auth_protocol(options->auth_protocol, &len);
	if (proto == NULL) {
		snprintf(why, why_len, "unknown authentication protocol \"%s\" (-a)",
			 options->auth_protocol);
		return -1;
	}
	session->securityAuthProto = snmp_duplicate_objid(proto, len);
	session->securityAuthProtoLen = len;
	session->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (derive_key(session, options->auth_passphrase, session->securityAuthKey,
		       &session->securityAuthKeyLen) != SNMPERR_SUCCESS) {
		snprintf(why, why_len, "cannot derive the authentication key from -A "
			 "(a passphrase needs at least 8 characters)");
		return -1;
	}
	if (options->seclevel != SNMP_SEC_LEVEL_AUTHPRIV)
		return 0;
	proto = priv_protocol(options->priv_protocol, &len);
	if (proto == NULL) {
		snprintf(why, why_len, "unknown privacy protocol \"%s\" (-x)", options->priv_protocol);
		return -1;
	}
	session->securityPrivProto = snmp_duplicate_objid(proto, len);
	session->securityPrivProtoLen = len;
	session->securityPrivKeyLen = USM_PRIV_KU_LEN;
	if (derive_key(session, options->priv_passphrase, session->securityPrivKey,
		       &session->securityPrivKeyLen) != SNMPERR_SUCCESS) {
		snprintf(why, why_len, "cannot derive the privacy key from -X "
			 "(a passphrase needs at least 8 characters)");
		return -1;
	}
	return 0;
}

static void free_session_fields(netsnmp_session *session)
{
	free(session->securityAuthProto);
	free(session->securityPrivProto);
}

struct snmp_link *snmp_link_open(const struct check_options *options, char *why,
				 size_t why_len)
{
	struct snmp_link *link = calloc(1, sizeof(*link));
	netsnmp_session session;
	int ok = 0;

	if (link == NULL) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &link->deadline);
	link->deadline.tv_sec += (time_t)options->timeout_s;
	link->deadline.tv_nsec += (long)((options->timeout_s - (double)(time_t)options->timeout_s) * 1e9);
	if (link->deadline.tv_nsec >= 1000000000L) {
		link->deadline.tv_sec++;
		link->deadline.tv_nsec -= 1000000000L;
	}
	link->retries = options->retries;
	link->version = options->version;
	if (strchr(options->host, ':') != NULL)
		snprintf(link->peer, sizeof(link->peer), "udp6:[%s]:%u", options->host, options->port);
	else
		snprintf(link->peer, sizeof(link->peer), "udp:%s:%u", options->host, options->port);

	snmp_sess_init(&session);
	session.peername = link->peer;
	session.version = options->version;
	session.retries = options->retries;
	session.timeout = (long)(options->timeout_s * 1e6) / (options->retries + 1);
	if (options->version == SNMP_VERSION_3) {
		session.securityName = (char *)options->secname;
		session.securityNameLen = strlen(options->secname);
		session.securityLevel = options->seclevel;
		if (options->seclevel != SNMP_SEC_LEVEL_NOAUTH &&
		    set_usm_keys(&session, options, why, why_len) < 0)
			goto out;
	} else {
		session.community = (u_char *)options->community;
		session.community_len = strlen(options->community);
	}
	link->session = snmp_sess_open(&session);
	if (link->session == NULL) {
		int liberr, syserr;
		char *text;

		snmp_error(&session, &liberr, &syserr, &text);
		snprintf(why, why_len, "cannot open an SNMP session to %s: %s", link->peer, text);
		free(text);
		goto out;
	}
	ok = 1;
out:
	free_session_fields(&session);
	if (!ok) {
		free(link);
		return NULL;
	}
	return link;
}

void snmp_link_close(struct snmp_link *link)
{
	if (link == NULL)
		return;
	snmp_sess_close(link->session);
	free(link);
}

const char *snmp_link_peer(const struct snmp_link *link)
{
	return link->peer;
}

static size_t count_values(const netsnmp_pdu *pdu)
{
	size_t n = 0;

	for (const netsnmp_variable_list *var = pdu ? pdu->variables : NULL; var != NULL;
	     var = var->next_variable)
		n++;
	return n;
}

/* -vvv: what is asked, by number, as snmpget and snmpbulkget would be told. */
static void trace_request(const struct snmp_link *link, const netsnmp_pdu *pdu, size_t asked)
{
	char first[MAX_OID_LEN * 11] = "";
	const char *kind = pdu->command == SNMP_MSG_GETBULK ? "GETBULK"
			   : pdu->command == SNMP_MSG_GETNEXT ? "GETNEXT" : "GET";

	if (pdu->variables != NULL)
		snprint_objid(first, sizeof(first), pdu->variables->name,
			      pdu->variables->name_length);
	if (pdu->command == SNMP_MSG_GETBULK)
		verbose(3, "snmp %s to %s: %zu OIDs from %s, %ld repetitions", kind, link->peer,
			asked, first, pdu->max_repetitions);
	else
		verbose(3, "snmp %s to %s: %zu OIDs from %s", kind, link->peer, asked, first);
}

/* Sends PDU with what is left of the deadline and checks the answer's error status. */
static enum link_result exchange(struct snmp_link *link, netsnmp_pdu *pdu,
				 netsnmp_pdu **response, char *why, size_t why_len)
{
	netsnmp_session *session = snmp_sess_session(link->session);
	int64_t left = remaining_us(link);
	int status;

	*response = NULL;
	if (left <= 0) {
		snmp_free_pdu(pdu);
		snprintf(why, why_len, "no complete answer from %s within the timeout", link->peer);
		return LINK_TIMEOUT;
	}
	session->timeout = (long)(left / (link->retries + 1));
	if (verbose_wants(3)) {
		size_t asked = 0;

		for (netsnmp_variable_list *var = pdu->variables; var != NULL; var = var->next_variable)
			asked++;
		trace_request(link, pdu, asked);
	}
	status = snmp_sess_synch_response(link->session, pdu, response);
	if (verbose_wants(3))
		verbose(3, "  answer after %.1f ms: %s, %zu value%s", (left - remaining_us(link)) / 1e3,
			status == STAT_SUCCESS ? "ok" : status == STAT_TIMEOUT ? "timeout" : "error",
			count_values(*response), count_values(*response) == 1 ? "" : "s");
	if (status == STAT_TIMEOUT) {
		snprintf(why, why_len, "no SNMP answer from %s within %.1f s", link->peer,
			 left / 1e6);
		return LINK_TIMEOUT;
	}
	if (status != STAT_SUCCESS || *response == NULL) {
		snprintf(why, why_len, "SNMP request to %s failed: %s", link->peer,
			 snmp_api_errstring(snmp_sess_session(link->session)->s_snmp_errno));
		return LINK_ERROR;
	}
	if ((*response)->errstat != SNMP_ERR_NOERROR) {
		snprintf(why, why_len, "%s answered: %s", link->peer,
			 snmp_errstring((int)(*response)->errstat));
		return LINK_ERROR;
	}
	return LINK_OK;
}

static int is_exception(const netsnmp_variable_list *var)
{
	return var->type == SNMP_NOSUCHOBJECT || var->type == SNMP_NOSUCHINSTANCE ||
	       var->type == SNMP_ENDOFMIBVIEW;
}

/* SNMPv1 has no exceptions: a cell without an instance fails the whole GET with
 * noSuchName and its position. Returns that position (from 0), or -1 for any other answer. */
static int v1_missing_cell(const struct snmp_link *link, const netsnmp_pdu *response,
			   size_t asked)
{
	if (link->version != SNMP_VERSION_1 || response == NULL ||
	    response->errstat != SNMP_ERR_NOSUCHNAME || response->errindex < 1 ||
	    (size_t)response->errindex > asked)
		return -1;
	return (int)response->errindex - 1;
}

enum link_result snmp_link_get(struct snmp_link *link, const oid *entry, size_t entry_len,
			       const unsigned *columns, size_t ncolumns, const oid *index,
			       size_t index_len, cell_fn *cell, void *ctx, char *why,
			       size_t why_len)
{
	unsigned asked[COLUMNS_MAX];
	size_t nasked = ncolumns;
	netsnmp_pdu *response = NULL;
	oid name[MAX_OID_LEN];
	enum link_result result;
	int missing;

	if (ncolumns > COLUMNS_MAX || entry_len + 1 + index_len > MAX_OID_LEN) {
		snprintf(why, why_len, "%s: too many columns or too long an index", __func__);
		return LINK_ERROR;
	}
	memcpy(asked, columns, ncolumns * sizeof(*asked));
	memcpy(name, entry, entry_len * sizeof(oid));
	memcpy(name + entry_len + 1, index, index_len * sizeof(oid));
	do {
		netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);

		for (size_t c = 0; c < nasked; c++) {
			name[entry_len] = asked[c];
			snmp_add_null_var(pdu, name, entry_len + 1 + index_len);
		}
		result = exchange(link, pdu, &response, why, why_len);
		/* SNMPv1: ask again without the missing cell, at most once per column. */
		missing = result == LINK_ERROR ? v1_missing_cell(link, response, nasked) : -1;
		if (missing >= 0) {
			memmove(&asked[missing], &asked[missing + 1],
				(nasked - (size_t)missing - 1) * sizeof(*asked));
			nasked--;
			result = LINK_OK;
			snmp_free_pdu(response);
			response = NULL;
		}
	} while (missing >= 0 && nasked > 0);
	if (result == LINK_OK && missing < 0) {
		const netsnmp_variable_list *var = response->variables;

		for (size_t c = 0; c < nasked && var != NULL; c++, var = var->next_variable)
			if (!is_exception(var))
				cell(ctx, asked[c], index, index_len, var);
	}
	if (response != NULL)
		snmp_free_pdu(response);
	return result;
}

struct column_cursor {
	unsigned column;
	oid position[MAX_OID_LEN];
	size_t position_len;
	int done;
};

static int within(const oid *name, size_t len, const oid *prefix, size_t prefix_len)
{
	return len > prefix_len && snmp_oid_compare(name, prefix_len, prefix, prefix_len) == 0;
}

/* Files one answered cell under CURSOR; marks the column done once the walk leaves it. */
static enum link_result take_cell(struct column_cursor *cursor, const netsnmp_variable_list *var,
				  size_t prefix_len, size_t column_len, cell_fn *cell, void *ctx,
				  char *why, size_t why_len)
{
	if (var->type == SNMP_ENDOFMIBVIEW ||
	    !within(var->name, var->name_length, cursor->position, prefix_len)) {
		cursor->done = 1;
		return LINK_OK;
	}
	if (snmp_oid_compare(var->name, var->name_length, cursor->position,
			     cursor->position_len) <= 0) {
		snprintf(why, why_len, "the agent's answers do not increase (a loop in its walk)");
		return LINK_ERROR;
	}
	memcpy(cursor->position, var->name, var->name_length * sizeof(oid));
	cursor->position_len = var->name_length;
	cell(ctx, cursor->column, var->name + column_len, var->name_length - column_len, var);
	return LINK_OK;
}

enum link_result snmp_link_walk(struct snmp_link *link, const oid *entry, size_t entry_len,
				const unsigned *columns, size_t ncolumns, const oid *index_prefix,
				size_t prefix_len, cell_fn *cell, void *ctx, char *why,
				size_t why_len)
{
	struct column_cursor cursors[COLUMNS_MAX];
	size_t column_len = entry_len + 1;
	size_t walk_prefix_len = column_len + prefix_len;
	size_t active = ncolumns;

	if (ncolumns > COLUMNS_MAX || walk_prefix_len >= MAX_OID_LEN) {
		snprintf(why, why_len, "%s: too many columns or too long an index", __func__);
		return LINK_ERROR;
	}
	for (size_t c = 0; c < ncolumns; c++) {
		memcpy(cursors[c].position, entry, entry_len * sizeof(oid));
		cursors[c].position[entry_len] = columns[c];
		if (prefix_len > 0)
			memcpy(cursors[c].position + column_len, index_prefix,
			       prefix_len * sizeof(oid));
		cursors[c].position_len = walk_prefix_len;
		cursors[c].column = columns[c];
		cursors[c].done = 0;
	}
	while (active > 0) {
		int bulk = link->version != SNMP_VERSION_1;
		netsnmp_pdu *pdu = snmp_pdu_create(bulk ? SNMP_MSG_GETBULK : SNMP_MSG_GETNEXT);
		struct column_cursor *asked[COLUMNS_MAX];
		netsnmp_pdu *response;
		netsnmp_variable_list *var;
		enum link_result result;
		size_t nasked = 0, i = 0;

		for (size_t c = 0; c < ncolumns; c++) {
			if (cursors[c].done)
				continue;
			asked[nasked++] = &cursors[c];
			snmp_add_null_var(pdu, cursors[c].position, cursors[c].position_len);
		}
		if (bulk) {
			pdu->non_repeaters = 0;
			pdu->max_repetitions = BULK_CELLS / (long)nasked > 0 ? BULK_CELLS / (long)nasked : 1;
		}
		result = exchange(link, pdu, &response, why, why_len);
		/* A GETBULK answer holds repetitions of the asked columns, in the asked order. */
		for (var = response ? response->variables : NULL; result == LINK_OK && var != NULL;
		     var = var->next_variable, i++) {
			struct column_cursor *cursor = asked[i % nasked];

			if (!cursor->done)
				result = take_cell(cursor, var, walk_prefix_len, column_len, cell, ctx,
						   why, why_len);
		}
		if (response != NULL)
			snmp_free_pdu(response);
		if (result != LINK_OK)
			return result;
		if (i == 0) {
			snprintf(why, why_len, "%s answered a walk with no values", link->peer);
			return LINK_ERROR;
		}
		active = 0;
		for (size_t c = 0; c < ncolumns; c++)
			active += !cursors[c].done;
	}
	return LINK_OK;
}
