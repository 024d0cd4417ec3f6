# The two commands of the README: `make demo` and `make test`. Both install what they need.
.PHONY: demo test lint bench bootstrap

bootstrap:
	@./scripts/bootstrap.sh

demo: bootstrap
	.venv/bin/makelaar demo

test: bootstrap
	PYTHONHASHSEED=0 .venv/bin/python -m pytest -n 2 -q

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/lint-imports

bench: bootstrap
	.venv/bin/python -m bench.crypto_ops
