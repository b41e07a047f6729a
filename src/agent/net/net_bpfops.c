/*
 * net_bpfops.c: assembles the net probe's cgroup sock_ops program: the
 * outcome of each TCP connection of the cell (net_bpfops.h).
 *
 * r6 = the context (struct bpf_sock_ops), r7 = the socket's entry in the
 * connection table, r8 = a listener's entry, r9 = 1 when the entry goes
 * after it is sent; r10 = the frame: KEY (the socket's cookie), LKEY (a
 * listener key), DROPKEY.  The program never changes how TCP behaves:
 * every op it does not handle returns 1 with a zero reply, the kernel's
 * default.  Only instructions here; the verifier checks them at load.
 */
#include <stddef.h>
#include <sys/socket.h>
#include "net_bpfconn.h"
#include "net_bpfjoin.h"
#include "net_bpfops.h"

#define KEY	(-8)	/* u64 socket cookie */
#define LKEY	(-16)	/* u32 family << 16 | local port */
#define DROPKEY	(-24)	/* u32 drop counter slot */

#define CTX(f)	((int)offsetof(struct bpf_sock_ops, f))

/* r1 = *(u32 *)(ctx + off) into the entry at r7 + to. */
static void ctx_copy(struct asm_buf *a, int off, int to)
{
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, off);
	STX(a, BPF_W, BPF_REG_7, BPF_REG_1, to);
}

/* The callbacks this socket gets from now on. */
static void cb_flags(struct asm_buf *a, int flags)
{
	MOV_REG(a, BPF_REG_1, BPF_REG_6);
	MOV_IMM(a, BPF_REG_2, flags);
	CALL(a, BPF_FUNC_sock_ops_cb_flags_set);
}

/* fp + LKEY = family << 16 | local port: a listener's key. */
static void listener_key(struct asm_buf *a)
{
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, CTX(family));
	LSH_IMM(a, BPF_REG_1, 16);
	LDX(a, BPF_W, BPF_REG_2, BPF_REG_6, CTX(local_port));
	OR_REG(a, BPF_REG_1, BPF_REG_2);
	STX(a, BPF_W, BPF_REG_10, BPF_REG_1, LKEY);
}

/* Both ends from the context into the entry. */
static void ends(struct asm_buf *a)
{
	int v6 = asm_newlabel(a), done = asm_newlabel(a), i;

	ctx_copy(a, CTX(family), NETCONN_OFF_FAMILY);
	ctx_copy(a, CTX(local_port), NETCONN_OFF_LPORT);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, CTX(remote_port));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	RSH_IMM(a, BPF_REG_1, 16);	/* the kernel gives dport << 16 */
#endif
	STX(a, BPF_W, BPF_REG_7, BPF_REG_1, NETCONN_OFF_RPORT);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, CTX(family));
	asm_jmp(a, BPF_JNE, BPF_REG_1, AF_INET, v6);
	ctx_copy(a, CTX(local_ip4), NETCONN_OFF_LADDR);
	ctx_copy(a, CTX(remote_ip4), NETCONN_OFF_RADDR);
	asm_goto(a, done);
	asm_label(a, v6);
	for (i = 0; i < 4; i++) {
		ctx_copy(a, CTX(local_ip6) + 4 * i, NETCONN_OFF_LADDR + 4 * i);
		ctx_copy(a, CTX(remote_ip6) + 4 * i, NETCONN_OFF_RADDR + 4 * i);
	}
	asm_label(a, done);
}

/* connect(): the state changes and retransmission timeouts from now. */
static void on_connect(struct asm_buf *a)
{
	cb_flags(a, BPF_SOCK_OPS_STATE_CB_FLAG | BPF_SOCK_OPS_RTO_CB_FLAG);
	asm_goto(a, ASM_EXIT);
}

/* An RTO that gave up (args[2]) marks the connect as timed out. */
static void on_rto(struct asm_buf *a, const struct netprog_maps *m)
{
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, CTX(args[2]));
	asm_jmp(a, BPF_JEQ, BPF_REG_1, 0, ASM_EXIT);
	netjoin_find_self(a, m->conns, KEY);
	netjoin_flag(a, NETCONN_F_EXPIRED);
	asm_goto(a, ASM_EXIT);
}

/* listen(): the bound socket's entry becomes the listener's; it keeps
 * its key (family, port) for sock_release, which cannot read the port. */
static void on_listen(struct asm_buf *a, const struct netprog_maps *m)
{
	netjoin_find_self(a, m->conns, KEY);
	ctx_copy(a, CTX(family), NETCONN_OFF_FAMILY);
	ctx_copy(a, CTX(local_port), NETCONN_OFF_LPORT);
	listener_key(a);
	netjoin_put(a, m, m->listeners, LKEY, BPF_REG_7, BPF_ANY, DROPKEY);
	asm_goto(a, ASM_EXIT);
}

/* SYN-ACK: established; the RTO callbacks are not wanted any more. */
static void on_active(struct asm_buf *a, const struct netprog_maps *m,
		      int send)
{
	cb_flags(a, BPF_SOCK_OPS_STATE_CB_FLAG);
	netjoin_find_self(a, m->conns, KEY);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_STATUS, NETCONN_S_OUT);
	netjoin_stamp(a, 1);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_KIND, NETCONN_K_RESULT);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_RESULT, NETCONN_R_ESTABLISHED);
	MOV_IMM(a, BPF_REG_9, 0);
	asm_goto(a, send);
}

/* The last ACK of an inbound handshake: the child gets an entry made
 * from its listener's (an all-zero one when the listener is unknown). */
static void on_passive(struct asm_buf *a, const struct netprog_maps *m,
		       int send)
{
	int have = asm_newlabel(a), put = asm_newlabel(a);

	cb_flags(a, BPF_SOCK_OPS_STATE_CB_FLAG);
	listener_key(a);
	netjoin_lookup(a, m->listeners, LKEY, put);
	asm_goto(a, have);
	asm_label(a, put);
	ST_IMM(a, BPF_W, BPF_REG_10, LKEY, 0);
	netjoin_lookup(a, m->listeners, LKEY, ASM_EXIT);
	asm_label(a, have);
	MOV_REG(a, BPF_REG_8, BPF_REG_0);
	MOV_REG(a, BPF_REG_1, BPF_REG_6);
	CALL(a, BPF_FUNC_get_socket_cookie);
	STX(a, BPF_DW, BPF_REG_10, BPF_REG_0, KEY);
	netjoin_put(a, m, m->conns, KEY, BPF_REG_8, BPF_ANY, DROPKEY);
	netjoin_lookup(a, m->conns, KEY, ASM_EXIT);	/* none if it failed */
	MOV_REG(a, BPF_REG_7, BPF_REG_0);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_STATUS, NETCONN_S_IN);
	netjoin_stamp(a, 1);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_KIND, NETCONN_K_ACCEPTED);
	MOV_IMM(a, BPF_REG_9, 0);
	asm_goto(a, send);
}

/* r2 = result when (flags & bit) (bit 0: when segs_in > 0); goto set. */
static void result_if(struct asm_buf *a, unsigned bit, int result, int set)
{
	MOV_IMM(a, BPF_REG_2, result);
	if (bit) {
		MOV_REG(a, BPF_REG_3, BPF_REG_1);
		AND_IMM(a, BPF_REG_3, (int)bit);
		asm_jmp(a, BPF_JNE, BPF_REG_3, 0, set);
	} else {
		LDX(a, BPF_W, BPF_REG_3, BPF_REG_6, CTX(segs_in));
		asm_jmp(a, BPF_JNE, BPF_REG_3, 0, set);
	}
}

/* A connect that ended without being established: why, as far as the
 * kernel shows it (closed by its owner, timed out, a reset came back,
 * else an ICMP error). */
static void failed(struct asm_buf *a, int send)
{
	int set = asm_newlabel(a);

	LDX(a, BPF_W, BPF_REG_2, BPF_REG_6, CTX(args[0]));
	asm_jmp(a, BPF_JNE, BPF_REG_2, BPF_TCP_SYN_SENT, ASM_EXIT);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_KIND, NETCONN_K_RESULT);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_7, NETCONN_OFF_FLAGS);
	result_if(a, NETCONN_F_ABORTED, NETCONN_R_ABORTED, set);
	result_if(a, NETCONN_F_EXPIRED, NETCONN_R_TIMEOUT, set);
	result_if(a, 0, NETCONN_R_REFUSED, set);
	MOV_IMM(a, BPF_REG_2, NETCONN_R_UNREACHABLE);
	asm_label(a, set);
	STX(a, BPF_W, BPF_REG_7, BPF_REG_2, NETCONN_OFF_RESULT);
	MOV_IMM(a, BPF_REG_9, 1);
	asm_goto(a, send);
}

/* A state change: FIN_WAIT2 notes rcv_nxt (see netconn_payload);
 * TCP_CLOSE is a connect's failure, or a connection's end and its
 * bytes, with the sequence state that tells its SYN and FINs apart. */
static void on_state(struct asm_buf *a, const struct netprog_maps *m,
		     int send)
{
	int fail = asm_newlabel(a), close = asm_newlabel(a);

	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, CTX(args[1]));
	asm_jmp(a, BPF_JEQ, BPF_REG_1, BPF_TCP_CLOSE, close);
	asm_jmp(a, BPF_JNE, BPF_REG_1, BPF_TCP_FIN_WAIT2, ASM_EXIT);
	netjoin_find_self(a, m->conns, KEY);
	ctx_copy(a, CTX(rcv_nxt), NETCONN_OFF_RCVFW2);
	asm_goto(a, ASM_EXIT);
	asm_label(a, close);
	netjoin_find_self(a, m->conns, KEY);
	netjoin_stamp(a, 0);
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_7, NETCONN_OFF_STATUS);
	asm_jmp(a, BPF_JEQ, BPF_REG_1, NETCONN_S_PENDING, fail);
	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_KIND, NETCONN_K_CLOSED);
	LDX(a, BPF_DW, BPF_REG_1, BPF_REG_6, CTX(bytes_acked));
	STX(a, BPF_DW, BPF_REG_7, BPF_REG_1, NETCONN_OFF_SENT);
	LDX(a, BPF_DW, BPF_REG_1, BPF_REG_6, CTX(bytes_received));
	STX(a, BPF_DW, BPF_REG_7, BPF_REG_1, NETCONN_OFF_RCVD);
	ctx_copy(a, CTX(args[0]), NETCONN_OFF_OLDSTATE);
	ctx_copy(a, CTX(snd_una), NETCONN_OFF_SNDUNA);
	ctx_copy(a, CTX(snd_nxt), NETCONN_OFF_SNDNXT);
	ctx_copy(a, CTX(rcv_nxt), NETCONN_OFF_RCVNXT);
	MOV_IMM(a, BPF_REG_9, 1);
	asm_goto(a, send);
	asm_label(a, fail);
	failed(a, send);
}

/* The shared tail: both ends, send, and (r9) forget the entry. */
static void send_tail(struct asm_buf *a, const struct netprog_maps *m,
		      int send)
{
	asm_label(a, send);
	ends(a);
	netjoin_send(a, m, DROPKEY);
	asm_jmp(a, BPF_JEQ, BPF_REG_9, 0, ASM_EXIT);
	netjoin_delete(a, m->conns, KEY);
	asm_goto(a, ASM_EXIT);
}

int netops_build(const struct netprog_maps *m, struct bpf_insn *insns,
		 size_t cap)
{
	static const int ops[] = { BPF_SOCK_OPS_STATE_CB,
		BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB,
		BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB, BPF_SOCK_OPS_TCP_CONNECT_CB,
		BPF_SOCK_OPS_RTO_CB, BPF_SOCK_OPS_TCP_LISTEN_CB };
	struct asm_buf a;
	int at[6], send, i;

	if (m->conns < 0 || m->listeners < 0)
		return -1;
	asm_init(&a, insns, cap);
	send = asm_newlabel(&a);
	MOV_REG(&a, BPF_REG_6, BPF_REG_1);
	LDX(&a, BPF_W, BPF_REG_2, BPF_REG_6, CTX(op));
	for (i = 0; i < 6; i++) {
		at[i] = asm_newlabel(&a);
		asm_jmp(&a, BPF_JEQ, BPF_REG_2, ops[i], at[i]);
	}
	asm_goto(&a, ASM_EXIT);
	asm_label(&a, at[0]);
	on_state(&a, m, send);
	asm_label(&a, at[1]);
	on_active(&a, m, send);
	asm_label(&a, at[2]);
	on_passive(&a, m, send);
	asm_label(&a, at[3]);
	on_connect(&a);
	asm_label(&a, at[4]);
	on_rto(&a, m);
	asm_label(&a, at[5]);
	on_listen(&a, m);
	send_tail(&a, m, send);
	asm_label(&a, ASM_EXIT);
	MOV_IMM(&a, BPF_REG_0, 1);
	EXIT(&a);
	return asm_end(&a);
}
