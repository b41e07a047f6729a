# cellos-telemetry: the only build file.
#
#   make              both binaries in build/ (the agent static, musl when present)
#   make check        every test; ends with "N passed, N failed"
#   make fuzz         longer fuzzing runs (FUZZ_TIME seconds per target)
#   make demo         the agent and host on this machine, a workload, its events
#   make install      PREFIX (/usr/local) and DESTDIR; make deb: two .deb files
#   make e2e          the agent and host in a QEMU guest on real AF_VSOCK
#   make bench        the eleven benchmarks of BENCH.md: tables, bench/results/*.csv
#   make clean
#
# WERROR=1 turns warnings into errors (CI sets it).
#
# Two passes.  The first installs the Debian packages every goal on the
# command line needs, in one scripts/deps.sh call (dpkg has one lock, so
# never two at once, whatever -j says), then runs make again with
# DEPS_DONE=1.  That second pass is the build: it looks at the machine
# (musl-gcc, pkg-config) only once the packages are there.

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

ifeq ($(DEPS_DONE),)

# ---- first pass: packages, then the build ----

GOALS	:= $(or $(MAKECMDGOALS),all)
# The deps groups of scripts/deps.sh each goal needs beyond "build".
DEPS_check := check e2e
DEPS_unit  := check
DEPS_fuzz  := check
DEPS_e2e   := e2e
DEPS_bench := check bench
DEPS_demo  := demo
DEPS_GROUPS := $(if $(filter-out clean,$(GOALS)),build \
	$(sort $(foreach g,$(GOALS),$(DEPS_$(g)))))

.PHONY: $(GOALS) deps-then-build
$(firstword $(GOALS)): deps-then-build
$(wordlist 2,$(words $(GOALS)),$(GOALS)): $(firstword $(GOALS)) ; @:
deps-then-build:
	$(if $(DEPS_GROUPS),@scripts/deps.sh $(DEPS_GROUPS))
	@$(MAKE) --no-print-directory DEPS_DONE=1 $(MAKECMDGOALS)

else

# ---- second pass: the build ----

.DEFAULT_GOAL := all
.PHONY: all check clean demo e2e bench bench-probes fuzz unit install deb FORCE
FORCE:

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
# BearSSL (the agent's SHA-256, --exe-hash) links into every binary that
# has the agent's objects, static, the archive by its path (musl-gcc does
# not search the system's library folders).
BEARSSL	:= $(shell $(CC) -print-file-name=libbearssl.a)
# The host's libraries: libsodium (signing), jansson (--tree reads JSON).
HOSTLIBS := $(SODIUM) $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)

# ---- sources: every .c under each folder, whatever its subfolders ----

find_c	= $(sort $(shell find $(1) -name '*.c' 2>/dev/null))
WIRE_SRC  := $(call find_c,src/wire)
LIB_SRC   := $(call find_c,src/lib)
AGENT_SRC := $(filter-out src/agent/main.c,$(call find_c,src/agent))
HOST_SRC  := $(filter-out src/host/main.c,$(call find_c,src/host))
CORE_SRC  := $(WIRE_SRC) $(LIB_SRC) $(AGENT_SRC) $(HOST_SRC)
AGENT_ALL := src/agent/main.c $(AGENT_SRC) $(WIRE_SRC) $(LIB_SRC)
# ar keeps one member per file name: two modules named alike would
# silently lose one of them inside libcore.a.
DUP_NAMES := $(shell printf '%s\n' $(notdir $(CORE_SRC)) | sort | uniq -d)
$(if $(DUP_NAMES),$(error source file names must be unique across src/: $(DUP_NAMES)))
UNIT_SRC  := $(call find_c,tests/unit)
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

all: $(AGENT) $(HOST)

# ---- objects: one pattern rule per flavour ----
# obj    glibc, hardened, PIE: the host, libcore.a, tests, tools, bench
# agent  the release agent (musl when present), static
# test   the agent's test build: -DAGENT_TEST_SOURCE (see below)
# asan   the unit tests under ASan and UBSan
# Each flavour's compile command is kept in $(O)/cmd/FLAVOUR; when it
# changes (another compiler, musl installed since, WERROR, CFLAGS), every
# object of that flavour is rebuilt.

# The agent is built for size (it ships in every guest image): -Os after
# CFLAGS, one section per function and object so the link drops what
# nothing calls, and no .eh_frame (C without exceptions needs none; the
# unstripped binary keeps .debug_frame for gdb).
AGENT_SIZE := -Os -ffunction-sections -fdata-sections \
	      -fno-asynchronous-unwind-tables -fno-unwind-tables
CMD_obj	  := $(CC) $(BASE) $(HARDEN) -fPIE $(CFLAGS)
CMD_agent := $(AGENT_CC) $(BASE) $(AGENT_INC) -fstack-protector-strong \
	     $(CFLAGS) $(AGENT_SIZE)
CMD_test  := $(CMD_agent) -DAGENT_TEST_SOURCE
CMD_asan  := $(CC) $(BASE) $(SANFLAGS)
FLAVOURS  := obj agent test asan

# String equality, for the command files; $(,) a comma inside a $(call).
same	= $(and $(findstring $(1),$(2)),$(findstring $(2),$(1)))
, := ,

$(O)/cmd:
	@mkdir -p $@
$(O)/cmd/%: FORCE | $(O)/cmd
	$(if $(call same,$(file <$@),$(CMD_$*)),@:,@echo '  CMD     $@'; \
		printf '%s\n' '$(subst ','\'',$(CMD_$*))' > $@)

define object_rule
$(O)/$(1)/%.o: %.c $(O)/cmd/$(1) | $(O)/kinc/links
	@mkdir -p $$(@D)
	@echo '  CC      $$@'
	$$(Q)$$(CMD_$(1)) -c $$< -o $$@
endef
$(foreach f,$(FLAVOURS),$(eval $(call object_rule,$(f))))

# musl-gcc has no kernel uapi headers, nor BearSSL's: point it at the
# system's.  The links are made again whenever this file changes, so a
# build folder from before a new link gets it.
$(O)/kinc/links: Makefile
	@mkdir -p $(@D)
	$(Q)ln -sfn /usr/include/linux $(@D)/linux
	$(Q)ln -sfn /usr/include/asm-generic $(@D)/asm-generic
	$(Q)ln -sfn /usr/include/bearssl $(@D)/bearssl
	$(Q)ln -sfn /usr/include/$(shell $(CC) -dumpmachine)/asm $(@D)/asm
	@touch $@

$(O)/libcore.a: $(CORE_SRC:%.c=$(O)/obj/%.o)
$(O)/asan/libcore.a: $(CORE_SRC:%.c=$(O)/asan/%.o)
$(O)/libcore.a $(O)/asan/libcore.a:
	@rm -f $@
	$(Q)ar rcs $@ $^

# ---- binaries: each names its objects and its link command ----
# $(call link,COMMAND,LIBS): COMMAND, the objects and archives, LIBS.

LINK_static := $(AGENT_CC) -static $(LDHARDEN) $(CFLAGS) $(AGENT_SIZE) \
	       -Wl,--gc-sections
LINK_pie    := $(CC) -pie $(LDHARDEN) $(CFLAGS)
LINK_asan   := $(CC) $(SANFLAGS)

# build/test/cellos-telemetry: the agent plus tests/agent/*.c (a synthetic
# event source behind hidden --test-* flags, and a malloc trap), compiled
# with -DAGENT_TEST_SOURCE.  The integration tests run it; it is never
# installed, and the release binary has none of it.
AGENT_TEST := $(O)/test/cellos-telemetry

define link
@mkdir -p $(@D)
@echo '  LD      $@'
$(Q)$(1) $(filter %.o %.a,$^) $(2) -o $@
endef

$(AGENT): $(AGENT_ALL:%.c=$(O)/agent/%.o)
$(AGENT_TEST): $(patsubst %.c,$(O)/test/%.o,$(AGENT_ALL) $(wildcard tests/agent/*.c))
$(AGENT) $(AGENT_TEST):
	$(call link,$(LINK_static),$(BEARSSL))
$(HOST): $(O)/obj/src/host/main.o $(O)/libcore.a
	$(call link,$(LINK_pie),$(HOSTLIBS))
$(O)/unit/%: $(O)/obj/tests/unit/%.o $(O)/libcore.a
	$(call link,$(LINK_pie),-lcmocka $(HOSTLIBS) $(BEARSSL))
$(O)/asan/unit/%: $(O)/asan/tests/unit/%.o $(O)/asan/libcore.a
	$(call link,$(LINK_asan),-lcmocka $(HOSTLIBS) $(BEARSSL))
$(O)/tools/%: $(O)/obj/tests/tools/%.o $(O)/libcore.a
	$(call link,$(LINK_pie),$(LIBS_$*) $(HOSTLIBS) $(BEARSSL))
$(O)/bench/%: $(O)/obj/bench/%.o $(O)/libcore.a
	$(call link,$(LINK_pie),$(LIBS_$*) $(HOSTLIBS) $(BEARSSL))
LIBS_libcbor_dec := -lcbor
LIBS_encoder := -lcbor
# The agent linked static against glibc instead of musl: only to compare
# binary sizes (bench/footprint.py); never installed.
$(O)/bench/cellos-telemetry-glibc: $(AGENT_ALL:%.c=$(O)/obj/%.o)
	$(call link,$(CC) -static $(LDHARDEN) $(CFLAGS),$(BEARSSL))

# A fuzzer compiles its sources and links in one clang command.
$(O)/fuzz/%: tests/fuzz/%.c $(CORE_SRC)
	$(call link,clang $(filter-out -MMD -MP,$(BASE)) -g -O1 \
		-fsanitize=fuzzer$(,)address$(,)undefined -fno-sanitize-recover=all \
		$< $(CORE_SRC),$(HOSTLIBS) $(BEARSSL))

# LD_PRELOAD shims for the integration tests (tests/preload/*.c, e.g. the
# write-fault plan of the receiver's output tests); never installed.
PRELOADS := $(patsubst tests/preload/%.c,$(O)/preload/%.so,$(wildcard tests/preload/*.c))
$(O)/preload/%.so: tests/preload/%.c
	$(call link,$(CC) $(filter-out -MMD -MP,$(BASE)) -O2 -fPIC -shared $<,-ldl)

unit: $(UNITS) $(UNITS_ASAN)

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do tests/fuzz/smoke.sh $$f $(FUZZ_TIME) || exit 1; done

demo: all
	@scripts/demo.sh $(O)

# ---- e2e: a QEMU guest on AF_VSOCK loopback (tests/e2e/) ----
# Fetches Debian's 6.1 kernel once into $(E2E)/kernel/ (kept until
# `make clean`), builds the guest's static /init and vsock self-test, packs
# them with busybox, the three vsock modules, the steps, the workload and
# both binaries into $(E2E)/initramfs.cpio, boots it under TCG and judges
# the console log (tests/e2e/run.sh).  `make check` builds the same and
# runs it as one harness entry.

.PHONY: e2e-build
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

$(E2E)/kernel/vmlinux: tests/e2e/fetch-kernel.sh tests/e2e/extract-vmlinux.py
	@echo '  FETCH   $(@D)'
	$(Q)tests/e2e/fetch-kernel.sh $(@D)

$(E2E)/init: $(E2E_INIT:%.c=$(O)/agent/%.o)
$(E2E)/vsock-pingpong: $(O)/agent/tests/e2e/vsock_pingpong.o
$(E2E)/init $(E2E)/vsock-pingpong:
	$(call link,$(LINK_static))

$(E2E)/initramfs.cpio: tests/e2e/mkinitramfs.py $(E2E)/init $(E2E)/vsock-pingpong \
		$(E2E)/kernel/vmlinux $(E2E_FILES) $(AGENT) $(HOST)
	@echo '  CPIO    $@'
	$(Q)$(PYTHON) tests/e2e/mkinitramfs.py $@ $(E2E_CPIO)

e2e-build: all $(E2E)/initramfs.cpio
e2e: e2e-build
	@tests/e2e/run.sh $(E2E)

# ---- make check: everything, through tests/harness.sh ----
# Each entry is NAME=COMMAND.

TAP	:= CMOCKA_MESSAGE_OUTPUT=TAP
CHECKS	:= $(foreach t,$(UNITS),unit:$(notdir $(t))=$(TAP)\ $(t)) \
	   $(foreach t,$(UNITS_ASAN),asan:$(notdir $(t))=$(TAP)\ $(t)) \
	   vectors=$(O)/tools/vectors\ tests/vectors \
	   independent=$(PYTHON)\ tests/vectors/independent.py\ $(O)/tools \
	   $(foreach t,$(INTEG),integ:$(notdir $(t))=BUILD=$(O)\ PYTHON=$(PYTHON)\ $(t)) \
	   $(foreach f,$(FUZZERS),fuzz:$(notdir $(f))=tests/fuzz/smoke.sh\ $(f)\ $(FUZZ_SMOKE)) \
	   e2e-check=$(PYTHON)\ tests/e2e/test_check.py \
	   e2e=tests/e2e/run.sh\ $(E2E)

check: all $(AGENT_TEST) $(UNITS) $(UNITS_ASAN) $(TOOLS) $(FUZZERS) \
		$(PRELOADS) $(O)/bench/spawn e2e-build
	@tests/harness.sh $(CHECKS)

# ---- install and packages ----

PREFIX	?= /usr/local
DESTDIR	?=
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
# Every benchmark of bench/run.sh (BENCH.md), tables on stdout, one CSV
# each under bench/results/.

BENCH_BIN := $(addprefix $(O)/bench/,spawn syscalls fsloop encoder cells replay \
	netconnect nullconn cellos-telemetry-glibc) $(O)/tools/drain $(O)/tools/host_bench \
	$(AGENT_TEST)
bench: all $(BENCH_BIN)
	@BUILD=$(O) bench/run.sh

# make bench-probes: the net and capability probe benchmarks.  Root
# only; each runs in namespaces and cgroups of its own and prints.
PROBE_BENCH := $(O)/bench/netconnect $(O)/bench/auditcost
bench-probes: $(PROBE_BENCH)
	@for b in $(PROBE_BENCH); do $$b || exit 1; done

endif
