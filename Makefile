# shaderkd: `make setup` once, then `make shards` / `make distill`; `make test` for the tests.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --locked --all-extras

# make shards: the default corpus from the project's own bank
BANK ?= shaders
NAME ?= default
OUT ?= shards/$(NAME)
COUNT ?= 50000
SIZE ?= 32
SUPERSAMPLE ?= 2
SEED ?= 0
SHARD_SIZE ?= 1000
WORKERS ?= 0

# make distill: the shader method on the bundled CIFAR-10 teacher (recipe cifar10-cpu)
RECIPE ?= cifar10-cpu
RUN_DIR ?= runs/$(RECIPE)
# VAL=SPEC scores on a dataset you name (e.g. VAL=cifar10:/data/cifar10:test); by default the recipe's
# (../shared's CIFAR-10 JPEG val split), or agreement with the teacher on held-out shader images.
VAL ?=
SET ?=
# CURATE=1 (the default when OUT is shards/default): make distill trains on a teacher-balanced set: POOL
# images rendered from BANK (seed POOL_SEED) into shards/pool, of which the recipe's teacher keeps at most
# PER_CLASS a class, its most confident (`shaderkd curate`; +1.3 points on cifar10-cpu,
# bench/NOTES-quality.md). With another OUT (a set you pulled or rendered) make distill trains on OUT as it
# is, or with CURATE=1 curates OUT itself. CURATE=0: on OUT as rendered. A URL OUT is used as it is.
DEFAULT_OUT := $(filter shards/default,$(OUT))
CURATE ?= $(if $(DEFAULT_OUT),1,0)
POOL ?= 150000
POOL_SEED ?= 1
PER_CLASS ?= 5000
POOL_OUT ?= $(if $(DEFAULT_OUT),shards/pool,$(OUT))
CURATED ?= $(if $(DEFAULT_OUT),shards/curated-$(RECIPE),$(OUT)-curated-$(RECIPE))
# make bench-quality: one budget of student updates per task (the README's tables)
BENCH_MNIST ?= --steps 1000 --batch-size 128 --rdskd-pretrain 300
BENCH_CIFAR10 ?= --steps 400 --batch-size 128 --rdskd-pretrain 200

.PHONY: setup shards distill test test-fast bench-render bench-pull bench-quality bench-data bench-budget bench-distill bench-scale bank-check clean-shards gpu-check

setup:
	bash scripts/setup.sh

# $(call render,OUT,COUNT,SEED): a set from BANK with the size and shard settings above
render = $(RUN) shaderkd render --bank $(BANK) --out $(1) --count $(2) --size $(SIZE) \
	  --supersample $(SUPERSAMPLE) --seed $(3) --shard-size $(SHARD_SIZE) --workers $(WORKERS)
RENDER := $(call render,$(OUT),$(COUNT),$(SEED))

# OUT may be a URL (https://..., file://...) for make distill: the set is then streamed through the
# shard cache, and there is nothing to render.
OUT_IS_URL := $(findstring ://,$(OUT))
SHARDS_DEP := $(if $(OUT_IS_URL),,$(OUT)/manifest.json)
ifeq ($(OUT_IS_URL),)
$(OUT)/manifest.json:
	$(RENDER)
endif

# the pool (rendered only for the default OUT; another OUT is its own pool) and the curated set (CURATE=1)
POOL_RENDER = $(call render,$(POOL_OUT),$(POOL),$(POOL_SEED))
ifeq ($(OUT_IS_URL),)
ifneq ($(POOL_OUT),$(OUT))
$(POOL_OUT)/manifest.json:
	$(POOL_RENDER)
endif
$(CURATED)/manifest.json: $(POOL_OUT)/manifest.json
	$(RUN) shaderkd curate --recipe $(RECIPE) --shards $(POOL_OUT) --out $(CURATED) --per-class $(PER_CLASS)
endif

CURATING := $(if $(OUT_IS_URL),,$(filter 1,$(CURATE)))
DATA := $(if $(OUT_IS_URL),$(OUT),$(abspath $(if $(CURATING),$(CURATED),$(OUT))))
DATA_DEP := $(if $(OUT_IS_URL),,$(if $(CURATING),$(CURATED)/manifest.json,$(OUT)/manifest.json))

# Always runs the renderer: it renders only what is missing, and finishes an interrupted render.
# With CURATE=1 also the pool and the curated set for RECIPE.
shards:
	$(RENDER)
	$(RUN) shaderkd verify $(OUT)
ifneq ($(CURATING),)
ifneq ($(POOL_OUT),$(OUT))
	$(POOL_RENDER)
endif
	$(MAKE) $(CURATED)/manifest.json
endif

# Renders (and curates) the shards first when they are missing, then trains (resumes when RUN_DIR exists).
distill: $(DATA_DEP)
	$(RUN) shaderkd distill --recipe $(RECIPE) --out $(RUN_DIR) --set data.shards=$(DATA) \
	  $(if $(VAL),--set eval.val=$(VAL)) $(foreach s,$(SET),--set $(s))

test:
	$(RUN) pytest -q

test-fast:
	$(RUN) pytest -q -m "not slow"

bank-check:
	$(RUN) shaderkd bank check $(BANK)

bench-render:
	$(RUN) python bench/render_bench.py

# Rendering in 1 part vs 2 (--part, finalize) and cifar10-cpu in 1 process vs 2 (--nproc 2): bench/results/scale.json
bench-scale:
	$(RUN) python bench/scale_bench.py

# Pulling shards/default over loopback HTTP vs a plain copy; training reads with and without hash checks
bench-pull: $(SHARDS_DEP)
	$(RUN) python bench/pull_bench.py --shards $(OUT)

# Shader method vs DFAD vs RDSKD vs real-image KD vs supervised, MNIST teacher, 3 seeds (needs shards)
bench-quality: $(SHARDS_DEP)
	$(RUN) python bench/quality.py --task mnist $(BENCH_MNIST)
	$(RUN) python bench/quality.py --task cifar10 $(BENCH_CIFAR10)

# make bench-data: which shader set makes the best student: project bank / Shadertoy / mixed, each with and
# without teacher-balanced curation, 3 seeds (renders the sets into runs/bench-data first; resumable)
BENCH_DATA_MNIST ?= --steps 2000
BENCH_DATA_CIFAR10 ?= --steps 2225
bench-data:
	$(RUN) python bench/data.py --task mnist $(BENCH_DATA_MNIST)
	$(RUN) python bench/data.py --task cifar10 $(BENCH_DATA_CIFAR10)

# make bench-budget: CIFAR-10 accuracy against budget (shader, real-image KD, DFAD); hours on a CPU,
# resumable: run it again after an interruption
BENCH_BUDGET ?= --task cifar10 --budgets 600 2400 9600 38400 --seeds 0 --limit dfad=9600
bench-budget: $(SHARDS_DEP)
	$(RUN) python bench/budget.py $(BENCH_BUDGET)

# Where a distillation step's time goes, per part, for cifar10-cpu and mnist-lenet5, with a plain-KD
# reference, FLOP/s and a profiler trace (bench/results/distill-bench.{md,json}, bench/NOTES-distill.md)
bench-distill: $(SHARDS_DEP)
	$(RUN) python bench/distill_bench.py --shards $(OUT)

# The GPU run (scripts/gpu-check.sh): report in GPU_CHECK_DIR/gpu-check.md; SMOKE=1: every stage on the
# CPU with tiny sizes. On a machine without uv: scripts/gpu-check.sh --bundle DIR (scripts/gpu-bundle.sh).
GPU_CHECK_DIR ?= runs/gpu-check$(if $(SMOKE),-smoke)
gpu-check:
	bash scripts/gpu-check.sh $(if $(SMOKE),--smoke) $(GPU_CHECK_DIR)

clean-shards:
	rm -rf $(OUT)
