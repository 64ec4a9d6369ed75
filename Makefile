# Two entry points for a fresh machine (Python 3.11 + pip):
#   make demo   create .venv, install ciasa, run the main job on the embedded default
#   make test   create .venv, install ciasa, run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo_out

# root runs apt-get itself; anyone else through sudo
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup demo test bench clean bundled-models

# A headless Chromium (Debian package chromium-headless-shell) is needed only by the report's
# screenshot test, which skips without it; a failed install warns and goes on.
setup: $(VENV)/.installed
	@command -v chromium-headless-shell >/dev/null 2>&1 || command -v chromium >/dev/null 2>&1 || \
		{ command -v apt-get >/dev/null 2>&1 && \
		  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium-headless-shell; } || \
		echo "warning: chromium-headless-shell not installed (no apt-get or no rights); the report screenshot test will skip"

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "ciasa needs Python 3.11 (bpy 5.0.1); set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m render.bodies.anny_build
	touch $@

# The main job: the cross-modal experiment on the embedded default (12 held-out synthetic
# sequences, one per class; CIASA advanced mode, 100 iterations; Anny at 320x180; MediaPipe;
# stgcn-synth), about 16 min on 2 cores; prints where the report is. Re-running it
# reuses every finished stage.
demo: setup
	$(BIN)/ciasa run --run-dir $(DEMO)/cross-modal
	$(BIN)/ciasa data synth --out $(DEMO)/synth --samples 2000 --frames 64 --seed 0
	$(BIN)/ciasa data info $(DEMO)/synth/val.npz
	$(BIN)/ciasa data plot $(DEMO)/synth/val.npz --index 5 --out $(DEMO)/cheer_up.png --gif $(DEMO)/cheer_up.gif
	$(BIN)/ciasa data plot $(DEMO)/synth/val.npz --index 2 --out $(DEMO)/sitting_down.png
	$(BIN)/ciasa evaluate --data $(DEMO)/synth/val.npz --model stgcn-synth --out $(DEMO)/eval-stgcn
	$(BIN)/ciasa render --data $(DEMO)/synth/val.npz --indices 5 --quality default --out $(DEMO)/renders
	@echo "demo outputs in $(DEMO)/"

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/bench_synth.py
	$(BIN)/python bench/bench_stgcn_read.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache

# Retrain the bundled recognisers exactly as recorded in pipeline/models/bundled/MODEL_CARD.md
# (about 25-40 min each on a 2-core CPU; resumable: re-run after an interruption).
BUNDLED_DATA := build/synth-bundled
bundled-models: setup
	$(BIN)/ciasa data synth --out $(BUNDLED_DATA) --samples 2000 --frames 64 --seed 0
	$(BIN)/ciasa -v train --data $(BUNDLED_DATA) --arch stgcn --out pipeline/models/bundled/stgcn-synth.pt \
		--epochs 4 --preprocess center --seed 0 --threads 2 --half --resume --name stgcn-synth
	$(BIN)/ciasa -v train --data $(BUNDLED_DATA) --arch agcn-joint --out pipeline/models/bundled/agcn-joint-synth.pt \
		--epochs 3 --num-person 1 --seed 0 --threads 2 --half --resume --name agcn-joint-synth
	$(BIN)/ciasa -v train --data $(BUNDLED_DATA) --arch agcn-bone --out pipeline/models/bundled/agcn-bone-synth.pt \
		--epochs 3 --num-person 1 --seed 0 --threads 2 --half --resume --name agcn-bone-synth
