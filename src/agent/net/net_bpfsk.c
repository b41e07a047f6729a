/*
 * net_bpfsk.c: assembles the net probe's socket-end programs
 * (net_bpfsk.h): cgroup sock_release and cgroup_skb egress.
 *
 * r6 = the context (struct bpf_sock for release, struct __sk_buff for
 * egress), r7 = the socket's entry in the connection table, r9 = 1 when
 * it goes after it is sent; r10 = the frame: KEY (the socket's cookie),
 * LKEY, DROPKEY.  Both return 1: nothing is refused or dropped.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include "net_bpfconn.h"
#include "net_bpfjoin.h"
#include "net_bpfsk.h"

#define KEY	(-8)	/* u64 socket cookie */
#define LKEY	(-16)	/* u32 family << 16 | port */
#define DROPKEY	(-24)	/* u32 drop counter slot */

#define SK(f)	((int)offsetof(struct bpf_sock, f))
#define SKB(f)	((int)offsetof(struct __sk_buff, f))
/* Headers before a UDP payload: IPv4 without options, IPv6 without
 * extension headers, then the 8-byte UDP header. */
#define UDP4_HDRS	28
#define UDP6_HDRS	48

/* *(u32 *)(src + off) into the entry at r7 + to. */
static void sk_copy(struct asm_buf *a, int src, int off, int to)
{
	LDX(a, BPF_W, BPF_REG_1, src, off);
	STX(a, BPF_W, BPF_REG_7, BPF_REG_1, to);
}

/* One end from the struct bpf_sock at src into the entry: the local one
 * (src_*: readable from egress's full socket, not at sock_release) or
 * the remote one (dst_*). */
static void one_end(struct asm_buf *a, int src, int local)
{
	int v6 = asm_newlabel(a), done = asm_newlabel(a), i;
	int ip4 = local ? SK(src_ip4) : SK(dst_ip4);
	int ip6 = local ? SK(src_ip6) : SK(dst_ip6);
	int to = local ? NETCONN_OFF_LADDR : NETCONN_OFF_RADDR;

	if (local) {
		sk_copy(a, src, SK(src_port), NETCONN_OFF_LPORT);
	} else {
		sk_copy(a, src, SK(family), NETCONN_OFF_FAMILY);
		LDX(a, BPF_H, BPF_REG_1, src, SK(dst_port));	/* __be16 */
		STX(a, BPF_W, BPF_REG_7, BPF_REG_1, NETCONN_OFF_RPORT);
	}
	LDX(a, BPF_W, BPF_REG_1, src, SK(family));
	asm_jmp(a, BPF_JNE, BPF_REG_1, AF_INET, v6);
	sk_copy(a, src, ip4, to);
	asm_goto(a, done);
	asm_label(a, v6);
	for (i = 0; i < 4; i++)
		sk_copy(a, src, ip6 + 4 * i, to + 4 * i);
	asm_label(a, done);
}

/* A bound TCP socket goes: its listener entry (if still its own: the
 * key is in its entry, from listen) and its entry. */
static void unbind(struct asm_buf *a, const struct netprog_maps *m)
{
	int keep = asm_newlabel(a);

	LDX(a, BPF_W, BPF_REG_2, BPF_REG_7, NETCONN_OFF_LPORT);
	asm_jmp(a, BPF_JEQ, BPF_REG_2, 0, keep);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_7, NETCONN_OFF_FAMILY);
	LSH_IMM(a, BPF_REG_1, 16);
	OR_REG(a, BPF_REG_1, BPF_REG_2);
	STX(a, BPF_W, BPF_REG_10, BPF_REG_1, LKEY);
	netjoin_lookup(a, m->listeners, LKEY, keep);
	LDX(a, BPF_DW, BPF_REG_1, BPF_REG_0, NETCONN_OFF_REC + NETREC_OFF_COOKIE);
	LDX(a, BPF_DW, BPF_REG_2, BPF_REG_10, KEY);
	asm_jmp_reg(a, BPF_JNE, BPF_REG_1, BPF_REG_2, keep);
	netjoin_delete(a, m->listeners, LKEY);
	asm_label(a, keep);
	netjoin_delete(a, m->conns, KEY);
	asm_goto(a, ASM_EXIT);
}

/* A TCP socket is released (close(), before TCP's own close).  Still
 * connecting: mark it, sock_ops reports it aborted right after.  A
 * connect that never got to send a SYN (it failed in the local stack):
 * report it failed.  A connection: mark it and note when, for the sweep;
 * sock_ops reports its end.  Anything else (a bound or listening socket):
 * forget it. */
static void tcp_release(struct asm_buf *a, const struct netprog_maps *m,
			int send)
{
	int live = asm_newlabel(a), bound = asm_newlabel(a);
	int abort = asm_newlabel(a);

	LDX(a, BPF_W, BPF_REG_1, BPF_REG_7, NETCONN_OFF_STATUS);
	asm_jmp(a, BPF_JNE, BPF_REG_1, NETCONN_S_PENDING, live);
	LDX(a, BPF_W, BPF_REG_2, BPF_REG_6, SK(state));
	asm_jmp(a, BPF_JEQ, BPF_REG_2, BPF_TCP_SYN_SENT, abort);
	asm_jmp(a, BPF_JNE, BPF_REG_2, BPF_TCP_CLOSE, bound);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_7, NETCONN_OFF_REC + NETREC_OFF_ATTACH);
	asm_jmp(a, BPF_JEQ, BPF_REG_1, BPF_CGROUP_INET4_BIND, bound);
	asm_jmp(a, BPF_JEQ, BPF_REG_1, BPF_CGROUP_INET6_BIND, bound);
	netjoin_stamp(a, 0);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_KIND, NETCONN_K_RESULT);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_RESULT, NETCONN_R_FAILED);
	asm_goto(a, send);
	asm_label(a, abort);
	netjoin_flag(a, NETCONN_F_ABORTED);
	asm_goto(a, ASM_EXIT);
	asm_label(a, live);
	netjoin_flag(a, NETCONN_F_RELEASED);
	netjoin_stamp(a, 0);
	asm_goto(a, ASM_EXIT);
	asm_label(a, bound);
	unbind(a, m);
}

/* sock_release: UDP sockets report their counts (net.closed) and go. */
static int build_release(const struct netprog_maps *m, struct asm_buf *a)
{
	int tcp = asm_newlabel(a), send = asm_newlabel(a);

	MOV_REG(a, BPF_REG_6, BPF_REG_1);
	netjoin_find_self(a, m->conns, KEY);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, SK(protocol));
	asm_jmp(a, BPF_JNE, BPF_REG_1, IPPROTO_UDP, tcp);
	netjoin_stamp(a, 0);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_KIND, NETCONN_K_CLOSED);
	asm_goto(a, send);
	asm_label(a, tcp);
	tcp_release(a, m, send);
	asm_label(a, send);
	one_end(a, BPF_REG_6, 0);
	netjoin_send(a, m, DROPKEY);
	netjoin_delete(a, m->conns, KEY);
	return 0;
}

/* egress: a UDP datagram of a socket with an entry adds to its counts
 * (a GSO send counts its segments), the first one also notes the local
 * end; anything else costs a few instructions.  r8 = the full socket. */
static int build_egress(const struct netprog_maps *m, struct asm_buf *a)
{
	int noted = asm_newlabel(a);

	MOV_REG(a, BPF_REG_6, BPF_REG_1);
	LDX(a, BPF_DW, BPF_REG_1, BPF_REG_6, SKB(sk));
	asm_jmp(a, BPF_JEQ, BPF_REG_1, 0, ASM_EXIT);
	CALL(a, BPF_FUNC_sk_fullsock);
	asm_jmp(a, BPF_JEQ, BPF_REG_0, 0, ASM_EXIT);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_0, SK(protocol));
	asm_jmp(a, BPF_JNE, BPF_REG_1, IPPROTO_UDP, ASM_EXIT);
	MOV_REG(a, BPF_REG_8, BPF_REG_0);
	netjoin_find_self(a, m->conns, KEY);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_7, NETCONN_OFF_LPORT);
	asm_jmp(a, BPF_JNE, BPF_REG_1, 0, noted);
	one_end(a, BPF_REG_8, 1);
	asm_label(a, noted);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, SKB(gso_segs));
	asm_emit(a, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 1, 0);
	MOV_IMM(a, BPF_REG_1, 1);
	XADD64(a, BPF_REG_7, BPF_REG_1, NETCONN_OFF_DGRAMS);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, SKB(len));
	LDX(a, BPF_W, BPF_REG_2, BPF_REG_6, SKB(protocol));
	MOV_IMM(a, BPF_REG_3, UDP4_HDRS);
	asm_emit(a, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 1,
		 htons(ETH_P_IPV6));
	MOV_IMM(a, BPF_REG_3, UDP6_HDRS);
	SUB_REG(a, BPF_REG_1, BPF_REG_3);
	XADD64(a, BPF_REG_7, BPF_REG_1, NETCONN_OFF_SENT);
	return 0;
}

int netsk_build(int attach_type, const struct netprog_maps *m,
		struct bpf_insn *insns, size_t cap)
{
	struct asm_buf a;

	if (m->conns < 0 || m->listeners < 0)
		return -1;
	asm_init(&a, insns, cap);
	if (attach_type == BPF_CGROUP_INET_SOCK_RELEASE)
		build_release(m, &a);
	else if (attach_type == BPF_CGROUP_INET_EGRESS)
		build_egress(m, &a);
	else
		return -1;
	asm_label(&a, ASM_EXIT);
	MOV_IMM(&a, BPF_REG_0, 1);
	EXIT(&a);
	return asm_end(&a);
}
