# skillsmap — every target does its own set-up on a fresh machine.
# `make demo` and `make test` are the two commands the README promises.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
DEPS := $(VENV)/.deps-installed
export PYO3_PYTHON := $(abspath $(PY))
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: help demo test build lint rust-test py-test stubtest fuzz-smoke fuzz dist dist-check bench doc clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

$(DEPS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "pip==26.3"
	$(PY) -m pip install --quiet --disable-pip-version-check --group dev
	touch $(DEPS)

build: $(DEPS) ## build the extension (release) into the virtualenv
	$(VENV)/bin/maturin develop --release --quiet 2>&1 | sed '/Requirement already satisfied/d'
	@$(PY) -c "import skillsmap" || { echo "extension build failed"; exit 1; }

demo: build ## the demo report into out/demo, and the six regional diagnoses with their index into out/regions
	$(VENV)/bin/skillsmap summary --demo
	$(VENV)/bin/skillsmap report --demo --out out/demo
	$(VENV)/bin/skillsmap report --demo --all-regions --out out/regions

lint: $(DEPS) ## rustfmt, clippy, ruff
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches

rust-test: ## Rust unit, integration and doc tests, the examples, a downstream crate; docs without warnings
	cargo test --quiet --all-features -p skillsmap
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet --all-features -p skillsmap
	cargo run --quiet --example quickstart > /dev/null
	cargo run --quiet --example compare_regions > /dev/null
	cargo run --quiet --features csv --example from_csv > /dev/null
	cargo run --quiet -p skillsmap-downstream

py-test: build ## pytest (doctests included), warnings are errors
	$(PY) -m pytest -q -p no:cacheprovider

stubtest: build ## check python/skillsmap/_core.pyi against the extension
	$(PY) -m mypy.stubtest skillsmap._core

# Fuzzing (RELIABILITY.md). cargo-fuzz is built into .tools by this file;
# the targets build with the nightly toolchain rustup already has.
CARGO_FUZZ := .tools/bin/cargo-fuzz
FUZZ_TARGETS := ingest_csv framework_json map_json
FUZZ_SECONDS ?= 10
FUZZ_ENV := PATH=$(abspath .tools/bin):$$PATH RUSTUP_TOOLCHAIN=nightly

$(CARGO_FUZZ):
	cargo install --locked --quiet cargo-fuzz@0.13.2 --root .tools

fuzz-smoke: $(CARGO_FUZZ) build ## replay the committed fuzz corpora, then fuzz each target briefly
	cd fuzz && $(FUZZ_ENV) cargo fuzz build -O 2>&1 | grep -v '^ *Compiling' || true
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $$t: replay corpus, then $(FUZZ_SECONDS) s"; \
	  (cd fuzz && $(FUZZ_ENV) cargo fuzz run -O $$t corpus/$$t -- -runs=0 2>&1 | tail -1) || exit 1; \
	  mkdir -p /tmp/skillsmap-fuzz-$$t; \
	  (cd fuzz && $(FUZZ_ENV) cargo fuzz run -O $$t /tmp/skillsmap-fuzz-$$t corpus/$$t -- \
	     -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 2>&1 | tail -1) || exit 1; \
	done
	$(PY) fuzz/python/fuzz_ingest.py -runs=0 -rss_limit_mb=4096 fuzz/python/corpus 2>&1 | tail -1
	mkdir -p /tmp/skillsmap-fuzz-python
	$(PY) fuzz/python/fuzz_ingest.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=20 \
	  -artifact_prefix=/tmp/skillsmap-fuzz-python/ /tmp/skillsmap-fuzz-python fuzz/python/corpus \
	  2>&1 | grep -v '^INFO: Instrumenting' | tail -3

fuzz: $(CARGO_FUZZ) build ## fuzz every target for FUZZ_SECONDS (e.g. make fuzz FUZZ_SECONDS=600)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/work/$$t; \
	  (cd fuzz && $(FUZZ_ENV) cargo fuzz run -O $$t work/$$t corpus/$$t -- \
	     -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -print_final_stats=1) || exit 1; \
	done

# Distribution: an abi3 wheel (manylinux, checked by maturin's auditwheel)
# and an sdist, then each installed into a fresh virtualenv. The wheel's
# venv runs with no Rust toolchain on PATH; the sdist builds from source.
DIST_TMP := $(abspath target/dist-check)
NO_RUST_PATH := $(DIST_TMP)/wheel-venv/bin:/usr/local/bin:/usr/bin:/bin

dist: $(DEPS) ## build the wheel and the sdist into dist/
	mkdir -p dist
	$(VENV)/bin/maturin build --release --locked --auditwheel check --out dist --quiet 2>&1 | grep -v '^ *Compiling' || true
	$(VENV)/bin/maturin sdist --out dist 2>&1 | tail -1
	@ls -l dist/skillsmap-$(VERSION)*.whl dist/skillsmap-$(VERSION).tar.gz

dist-check: dist ## install the wheel without Rust and the sdist from source, each in a fresh venv; lint the release workflow
	$(VENV)/bin/zizmor --offline --quiet --config .github/zizmor.yml .github/workflows/release.yml
	rm -rf $(DIST_TMP) && mkdir -p $(DIST_TMP)
	$(PYTHON) -m venv $(DIST_TMP)/wheel-venv
	env -i HOME=$(DIST_TMP) PATH=$(NO_RUST_PATH) sh -c '! command -v cargo && ! command -v rustc'
	env -i HOME=$(DIST_TMP) PATH=$(NO_RUST_PATH) pip install --quiet --disable-pip-version-check \
	  "$(wildcard dist/skillsmap-$(VERSION)-*.whl)[plot]"
	cd $(DIST_TMP) && env -i HOME=$(DIST_TMP) PATH=$(NO_RUST_PATH) skillsmap report --demo --out report --quiet
	cd $(DIST_TMP) && env -i HOME=$(DIST_TMP) PATH=$(NO_RUST_PATH) python -c \
	  "import skillsmap as sm; s = sm.demo_survey(50, seed=0); assert s.gaps().shape[0] > 0; print('wheel OK', sm.__version__)"
	$(PYTHON) -m venv $(DIST_TMP)/sdist-venv
	CARGO_TARGET_DIR=$(abspath target) $(DIST_TMP)/sdist-venv/bin/pip install --quiet \
	  --disable-pip-version-check dist/skillsmap-$(VERSION).tar.gz
	cd $(DIST_TMP) && $(DIST_TMP)/sdist-venv/bin/python -c \
	  "import skillsmap as sm; s = sm.demo_survey(50, seed=0); assert s.gaps().shape[0] > 0; print('sdist OK', sm.__version__)"

test: lint rust-test py-test stubtest fuzz-smoke dist-check ## everything CI runs

bench: build ## criterion benches and the Python peer comparison
	cargo bench --bench core
	$(PY) benches/peers.py

doc: ## Rust API docs
	cargo doc --no-deps --all-features -p skillsmap --open

clean: ## remove build products and the virtualenv
	cargo clean
	rm -rf $(VENV) python/skillsmap/*.so
