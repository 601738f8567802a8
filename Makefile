# The two commands a new user needs: `make run` and `make test`. Both work on a fresh Debian
# machine with the Swift toolchain; they install what they need themselves.
SWIFT ?= swift
FUZZ_SECONDS ?= 60
VENV := .venv
SHARED := ../shared

.PHONY: run test build bench deps peers conformance fuzz clean

# System packages the targets link against; installed only when missing.
APT_PACKAGES := pkg-config libxml2-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev python3 python3-venv openssl

# Independent implementations the tests check ours against (an SMTP server, a DKIM verifier),
# in a virtualenv under the repository (git-ignored).
PEER_PACKAGES := aiosmtpd==1.4.6 dkimpy==1.1.8

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

build: deps
	$(SWIFT) build

# The service on embedded defaults: ./data (created on first run, with a demo partner and a
# moderator whose tokens are printed once), the base templates, http://127.0.0.1:8080.
run: build
	$(SWIFT) run kassa serve --demo

peers: deps
	@if ! $(VENV)/bin/python -c 'import aiosmtpd, dkim' 2>/dev/null; then \
		echo "installing the test peers into $(VENV): $(PEER_PACKAGES)"; \
		[ -x $(VENV)/bin/python ] || python3 -m venv $(VENV); \
		$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check $(PEER_PACKAGES); \
	fi

test: deps peers
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

conformance: build
	$(SWIFT) run kassa conformance $(SHARED)/conformance/golden_liquid.json

# Benchmarks live in their own package so that peers never enter the product.
bench:
	$(SWIFT) run -c release --package-path Benchmarks bench
	Benchmarks/python-peers.sh
	Benchmarks/preview-latency.sh

# libFuzzer over parse, check, compile and render, in its own build folder. New inputs that reach new
# code are merged into Fuzz/corpus (kept in git and replayed by `make test`); crashes land in Fuzz/crashes.
FUZZ_BUILD := .build-fuzz
fuzz:
	$(SWIFT) build --product FuzzTemplates --scratch-path $(FUZZ_BUILD) -Xswiftc -sanitize=fuzzer,address \
		-Xswiftc -parse-as-library -Xswiftc -DFUZZING
	mkdir -p $(FUZZ_BUILD)/corpus Fuzz/crashes
	$(FUZZ_BUILD)/debug/FuzzTemplates $(FUZZ_BUILD)/corpus Fuzz/corpus -max_total_time=$(FUZZ_SECONDS) \
		-max_len=4096 -timeout=5 -rss_limit_mb=2048 -artifact_prefix=Fuzz/crashes/ -print_final_stats=1
	$(FUZZ_BUILD)/debug/FuzzTemplates -merge=1 Fuzz/corpus $(FUZZ_BUILD)/corpus

clean:
	rm -rf .build .build-fuzz Benchmarks/.build
