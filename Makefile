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
# uv (below) trusts the system's certificates and compiles bytecode at
# install, as pip does (where PYTHONDONTWRITEBYTECODE is set, every import
# of every test process would compile the sources again: +2 min of pytest)
export UV_NATIVE_TLS := 1
export UV_COMPILE_BYTECODE := 1

.PHONY: help demo test build lint rust-test py-test stubtest fuzz-smoke fuzz dist dist-check min-versions docs bench doc clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

# The dev group is installed by uv (pinned, installed by pip): the same
# pins, in a tenth of pip's time; maturin develop installs through it too
# (the venv's own pip may be too old for dependency groups). The wheel
# checks below use plain pip, as users do.
$(DEPS): pyproject.toml Makefile | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
	$(VENV)/bin/uv pip install --quiet --python $(PY) --group dev
	touch $(DEPS)

build: $(DEPS) ## build the extension (release) into the virtualenv
	$(VENV)/bin/maturin develop --release --uv --quiet 2>&1 \
	  | sed '/Requirement already satisfied/d; /^Resolved [0-9]* packages/d; /^Checked [0-9]* packages/d'
	@$(PY) -c "import skillsmap" || { echo "extension build failed"; exit 1; }

demo: build ## the demo report into out/demo, and the six regional diagnoses with their index into out/regions
	$(VENV)/bin/skillsmap summary --demo
	$(VENV)/bin/skillsmap report --demo --out out/demo
	$(VENV)/bin/skillsmap report --demo --all-regions --out out/regions

lint: $(DEPS) ## rustfmt, clippy, ruff
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings
	$(VENV)/bin/ruff check python tests benches docs
	$(VENV)/bin/ruff format --check python tests benches docs

rust-test: ## Rust unit, integration and doc tests, the examples, a downstream crate; docs without warnings
	cargo test --quiet --all-features -p skillsmap
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet --all-features -p skillsmap
	cargo run --quiet --example quickstart > /dev/null
	cargo run --quiet --example compare_regions > /dev/null
	cargo run --quiet --features csv --example from_csv > /dev/null
	cargo run --quiet -p skillsmap-downstream
	@# the crate (portable kernels) compiles for aarch64 where the target is installed
	@if rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then \
		RUSTFLAGS="-D warnings" cargo check --quiet --all-features --target aarch64-unknown-linux-gnu -p skillsmap; \
	else \
		echo "skipped: aarch64-unknown-linux-gnu not installed (rustup target add aarch64-unknown-linux-gnu)"; \
	fi

# Two pytest-xdist workers (CI has two cores); each test file stays on one
# worker, so a file's module fixtures (a built report) are made once.
# PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= 2

py-test: build ## pytest (doctests included), warnings are errors
	$(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile

stubtest: build ## check python/skillsmap/_core.pyi against the extension
	$(PY) -m mypy.stubtest skillsmap._core

# Fuzzing (RELIABILITY.md). cargo-fuzz is built by this file into a folder
# of the user's cache named after its version, so that every clone (CI's
# clean ones too) builds it once; TOOLS= puts it elsewhere. The targets
# build with the nightly toolchain rustup already has.
CARGO_FUZZ_VERSION := 0.13.2
TOOLS ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/skillsmap/cargo-fuzz-$(CARGO_FUZZ_VERSION)
CARGO_FUZZ := $(TOOLS)/bin/cargo-fuzz
FUZZ_TARGETS := ingest_csv framework_json map_json
FUZZ_SECONDS ?= 10
FUZZ_ENV := PATH=$(abspath $(TOOLS)/bin):$$PATH RUSTUP_TOOLCHAIN=nightly
# Release builds with debug assertions and overflow checks, without
# AddressSanitizer: the targets reach no unsafe code (the crate denies it
# outside the SIMD kernels), and ASan costs a third of the build time.
# FUZZ_BUILD="-O" brings it back.
FUZZ_BUILD ?= -O --sanitizer none

$(CARGO_FUZZ):
	cargo install --locked --quiet cargo-fuzz@$(CARGO_FUZZ_VERSION) --root $(TOOLS)

fuzz-smoke: $(CARGO_FUZZ) build ## replay the committed fuzz corpora, then fuzz each target briefly
	cd fuzz && $(FUZZ_ENV) cargo fuzz build $(FUZZ_BUILD) 2>&1 | grep -v '^ *Compiling' || true
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $$t: replay corpus, then $(FUZZ_SECONDS) s"; \
	  (cd fuzz && $(FUZZ_ENV) cargo fuzz run $(FUZZ_BUILD) $$t corpus/$$t -- -runs=0 2>&1 | tail -1) || exit 1; \
	  mkdir -p /tmp/skillsmap-fuzz-$$t; \
	  (cd fuzz && $(FUZZ_ENV) cargo fuzz run $(FUZZ_BUILD) $$t /tmp/skillsmap-fuzz-$$t corpus/$$t -- \
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
	  (cd fuzz && $(FUZZ_ENV) cargo fuzz run $(FUZZ_BUILD) $$t work/$$t corpus/$$t -- \
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

# The oldest versions pyproject.toml declares, tested once: numpy, pandas and
# pyarrow (the dependencies) and matplotlib and scipy (the plot extra, which
# the report needs), exactly these, with the wheel installed --no-deps.
# tests/python/test_project.py checks that they match pyproject.toml.
MIN_PINS := numpy==1.24.4 pandas==2.2.0 pyarrow==14.0.2 matplotlib==3.7.0 scipy==1.10.0 babel==2.12.1
MIN_VENV := $(DIST_TMP)/min-venv

min-versions: dist ## the wheel with the oldest declared numpy, pandas, pyarrow (and plot extra) in a fresh venv
	rm -rf $(MIN_VENV) $(DIST_TMP)/min-report && mkdir -p $(DIST_TMP)
	$(PYTHON) -m venv $(MIN_VENV)
	$(VENV)/bin/uv pip install --quiet --python $(MIN_VENV)/bin/python $(MIN_PINS)
	$(MIN_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps \
	  $(wildcard dist/skillsmap-$(VERSION)-*.whl)
	cd $(DIST_TMP) && env -i HOME=$(DIST_TMP) PATH=$(MIN_VENV)/bin:/usr/bin:/bin python -c \
	  "import numpy, pandas, pyarrow, pickle, skillsmap as sm; \
	   s = sm.demo_survey(300, seed=0); g = s.gaps(by='region', ci=0.95, n_boot=100, seed=0); \
	   assert g.shape[0] > 0 and pickle.loads(pickle.dumps(s)) == s; \
	   print('oldest versions OK: numpy', numpy.__version__, 'pandas', pandas.__version__, \
	         'pyarrow', pyarrow.__version__)"
	cd $(DIST_TMP) && env -i HOME=$(DIST_TMP) PATH=$(MIN_VENV)/bin:/usr/bin:/bin \
	  skillsmap report --demo --out min-report --quiet

# The documentation site (docs/conf.py says why Sphinx). It renders the
# notebooks executed by py-test when their copies in target/notebooks match
# (so `make test` runs each notebook once) and executes them otherwise.
docs: build ## the documentation site into docs/_build/html, warnings are errors
	rm -rf docs/_build docs/_generated
	@start=$$(date +%s); \
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html; \
	echo "docs built in $$(( $$(date +%s) - start )) s: docs/_build/html/index.html"

test: lint rust-test py-test stubtest fuzz-smoke dist-check min-versions docs ## everything CI runs

bench: build ## criterion benches and the Python peer comparison
	cargo bench --bench core
	$(PY) benches/peers.py

doc: ## Rust API docs
	cargo doc --no-deps --all-features -p skillsmap --open

clean: ## remove build products and the virtualenv
	cargo clean
	rm -rf $(VENV) python/skillsmap/*.so docs/_build docs/_generated
