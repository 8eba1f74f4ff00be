# 头雁 Touyan — developer and CI entry points (GNU make, Linux).
#
#   make demo     fresh machine → dependencies, migrations, demo county, server on 127.0.0.1:$(PORT)
#   make test     ruff, Django checks, migration check, whole pytest suite (SQLite, eager Celery)
#
# Dependencies are installed once and re-installed only when requirements.lock / package.json /
# package-lock.json change (stamp files inside .venv/ and node_modules/).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 8000
VENV ?= .venv
PYTHON_BOOT ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PY_STAMP := $(VENV)/.touyan-requirements.stamp
NODE_STAMP := node_modules/.touyan-npm.stamp
# `make test` always runs against SQLite with eager Celery, whatever the shell exports.
LOCAL_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_EAGER
# Worker and beat need a broker; without REDIS_URL they use the local Redis.
WORKER_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
BENCH_ARGS ?=

.PHONY: help deps demo serve test lint check pytest test-services bench worker beat clean

help:
	@echo "make demo           安装依赖、迁移、生成演示县数据并启动 http://127.0.0.1:$(PORT)（PORT=… 可改端口）"
	@echo "make test           ruff + check + makemigrations --check + pytest（SQLite，Celery eager）"
	@echo "make lint           ruff check + ruff format --check"
	@echo "make test-services  全部测试改用 PostgreSQL + Redis + 真实 Celery worker（CI 使用）"
	@echo "make bench          列表页/接口性能基准（BENCH_ARGS='--scale 5'）"
	@echo "make worker | beat  启动 Celery worker / beat（REDIS_URL，默认 redis://127.0.0.1:6379/0）"

# --- dependencies ------------------------------------------------------------------------------
$(PY):
	$(PYTHON_BOOT) -m venv $(VENV)

$(PY_STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.lock
	touch $@

$(NODE_STAMP): package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	touch $@

deps: $(PY_STAMP) $(NODE_STAMP)

# --- the demo ----------------------------------------------------------------------------------
demo: deps
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) collectstatic --noinput -v0
	$(MANAGE) seed_demo
	@echo ""
	@echo "头雁已启动：http://127.0.0.1:$(PORT)/   （Ctrl-C 停止；再次 make demo 复用现有数据）"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

serve: deps
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# --- quality gates -----------------------------------------------------------------------------
lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(PY_STAMP)
	$(LOCAL_ENV) $(MANAGE) check
	$(LOCAL_ENV) $(MANAGE) makemigrations --check --dry-run

pytest: deps
	$(LOCAL_ENV) $(VENV)/bin/pytest -p no:cacheprovider

test: deps lint check pytest

# The PostgreSQL + Redis + real worker run (starts the services when they are down).
test-services: deps
	bash .ci/run services

bench: deps
	$(LOCAL_ENV) $(PY) bench/run.py $(BENCH_ARGS)

# --- background processes ----------------------------------------------------------------------
worker: deps
	REDIS_URL=$(WORKER_REDIS_URL) $(VENV)/bin/celery -A config worker -l info

beat: deps
	REDIS_URL=$(WORKER_REDIS_URL) $(VENV)/bin/celery -A config beat -l info -s $(VENV)/celerybeat-schedule

clean:
	rm -rf staticfiles bench/results
