/* Process events from the kernel's process connector: subscribing, receiving, and turning
 * its datagrams into process-level events. */
#include "proc_events.h"

#include <errno.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The kernel's struct proc_event has our event's name: it is read here under another. */
#define proc_event cn_proc_event
#include <linux/cn_proc.h>
#undef proc_event

/* A burst of 200 forks/s while the prober is busy must fit: 4 MiB holds thousands. */
#define RECEIVE_BUFFER_BYTES (4 << 20)

/* The kernel sends one event per datagram of 76 bytes; anything longer is cut and lost. */
#define DATAGRAM_BYTES 4096

/* Whether LEN bytes of a kernel proc_event reach the end of FIELD. */
#define HOLDS(len, field)                                                                \
	((len) >= offsetof(struct cn_proc_event, field) +                               \
			  sizeof(((const struct cn_proc_event *)NULL)->field))

static int send_mcast_op(int fd, enum proc_cn_mcast_op op)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char msg[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(uint32_t))];
	struct nlmsghdr hdr = { .nlmsg_len = sizeof(msg), .nlmsg_type = NLMSG_DONE };
	struct cn_msg cn = { .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
			     .len = sizeof(uint32_t) };
	uint32_t op_word = op;

	/* Copied in: the operation follows a 20-byte cn_msg, so no struct lays it out. */
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(msg + NLMSG_HDRLEN + sizeof(cn), &op_word, sizeof(op_word));
	if (sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -1;
	return 0;
}

int proc_events_open(char *why, size_t why_len)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	int size = RECEIVE_BUFFER_BYTES;
	const char *step = "socket";
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	int saved;

	if (fd < 0)
		goto fail;
	/* SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN; else what it allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	step = "bind";
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		goto fail;
	step = "subscribe";
	if (send_mcast_op(fd, PROC_CN_MCAST_LISTEN) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	if (saved == EPERM)
		snprintf(why, why_len, "process connector needs CAP_NET_ADMIN");
	else if (saved == EPROTONOSUPPORT)
		snprintf(why, why_len, "process connector %s: %s (none in this kernel or network "
			 "namespace)", step, strerror(saved));
	else
		snprintf(why, why_len, "process connector %s: %s", step, strerror(saved));
	if (fd >= 0)
		close(fd);
	errno = saved;
	return -1;
}

/* The process-level event that EV (LEN bytes of it present) is, if it is one. */
static bool process_event(const struct cn_proc_event *ev, size_t len, struct proc_event *event)
{
	if (len < offsetof(struct cn_proc_event, event_data))
		return false;
	*event = (struct proc_event){ .time_ns = ev->timestamp_ns };
	switch ((uint32_t)ev->what) {
	case PROC_EVENT_FORK:
		/* A child that is not its own thread group is a new thread. */
		if (!HOLDS(len, event_data.fork.child_tgid) ||
		    ev->event_data.fork.child_pid != ev->event_data.fork.child_tgid)
			return false;
		event->kind = PROC_EV_FORK;
		event->pid = ev->event_data.fork.child_tgid;
		event->parent = ev->event_data.fork.parent_tgid;
		return event->pid > 0 && event->parent >= 0;
	case PROC_EVENT_EXEC:
		if (!HOLDS(len, event_data.exec.process_tgid))
			return false;
		event->kind = PROC_EV_EXEC;
		event->pid = ev->event_data.exec.process_tgid;
		return event->pid > 0;
	case PROC_EVENT_UID:
		if (!HOLDS(len, event_data.id.e) ||
		    ev->event_data.id.process_pid != ev->event_data.id.process_tgid)
			return false;
		event->kind = PROC_EV_UID;
		event->pid = ev->event_data.id.process_tgid;
		event->ruid = ev->event_data.id.r.ruid;
		event->euid = ev->event_data.id.e.euid;
		return event->pid > 0;
	case PROC_EVENT_EXIT:
		/* Only the leader's exit: another thread's leaves the process running. */
		if (!HOLDS(len, event_data.exit.process_tgid) ||
		    ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid)
			return false;
		event->kind = PROC_EV_EXIT;
		event->pid = ev->event_data.exit.process_tgid;
		/* The kernel's exit_code is the task's wait status (code << 8 | signal). */
		event->exit_known = HOLDS(len, event_data.exit.exit_code);
		if (event->exit_known)
			event->exit_status = (int)ev->event_data.exit.exit_code;
		return event->pid > 0;
	default:
		return false;
	}
}

/* The event in one netlink message's payload of LEN bytes at AT, if it is a process one. */
static bool connector_event(const char *at, size_t len, struct proc_event *event)
{
	struct cn_msg cn;
	struct cn_proc_event ev;
	size_t ev_len;

	if (len < sizeof(cn))
		return false;
	memcpy(&cn, at, sizeof(cn));
	if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC || cn.len > len - sizeof(cn))
		return false;
	/* Copied: the event starts 36 bytes in, and its timestamp needs 8-byte alignment. A
	 * newer kernel's longer event is read as far as this one knows it. */
	ev_len = cn.len < sizeof(ev) ? cn.len : sizeof(ev);
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, at + sizeof(cn), ev_len);
	return process_event(&ev, ev_len, event);
}

/* proc_events_parse, also counting in FOUND the events that did not fit in MAX. */
static size_t parse_datagram(const char *buf, size_t len, struct proc_event *out, size_t max,
			     size_t *found)
{
	size_t written = 0;
	size_t at = 0;

	*found = 0;
	while (len - at >= NLMSG_HDRLEN) {
		struct nlmsghdr hdr;
		struct proc_event event;
		size_t step;

		memcpy(&hdr, buf + at, sizeof(hdr));
		if (hdr.nlmsg_len < NLMSG_HDRLEN || hdr.nlmsg_len > len - at)
			break;
		/* The kernel sends each connector message as a netlink NLMSG_DONE. */
		if (hdr.nlmsg_type == NLMSG_DONE &&
		    connector_event(buf + at + NLMSG_HDRLEN, hdr.nlmsg_len - NLMSG_HDRLEN, &event)) {
			if (written < max)
				out[written++] = event;
			(*found)++;
		}
		/* NLMSG_ALIGN in size_t: in 32 bits it wraps to 0 for a length near 4 GiB. */
		step = ((size_t)hdr.nlmsg_len + NLMSG_ALIGNTO - 1) & ~(size_t)(NLMSG_ALIGNTO - 1);
		if (step >= len - at)
			break;
		at += step;
	}
	return written;
}

size_t proc_events_parse(const void *buf, size_t len, struct proc_event *out, size_t max)
{
	size_t found;

	return parse_datagram(buf, len, out, max, &found);
}

/* Appends a LOST event to the COUNT in OUT, in place of the last one when OUT is full:
 * the table is rescanned, which covers that one too. */
static size_t add_lost(struct proc_event *out, size_t count, size_t max)
{
	if (count > 0 && out[count - 1].kind == PROC_EV_LOST)
		return count;
	if (count == max)
		count--;
	out[count] = (struct proc_event){ .kind = PROC_EV_LOST };
	return count + 1;
}

ssize_t proc_events_read(int fd, struct proc_event *out, size_t max)
{
	size_t count = 0;

	while (count < max) {
		char buf[DATAGRAM_BYTES];
		struct sockaddr_nl sender = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = {
			.msg_name = &sender, .msg_namelen = sizeof(sender),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
		size_t written, found;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			count = add_lost(out, count, max);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* Events already taken off the socket are returned rather than lost to the error. */
		if (n < 0)
			return count > 0 ? (ssize_t)count : -1;
		/* Only the kernel speaks for processes; another root process could multicast. */
		if (msg.msg_namelen < sizeof(sender) || sender.nl_pid != 0)
			continue;
		written = parse_datagram(buf, (size_t)n, out + count, max - count, &found);
		count += written;
		if (found > written || (msg.msg_flags & MSG_TRUNC))
			count = add_lost(out, count, max);
	}
	return (ssize_t)count;
}

void proc_events_close(int fd)
{
	if (fd < 0)
		return;
	send_mcast_op(fd, PROC_CN_MCAST_IGNORE);
	close(fd);
}
