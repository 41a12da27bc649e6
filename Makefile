# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
DEMO_SEED ?= 7

.PHONY: run test setup assets lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Browser assets (Leaflet & co.) copied from installed packages into static/vendor (git-ignored).
assets: $(STAMP)
	$(BIN)/tablero assets install

## Set up and run the app on the embedded default (SQLite under data/) at http://localhost:$(PORT)
run: assets
	$(BIN)/tablero db upgrade
	$(BIN)/tablero demo seed --scale demo --seed $(DEMO_SEED) --if-empty
	$(BIN)/tablero geodata import-configured
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

## Set up and run the whole test suite (SQLite and PostgreSQL, AppTest, Chromium end-to-end).
## Unit, SQL and AppTest tests run on two workers; browser tests then run one at a time, so
## a real app server and Chromium never compete with another one for the two cores.
test: assets lint
	$(BIN)/pytest -n 2 -q -p no:cacheprovider -rfE -m "not browser" $(PYTEST_ARGS)
	$(BIN)/pytest -q -p no:cacheprovider -rfE -m browser $(PYTEST_ARGS)

## House rules: ruff, then the layer contracts of import-linter (pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/tablero bench --scale national

clean:
	rm -rf $(VENV) data static/vendor
