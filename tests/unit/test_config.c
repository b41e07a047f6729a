/*
 * test_config.c: the agent's settings (src/agent/config.c): one setting
 * at a time, a whole kernel command line, the layering (flags replace a
 * cmdline watch list), and every kind of bad value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <cmocka.h>
#include "agent/config.h"
#include "agent/probe.h"
#include "wire/frame.h"

static struct config C;
static char err[320];

static int set(const char *name, const char *val)
{
	err[0] = '\0';
	return config_set(&C, CFG_FLAGS, name, strlen(name), val, strlen(val),
			  err, sizeof(err));
}

static int cmdline(const char *s)
{
	err[0] = '\0';
	return config_cmdline(&C, s, strlen(s), err, sizeof(err));
}

/* The registry index of a probe --probe can name. */
static int probe_index(const char *name)
{
	int i = probe_find(name, strlen(name));

	assert_true(i >= 0);
	return i;
}

static void defaults(void **state)
{
	(void)state;
	config_defaults(&C);
	assert_int_equal(C.profile, WIRE_EXTENDED);
	assert_int_equal(C.on_failure, CFG_DEGRADE);
	assert_int_equal(C.addr.kind, XPORT_VSOCK);
	assert_int_equal(C.addr.cid, 2);
	assert_int_equal(C.addr.port, 9001);
	assert_int_equal(C.ring_bytes, 1 << 20);
	assert_int_equal(C.heartbeat_ms, 1000);
	assert_true(C.probe_mode[probe_index("process")] &&
		    C.probe_mode[probe_index("fs")] &&
		    C.probe_mode[probe_index("net")]);
	assert_false(C.probe_mode[probe_index("capability")]);
	assert_int_equal(C.nwatch, 0);
	assert_int_equal(C.coalesce_ms, COALESCE_DEFAULT_MS);
	assert_int_equal(C.net_ringbuf, NET_RINGBUF_BYTES);
}

static void each_setting(void **state)
{
	(void)state;
	config_defaults(&C);
	assert_int_equal(set("wire", "strict"), 0);
	assert_int_equal(C.profile, WIRE_STRICT);
	assert_int_equal(set("wire", "extended"), 0);
	assert_int_equal(C.profile, WIRE_EXTENDED);
	assert_int_equal(set("on-failure", "fail-cell"), 0);
	assert_int_equal(C.on_failure, CFG_FAIL_CELL);
	assert_int_equal(set("on_failure", "degrade"), 0);	/* _ is - */
	assert_int_equal(C.on_failure, CFG_DEGRADE);
	assert_int_equal(set("connect", "unix:/run/x.sock"), 0);
	assert_int_equal(C.addr.kind, XPORT_UNIX);
	assert_string_equal(C.addr.path, "/run/x.sock");
	assert_int_equal(set("connect", "vsock:3:1234"), 0);
	assert_int_equal(C.addr.kind, XPORT_VSOCK);
	assert_int_equal(C.addr.cid, 3);
	assert_int_equal(C.addr.port, 1234);
	assert_int_equal(set("ring-bytes", "65536"), 0);
	assert_int_equal(C.ring_bytes, 65536);
	assert_int_equal(set("ring-bytes", "2m"), 0);
	assert_int_equal(C.ring_bytes, 2 << 20);
	assert_int_equal(set("ring-bytes", "128K"), 0);
	assert_int_equal(C.ring_bytes, 128 << 10);
	assert_int_equal(set("heartbeat-ms", "10"), 0);
	assert_int_equal(C.heartbeat_ms, 10);
	assert_int_equal(set("coalesce-ms", "0"), 0);
	assert_int_equal(C.coalesce_ms, 0);
	assert_int_equal(set("coalesce_ms", "100"), 0);
	assert_int_equal(C.coalesce_ms, 100);
	assert_int_equal(set("net-ringbuf", "4096"), 0);
	assert_int_equal(C.net_ringbuf, 4096);
	assert_int_equal(set("net-ringbuf", "16m"), 0);
	assert_int_equal(C.net_ringbuf, 16 << 20);
	assert_int_equal(set("net-ringbuf", "256k"), 0);
	assert_int_equal(C.net_ringbuf, 256 << 10);
	assert_int_equal(set("probe", "capability=on"), 0);
	assert_true(C.probe_mode[probe_index("capability")]);
	assert_int_equal(set("probe", "net=off"), 0);
	assert_false(C.probe_mode[probe_index("net")]);
	assert_int_equal(set("probe", "net=proc"), 0);
	assert_int_equal(C.probe_mode[probe_index("net")], 3);
	assert_int_equal(set("probe", "process=poll"), 0);
	assert_int_equal(C.probe_mode[probe_index("process")], 2);
	assert_int_equal(set("watch", "/etc"), 0);
	assert_int_equal(set("watch", "/var/log/app"), 0);
	assert_int_equal(C.nwatch, 2);
	assert_string_equal(C.watch[0], "/etc");
	assert_string_equal(C.watch[1], "/var/log/app");
}

static void bad_values(void **state)
{
	static const char *const bad[][2] = {
		{ "wire", "v1.1" }, { "wire", "" }, { "wire", "Strict" },
		{ "on-failure", "fail" }, { "connect", "tcp:1.2.3.4:5" },
		{ "connect", "vsock:2" }, { "connect", "vsock:x:1" },
		{ "connect", "vsock:2:4294967296" }, { "connect", "unix:" },
		{ "connect", "vsock:2:9001:1" },
		{ "ring-bytes", "65535" }, { "ring-bytes", "65m" },
		{ "ring-bytes", "1g" }, { "ring-bytes", "-1" },
		{ "ring-bytes", "" }, { "ring-bytes", "k" },
		{ "ring-bytes", "99999999999999999999" },
		{ "heartbeat-ms", "9" }, { "heartbeat-ms", "3600001" },
		{ "heartbeat-ms", "1e3" }, { "heartbeat-ms", " 100" },
		{ "probe", "net" }, { "probe", "disk=on" }, { "probe", "net=1" },
		{ "probe", "=on" }, { "watch", "relative/path" },
		{ "watch", "" }, { "verbose", "1" }, { "connect-x", "unix:/a" },
		{ "coalesce-ms", "101" }, { "coalesce-ms", "-1" },
		{ "coalesce-ms", "2.5" }, { "coalesce-ms", "" },
		{ "net-ringbuf", "96k" }, { "net-ringbuf", "2k" },
		{ "net-ringbuf", "32m" }, { "net-ringbuf", "65535" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_defaults(&C);
		if (set(bad[i][0], bad[i][1]) != -1)
			fail_msg("%s=%s accepted", bad[i][0], bad[i][1]);
		assert_true(strlen(err) > 0);
		/* a bad value changes nothing */
		assert_int_equal(C.profile, WIRE_EXTENDED);
		assert_int_equal(C.addr.kind, XPORT_VSOCK);
		assert_int_equal(C.ring_bytes, 1 << 20);
		assert_int_equal(C.heartbeat_ms, 1000);
		assert_int_equal(C.coalesce_ms, COALESCE_DEFAULT_MS);
		assert_int_equal(C.net_ringbuf, NET_RINGBUF_BYTES);
	}
	assert_int_equal(set("bogus", "1"), -1);
	assert_non_null(strstr(err, "unknown setting 'bogus'"));
}

/* The probe names and mode words in the messages come from the registry. */
static void probe_messages(void **state)
{
	(void)state;
	config_defaults(&C);
	assert_int_equal(set("probe", "disk=on"), -1);
	assert_string_equal(err, "no probe 'disk' (process, fs, net, capability)");
	assert_int_equal(set("probe", "net=maybe"), -1);
	assert_string_equal(err, "'maybe' is not a mode of net (off, on, diag, proc)");
	assert_int_equal(set("probe", "fs=poll"), -1);
	assert_string_equal(err, "'poll' is not a mode of fs (off, on, inotify)");
}

static void unix_path_limits(void **state)
{
	char v[5 + 109];

	(void)state;
	config_defaults(&C);
	memcpy(v, "unix:", 5);
	memset(v + 5, 'a', 107);
	v[5 + 107] = '\0';
	assert_int_equal(set("connect", v), 0);	/* 107 bytes: fits */
	assert_int_equal(strlen(C.addr.path), 107);
	v[5 + 107] = 'a';
	v[5 + 108] = '\0';
	assert_int_equal(set("connect", v), -1);
}

/* --watch-mask LIST for every path, PATH=LIST for one declared before. */
static void watch_masks(void **state)
{
	(void)state;
	config_defaults(&C);
	assert_int_equal(C.watch_mask, 0);		/* the profile's default */
	assert_int_equal(set("watch-mask", "modify,close_write"), 0);
	assert_int_equal(C.watch_mask, IN_MODIFY | IN_CLOSE_WRITE);
	assert_int_equal(set("watch", "/run/secrets/db"), 0);
	assert_int_equal(set("watch", "/a=b"), 0);
	assert_int_equal(set("watch-mask", "/run/secrets/db=open,access"), 0);
	assert_int_equal(C.watch_add[0], IN_OPEN | IN_ACCESS);
	assert_int_equal(C.watch_add[1], 0);
	assert_int_equal(set("watch-mask", "/a=b=open"), 0);	/* the last '=' */
	assert_int_equal(C.watch_add[1], IN_OPEN);
	assert_int_equal(set("watch-mask", "/elsewhere=open"), -1);
	assert_string_equal(err, "'/elsewhere' is not a --watch path declared "
			    "before it");
	assert_int_equal(set("watch-mask", "/run/secrets/db=opened"), -1);
	assert_int_equal(set("watch-mask", "open,,access"), -1);
	assert_int_equal(C.watch_mask, IN_MODIFY | IN_CLOSE_WRITE);
}

static void watch_limits(void **state)
{
	char p[FS_PATH_MAX + 1];
	unsigned i;

	(void)state;
	config_defaults(&C);
	p[0] = '/';
	memset(p + 1, 'a', FS_PATH_MAX - 1);
	p[FS_PATH_MAX] = '\0';
	assert_int_equal(set("watch", p), -1);		/* one byte too long */
	p[FS_PATH_MAX - 1] = '\0';
	assert_int_equal(set("watch", p), 0);
	assert_int_equal(strlen(C.watch[0]), FS_PATH_MAX - 1);
	config_defaults(&C);
	for (i = 0; i < FS_WATCH_MAX; i++)
		assert_int_equal(set("watch", "/w"), 0);
	assert_int_equal(set("watch", "/w"), -1);
	assert_int_equal(C.nwatch, FS_WATCH_MAX);
}

static void whole_cmdline(void **state)
{
	(void)state;
	config_defaults(&C);
	assert_int_equal(cmdline(
		"console=ttyS0 reboot=k panic=1 pci=off "
		"cellos.telemetry.wire=strict cellos.telemetry.ring_bytes=256k "
		"cellos.telemetry.watch=/etc cellos.telemetry.watch=\"/srv/my dir\" "
		"cellos.telemetry.probe=net=off init=/sbin/init "
		"cellos.telemetry.connect=unix:/tmp/t.sock "
		"cellos.telemetry.coalesce_ms=5\n"), 0);
	assert_int_equal(C.profile, WIRE_STRICT);
	assert_int_equal(C.coalesce_ms, 5);
	assert_int_equal(C.ring_bytes, 256 << 10);
	assert_int_equal(C.nwatch, 2);
	assert_string_equal(C.watch[1], "/srv/my dir");
	assert_false(C.probe_mode[probe_index("net")]);
	assert_int_equal(C.addr.kind, XPORT_UNIX);
	assert_string_equal(C.addr.path, "/tmp/t.sock");
	/* nothing of ours: nothing changes */
	config_defaults(&C);
	assert_int_equal(cmdline("quiet cellos.other=1 cellos.telemetryx=1"),
			 0);
	assert_int_equal(cmdline(""), 0);
	assert_int_equal(cmdline("   \n"), 0);
	assert_int_equal(C.profile, WIRE_EXTENDED);
}

static void bad_cmdline(void **state)
{
	(void)state;
	config_defaults(&C);
	assert_int_equal(cmdline("quiet cellos.telemetry.wire=loose"), -1);
	assert_non_null(strstr(err, "cellos.telemetry.wire"));
	assert_non_null(strstr(err, "'loose'"));
	assert_int_equal(cmdline("cellos.telemetry.nope=1"), -1);
	assert_non_null(strstr(err, "unknown setting 'nope'"));
	assert_int_equal(cmdline("cellos.telemetry.wire"), -1);
	assert_non_null(strstr(err, "no =VALUE"));
	assert_int_equal(cmdline("cellos.telemetry.=1"), -1);
	/* an unterminated quote: the word named, the newline not in it */
	assert_int_equal(cmdline("quiet cellos.telemetry.watch=\"/x\n"), -1);
	assert_string_equal(err,
			    "cellos.telemetry.watch=\"/x: unterminated quote");
	assert_int_equal(cmdline("cellos.telemetry.watch=/a\"b c=d"), -1);
	assert_non_null(strstr(err, "unterminated quote"));
	/* someone else's open quote swallows the rest, as in the kernel */
	assert_int_equal(cmdline("x=\"y cellos.telemetry.wire=loose"), 0);
}

static void flags_replace_cmdline_watches(void **state)
{
	(void)state;
	config_defaults(&C);
	assert_int_equal(cmdline("cellos.telemetry.watch=/a "
				 "cellos.telemetry.watch=/b"), 0);
	assert_int_equal(C.nwatch, 2);
	assert_int_equal(set("watch", "/c"), 0);	/* a flag: replaces */
	assert_int_equal(set("watch", "/d"), 0);	/* then adds */
	assert_int_equal(C.nwatch, 2);
	assert_string_equal(C.watch[0], "/c");
	assert_string_equal(C.watch[1], "/d");
	/* a single setting: later layer wins */
	config_defaults(&C);
	assert_int_equal(cmdline("cellos.telemetry.wire=strict"), 0);
	assert_int_equal(set("wire", "extended"), 0);
	assert_int_equal(C.profile, WIRE_EXTENDED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(each_setting),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(probe_messages),
		cmocka_unit_test(unix_path_limits),
		cmocka_unit_test(watch_masks),
		cmocka_unit_test(watch_limits),
		cmocka_unit_test(whole_cmdline),
		cmocka_unit_test(bad_cmdline),
		cmocka_unit_test(flags_replace_cmdline_watches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
