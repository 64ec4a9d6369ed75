# Two entry points for a fresh machine (Python 3.11 + pip):
#   make demo   create .venv, install ciasa, run the main job on the embedded default
#   make test   create .venv, install ciasa, run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo_out

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "ciasa needs Python 3.11 (bpy 5.0.1); set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

demo: setup
	$(BIN)/ciasa data synth --out $(DEMO)/synth --samples 2000 --frames 64 --seed 0
	$(BIN)/ciasa data info $(DEMO)/synth/val.npz
	$(BIN)/ciasa data plot $(DEMO)/synth/val.npz --index 5 --out $(DEMO)/cheer_up.png --gif $(DEMO)/cheer_up.gif
	$(BIN)/ciasa data plot $(DEMO)/synth/val.npz --index 2 --out $(DEMO)/sitting_down.png
	@echo "demo outputs in $(DEMO)/"

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/bench_synth.py
	$(BIN)/python bench/bench_stgcn_read.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
