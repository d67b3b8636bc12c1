# Tessera developer commands. `make run` serves on the embedded SQLite default; `make test` runs
# every test, on SQLite and on PostgreSQL (TESSERA_TEST_POSTGRES_URL, default
# postgres://postgres@127.0.0.1:5432/postgres).

CARGO ?= cargo
PG_URL ?= $(or $(TESSERA_TEST_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/postgres)

.PHONY: run build test test-faults lint lint-rules fmt pg-check mcp-deps browser-deps domain-purity bench bench-quick bench-growth schemathesis coverage fuzz

run:
	$(CARGO) run -p tessera-server --bin tessera -- serve

build:
	$(CARGO) build --workspace

test: pg-check mcp-deps browser-deps
	$(CARGO) test --workspace --all-targets

# The fault suite (tests/tests/faults, README "Fault tests"): real `tessera` processes killed,
# cut off from their database, stopped under load, out of disk. Its tests are #[ignore]d so
# `make test` does not run them twice; here one at a time, as their latency bounds assume
# the machine is not also running another load.
test-faults: pg-check
	$(CARGO) build -p tessera-server --bin tessera
	$(CARGO) test -p tessera-tests --test faults -- --ignored --test-threads 1

# The MCP end-to-end test (tests/tests/e2e/mcp_sdk.rs) runs the official MCP TypeScript SDK
# under Node.js: its packages come from tests/mcp/package-lock.json, exactly (`npm ci`), and
# are installed again only when the lock file changes.
mcp-deps: tests/mcp/node_modules/.package-lock.json
tests/mcp/node_modules/.package-lock.json: tests/mcp/package-lock.json tests/mcp/package.json
	npm ci --prefix tests/mcp --no-audit --no-fund
	@touch $@

# axe-core for the browser tests' accessibility check (tests/tests/e2e/support/accessibility.rs
# injects its axe.min.js into Chromium): pinned in tests/browser/package-lock.json, installed
# with `npm ci` again only when the lock file changes.
browser-deps: tests/browser/node_modules/.package-lock.json
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json tests/browser/package.json
	npm ci --prefix tests/browser --no-audit --no-fund
	@touch $@

# Says loudly when PostgreSQL is not there: the PostgreSQL half of the suite will be skipped
# (CI sets TESSERA_REQUIRE_POSTGRES=1, which turns the skip into a failure).
pg-check:
	@if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -d "$(PG_URL)"; then \
		echo "PostgreSQL reachable: tests run on SQLite and PostgreSQL"; \
	else \
		echo ""; \
		echo "!!! PostgreSQL is NOT reachable at $(PG_URL)."; \
		echo "!!! The PostgreSQL tests will be SKIPPED; only SQLite is tested."; \
		echo ""; \
	fi

lint: domain-purity lint-rules
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The lints themselves are [workspace.lints] in Cargo.toml (no unwrap, expect, panic or slice
# indexing outside tests; clippy.toml exempts test code). This checks what clippy cannot: that
# every crate takes them, that no production file switches one off for a whole module (the
# `tests` crate is all test support), and that no function hides a long argument list behind
# `allow(clippy::too_many_arguments)` (group the arguments into a struct instead).
WORKSPACE_CRATES := $(shell sed -n 's/^members *= *\[\(.*\)\]/\1/p' Cargo.toml | tr -d '",')
lint-rules:
	@status=0; \
	for crate in $(WORKSPACE_CRATES); do \
		if ! grep -Pzq '\n\[lints\]\s*\nworkspace\s*=\s*true' "$$crate/Cargo.toml"; then \
			echo "$$crate/Cargo.toml: add [lints] workspace = true"; status=1; \
		fi; \
	done; \
	if grep -rnE --include='*.rs' 'allow\(clippy::too_many_arguments' $(WORKSPACE_CRATES); then \
		echo "^ group these arguments into a struct"; status=1; \
	fi; \
	if grep -rnE --include='*.rs' '#!\[allow\([^]]*clippy::(unwrap_used|expect_used|panic|indexing_slicing)' \
		$(addsuffix /src,$(filter-out tests,$(WORKSPACE_CRATES))); then \
		echo "^ no module-wide allow: fix the code, or allow one start-up item with a reason"; status=1; \
	fi; \
	exit $$status

# The domain stays pure: no async runtime, web, database or crypto-backend crate below it.
domain-purity:
	@if $(CARGO) tree -p tessera-domain -e normal --prefix none | grep -E '^(tokio|actix|diesel|josekit|openssl|deadpool|rsa) '; then \
		echo "tessera-domain must not depend on the crates above"; exit 1; \
	else echo "tessera-domain is free of runtime, web, database and crypto-backend crates"; fi

fmt:
	$(CARGO) fmt --all

# Performance benchmark (bench/README.md): criterion micro-benchmarks, then wrk loads on the
# release binary over SQLite, PostgreSQL (when reachable) and panva's oidc-provider, with the
# machine's openssl/argon2 reference rates from the same run; writes bench/results/latest.md
# and latest.json. `bench` takes about 10 minutes, `bench-quick` (SQLite only) about 2.
bench:
	python3 bench/run.py

bench-quick:
	python3 bench/run.py --quick

# Opt-in: introspection and refresh latency with 10 million stored refresh tokens and
# revocation entries against 10 thousand (SQLite; adds about 10 minutes).
bench-growth:
	python3 bench/run.py --growth

# schemathesis against /openapi.json of a throwaway server (public JSON endpoints, no 5xx
# allowed); installs schemathesis with pip when missing. About a minute after the build.
schemathesis:
	bash scripts/schemathesis.sh

# Line coverage of `domain` and `application` (their own unit, property and in-memory tests)
# with cargo-tarpaulin's ptrace engine (no llvm-tools needed); installed when missing. Writes
# target/coverage/ (tarpaulin-report.html, tarpaulin-report.json, summary.md) and fails when
# either crate is under COVERAGE_MIN per cent. Test-only files (tests.rs, properties.rs,
# *_tests.rs, test_support.rs) are not production code and are left out of the figures.
# The instrumented build has its own target dir so it never invalidates the normal one.
COVERAGE_MIN ?= 90
TARPAULIN_VERSION ?= 0.37.5
TARPAULIN_TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR)-tarpaulin,target/tarpaulin)
coverage:
	@command -v cargo-tarpaulin >/dev/null 2>&1 || \
		$(CARGO) install cargo-tarpaulin --version $(TARPAULIN_VERSION) --locked --no-default-features
	@mkdir -p target/coverage
	$(CARGO) tarpaulin --engine ptrace -p tessera-domain -p tessera-application \
		--target-dir $(TARPAULIN_TARGET_DIR) --skip-clean --timeout 300 \
		--exclude-files '*/tests.rs' --exclude-files '*/properties.rs' \
		--exclude-files '*_tests.rs' --exclude-files '*/test_support.rs' \
		--out Json --out Html --output-dir target/coverage
	python3 scripts/coverage_check.py target/coverage/tarpaulin-report.json $(COVERAGE_MIN) \
		target/coverage/summary.md

# Fuzzes each target of tests/fuzz (cargo-fuzz, nightly, libFuzzer) for FUZZ_SECS seconds and
# reports runs and crashes per target; crash inputs land in tests/fuzz/artifacts/. Installs
# cargo-fuzz (and nightly) when missing. See tests/fuzz/run.sh.
FUZZ_SECS ?= 30
fuzz:
	FUZZ_SECS=$(FUZZ_SECS) bash tests/fuzz/run.sh
