/* Where a failing probe stopped: what the kernel shows of the probe's own connection at its
 * deadline, read before the socket is closed, and the phase (ohProbeFailurePhase) it gives. */
#include "probe_phase.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "conn_diag.h"

static void read_tcp(int fd, struct connection_view *view)
{
	struct sockaddr_storage local, peer;
	socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
	struct tcp_info info;
	socklen_t info_len = sizeof(info);
	struct conn_side server;

	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &info_len) == 0 &&
	    info.tcpi_state == TCP_SYN_SENT) {
		view->syn_sent = true;
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &local_len) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &peer_len) < 0 ||
	    conn_diag_tcp_server((struct sockaddr *)&local, (struct sockaddr *)&peer, &server) < 0)
		return;
	view->server_found = true;
	/* A connection still in the accept queue has no file, hence no inode. */
	view->accepted = server.inode != 0;
	view->unread = server.rqueue;
}

/* Our socket names its peer, the server's side; that peer has no inode until accepted.
 * Its receive queue is the exact count of our bytes it has not read (SIOCOUTQ on our
 * side counts buffer sizes, not bytes). */
static void read_unix(int fd, struct connection_view *view)
{
	struct stat st;
	struct conn_side ours, server;

	if (fstat(fd, &st) < 0 || conn_diag_unix((uint32_t)st.st_ino, &ours) < 0)
		return;
	view->server_found = true;
	view->accepted = ours.peer_inode != 0;
	if (view->accepted && conn_diag_unix(ours.peer_inode, &server) == 0)
		view->unread = server.rqueue;
}

void connection_view_read(int fd, int family, struct connection_view *view)
{
	memset(view, 0, sizeof(*view));
	if (family == AF_UNIX)
		read_unix(fd, view);
	else
		read_tcp(fd, view);
}

enum probe_phase probe_phase_classify(enum probe_status status, const struct connection_view *view)
{
	switch (status) {
	case PROBE_OK:
		return PHASE_NONE;
	case PROBE_REFUSED:
		return PHASE_REFUSED;
	case PROBE_BACKLOG_FULL:
		return PHASE_NEVER_ACCEPTED;
	case PROBE_BAD_RESPONSE:
		return PHASE_BAD_RESPONSE;
	case PROBE_TIMEOUT:
		break;
	default:
		return PHASE_OTHER;
	}
	if (view->syn_sent)
		return PHASE_NOT_COMPLETED;
	if (!view->server_found)
		return PHASE_OTHER;
	if (!view->accepted)
		return PHASE_NEVER_ACCEPTED;
	if (view->unread > 0)
		return PHASE_REQUEST_UNREAD;
	return PHASE_NO_REPLY;
}
