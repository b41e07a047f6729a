/*
 * test_net_bpfprog.c: the net probe's BPF programs (src/agent/net/
 * net_bpfprog.c, net_bpfops.c, net_bpfsk.c) and the bpf(2) wrappers
 * (net_bpfsys.c).
 *
 * Pure part: assembly sizes and limits (printed: the instruction counts
 * the design keeps small, since stock guest kernels interpret them), the
 * programs that need the outcome tables refuse to assemble without them,
 * the verifier-log reason.  Kernel part (root with BPF; skipped
 * otherwise): all nine programs pass the verifier (load, then close); a
 * program that breaks a context rule is refused with the verifier's
 * reason; attach and detach on a child cgroup of our own (bpf_link and
 * BPF_F_ALLOW_MULTI), checked with BPF_PROG_QUERY; the map wrappers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/net/net_bpfsys.h"
#include "agent/net/net_cgroup2.h"
#include "agent/net/net_bpfconn.h"
#include "agent/net/net_bpfprog.h"
#include "agent/net/net_bpfrec.h"
#include "lib/caps.h"

static struct bpf_insn insns[NETPROG_MAX_INSNS];
/* Fake fds for the pure part; maps_setup makes real ones. */
static struct netprog_maps maps = { -1, -1, -1, -1, -1 };


/* Assemble program i with m into insns[0..cap). */
static int build(size_t i, const struct netprog_maps *m, size_t cap)
{
	return netprog_assemble((int)i, m, insns, cap);
}

/* The longest run through insns[0..n) in instructions executed (the
 * programs jump forward only: one pass from the end); what an
 * interpreter (a guest kernel without JIT) pays at most per event, helper
 * calls aside. */
static int longest_path(int n)
{
	static int lp[NETPROG_MAX_INSNS + 1];
	int i, code, to, next;

	for (i = n - 1; i >= 0; i--) {
		code = insns[i].code;
		next = i + 1 + (code == (BPF_LD | BPF_DW | BPF_IMM));
		to = i + 1 + insns[i].off;
		if (code == (BPF_JMP | BPF_EXIT))
			lp[i] = 1;
		else if (code == (BPF_JMP | BPF_JA))
			lp[i] = 1 + lp[to];
		else if (BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_CALL)
			lp[i] = 1 + (lp[to] > lp[next] ? lp[to] : lp[next]);
		else if (i > 0 && insns[i - 1].code == (BPF_LD | BPF_DW | BPF_IMM))
			lp[i] = 0;	/* the second half of a map load */
		else
			lp[i] = 1 + lp[next];
	}
	return lp[0];
}

static void assembles(void **state)
{
	struct netprog_maps fake = { 3, 4, 5, 6, 7 };
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < NETPROG_N; i++) {
		n = build(i, &fake, NETPROG_MAX_INSNS);
		assert_true(n > 10);
		assert_true(n <= NETPROG_MAX_INSNS);
		/* The last instruction returns. */
		assert_int_equal(insns[n - 1].code, BPF_JMP | BPF_EXIT);
		print_message("# %-8s %3d instructions, at most %d run\n",
			      netprog_name(netprog_all[i].attach), n, longest_path(n));
		assert_int_equal(build(i, &fake, (size_t)n - 1), -1);
	}
	/* Without the outcome tables: the attempt programs alone, shorter. */
	fake.conns = fake.listeners = -1;
	for (i = 0; i < NETPROG_N; i++) {
		n = build(i, &fake, NETPROG_MAX_INSNS);
		if (i < 4)
			print_message("# %-8s %3d instructions, at most %d run, "
				      "without outcomes\n",
				      netprog_name(netprog_all[i].attach), n,
				      longest_path(n));
		assert_true(i < 4 ? n > 10 : n == -1);
	}
	assert_int_equal(netprog_build(BPF_CGROUP_INET_EGRESS, &fake, insns,
				       NETPROG_MAX_INSNS), -1);
	assert_int_equal(netprog_assemble(NETPROG_N, &fake, insns,
					  NETPROG_MAX_INSNS), -1);
	assert_string_equal(netprog_name(BPF_CGROUP_UDP6_SENDMSG), "sendmsg6");
	assert_string_equal(netprog_name(BPF_CGROUP_SOCK_OPS), "sock_ops");
	assert_string_equal(netprog_name(BPF_CGROUP_INET_INGRESS), "?");
}

static void log_reason(void **state)
{
	static const char log[] = "0: (bf) r6 = r1\n"
		"1: (61) r1 = *(u32 *)(r6 +8)\n"
		"invalid bpf_context access off=8 size=4\n"
		"processed 2 insns (limit 1000000) max_states_per_insn 0\n";
	char out[64];

	(void)state;
	assert_int_equal(bpfsys_log_reason(log, sizeof(log) - 1, out,
					   sizeof(out)), 39);
	assert_string_equal(out, "invalid bpf_context access off=8 size=4");
	assert_int_equal(bpfsys_log_reason(log, sizeof(log) - 1, out, 8), 7);
	assert_string_equal(out, "invalid");
	assert_int_equal(bpfsys_log_reason("processed 1\n\n", 13, out,
					   sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* Maps as the probe makes them; 0, or skip when BPF is not ours. */
static int maps_new(void)
{
	if (geteuid() != 0)
		return -1;
	maps.ringbuf = bpfsys_map_new(BPF_MAP_TYPE_RINGBUF, 0, 0,
				      NET_RINGBUF_BYTES, "t_rb");
	maps.drops = bpfsys_map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 1, "t_drop");
	maps.dedupe = bpfsys_map_new(BPF_MAP_TYPE_LRU_HASH, NETREC_KEY_SIZE, 8,
				     NET_UDP_DEDUPE_MAX, "t_udp");
	maps.conns = bpfsys_map_new(BPF_MAP_TYPE_HASH, 8, NETCONN_SIZE, 64,
				    "t_conn");
	maps.listeners = bpfsys_map_new(BPF_MAP_TYPE_HASH, 4, NETCONN_SIZE, 8,
					"t_lst");
	return maps.ringbuf < 0 || maps.drops < 0 || maps.dedupe < 0 ||
	       maps.conns < 0 || maps.listeners < 0 ? -1 : 0;
}

static int maps_setup(void **state)
{
	(void)state;
	maps_new();
	return 0;
}

static int maps_teardown(void **state)
{
	(void)state;
	if (maps.ringbuf >= 0)
		close(maps.ringbuf);
	if (maps.drops >= 0)
		close(maps.drops);
	if (maps.dedupe >= 0)
		close(maps.dedupe);
	if (maps.conns >= 0)
		close(maps.conns);
	if (maps.listeners >= 0)
		close(maps.listeners);
	maps = (struct netprog_maps){ -1, -1, -1, -1, -1 };
	return 0;
}

static int load(int at, char *why, size_t whycap)
{
	int n = netprog_build(at, &maps, insns, NETPROG_MAX_INSNS);

	assert_true(n > 0);
	return bpfsys_prog_new(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, at, "t_prog",
			       insns, (size_t)n, why, whycap);
}

static void verifier_accepts(void **state)
{
	char why[MECH_WHY_MAX] = "";
	size_t i;
	int n, fd;

	(void)state;
	if (maps.ringbuf < 0 || maps.conns < 0)
		skip();
	for (i = 0; i < NETPROG_N; i++) {
		n = build(i, &maps, NETPROG_MAX_INSNS);
		assert_true(n > 0);
		fd = bpfsys_prog_new(netprog_all[i].type, netprog_all[i].attach, "t_prog",
				     insns, (size_t)n, why, sizeof(why));
		if (fd < 0)
			fail_msg("%s refused: %s",
				 netprog_name(netprog_all[i].attach), why);
		close(fd);
	}
}

/* put/get/next/del over a hash map, as the sweep uses them. */
static void map_calls(void **state)
{
	uint64_t k = 7, k2 = 9, next = 0, v = 1, got = 0;
	int fd;

	(void)state;
	if (maps.ringbuf < 0)
		skip();
	fd = bpfsys_map_new(BPF_MAP_TYPE_HASH, 8, 8, 4, "t_hash");
	assert_true(fd >= 0);
	assert_int_equal(bpfsys_map_next(fd, NULL, &next), -1);
	assert_int_equal(bpfsys_map_put(fd, &k, &v, BPF_NOEXIST), 0);
	assert_int_equal(bpfsys_map_put(fd, &k, &v, BPF_NOEXIST), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(bpfsys_map_put(fd, &k2, &v, BPF_ANY), 0);
	assert_int_equal(bpfsys_map_next(fd, NULL, &next), 0);
	assert_true(next == k || next == k2);
	assert_int_equal(bpfsys_map_get(fd, &next, &got), 0);
	assert_int_equal(got, 1);
	assert_int_equal(bpfsys_map_del(fd, &k), 0);
	assert_int_equal(bpfsys_map_del(fd, &k), -1);
	assert_int_equal(bpfsys_map_next(fd, NULL, &next), 0);
	assert_int_equal(next, k2);
	assert_int_equal(bpfsys_map_next(fd, &next, &next), -1);
	assert_int_equal(errno, ENOENT);
	close(fd);
}

static void verifier_refuses(void **state)
{
	char why[MECH_WHY_MAX] = "";
	size_t ip6 = offsetof(struct bpf_sock_addr, user_ip6);
	int n, i, fd;

	(void)state;
	if (maps.ringbuf < 0)
		skip();
	/* connect4 may not read user_ip6: point its user_ip4 load there. */
	n = netprog_build(BPF_CGROUP_INET4_CONNECT, &maps, insns,
			  NETPROG_MAX_INSNS);
	for (i = 0; i < n; i++)
		if (insns[i].code == (BPF_LDX | BPF_W | BPF_MEM) &&
		    insns[i].off == offsetof(struct bpf_sock_addr, user_ip4))
			insns[i].off = (int16_t)ip6;
	fd = bpfsys_prog_new(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			     BPF_CGROUP_INET4_CONNECT, "t_bad", insns,
			     (size_t)n, why, sizeof(why));
	assert_int_equal(fd, -1);
	assert_memory_equal(why, "verifier: ", 10);
	assert_true(strlen(why) > 12);
	print_message("# refused as expected: %s\n", why);
}

/* Programs attached to cgroup fd for one attach type (BPF_PROG_QUERY). */
static unsigned attached(int cg, int at)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cg;
	a.query.attach_type = (uint32_t)at;
	if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)) < 0)
		return 99;
	return a.query.prog_cnt;
}

static void attach_detach(void **state)
{
	char root[NET_PATH_MAX], dir[NET_PATH_MAX + 32], why[MECH_WHY_MAX];
	int mounted, cg, fd, link;

	(void)state;
	if (maps.ringbuf < 0 ||
	    cgroup2_root(root, sizeof(root), &mounted, why, sizeof(why)) < 0)
		skip();
	snprintf(dir, sizeof(dir), "%s/cellos-unit-%d", root, (int)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	cg = open(dir, O_RDONLY | O_DIRECTORY);
	fd = load(BPF_CGROUP_INET4_CONNECT, why, sizeof(why));
	assert_true(cg >= 0 && fd >= 0);
	assert_int_equal(bpfsys_attach(fd, cg, BPF_CGROUP_INET4_CONNECT, &link), 0);
	assert_true(link >= 0);
	assert_int_equal(attached(cg, BPF_CGROUP_INET4_CONNECT), 1);
	close(link);
	assert_int_equal(attached(cg, BPF_CGROUP_INET4_CONNECT), 0);
	assert_int_equal(bpfsys_attach_multi(fd, cg, BPF_CGROUP_INET4_CONNECT), 0);
	assert_int_equal(attached(cg, BPF_CGROUP_INET4_CONNECT), 1);
	assert_int_equal(bpfsys_detach(fd, cg, BPF_CGROUP_INET4_CONNECT), 0);
	assert_int_equal(attached(cg, BPF_CGROUP_INET4_CONNECT), 0);
	close(fd);
	close(cg);
	assert_int_equal(rmdir(dir), 0);
	if (mounted)
		cgroup2_unmount(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(assembles),
		cmocka_unit_test(log_reason),
		cmocka_unit_test_setup_teardown(verifier_accepts, maps_setup,
						maps_teardown),
		cmocka_unit_test_setup_teardown(map_calls, maps_setup,
						maps_teardown),
		cmocka_unit_test_setup_teardown(verifier_refuses, maps_setup,
						maps_teardown),
		cmocka_unit_test_setup_teardown(attach_detach, maps_setup,
						maps_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
