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

.PHONY: setup shards test test-fast bench-render bank-check clean-shards

setup:
	bash scripts/setup.sh

$(OUT)/manifest.json:
	$(RUN) shaderkd render --bank $(BANK) --out $(OUT) --count $(COUNT) --size $(SIZE) \
	  --supersample $(SUPERSAMPLE) --seed $(SEED) --shard-size $(SHARD_SIZE) --workers $(WORKERS)

# Always runs the renderer: it renders only what is missing, and finishes an interrupted render.
shards:
	$(RUN) shaderkd render --bank $(BANK) --out $(OUT) --count $(COUNT) --size $(SIZE) \
	  --supersample $(SUPERSAMPLE) --seed $(SEED) --shard-size $(SHARD_SIZE) --workers $(WORKERS)
	$(RUN) shaderkd verify $(OUT)

test:
	$(RUN) pytest -q

test-fast:
	$(RUN) pytest -q -m "not slow"

bank-check:
	$(RUN) shaderkd bank check $(BANK)

bench-render:
	$(RUN) python bench/render_bench.py

clean-shards:
	rm -rf $(OUT)
