# The README's two commands: `make run` and `make test`. Both set everything up from a clean clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := .demo/demo-portfolio.sqlite
STAMP := $(VENV)/.installed

.PHONY: run test setup system-offscreen system-tests system-window lint bench bundle demo clean

# A local virtual environment with the application and its test tools, reinstalled when pyproject changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

system-offscreen:
	@bash scripts/setup-system.sh offscreen

system-tests:
	@bash scripts/setup-system.sh tests

system-window:
	@bash scripts/setup-system.sh window

# The demo portfolio lives in its own file, never the user's database.
$(DEMO_DB): | $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/portfolio demo --db $(DEMO_DB)

demo: $(DEMO_DB)

# Opens the application on the demo portfolio. Without a screen (a server, CI), it runs under Xvfb.
run: system-window $(STAMP) $(DEMO_DB)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/portfolio --db $(DEMO_DB) gui $(ARGS); \
	else \
		echo "make run: no screen here, the window opens on a virtual screen (Xvfb)" >&2; \
		xvfb-run -a -s "-screen 0 1440x900x24" $(BIN)/portfolio --db $(DEMO_DB) gui $(ARGS); \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

# Every test: lint, the layer contracts, then pytest (unit and UI, offscreen; the workbooks opened in LibreOffice,
# team mode on a throw-away PostgreSQL server: both must be there, the REQUIRE variables turn their absence into a
# failure, not a skip).
test: system-tests $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen PORTFOLIO_REQUIRE_LIBREOFFICE=1 PORTFOLIO_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The installable application for this platform (installer/build.py): on Linux, build/dist/portefeuille-sasn/
# and its .tar.gz with a menu entry and an installer script. Then: build/dist/portefeuille-sasn/portfolio --self-test
bundle: system-offscreen $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bundle]'
	QT_QPA_PLATFORM=offscreen $(BIN)/python installer/build.py $(BUNDLE_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo build dist *.egg-info src/*.egg-info .pytest_cache .ruff_cache
