# cellos-telemetry: the only build file.
#
#   make              both binaries in build/ (the agent static, musl when present)
#   make check        every test; ends with "N passed, N failed"
#   make fuzz         longer fuzzing runs (FUZZ_TIME seconds per target)
#   make demo         the agent and host on this machine, a workload, its events
#   make install      PREFIX (/usr/local) and DESTDIR; make deb: two .deb files
#   make e2e          the agent and host in a QEMU guest on real AF_VSOCK
#   make bench        the six benchmarks of BENCH.md: tables, bench/results/*.csv
#   make clean
#
# WERROR=1 turns warnings into errors (CI sets it).

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:
.PHONY: all check clean deps-build deps-check demo e2e bench fuzz unit

O	:= build
V	?= 0
Q	:= $(if $(filter 1,$(V)),,@)
WERROR	?= 0
PYTHON	?= /usr/bin/python3
FUZZ_TIME  ?= 60
FUZZ_SMOKE ?= 15
VERSION	:= 0.1.0

WARN	:= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wvla -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
HARDEN	:= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection \
	   -fcf-protection
CFLAGS	?= -O2 -g
BASE	:= -std=c11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -Isrc -MMD -MP $(WARN)
LDHARDEN := -Wl,-z,relro,-z,now
SANFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	    -fno-sanitize-recover=all

# The agent links libc only and builds static: musl when musl-gcc exists.
MUSL_CC	:= $(shell command -v musl-gcc 2>/dev/null)
AGENT_CC := $(if $(MUSL_CC),musl-gcc,$(CC))
AGENT_INC := $(if $(MUSL_CC),-isystem $(O)/kinc)
SODIUM	:= $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)
# The host's libraries: libsodium (signing), jansson (--tree reads JSON).
HOSTLIBS := $(SODIUM) $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)

WIRE_SRC  := $(wildcard src/wire/*.c)
LIB_SRC   := $(wildcard src/lib/*.c)
AGENT_SRC := $(filter-out src/agent/main.c,$(wildcard src/agent/*.c src/agent/*/*.c))
HOST_SRC  := $(filter-out src/host/main.c,$(wildcard src/host/*.c))
CORE_SRC  := $(WIRE_SRC) $(LIB_SRC) $(AGENT_SRC) $(HOST_SRC)
# ar keeps one member per file name: two modules named alike would
# silently lose one of them inside libcore.a.
DUP_NAMES := $(shell printf '%s\n' $(notdir $(CORE_SRC)) | sort | uniq -d)
$(if $(DUP_NAMES),$(error source file names must be unique across src/: $(DUP_NAMES)))
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
TOOL_SRC  := $(wildcard tests/tools/*.c)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
# Integration tests: executable scripts that print TAP, run from the top
# folder with BUILD pointing at the build folder.
INTEG     := $(sort $(wildcard tests/integ/test_*))

AGENT	:= $(O)/cellos-telemetry
HOST	:= $(O)/cellos-telemetry-host
UNITS	:= $(UNIT_SRC:tests/unit/%.c=$(O)/unit/%)
UNITS_ASAN := $(UNIT_SRC:tests/unit/%.c=$(O)/asan/unit/%)
TOOLS	:= $(TOOL_SRC:tests/tools/%.c=$(O)/tools/%)
FUZZERS	:= $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)

all: deps-build $(AGENT) $(HOST)

deps-build:
	@scripts/deps.sh build
deps-check:
	@scripts/deps.sh build check

# ---- objects: glibc (host, tests), musl (agent), sanitizers (tests) ----

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo '  CC      $@'
	$(Q)$(CC) $(BASE) $(HARDEN) -fPIE $(CFLAGS) -c $< -o $@

$(O)/musl/%.o: %.c | $(O)/kinc
	@mkdir -p $(@D)
	@echo '  CC      $@'
	$(Q)$(AGENT_CC) $(BASE) $(AGENT_INC) -fstack-protector-strong $(CFLAGS) -c $< -o $@

$(O)/asan/%.o: %.c
	@mkdir -p $(@D)
	@echo '  CC      $@'
	$(Q)$(CC) $(BASE) $(SANFLAGS) -c $< -o $@

# musl-gcc has no kernel uapi headers: point it at the system's.
$(O)/kinc:
	@mkdir -p $@
	$(Q)ln -sfn /usr/include/linux $@/linux
	$(Q)ln -sfn /usr/include/asm-generic $@/asm-generic
	$(Q)ln -sfn /usr/include/$(shell $(CC) -dumpmachine)/asm $@/asm

$(O)/libcore.a: $(CORE_SRC:%.c=$(O)/obj/%.o)
	@rm -f $@
	$(Q)ar rcs $@ $^
$(O)/asan/libcore.a: $(CORE_SRC:%.c=$(O)/asan/%.o)
	@rm -f $@
	$(Q)ar rcs $@ $^

# ---- binaries ----

$(AGENT): $(patsubst %.c,$(O)/musl/%.o,src/agent/main.c $(AGENT_SRC) $(WIRE_SRC) $(LIB_SRC))
	@echo '  LD      $@'
	$(Q)$(AGENT_CC) -static $(LDHARDEN) $(CFLAGS) $^ -o $@

$(HOST): $(O)/obj/src/host/main.o $(O)/libcore.a
	@echo '  LD      $@'
	$(Q)$(CC) -pie $(LDHARDEN) $(CFLAGS) $^ $(HOSTLIBS) -o $@

# ---- tests ----

$(O)/unit/%: $(O)/obj/tests/unit/%.o $(O)/libcore.a
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) -pie $(CFLAGS) $^ -lcmocka $(HOSTLIBS) -o $@
$(O)/asan/unit/%: $(O)/asan/tests/unit/%.o $(O)/asan/libcore.a
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(SANFLAGS) $^ -lcmocka $(HOSTLIBS) -o $@
$(O)/tools/%: $(O)/obj/tests/tools/%.o $(O)/libcore.a
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) -pie $(CFLAGS) $^ $(if $(findstring libcbor,$*),-lcbor) $(HOSTLIBS) -o $@
$(O)/fuzz/%: tests/fuzz/%.c $(CORE_SRC)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)clang $(filter-out -MMD -MP,$(BASE)) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $< $(CORE_SRC) $(HOSTLIBS) -o $@

unit: $(UNITS) $(UNITS_ASAN)

# LD_PRELOAD shims for the integration tests (tests/preload/*.c, e.g. the
# write-fault plan of the receiver's output tests); never installed.
PRELOADS := $(patsubst tests/preload/%.c,$(O)/preload/%.so,$(wildcard tests/preload/*.c))
$(O)/preload/%.so: tests/preload/%.c
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(filter-out -MMD -MP,$(BASE)) -O2 -fPIC -shared $< -ldl -o $@
check: $(PRELOADS)

# ---- agent test build (the agent issue) ----
# build/test/cellos-telemetry: the agent plus tests/agent/*.c (a synthetic
# event source behind hidden --test-* flags, and a malloc trap), compiled
# with -DAGENT_TEST_SOURCE.  The integration tests run it; it is never
# installed, and the release binary has none of it.
AGENT_TEST := $(O)/test/cellos-telemetry
AGENT_TEST_SRC := src/agent/main.c $(AGENT_SRC) $(WIRE_SRC) $(LIB_SRC) \
	$(wildcard tests/agent/*.c)

$(O)/test/musl/%.o: %.c | $(O)/kinc
	@mkdir -p $(@D)
	@echo '  CC      $@'
	$(Q)$(AGENT_CC) $(BASE) -DAGENT_TEST_SOURCE $(AGENT_INC) \
		-fstack-protector-strong $(CFLAGS) -c $< -o $@

$(AGENT_TEST): $(AGENT_TEST_SRC:%.c=$(O)/test/musl/%.o)
	@echo '  LD      $@'
	$(Q)$(AGENT_CC) -static $(LDHARDEN) $(CFLAGS) $^ -o $@

check: $(AGENT_TEST) $(O)/bench/spawn
# ---- end of the agent test build ----

# Each entry is NAME=COMMAND for tests/harness.sh.
TAP	:= CMOCKA_MESSAGE_OUTPUT=TAP
CHECKS	:= $(foreach t,$(UNITS),unit:$(notdir $(t))=$(TAP)\ $(t)) \
	   $(foreach t,$(UNITS_ASAN),asan:$(notdir $(t))=$(TAP)\ $(t)) \
	   vectors=$(O)/tools/vectors\ tests/vectors \
	   independent=$(PYTHON)\ tests/vectors/independent.py\ $(O)/tools \
	   $(foreach t,$(INTEG),integ:$(notdir $(t))=BUILD=$(O)\ PYTHON=$(PYTHON)\ $(t)) \
	   $(foreach f,$(FUZZERS),fuzz:$(notdir $(f))=tests/fuzz/smoke.sh\ $(f)\ $(FUZZ_SMOKE))

check: deps-check all $(UNITS) $(UNITS_ASAN) $(TOOLS) $(FUZZERS)
	@tests/harness.sh $(CHECKS)

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do tests/fuzz/smoke.sh $$f $(FUZZ_TIME) || exit 1; done

demo: all
	@scripts/demo.sh $(O)


# ---- e2e: a QEMU guest on AF_VSOCK loopback (tests/e2e/, issue 7) ----
# Fetches Debian's 6.1 kernel once into $(E2E)/kernel/ (kept until
# `make clean`), builds the guest's static /init and vsock self-test, packs
# them with busybox, the three vsock modules, the steps, the workload and
# both binaries into $(E2E)/initramfs.cpio, boots it under TCG and judges
# the console log (tests/e2e/run.sh).  `make check` builds the same and
# runs it as one harness entry.

.PHONY: deps-e2e e2e-build
E2E	:= $(O)/e2e
E2E_INIT := tests/e2e/init.c tests/e2e/child.c tests/e2e/step.c
E2E_MODS := vsock vmw_vsock_virtio_transport_common vsock_loopback
E2E_FILES := tests/e2e/steps tests/e2e/workload.sh
BUSYBOX	:= /bin/busybox
E2E_CPIO := dir:/proc dir:/sys dir:/tmp dir:/run nod:/dev/console:5:1 \
	file:/init=$(E2E)/init file:/e2e/vsock-pingpong=$(E2E)/vsock-pingpong \
	$(foreach f,$(E2E_FILES),file:/e2e/$(notdir $(f))=$(f)) \
	$(foreach m,$(E2E_MODS),file:/lib/modules/$(m).ko=$(E2E)/kernel/modules/$(m).ko) \
	elf:/bin/cellos-telemetry=$(AGENT) elf:/bin/cellos-telemetry-host=$(HOST) \
	busybox:$(BUSYBOX)

deps-e2e:
	@scripts/deps.sh build e2e

$(E2E)/kernel/vmlinux: tests/e2e/fetch-kernel.sh tests/e2e/extract-vmlinux.py
	@echo '  FETCH   $(@D)'
	$(Q)tests/e2e/fetch-kernel.sh $(@D)

$(E2E)/init: $(E2E_INIT:%.c=$(O)/musl/%.o)
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(AGENT_CC) -static $(LDHARDEN) $(CFLAGS) $^ -o $@
$(E2E)/vsock-pingpong: $(O)/musl/tests/e2e/vsock_pingpong.o
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(AGENT_CC) -static $(LDHARDEN) $(CFLAGS) $^ -o $@

$(E2E)/initramfs.cpio: tests/e2e/mkinitramfs.py $(E2E)/init $(E2E)/vsock-pingpong \
		$(E2E)/kernel/vmlinux $(E2E_FILES) $(AGENT) $(HOST)
	@echo '  CPIO    $@'
	$(Q)$(PYTHON) tests/e2e/mkinitramfs.py $@ $(E2E_CPIO)

e2e-build: deps-e2e all $(E2E)/initramfs.cpio
e2e: e2e-build
	@tests/e2e/run.sh $(E2E)

check: e2e-build
CHECKS	+= e2e-check=$(PYTHON)\ tests/e2e/test_check.py \
	   e2e=tests/e2e/run.sh\ $(E2E)

# ---- install and packages ----

PREFIX	?= /usr/local
DESTDIR	?=
.PHONY: install deb
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 -s $(AGENT) $(DESTDIR)$(PREFIX)/sbin/cellos-telemetry
	install -m 755 -s $(HOST) $(DESTDIR)$(PREFIX)/bin/cellos-telemetry-host
	install -m 644 man/cellos-telemetry.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 man/cellos-telemetry-host.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/cellos-telemetry-probes.7 $(DESTDIR)$(PREFIX)/share/man/man7/

deb: all
	@scripts/mkdeb.sh $(O) $(VERSION)

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# ---- benchmarks (make bench; not part of make check) ----

$(O)/bench/encoder: bench/encoder.c $(O)/libcore.a
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(filter-out -MMD -MP,$(BASE)) -O2 $< $(O)/libcore.a -lcbor -o $@
$(O)/bench/%: bench/%.c $(O)/libcore.a
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) $(filter-out -MMD -MP,$(BASE)) -O2 $< $(O)/libcore.a -o $@
# The agent linked static against glibc instead of musl: only to compare
# binary sizes (bench/footprint.py); never installed.
$(O)/bench/cellos-telemetry-glibc: $(patsubst %.c,$(O)/obj/%.o,src/agent/main.c \
		$(AGENT_SRC) $(WIRE_SRC) $(LIB_SRC))
	@mkdir -p $(@D)
	@echo '  LD      $@'
	$(Q)$(CC) -static $(LDHARDEN) $(CFLAGS) $^ -o $@

# make bench: every benchmark of bench/run.sh (BENCH.md), tables on stdout,
# one CSV each under bench/results/.  Not part of make check.
BENCH_BIN := $(addprefix $(O)/bench/,spawn syscalls encoder cells replay \
	cellos-telemetry-glibc) $(O)/tools/drain $(O)/tools/host_bench $(AGENT_TEST)
.PHONY: deps-bench
deps-bench:
	@scripts/deps.sh build check bench
bench: deps-bench all $(BENCH_BIN)
	@BUILD=$(O) bench/run.sh

# ---- net and capability probe benchmarks (make bench-probes) ----
# Root only; each runs in namespaces and cgroups of its own and prints.

PROBE_BENCH := $(O)/bench/netconnect $(O)/bench/auditcost
bench-probes: $(PROBE_BENCH)
	@for b in $(PROBE_BENCH); do $$b || exit 1; done
.PHONY: bench-probes
