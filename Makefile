# The README's two commands: `make run` and `make test`. Both install what they need.
PORT ?= 4000
CONFIG ?= config/quickstart.yaml
JOBS ?= $(shell nproc)

.PHONY: deps npm build build-asan run test test-unit bench format tidy clean

deps:
	@bash scripts/install-deps.sh

npm:
	@cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && cd ../mocks && npm ci --no-audit --no-fund --loglevel=error

# Also trains the learned router of the quickstart's demo-auto group from the
# bundled sample data (a fraction of a second), where the config expects it.
build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target routeiq mock-provider
	bash scripts/train-quickstart-router.sh build/routeiq build/quickstart

build-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

run: build
	./build/routeiq serve --config $(CONFIG) --port $(PORT)

# Unit, integration and end-to-end tests, all under ASan + UBSan.
test: build-asan npm
	ctest --preset asan -j 1

test-unit: build-asan
	ctest --preset asan -R '^unit_'

bench: deps
	cmake --preset bench >/dev/null
	cmake --build --preset release -j $(JOBS)
	bash bench/run.sh

format:
	find src tests tools bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

# clang-tidy over src/ with the asan build's compile commands (configure only, no build).
tidy: deps
	cmake --preset asan >/dev/null
	bash scripts/tidy.sh build-asan $(JOBS)

clean:
	rm -rf build build-asan build-debug
