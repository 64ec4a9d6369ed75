# Two entry points for a fresh machine (Python 3.11 + pip):
#   make demo   create .venv, install ciasa, run the main job on the embedded default
#   make test   create .venv, install ciasa, run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo_out

# root runs apt-get itself; anyone else through sudo
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup demo test bench clean bundled-models bundled-models-ntu60 bundled-models-ntu12 kinect-adapter

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

# The main job: the cross-modal experiment on the embedded default (12 held-out sequences of
# the NTU-60-like world's X-view validation camera, 12 classes, one each; CIASA advanced
# mode, 100 iterations; Anny at 640x360; MediaPipe with flip averaging; stgcn-ntu60, its bundled peers
# scoring the same skeletons: the transfer table); prints where the report is
# (time on 2 cores: README). Re-running it reuses every finished stage. Then a small
# NTU-60-like set (2 takes per class), strips and a GIF, the bundled model's evaluation and
# one two-person render.
demo: setup
	$(BIN)/ciasa run --run-dir $(DEMO)/cross-modal 'evaluate.transfer_models=[peers]' control=noise
	$(BIN)/ciasa data synth-ntu60 --out $(DEMO)/ntu60 --takes-per-class 2 --seed 0
	$(BIN)/ciasa data info $(DEMO)/ntu60/xview/val.npz
	$(BIN)/ciasa data plot $(DEMO)/ntu60/xview/val.npz --index 88 --out $(DEMO)/hand_waving.png --gif $(DEMO)/hand_waving.gif
	$(BIN)/ciasa data plot $(DEMO)/ntu60/xview/val.npz --index 44 --out $(DEMO)/writing.png
	$(BIN)/ciasa data plot $(DEMO)/ntu60/xview/val.npz --index 112 --out $(DEMO)/playing_with_phone.png
	$(BIN)/ciasa evaluate --data $(DEMO)/ntu60/xview/val.npz --model stgcn-ntu60 --out $(DEMO)/eval-stgcn
	$(BIN)/ciasa render --data $(DEMO)/ntu60/xview/val.npz --indices 228 --out $(DEMO)/renders
	@echo "demo outputs in $(DEMO)/"

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/bench_synth.py
	$(BIN)/python bench/bench_stgcn_read.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache

# Retrain the bundled recognisers exactly as recorded in pipeline/models/bundled/MODEL_CARD.md
# (resumable: re-run after an interruption). The NTU-60-like world's ST-GCN: 18 epochs of
# 4,800 sequences, 470-550 s per epoch on a 2-core AMD EPYC with AVX-512 BF16 (measured for
# epochs 10-18), so about 2.5 h; its 2s-AGCN joint and bone streams (width 16): about 50 s per epoch,
# 35 min each; its MS-G3D joint stream (width 12): about 80 s per epoch, 22 min; the twelve-class
# ones 25-40 min each.
NTU60_DATA   := build/ntu60
BUNDLED_DATA := build/synth-bundled
bundled-models: bundled-models-ntu60 bundled-models-ntu12

bundled-models-ntu60: setup
	$(BIN)/ciasa data synth-ntu60 --out $(NTU60_DATA) --seed 0
	$(BIN)/ciasa -v train --data $(NTU60_DATA)/xview --arch stgcn --out pipeline/models/bundled/stgcn-ntu60.pt \
		--epochs 18 --batch-size 16 --lr 0.05 --warmup-epochs 0.5 --schedule cosine --preprocess center \
		--window 64 --precision bf16 --eval-every 2 --seed 0 --threads 2 --half --resume --name stgcn-ntu60
	$(BIN)/ciasa -v train --data $(NTU60_DATA)/xview --arch agcn-joint --out pipeline/models/bundled/agcn-joint-ntu60.pt \
		--width 16 --window 32 --num-person 2 --epochs 40 --batch-size 16 --lr 0.05 --warmup-epochs 0.5 \
		--schedule step --lr-steps 0.6,0.8 --precision bf16 --eval-every 10 --seed 0 --threads 2 \
		--random-crop 1 --no-random-move --half --resume --name agcn-joint-ntu60
	$(BIN)/ciasa -v train --data $(NTU60_DATA)/xview --arch agcn-bone --out pipeline/models/bundled/agcn-bone-ntu60.pt \
		--width 16 --window 32 --num-person 2 --epochs 40 --batch-size 16 --lr 0.05 --warmup-epochs 0.5 \
		--schedule step --lr-steps 0.6,0.8 --precision bf16 --eval-every 10 --seed 0 --threads 2 \
		--random-crop 1 --no-random-move --half --resume --name agcn-bone-ntu60
	$(BIN)/ciasa -v train --data $(NTU60_DATA)/xview --arch msg3d --out pipeline/models/bundled/msg3d-joint-ntu60.pt \
		--width 12 --window 32 --num-person 2 --epochs 16 --batch-size 16 --lr 0.05 --warmup-epochs 0.5 \
		--schedule step --lr-steps 0.6,0.8 --weight-decay 0.0005 --precision bf16 --eval-every 8 --seed 0 \
		--threads 2 --random-crop 1 --no-random-move --half --resume --name msg3d-joint-ntu60
	$(BIN)/ciasa -v train --data $(NTU60_DATA)/xview --arch ctrgcn --out pipeline/models/bundled/ctrgcn-joint-ntu60.pt \
		--width 16 --window 32 --num-person 2 --epochs 40 --batch-size 16 --lr 0.05 --warmup-epochs 3 \
		--schedule step --lr-steps 0.54,0.85 --weight-decay 0.0004 --precision bf16 --eval-every 10 --seed 0 \
		--threads 2 --random-crop 0.5 --no-random-move --half --resume --name ctrgcn-joint-ntu60

bundled-models-ntu12: setup
	$(BIN)/ciasa data synth --out $(BUNDLED_DATA) --samples 2000 --frames 64 --seed 0
	$(BIN)/ciasa -v train --data $(BUNDLED_DATA) --arch stgcn --out pipeline/models/bundled/stgcn-synth.pt \
		--epochs 4 --preprocess center --seed 0 --threads 2 --half --resume --name stgcn-synth
	$(BIN)/ciasa -v train --data $(BUNDLED_DATA) --arch agcn-joint --out pipeline/models/bundled/agcn-joint-synth.pt \
		--epochs 3 --num-person 1 --seed 0 --threads 2 --half --resume --name agcn-joint-synth
	$(BIN)/ciasa -v train --data $(BUNDLED_DATA) --arch agcn-bone --out pipeline/models/bundled/agcn-bone-synth.pt \
		--epochs 3 --num-person 1 --seed 0 --threads 2 --half --resume --name agcn-bone-synth

# Retrain the bundled Kinect adapter (pose_extract/bundled/ADAPTER_CARD.md): two draws (seeds 0
# and 1) of 2 windows of 40 frames per class of the NTU-60-like world's X-view training split,
# rendered on Anny at the default 640x360 (about 45 min per draw on 2 cores), extracted and
# paired with the renders' ground truth, then trained (under a minute). Resumable: finished
# renders, pair files and the training state are reused.
ADAPTER_DATA := build/adapter/train
kinect-adapter: setup
	@[ -f $(NTU60_DATA)/xview/train.npz ] || $(BIN)/ciasa data synth-ntu60 --out $(NTU60_DATA) --seed 0
	$(BIN)/ciasa -v adapter data --train-set $(NTU60_DATA)/xview/train.npz --out $(ADAPTER_DATA) \
		--per-class 2 --frames 40 --seed 0 --threads 2
	$(BIN)/ciasa -v adapter data --train-set $(NTU60_DATA)/xview/train.npz --out $(ADAPTER_DATA)-s1 \
		--per-class 2 --frames 40 --seed 1 --threads 2
	$(BIN)/ciasa -v adapter train --pairs $(ADAPTER_DATA)/pairs --pairs $(ADAPTER_DATA)-s1/pairs \
		--out pose_extract/bundled/kinect-adapter.pt --seed 0 --threads 2
