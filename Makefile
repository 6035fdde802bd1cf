# Thin wrapper around CMake: the two commands a force's systems team needs.
#   make run   install what is missing, build, create ./var, start musterd
#   make test  install what is missing, build with sanitizers, run every test
#   make bench build release binaries and run the benchmark (tests/bench)
#   make test-stress  the sanitizer suite while stress-ng keeps every core busy

BUILD      ?= build/release
TESTBUILD  ?= build/test
VGBUILD    ?= build/valgrind
VAR        ?= var
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CONTROL    ?= tcp://127.0.0.1:7710
FEED       ?= tcp://127.0.0.1:7711
# The paging scripts exec contacts name (target: page-sms).  make run pages
# through scripts/dry-run/, whose scripts send nothing and log what they
# would send; SCRIPTS=$(CURDIR)/scripts runs the real ones from the tree.
SCRIPTS    ?= $(CURDIR)/scripts/dry-run

DEB_PKGS = build-essential cmake pkg-config libuv1-dev libzmq3-dev libjansson-dev \
           libyaml-dev libsqlite3-dev libsodium-dev libcmocka-dev clang sqlite3 \
           libcurl4-openssl-dev libicu-dev python3 tmux valgrind libseccomp-dev systemd \
           stress-ng
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test test-stress bench check-plans clean

all: build

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

$(VAR)/keys/server.key: | build
	mkdir -p $(VAR)
	$(BUILD)/muster keys init --keys $(VAR)/keys --plans plans

run: build $(VAR)/keys/server.key
	@echo
	@echo "musterd is starting on $(CONTROL) (control) and $(FEED) (feed)."
	@echo "In a second terminal, from $(CURDIR):"
	@echo "  $(BUILD)/muster plan list"
	@echo "  $(BUILD)/muster incident standup --plan cambridgeshire --level 1 --exercise --operation TEST"
	@echo "  $(BUILD)/muster incident list"
	@echo "or follow README.md, \"A walk through an exercise\"."
	@echo "Paging scripts: $(SCRIPTS) (scripts/dry-run sends nothing: see the log)."
	@echo "Stop with Ctrl-C."
	@echo
	$(BUILD)/musterd --plans plans --db $(VAR)/muster.db --keys $(VAR)/keys \
	    --control $(CONTROL) --feed $(FEED) --reports $(VAR)/reports --scripts $(SCRIPTS)

test: deps
	cmake -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=Debug -DMUSTER_SANITIZE=ON >/dev/null
	cmake --build $(TESTBUILD) -j $(JOBS)
	cd $(TESTBUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "The black-box suite again, the daemon under valgrind memcheck:"
	cmake -S . -B $(VGBUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(VGBUILD) -j $(JOBS)
	cd $(VGBUILD) && MUSTER_VALGRIND=1 ctest --output-on-failure -j $(JOBS) -R '^bb_' -E '^bb_crash$$'

# The ASan/UBSan suite on a machine whose cores are all busy: stress-ng runs
# one CPU hog per core (STRESS_CPUS) for as long as CTest runs and is
# stopped at the end whatever happens (failure, Ctrl-C).  Every test waits
# on conditions, never on time; MUSTER_SLOW (STRESS_SLOW) scales their
# deadlines, see tests/blackbox/lib.sh.  CTEST_ARGS selects tests, e.g.
#   make test-stress CTEST_ARGS="-R '^bb_paging' --repeat until-fail:5"
STRESS_CPUS ?= $(JOBS)
STRESS_SLOW ?= 3
CTEST_ARGS  ?=
test-stress: deps
	cmake -S . -B $(TESTBUILD) -DCMAKE_BUILD_TYPE=Debug -DMUSTER_SANITIZE=ON >/dev/null
	cmake --build $(TESTBUILD) -j $(JOBS)
	@stress-ng --cpu $(STRESS_CPUS) --timeout 4h --quiet & sp=$$!; \
	trap 'kill $$sp 2>/dev/null' INT TERM HUP; \
	echo "stress-ng --cpu $(STRESS_CPUS) (pid $$sp) keeps the cores busy; MUSTER_SLOW=$(STRESS_SLOW)"; \
	rc=0; (cd $(TESTBUILD) && MUSTER_SLOW=$(STRESS_SLOW) ctest --output-on-failure \
	    -j $(JOBS) $(CTEST_ARGS)) || rc=$$?; \
	kill $$sp 2>/dev/null; wait $$sp 2>/dev/null; \
	echo "stress-ng stopped"; exit $$rc

# Release binaries (-O2, no sanitizers) in build/bench, a fresh daemon in a
# temporary directory, every scenario, then this machine's floors
# (../shared/limits/run; LIMITS=none skips them).  See tests/bench/run.sh.
bench: deps
	bash tests/bench/run.sh

check-plans: build
	$(BUILD)/musterd --scripts $(SCRIPTS) --check-plan plans/*.yaml

clean:
	rm -rf build
