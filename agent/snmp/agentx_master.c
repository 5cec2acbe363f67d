/* The AgentX master as oobhealthd sees it: why it is out of reach (net-snmp logs no
 * reason), and what to do when it refuses our registrations. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include "agentx_master.h"
#include "clock.h"
#include "config_values.h"
#include "probe_socket.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGENTX_TCP_PORT "705"
/* How long the diagnosis waits for a TCP master to answer: long enough for a master across
 * a network, short enough not to hold up the SNMP thread, which runs it. */
#define TCP_ANSWER_WAIT_MS 200
/* connect_tcp's answer when the master is given by host name: no reason is looked up. */
#define NOT_DIAGNOSED INT_MIN

/* libnetsnmpagent's AgentX client registers each subtree with the master through this
 * callback; no installed header declares it. */
int agentx_registration_callback(int major, int minor, void *serverarg, void *clientarg);

static struct {
	char socket[256];             /* as configured: /path, unix:/path, tcp:host:port */
	unsigned retry_s;
	netsnmp_session *session;     /* the open session, NULL while there is none */
	unsigned sessions;            /* sessions opened since start */
	int reported;                 /* the failure last logged; 0: none */
	bool refused;                 /* refused on the first session: exit */
	bool dropped;                 /* this session refused and closed: waiting to retry */
	bool displaced;               /* refused since the last accepted registration */
	char user[64], group[64];     /* who this process runs as, for the hints */
} master;

/* The master socket's path when it is a unix socket, else NULL. */
static const char *master_unix_path(void)
{
	const char *spec = master.socket;

	if (strncmp(spec, "unix:", 5) == 0)
		spec += 5;
	return spec[0] == '/' ? spec : NULL;
}

/* Connects to the master as a probe connects (non-blocking, TCP_ANSWER_WAIT_MS at the
 * most). Returns the errno met, 0 when it connected, EINPROGRESS when a TCP master did not
 * answer in time, or NOT_DIAGNOSED when it is given by host name: resolving a name can
 * wait on DNS for seconds, and this runs on the SNMP thread. */
static int connect_error(void)
{
	struct exchange ex = { .deadline_us = monotonic_us() + TCP_ANSWER_WAIT_MS * 1000ULL };
	struct sockaddr_storage addr;
	struct sockaddr_un sun;
	const char *path = master_unix_path(), *spec = master.socket;
	char host_port[300], why[160];
	socklen_t addr_len;

	if (path != NULL) {
		ex.addr_len = exchange_unix_address(path, &sun);
		ex.addr = (const struct sockaddr *)&sun;
	} else {
		if (strncmp(spec, "tcp:", 4) == 0)
			spec += 4;
		else if (strncmp(spec, "tcp6:", 5) == 0)
			spec += 5;
		/* net-snmp's AgentX port when the spec names none ("tcp:127.0.0.1"). */
		bool has_port = spec[0] == '[' ? strstr(spec, "]:") != NULL : strchr(spec, ':') != NULL;
		int len = snprintf(host_port, sizeof(host_port), "%s%s%s", spec, has_port ? "" : ":",
				   has_port ? "" : AGENTX_TCP_PORT);

		if (len < 0 || (size_t)len >= sizeof(host_port) ||
		    parse_host_port(host_port, &addr, &addr_len, why, sizeof(why)) < 0)
			return NOT_DIAGNOSED;
		ex.addr = (const struct sockaddr *)&addr;
		ex.addr_len = addr_len;
	}
	exchange_run(&ex);
	if (ex.end == EXCHANGE_TIMEOUT)
		return EINPROGRESS;
	return ex.end == EXCHANGE_DONE ? 0 : ex.errno_value;
}

static void describe_failure(int err, char *hint, size_t len)
{
	const char *path = master_unix_path();
	char dir[256] = "its directory";

	if (path != NULL) {
		char *copy = strdup(path);

		if (copy != NULL)
			snprintf(dir, sizeof(dir), "%s", dirname(copy));
		free(copy);
	}
	switch (err) {
	case EACCES:
	case EPERM:
		snprintf(hint, len, "snmpd must let user %s in: add \"agentXPerms 0660 0755 Debian-snmp %s\" "
			 "(SOCKPERMS DIRPERMS USER GROUP; USER is the account snmpd runs as) to "
			 "snmpd.conf and restart snmpd, with %s a member of group %s; snmpd applies "
			 "DIRPERMS only to a directory it creates, so chmod 0755 %s if it already "
			 "exists", master.user, master.group, master.user, master.group, dir);
		break;
	case ENOENT:
		snprintf(hint, len, "snmpd is not running, or its snmpd.conf lacks \"master agentx\" "
			 "(and \"agentXSocket %s\" unless that is its default /var/agentx/master)",
			 master.socket);
		break;
	case ECONNREFUSED:
		snprintf(hint, len, "Nothing accepts connections there: snmpd is not running (%s), "
			 "or its snmpd.conf lacks \"master agentx\" / \"agentXSocket %s\"",
			 path != NULL ? "the socket is left from an earlier run" : "or listens elsewhere",
			 master.socket);
		break;
	case EAGAIN:
		snprintf(hint, len, "Its accept queue is full: snmpd is stuck or overloaded");
		break;
	case EINPROGRESS:
		snprintf(hint, len, "No answer within %d ms: the host is down, a firewall drops the "
			 "connection, or the network or snmpd is slow", TCP_ANSWER_WAIT_MS);
		break;
	default:
		snprintf(hint, len, "Check agent.agentx_socket (or -x) against snmpd's agentXSocket");
	}
}

/* Runs every retry period while there is no session: a non-blocking connect of our own
 * says why net-snmp's attempt failed (it logs no reason), once per change of reason. */
static void master_check(unsigned int alarm_id, void *unused)
{
	char hint[2048];
	int err;

	(void)alarm_id;
	(void)unused;
	if (master.session != NULL || master.refused)
		return;
	err = connect_error();
	/* 0: it accepts now, and the library's next attempt will connect. After a dropped
	 * session the refusal line explains, and the master did answer: no guess. */
	if (err == 0 || err == master.reported || (err == NOT_DIAGNOSED && master.dropped))
		return;
	master.reported = err;
	if (err == NOT_DIAGNOSED) {
		snmp_log(LOG_ERR, "AgentX master %s unreachable (no reason looked up for a master "
			 "given by host name); retrying every %u s\n", master.socket, master.retry_s);
		return;
	}
	describe_failure(err, hint, sizeof(hint));
	snmp_log(LOG_ERR, "AgentX master %s unreachable: %s. %s; retrying every %u s\n",
		 master.socket, strerror(err), hint, master.retry_s);
}

/* Ends the session after a refusal, through the library's own path for a master that
 * hung up: it detaches our registrations and opens a new session every ping interval.
 * Closing the session here instead would free it under the registrations still in
 * progress; a shut-down socket only makes them fail at once. */
static void drop_session(void)
{
	netsnmp_transport *transport = snmp_sess_transport(snmp_sess_pointer(master.session));

	master.dropped = true;
	master.displaced = true;
	if (transport != NULL && transport->sock >= 0)
		shutdown(transport->sock, SHUT_RDWR);
}

/* Wraps the AgentX client's registration: net-snmp drops the master's answer (the
 * callback's return), so a subtree the master refused would silently serve nothing.
 * Refused on the first session, another subagent was there before us: exit. Refused on a
 * later one, it took our place while we were disconnected (snmpd restarting): this is
 * the instance that was running, so it waits for the place to be free again. */
static int register_checked(int major, int minor, void *serverarg, void *clientarg)
{
	const struct register_parameters *reg = serverarg;
	int ok = agentx_registration_callback(major, minor, serverarg, clientarg);
	char name[256] = "";
	size_t used = 0;

	if (ok && master.displaced) {
		master.displaced = false;
		snmp_log(LOG_NOTICE, "AgentX master %s accepts our registrations again\n",
			 master.socket);
	}
	/* A failure counts as a refusal only when the master answered: no timeout, and the
	 * session still open. One line per session. */
	if (ok || master.refused || master.dropped || master.session == NULL ||
	    master.session->s_snmp_errno != SNMPERR_SUCCESS)
		return ok;
	for (size_t i = 0; i < reg->namelen && used < sizeof(name); i++)
		used += (size_t)snprintf(name + used, sizeof(name) - used, ".%lu",
					 (unsigned long)reg->name[i]);
	if (master.sessions <= 1) {
		master.refused = true;
		snmp_log(LOG_ERR, "AgentX master %s refused to register %s: another subagent "
			 "already serves it, most likely a second oobhealthd with its own state file; "
			 "this one exits\n", master.socket, name);
		return ok;
	}
	snmp_log(LOG_ERR, "AgentX master %s refused to register %s on reconnecting: another "
		 "subagent took it while this oobhealthd was disconnected, most likely a second "
		 "oobhealthd with its own state file (stop that one); this one serves nothing "
		 "meanwhile, closes the session and tries again every %u s\n", master.socket, name,
		 master.retry_s);
	drop_session();
	return ok;
}

/* Drops our wrappers: the library unregisters its callback by its own address, which a
 * wrapped entry no longer has. */
static void unwatch_registrations(void)
{
	snmp_unregister_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_REGISTER_OID,
				 register_checked, NULL, 0);
}

static int on_master_open(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)clientarg;
	unwatch_registrations();
	for (struct snmp_gen_callback *cb = snmp_callback_list(SNMP_CALLBACK_APPLICATION,
							      SNMPD_CALLBACK_REGISTER_OID);
	     cb != NULL; cb = cb->next) {
		if (cb->sc_callback == agentx_registration_callback)
			cb->sc_callback = register_checked;
	}
	master.session = serverarg;
	master.sessions++;
	master.dropped = false;
	if (master.reported != 0)
		snmp_log(LOG_NOTICE, "AgentX master %s reachable again\n", master.socket);
	master.reported = 0;
	return 0;
}

static int on_master_lost(int major, int minor, void *serverarg, void *clientarg)
{
	(void)major;
	(void)minor;
	(void)serverarg;
	(void)clientarg;
	unwatch_registrations();
	master.session = NULL;
	return 0;
}

void agentx_master_watch(const struct config *config, const char *user, const char *group)
{
	snprintf(master.socket, sizeof(master.socket), "%s", config->agent.agentx_socket);
	snprintf(master.user, sizeof(master.user), "%s", user);
	snprintf(master.group, sizeof(master.group), "%s", group);
	master.retry_s = config->agent.ping_interval_s;
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_START,
			       on_master_open, NULL);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION, SNMPD_CALLBACK_INDEX_STOP,
			       on_master_lost, NULL);
}

void agentx_master_explain(void)
{
	master_check(0, NULL);
	snmp_alarm_register(master.retry_s, SA_REPEAT, master_check, NULL);
}

bool agentx_master_refused(void)
{
	return master.refused;
}
