# Two commands for a fresh machine with Python 3.11+:
#   make run    set up, migrate, load the demo and serve http://127.0.0.1:8000
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install browser nginx wrk gettext axe lighthouse lint messages vendor

install: $(VENV)/.installed gettext

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

run: install
	DEBUG=true $(BIN)/python manage.py migrate
	DEBUG=true $(BIN)/python manage.py load_demo --demo-account
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# Browser tests drive Debian's Chromium; install it when it is missing.
browser:
	@test -x /usr/bin/chromium || { \
		echo "Installing Chromium for the browser tests (apt-get)..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The serving stack (deploy/stack, tests/test_stack.py) puts Debian's nginx in front of
# gunicorn, with its Brotli module; install them when missing. On a host with systemd, Debian
# also starts the system's nginx on port 80; the stack runs its own, on a port of its own.
nginx:
	@test -x /usr/sbin/nginx && test -f /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so || { \
		echo "Installing nginx for the serving stack's tests (apt-get)..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx \
			libnginx-mod-http-brotli-filter >/dev/null; }

# The load run (bench/load.py, tests/test_battery_load.py) drives the stack with Debian's wrk.
wrk:
	@command -v wrk >/dev/null || { \
		echo "Installing wrk for the load run (apt-get)..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }

# The translations' tools (makemessages/compilemessages run xgettext, msgmerge, msgfmt).
gettext:
	@command -v xgettext >/dev/null && command -v msgfmt >/dev/null || { \
		echo "Installing gettext for the translations (apt-get)..."; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq gettext >/dev/null; }

# After changing the interface's texts: update the catalogues, translate, then compile.
messages: install
	DEBUG=true $(BIN)/python manage.py makemessages -l ru -l kk --ignore=.venv --ignore=tests --ignore=bench
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

# The accessibility checker the browser tests run in each page: axe-core, from npm.
AXE := .cache/axe/node_modules/axe-core/axe.min.js
axe: $(AXE)

$(AXE):
	npm install --silent --no-save --no-audit --no-fund --prefix .cache/axe axe-core@4.14.1

# The judge of the stack's compression (tests/test_stack.py): Lighthouse, from npm, which drives
# Debian's Chromium.
LIGHTHOUSE := .cache/lighthouse/node_modules/.bin/lighthouse
lighthouse: $(LIGHTHOUSE)

$(LIGHTHOUSE):
	npm install --silent --no-save --no-audit --no-fund --prefix .cache/lighthouse lighthouse@12.8.2

# The maps' scripts: Leaflet and its marker clustering plugin, from npm, copied into
# static/vendor/ with their licences. The copies are committed, so the site needs no npm to
# run; run this again only to change a version (then commit static/vendor/).
LEAFLET := leaflet@1.9.4
MARKERCLUSTER := leaflet.markercluster@1.5.3
NPM_VENDOR := .cache/vendor/node_modules
vendor:
	rm -rf .cache/vendor static/vendor/leaflet static/vendor/leaflet.markercluster
	npm install --silent --no-save --no-audit --no-fund --prefix .cache/vendor $(LEAFLET) $(MARKERCLUSTER)
	mkdir -p static/vendor/leaflet/images static/vendor/leaflet.markercluster
	cd $(NPM_VENDOR)/leaflet && cp LICENSE package.json dist/leaflet.js dist/leaflet.js.map dist/leaflet.css \
		$(CURDIR)/static/vendor/leaflet/
	cp $(NPM_VENDOR)/leaflet/dist/images/*.png static/vendor/leaflet/images/
	cd $(NPM_VENDOR)/leaflet.markercluster && cp MIT-LICENCE.txt package.json \
		dist/leaflet.markercluster.js dist/leaflet.markercluster.js.map \
		dist/MarkerCluster.css dist/MarkerCluster.Default.css \
		$(CURDIR)/static/vendor/leaflet.markercluster/
	find static/vendor -type f -exec chmod 644 {} +

test: install browser nginx wrk axe lighthouse
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
