# Thin wrapper around CMake: the two commands a force's systems team needs.
#   make run   install what is missing, build, create ./var, start musterd and muster-web
#   make test  install what is missing (and what make deb needs, for bb_deb),
#              build with sanitizers, run every test
#   make bench build release binaries and run the benchmark (tests/bench)
#   make install  build, then install under PREFIX (default /usr/local; DESTDIR
#              honoured): binaries, units, sysusers/tmpfiles, manual pages,
#              bash completion, example plans, paging scripts, the Pacemaker
#              agent (docs/resilience.md)
#   make deb   the Debian package (debian/), built in build/deb and checked
#              with lintian
#   make test-stress  the sanitizer suite while stress-ng keeps every core busy

BUILD      ?= build/release
TESTBUILD  ?= build/test
VGBUILD    ?= build/valgrind
VAR        ?= var
PREFIX     ?= /usr/local
DESTDIR    ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CONTROL    ?= tcp://127.0.0.1:7710
FEED       ?= tcp://127.0.0.1:7711
# The paging scripts exec contacts name (target: page-sms).  make run pages
# through scripts/dry-run/, whose scripts send nothing and log what they
# would send; SCRIPTS=$(CURDIR)/scripts runs the real ones from the tree.
SCRIPTS    ?= $(CURDIR)/scripts/dry-run

DEB_PKGS = build-essential cmake pkg-config libuv1-dev libzmq3-dev libjansson-dev \
           libyaml-dev libxml2-dev libsqlite3-dev libsodium-dev libsystemd-dev libcmocka-dev clang sqlite3 \
           libcurl4-openssl-dev libicu-dev python3 tmux valgrind libseccomp-dev systemd \
           stress-ng libmicrohttpd-dev chromium openssl jq curl \
           resource-agents libxml2-utils mandoc libncurses-dev libxmlsec1-dev libxmlsec1-openssl
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps deb-deps build install deb run test test-stress bench check-plans clean

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
	@# Node.js and npm: Debian's, unless the machine has its own (a NodeSource
	@# nodejs bundles npm and conflicts with Debian's npm package)
	@command -v npm >/dev/null || { echo "Installing: nodejs npm"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@# the browser tests' npm packages (tests/web/package-lock.json); never a browser
	@[ -d tests/web/node_modules/puppeteer-core ] || \
	  (cd tests/web && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
	    -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Into DESTDIR (a staging directory) no root is needed.
install: build
	$(if $(DESTDIR),,$(SUDO)) env DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# dpkg-buildpackage on a copy of the tree in build/deb/src, so that the
# package and its .changes land in build/deb (not beside the checkout);
# then lintian, which must find no error.  Debian 12 packages only:
# DEB_BUILD_PKGS are what debian/control builds with.
# make test installs them too, so that bb_deb runs there (it skips, exit
# 77, on a machine without them).
DEB_BUILD_PKGS = dpkg-dev debhelper lintian
deb: deb-deps
	bash debian/build.sh build/deb

deb-deps:
	@missing=""; for p in $(DEB_BUILD_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

$(VAR)/keys/server.key: | build
	mkdir -p $(VAR)
	$(BUILD)/muster keys init --keys $(VAR)/keys --plans plans

# The web gateway's files, made on first use: its key, a self-signed
# development certificate, demo accounts (passwords printed once) and a
# hook secret.  Not for a real incident: see docs/web.md.
WEBPORT ?= 8443
$(VAR)/web/users: | $(VAR)/keys/server.key
	mkdir -p $(VAR)/web && chmod 700 $(VAR)/web
	[ -f $(VAR)/keys/web.key ] || $(BUILD)/muster keys add --keys $(VAR)/keys web
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
	    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	    -keyout $(VAR)/web/key.pem -out $(VAR)/web/cert.pem 2>/dev/null
	(umask 077; echo "sms $$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >$(VAR)/web/hooks; \
	 echo "email $$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>$(VAR)/web/hooks)
	@echo "Demo accounts for muster-web (the passwords are shown this once):"
	@for a in gold-demo:gold duty-demo:duty intake-demo:intake cpft-demo:agency:cpft; do \
	  $(BUILD)/muster-web users --users $@.new add $${a%%:*} --role $${a#*:} --generate || exit 1; \
	done; mv $@.new $@

# musterd's environment as its systemd unit sets it (glibc's per-thread cache)
MUSTERD_ENV := $(shell sed -n 's/^Environment=\(GLIBC_TUNABLES=.*\)/\1/p' systemd/musterd.service)

run: build $(VAR)/keys/server.key $(VAR)/web/users
	@echo
	@echo "musterd is starting on $(CONTROL) (control) and $(FEED) (feed);"
	@echo "muster-web on https://127.0.0.1:$(WEBPORT)/ (self-signed: accept it in the browser)."
	@echo "In a second terminal, from $(CURDIR):"
	@echo "  $(BUILD)/muster plan list"
	@echo "  $(BUILD)/muster incident standup --plan cambridgeshire --level 1 --exercise --operation TEST"
	@echo "  $(BUILD)/muster incident list"
	@echo "or follow README.md, \"A walk through an exercise\"."
	@echo "Paging scripts: $(SCRIPTS) (scripts/dry-run sends nothing: see the log)."
	@echo "Stop with Ctrl-C."
	@echo
	@$(MUSTERD_ENV) $(BUILD)/musterd --plans plans --db $(VAR)/muster.db --keys $(VAR)/keys \
	    --control $(CONTROL) --feed $(FEED) --reports $(VAR)/reports \
	    --scripts $(SCRIPTS) & d=$$!; \
	trap 'kill $$d 2>/dev/null; wait $$d' EXIT INT TERM; \
	$(BUILD)/muster-web serve --keys $(VAR)/keys --connect $(CONTROL) --feed $(FEED) \
	    --users $(VAR)/web/users --cert $(VAR)/web/cert.pem --key $(VAR)/web/key.pem \
	    --port $(WEBPORT) --hooks $(VAR)/web/hooks --static clients/web/static

test: deps deb-deps
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
