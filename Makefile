# 头雁 Touyan — developer and CI entry points (GNU make, Linux).
#
#   make demo     fresh machine → dependencies, migrations, demo county, server on 127.0.0.1:$(PORT)
#   make test     ruff, Django checks, migration check, whole pytest suite (SQLite, eager Celery),
#                 including the real-browser tests in tests/e2e (headless Chromium, see `make browser`)
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
# Browser tests: Playwright for Python (tests/e2e/requirements.txt) drives Debian's Chromium.
E2E_REQUIREMENTS := tests/e2e/requirements.txt
E2E_STAMP := $(VENV)/.touyan-e2e.stamp
CHROMIUM ?= /usr/bin/chromium
# `make test` always runs against SQLite with eager Celery, whatever the shell exports.
LOCAL_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_EAGER
# Worker and beat need a broker; without REDIS_URL they use the local Redis.
WORKER_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
BENCH_ARGS ?=

.PHONY: help deps browser demo serve test lint check pytest e2e test-services bench bench-pages worker beat clean

help:
	@echo "make demo           安装依赖、迁移、生成演示县数据并启动 http://127.0.0.1:$(PORT)（PORT=… 可改端口）"
	@echo "make test           ruff + check + makemigrations --check + pytest（SQLite，Celery eager）"
	@echo "make lint           ruff check + ruff format --check"
	@echo "make e2e            只运行真实浏览器测试（tests/e2e，无头 Chromium），并更新 docs/screenshots/"
	@echo "make browser        安装 Debian 的 chromium 和中文字体（已安装则跳过；需要 root）"
	@echo "make test-services  全部测试改用 PostgreSQL + Redis + 真实 Celery worker（CI 使用）"
	@echo "make bench          列表页/接口性能基准（BENCH_ARGS='--scale 5'）"
	@echo "make bench-pages    全部列表、详情、报表页和接口的耗时（BENCH_ARGS='--scale 20 --database-url postgres://…'）"
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

$(E2E_STAMP): $(E2E_REQUIREMENTS) $(PY_STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -r $(E2E_REQUIREMENTS)
	touch $@

deps: $(PY_STAMP) $(NODE_STAMP) $(E2E_STAMP)

# Debian's headless Chromium for tests/e2e (with chromium-l10n: Chinese date inputs), a CJK font (screenshots, and the 一人一档 PDF) and
# pango (WeasyPrint's text layout for the PDF).
# Skipped when both are there; never fails the build: without a browser the e2e tests are skipped
# with a message saying why (`playwright install` is never used: it downloads a browser of its own).
browser:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing=" chromium"; \
	[ -d /usr/lib/chromium/locales ] && ls /usr/lib/chromium/locales | grep -q '^zh-CN' || missing="$$missing chromium-l10n"; \
	if ! fc-list :lang=zh 2>/dev/null | grep -q .; then missing="$$missing fonts-noto-cjk"; fi; \
	if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0; then missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; fi; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "==> apt-get install$$missing (for the browser tests)"; \
		: "a package run interrupted earlier (seen on a new machine) blocks apt until dpkg finishes it"; \
		DEBIAN_FRONTEND=noninteractive dpkg --configure -a >/dev/null || echo "WARNING: dpkg --configure -a failed (see above)" >&2; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } || \
			echo "WARNING: could not install$$missing; the browser tests (tests/e2e) will be skipped." >&2; \
	else \
		echo "WARNING:$$missing not installed and not root; run 'sudo apt-get install$$missing' or the browser tests (tests/e2e) are skipped." >&2; \
	fi

# --- the demo ----------------------------------------------------------------------------------
# DEMO=1: runs like production (DEBUG off, the app's error pages, static files from WhiteNoise),
# on plain http with a secret key generated once into var/secret_key (config/local.py).
demo: deps browser
	DEMO=1 $(MANAGE) migrate --noinput -v0
	DEMO=1 $(MANAGE) collectstatic --noinput -v0
	DEMO=1 $(MANAGE) seed_demo
	@echo ""
	@echo "头雁已启动：http://127.0.0.1:$(PORT)/   （Ctrl-C 停止；再次 make demo 复用现有数据）"
	DEMO=1 $(MANAGE) runserver 127.0.0.1:$(PORT)

serve: deps
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# --- quality gates -----------------------------------------------------------------------------
lint: $(PY_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(PY_STAMP)
	$(LOCAL_ENV) $(MANAGE) check
	$(LOCAL_ENV) $(MANAGE) makemigrations --check --dry-run

pytest: deps browser
	$(LOCAL_ENV) $(VENV)/bin/pytest -p no:cacheprovider -rs

# Only the real-browser journeys; rewrites docs/screenshots/*.png.
e2e: deps browser
	$(LOCAL_ENV) $(VENV)/bin/pytest -p no:cacheprovider -rs tests/e2e

test: deps browser lint check pytest

# The PostgreSQL + Redis + real worker run (starts the services when they are down).
test-services: deps browser
	bash .ci/run services

bench: deps
	$(LOCAL_ENV) $(PY) bench/run.py $(BENCH_ARGS)

# Every list, detail, report and API page of the URLconf; exits 2 when one is over its target.
bench-pages: deps
	$(LOCAL_ENV) $(PY) bench/pages.py $(BENCH_ARGS)

# --- background processes ----------------------------------------------------------------------
worker: deps
	REDIS_URL=$(WORKER_REDIS_URL) $(VENV)/bin/celery -A config worker -l info

beat: deps
	REDIS_URL=$(WORKER_REDIS_URL) $(VENV)/bin/celery -A config beat -l info -s $(VENV)/celerybeat-schedule

clean:
	rm -rf staticfiles bench/results
