# The README's two commands: `make run` and `make test`. Both set everything up from a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/demo-portfolio.sqlite
STAMP := $(VENV)/.installed

.PHONY: run test quick setup system-offscreen system-tests system-window system-bundle lint bench bundle demo clean

PIP := $(BIN)/python -m pip install -qq --progress-bar off --disable-pip-version-check

# A local virtual environment with the application and its test tools, reinstalled when pyproject changes.
# One line a step: pip's own output only when something goes wrong.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "make: creating the virtual environment .venv ($(PYTHON))…" >&2; \
		$(PYTHON) -m venv $(VENV); }
	@echo "make: installing the application and its tools into .venv (about 730 MB on disk, a few minutes the first time)…" >&2
	@$(PIP) --upgrade pip
	@$(PIP) -e '.[dev]'
	@touch $(STAMP)
	@echo "make: .venv is ready." >&2

setup: $(STAMP)

system-offscreen:
	@PYTHON=$(PYTHON) bash scripts/setup-system.sh offscreen

system-tests:
	@PYTHON=$(PYTHON) bash scripts/setup-system.sh tests

system-window:
	@PYTHON=$(PYTHON) bash scripts/setup-system.sh window

system-bundle:
	@PYTHON=$(PYTHON) bash scripts/setup-system.sh bundle

# The demo portfolio lives in its own file, never the user's database.
$(DEMO_DB): | $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	@echo "make: writing the demo portfolio to $(DEMO_DB)…" >&2
	@$(BIN)/portfolio demo --db $(DEMO_DB)

demo: $(DEMO_DB)

# Opens the application on the demo portfolio. Without a screen (a server, CI), it runs under Xvfb, where nobody
# sees it: Ctrl+C stops it, and ARGS="--screenshot FILE.png" saves a picture of the window and quits.
run: system-window $(STAMP) $(DEMO_DB)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		echo "make run: opening the window on the demo portfolio (close it to stop)…" >&2; \
		$(BIN)/portfolio --db $(DEMO_DB) gui $(ARGS); \
	else \
		echo "make run: no screen here: the window opens on a virtual screen (Xvfb), where it cannot be seen." >&2; \
		echo "make run: Ctrl+C stops it; make run ARGS=\"--screenshot fenetre.png\" saves a picture of it and quits." >&2; \
		xvfb-run -a -s "-screen 0 1440x900x24" $(BIN)/portfolio --db $(DEMO_DB) gui $(ARGS); \
	fi

# The static checks alone: lint, the layer contracts, the types (mypy: [tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

# Every test: lint, the layer contracts, mypy (strict on domain, db, services: 0 errors), then pytest (unit and UI, offscreen; the workbooks opened in LibreOffice,
# team mode on a throw-away PostgreSQL server: both must be there, the REQUIRE variables turn their absence into a
# failure, not a skip).
test: system-tests $(STAMP)
	@echo "make test: lint, the layer contracts, types, then every test (about 9 minutes on 2 cores)…" >&2
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen PORTFOLIO_REQUIRE_LIBREOFFICE=1 PORTFOLIO_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: the same checks without the tests marked slow (the benchmark's run, the bundle, kill -9
# harnesses, hypothesis merges, the demo on both engines). `make test` stays the whole truth.
quick: system-tests $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	QT_QPA_PLATFORM=offscreen PORTFOLIO_REQUIRE_LIBREOFFICE=1 PORTFOLIO_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The installable application for this platform (installer/build.py): on Linux, build/dist/portefeuille-sasn/
# and its .tar.gz with a menu entry and an installer script. Then: build/dist/portefeuille-sasn/portfolio --self-test
bundle: system-bundle $(STAMP)
	@$(PIP) -e '.[bundle]'
	QT_QPA_PLATFORM=offscreen $(BIN)/python installer/build.py $(BUNDLE_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo build dist *.egg-info src/*.egg-info .pytest_cache .ruff_cache .mypy_cache
