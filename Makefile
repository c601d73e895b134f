# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install chromium demo test lint bench evals serve clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,embeddings]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Debian's Chromium for browser synthetics and RUM tests (Playwright cannot download browsers here).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Debian's chromium"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

install: $(STAMP) chromium

demo: install
	$(PY) -m ollystack.cli demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install lint
	$(PY) -m pytest -q

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/backfill.py --days 1
	$(PY) bench/slo.py
	$(PY) bench/detect.py
	$(PY) bench/logs.py
	$(PY) bench/topology.py

evals: install
	$(PY) -m ollystack.cli eval run --json evals/results.json

serve: install
	$(PY) -m ollystack.cli serve

clean:
	rm -rf $(VENV) .ollystack
